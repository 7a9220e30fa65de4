package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/auth/apikey"
	"github.com/keel-go/keel/auth/apikey/apikeytest"
	"github.com/keel-go/keel/auth/apikey/redisstore"
	"github.com/redis/go-redis/v9"
)

// newClient connects to KEEL_REDIS_URL and returns a client and a key
// prefix of the test's own, whose keys are deleted when the test ends.
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
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	prefix := "keeltest:apikey:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			if err := client.Del(ctx, iter.Val()).Err(); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
		if err := iter.Err(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		client.Close()
	})
	return client, prefix
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
