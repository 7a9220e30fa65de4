package redisstore_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/auth/lockout"
	"github.com/keel-go/keel/auth/lockout/lockouttest"
	"github.com/keel-go/keel/auth/lockout/redisstore"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newClient connects to KEEL_REDIS_URL, skipping the test when it is unset
// and failing it when Redis cannot be reached. It returns the client and a
// key prefix of the test's own, whose keys are deleted when it ends.
func newClient(t *testing.T) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("KEEL_REDIS_URL")
	if url == "" {
		t.Skip("set KEEL_REDIS_URL=redis://127.0.0.1:6379/0 to run against Redis")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("KEEL_REDIS_URL: %v", err)
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		t.Fatalf("Redis at KEEL_REDIS_URL unreachable: %v", err)
	}
	prefix := "keeltest:lockout:" + rand.Text()[:12] + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("cleaning up %s*: %v", prefix, err)
		}
		client.Close()
	})
	return client, prefix
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
