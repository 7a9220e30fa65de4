package redisstore_test

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/auth/mfa/mfatest"
	"github.com/keel-go/keel/auth/mfa/redisstore"
	"github.com/keel-go/keel/errors"
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
	prefix := "keeltest:mfa:" + rand.Text()[:12] + ":"
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
	mfatest.Run(t, func(t *testing.T) mfa.Store {
		client, prefix := newClient(t)
		return redisstore.MustNew(client, redisstore.Options{Prefix: prefix})
	})
}

// TestAttack_ReplayAcrossInstances accepts a code through one Verifier
// and replays it through another with its own Redis client: refused.
func TestAttack_ReplayAcrossInstances(t *testing.T) {
	c1, prefix := newClient(t)
	c2, _ := newClient(t)
	now := time.Now()
	clock := func() time.Time { return now }
	a := mfa.MustNew(mfa.Options{Issuer: "x", Store: redisstore.MustNew(c1, redisstore.Options{Prefix: prefix}), Now: clock})
	b := mfa.MustNew(mfa.Options{Issuer: "x", Store: redisstore.MustNew(c2, redisstore.Options{Prefix: prefix}), Now: clock})
	secret, _ := mfa.GenerateSecret()
	code, _ := a.Code(secret, now)
	ctx := context.Background()
	if err := a.Verify(ctx, "alice", secret, code); err != nil {
		t.Fatalf("first use = %v", err)
	}
	if err := b.Verify(ctx, "alice", secret, code); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("replay on another instance = %v, want ErrInvalidCode", err)
	}
	codes, _ := a.GenerateRecoveryCodes(ctx, "alice")
	if err := b.UseRecoveryCode(ctx, "alice", codes[2]); err != nil {
		t.Fatalf("recovery code on instance b = %v", err)
	}
	if err := a.UseRecoveryCode(ctx, "alice", codes[2]); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("recovery code reused on instance a = %v, want ErrInvalidCode", err)
	}
}

func TestKeysExpire(t *testing.T) {
	client, prefix := newClient(t)
	s := redisstore.MustNew(client, redisstore.Options{Prefix: prefix})
	ctx := context.Background()
	s.AdvanceStep(ctx, "u", 1)
	s.Attempt(ctx, "u", time.Minute, time.Now())
	for _, k := range []string{prefix + "{u}:s", prefix + "{u}:a"} {
		if ttl := client.PTTL(ctx, k).Val(); ttl <= 0 {
			t.Errorf("key %s has TTL %v, want an expiry", k, ttl)
		}
	}
}

func TestNewNilClient(t *testing.T) {
	if _, err := redisstore.New(nil, redisstore.Options{}); err == nil {
		t.Error("New(nil) = nil error, want one")
	}
}
