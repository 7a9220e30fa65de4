package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/keel-go/keel/auth/lockout"
	"github.com/keel-go/keel/auth/lockout/lockouttest"
	"github.com/keel-go/keel/auth/lockout/redisstore"
	"github.com/keel-go/keel/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newClient returns a client for KEEL_REDIS_URL and a key prefix of the
// test's own (see package redistest).
func newClient(t *testing.T) (*redis.Client, string) {
	return redistest.ClientPrefix(t, "lockout")
}

func TestStore(t *testing.T) {
	lockouttest.Run(t, func(t *testing.T) lockout.Store {
		client, prefix := newClient(t)
		return redisstore.MustNew(client, redisstore.Options{Prefix: prefix})
	})
}

func TestKeysUnderPrefix(t *testing.T) {
	client, prefix := newClient(t)
	s := redisstore.MustNew(client, redisstore.Options{Prefix: prefix})
	ctx := context.Background()
	now := time.Now()
	lim := lockout.MustNew(lockout.Options{Store: s, MaxFailures: 1, Now: func() time.Time { return now }})
	if _, err := lim.Fail(ctx, "Alice@Example.com", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 { // the account's counter and lock, the address's counter
		t.Errorf("keys = %q, want 3 under the prefix", keys)
	}
	for _, k := range keys {
		if ttl := client.PTTL(ctx, k).Val(); ttl <= 0 {
			t.Errorf("key %s has TTL %v, want an expiry", k, ttl)
		}
		if strings.Contains(strings.ToLower(k), "alice") {
			t.Errorf("key %s holds the username, want only its digest", k)
		}
	}
}

func TestCorruptLock(t *testing.T) {
	client, prefix := newClient(t)
	s := redisstore.MustNew(client, redisstore.Options{Prefix: prefix})
	ctx := context.Background()
	client.Set(ctx, prefix+"{k}:l", "not-a-number", time.Minute)
	if _, err := s.LockedUntil(ctx, "k", time.Now()); err == nil {
		t.Error("LockedUntil of a corrupt lock = nil error, want one")
	}
}

func TestNewNilClient(t *testing.T) {
	if _, err := redisstore.New(nil, redisstore.Options{}); err == nil {
		t.Error("New(nil) = nil error, want one")
	}
}

func TestUnreachable(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer client.Close()
	s := redisstore.MustNew(client, redisstore.Options{})
	lim := lockout.MustNew(lockout.Options{Store: s})
	if _, err := lim.Check(context.Background(), "u", "192.0.2.1"); err == nil {
		t.Error("Check with Redis down = nil error, want one: a login must not pass unchecked")
	}
}
