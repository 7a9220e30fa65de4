package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/auth/session/redisstore"
	"github.com/keel-go/keel/auth/session/sessiontest"
	"github.com/keel-go/keel/internal/redistest"
)

// newClient returns a client for KEEL_REDIS_URL and a key prefix of the
// test's own (see package redistest).
func newClient(t *testing.T) (*redis.Client, string) {
	return redistest.ClientPrefix(t, "session")
}

// dump returns every key under prefix and every value they hold.
func dump(t *testing.T, client *redis.Client, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := append([]string(nil), keys...)
	for _, k := range keys {
		switch typ := client.Type(ctx, k).Val(); typ {
		case "hash":
			for f, v := range client.HGetAll(ctx, k).Val() {
				out = append(out, f, v)
			}
		case "zset":
			out = append(out, client.ZRange(ctx, k, 0, -1).Val()...)
		default:
			t.Fatalf("unexpected %s at %s", typ, k)
		}
	}
	return out
}

func TestStore(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Store {
		client, prefix := newClient(t)
		s, err := redisstore.New(client, redisstore.Options{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestNew(t *testing.T) {
	if _, err := redisstore.New(nil, redisstore.Options{}); err == nil {
		t.Fatal("New(nil client) = nil error, want an error")
	}
}

func TestStoreNeverHoldsToken(t *testing.T) {
	client, prefix := newClient(t)
	store, err := redisstore.New(client, redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	clock := func() time.Time { return now }
	m, err := session.New(store, session.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	w := httptest.NewRecorder()
	s, err := m.Create(r.Context(), w, r, &auth.Principal{Subject: "alice", Kind: auth.KindUser})
	if err != nil {
		t.Fatal(err)
	}
	var token string
	for _, c := range w.Result().Cookies() {
		if c.Name == m.CookieName() {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatal("no session cookie")
	}
	s.Data["k"] = "v"
	if err := m.Save(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: m.CookieName(), Value: token})
	p, err := m.Authenticate(req)
	if err != nil || p.Subject != "alice" {
		t.Fatalf("Authenticate over Redis = %v, %v, want alice", p, err)
	}
	all := dump(t, client, prefix)
	if len(all) == 0 {
		t.Fatal("nothing stored")
	}
	for _, v := range all {
		if strings.Contains(v, token) {
			t.Fatalf("Redis holds the session token in %q", v)
		}
	}
	// A session stored in Redis gets a TTL, so nothing outlives its end.
	ttl := client.PTTL(context.Background(), prefix+"s:"+s.ID).Val()
	if ttl <= 0 || ttl > session.DefaultIdleTimeout {
		t.Fatalf("PTTL of the session = %v, want in (0, %v]", ttl, session.DefaultIdleTimeout)
	}
}

func TestCorruptRecordIsAnError(t *testing.T) {
	client, prefix := newClient(t)
	store, err := redisstore.New(client, redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := client.HSet(ctx, prefix+"s:bad", "u", "alice", "c", "x", "s", "1", "e", "1", "p", "null", "d", "{}").Err(); err != nil {
		t.Fatal(err)
	}
	if rec, ok, err := store.Get(ctx, "bad"); err == nil {
		t.Fatalf("Get(corrupt) = %+v, %v, nil, want an error", rec, ok)
	}
}
