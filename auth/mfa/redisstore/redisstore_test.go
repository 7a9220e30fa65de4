package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/auth/mfa/mfatest"
	"github.com/keel-go/keel/auth/mfa/redisstore"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newClient returns a client for KEEL_REDIS_URL and a key prefix of the
// test's own (see package redistest).
func newClient(t *testing.T) (*redis.Client, string) {
	return redistest.ClientPrefix(t, "mfa")
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
