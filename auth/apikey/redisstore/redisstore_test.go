package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/auth/apikey"
	"github.com/keel-go/keel/auth/apikey/apikeytest"
	"github.com/keel-go/keel/auth/apikey/redisstore"
	"github.com/keel-go/keel/internal/redistest"
)

// newClient returns a client for KEEL_REDIS_URL and a key prefix of the
// test's own (see package redistest).
func newClient(t *testing.T) (*redis.Client, string) {
	return redistest.ClientPrefix(t, "apikey")
}

func newStore(t *testing.T) (*redisstore.Store, *redis.Client, string) {
	t.Helper()
	client, prefix := newClient(t)
	s, err := redisstore.New(client, redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	return s, client, prefix
}

func TestStore(t *testing.T) {
	apikeytest.Run(t, func(t *testing.T) apikey.Store {
		s, _, _ := newStore(t)
		return s
	})
}

func TestNew(t *testing.T) {
	if _, err := redisstore.New(nil, redisstore.Options{}); err == nil {
		t.Fatal("New(nil client) = nil error, want an error")
	}
}

func TestManagerOverRedis(t *testing.T) {
	s, client, prefix := newStore(t)
	m, err := apikey.New(s, apikey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	plain, k, err := m.Create(ctx, "alice", []string{"read"}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-API-Key", plain)
	p, err := m.Authenticate(r)
	if err != nil || p.Subject != "alice" || !p.HasScope("read") {
		t.Fatalf("Authenticate over Redis = %+v, %v, want alice with read", p, err)
	}
	// Nothing in Redis holds the key or its secret.
	secret := plain[len(plain)-apikey.SecretLen-apikey.ChecksumLen : len(plain)-apikey.ChecksumLen]
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		var vals []string
		if client.Type(ctx, key).Val() == "hash" {
			for f, v := range client.HGetAll(ctx, key).Val() {
				vals = append(vals, f, v)
			}
		} else {
			vals = client.SMembers(ctx, key).Val()
		}
		for _, v := range append(vals, key) {
			if strings.Contains(v, secret) {
				t.Fatalf("Redis holds the key's secret in %s", key)
			}
		}
	}
	if err := m.Revoke(ctx, "alice", k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Authenticate(r); err == nil {
		t.Fatal("Authenticate with a revoked key over Redis = nil error, want a refusal")
	}
}

func TestImportedKeyKeepsUseAndRevocation(t *testing.T) {
	s, _, _ := newStore(t)
	k := apikeytest.NewKey("alice")
	k.LastUsedAt = time.Now().Add(-time.Hour)
	k.RevokedAt = time.Now().Add(-time.Minute)
	if err := s.Create(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get(context.Background(), k.ID)
	if err != nil || !ok || !got.LastUsedAt.Equal(k.LastUsedAt) || !got.RevokedAt.Equal(k.RevokedAt) {
		t.Fatalf("Get = %+v, %v, %v, want the imported times", got, ok, err)
	}
}

func TestCorruptRecordIsAnError(t *testing.T) {
	s, client, prefix := newStore(t)
	ctx := context.Background()
	if err := client.HSet(ctx, prefix+"k:bad", "o", "alice", "r", "{not json").Err(); err != nil {
		t.Fatal(err)
	}
	if k, ok, err := s.Get(ctx, "bad"); err == nil {
		t.Fatalf("Get(corrupt) = %+v, %v, nil, want an error", k, ok)
	}
}
