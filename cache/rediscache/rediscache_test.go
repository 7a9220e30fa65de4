package rediscache_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/rediscache"
	"github.com/keel-go/keel/errors"
)

type user struct {
	Name string `json:"name"`
	Age  int    `json:"age"`
}

// newBytes returns a []byte cache with cache.Raw under a fresh prefix.
func newBytes(tb testing.TB, client redis.UniversalClient) *rediscache.Cache[[]byte] {
	tb.Helper()
	c, err := rediscache.New(client, rediscache.Options[[]byte]{Prefix: testPrefix(tb, client), Codec: cache.Raw{}})
	if err != nil {
		tb.Fatalf("New() = %v", err)
	}
	return c
}

func TestNewInvalid(t *testing.T) {
	client := unreachableClient(t)
	tests := []struct {
		name   string
		client redis.UniversalClient
		opts   rediscache.Options[string]
		want   string
	}{
		{"nil client", nil, rediscache.Options[string]{}, "nil client"},
		{"negative MaxKeyLen", client, rediscache.Options[string]{MaxKeyLen: -1}, "MaxKeyLen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := rediscache.New(tt.client, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New() = %v, %v, want an error mentioning %q", c, err, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c, err := rediscache.New(unreachableClient(t), rediscache.Options[string]{})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	if got := c.Prefix(); got != rediscache.DefaultPrefix {
		t.Errorf("Prefix() = %q, want %q", got, rediscache.DefaultPrefix)
	}
	long := strings.Repeat("k", rediscache.DefaultMaxKeyLen+1)
	if _, _, err := c.Get(context.Background(), long); !errors.Is(err, cache.ErrInvalidKey) {
		t.Errorf("Get(key of %d bytes) error = %v, want cache.ErrInvalidKey", len(long), err)
	}
}

// TestInvalidKey needs no server: keys are checked before anything is
// sent.
func TestInvalidKey(t *testing.T) {
	c, err := rediscache.New(unreachableClient(t), rediscache.Options[[]byte]{MaxKeyLen: 4, Codec: cache.Raw{}})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	ctx := context.Background()
	for _, key := range []string{"", "12345"} {
		calls := []struct {
			name string
			call func() error
		}{
			{"Get", func() error { _, _, err := c.Get(ctx, key); return err }},
			{"GetWithTTL", func() error { _, _, _, err := c.GetWithTTL(ctx, key); return err }},
			{"Set", func() error { return c.Set(ctx, key, []byte("v"), 0) }},
			{"Delete", func() error { return c.Delete(ctx, key) }},
			{"GetMany", func() error { _, err := c.GetMany(ctx, []string{"ok", key}); return err }},
			{"SetMany", func() error { return c.SetMany(ctx, map[string][]byte{"ok": nil, key: nil}, 0) }},
			{"DeleteMany", func() error { return c.DeleteMany(ctx, []string{"ok", key}) }},
		}
		for _, tt := range calls {
			if err := tt.call(); !errors.Is(err, cache.ErrInvalidKey) {
				t.Errorf("%s(%q) error = %v, want cache.ErrInvalidKey", tt.name, key, err)
			}
		}
	}
	if _, _, err := c.Get(ctx, "1234"); errors.Is(err, cache.ErrInvalidKey) {
		t.Errorf("Get(key of MaxKeyLen bytes) error = %v, want a network error", err)
	}
}

// TestBackendErrorIsNotAMiss needs no server: a refused connection is an
// error from every method, never a miss.
func TestBackendErrorIsNotAMiss(t *testing.T) {
	c, err := rediscache.New(unreachableClient(t), rediscache.Options[string]{Codec: cache.String{}})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	ctx := context.Background()
	if v, ok, err := c.Get(ctx, "k"); err == nil || ok {
		t.Errorf("Get() = %q, %v, %v, want an error and no hit", v, ok, err)
	}
	if v, _, ok, err := c.GetWithTTL(ctx, "k"); err == nil || ok {
		t.Errorf("GetWithTTL() = %q, %v, %v, want an error and no hit", v, ok, err)
	}
	if err := c.Set(ctx, "k", "v", 0); err == nil {
		t.Error("Set() = nil, want an error")
	}
	if err := c.Delete(ctx, "k"); err == nil {
		t.Error("Delete() = nil, want an error")
	}
	if m, err := c.GetMany(ctx, []string{"a", "b"}); err == nil {
		t.Errorf("GetMany() = %v, nil, want an error", m)
	}
	if err := c.SetMany(ctx, map[string]string{"a": "1"}, 0); err == nil {
		t.Error("SetMany() = nil, want an error")
	}
	if err := c.DeleteMany(ctx, []string{"a"}); err == nil {
		t.Error("DeleteMany() = nil, want an error")
	}
}

func TestClosed(t *testing.T) {
	client := unreachableClient(t)
	c, err := rediscache.New(client, rediscache.Options[string]{})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	for i := range 2 {
		if err := c.Close(); err != nil {
			t.Fatalf("Close() #%d = %v, want nil", i+1, err)
		}
	}
	ctx := context.Background()
	calls := []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, _, err := c.Get(ctx, "k"); return err }},
		{"GetWithTTL", func() error { _, _, _, err := c.GetWithTTL(ctx, "k"); return err }},
		{"Set", func() error { return c.Set(ctx, "k", "v", 0) }},
		{"Delete", func() error { return c.Delete(ctx, "k") }},
		{"GetMany", func() error { _, err := c.GetMany(ctx, []string{"k"}); return err }},
		{"SetMany", func() error { return c.SetMany(ctx, map[string]string{"k": "v"}, 0) }},
		{"DeleteMany", func() error { return c.DeleteMany(ctx, []string{"k"}) }},
	}
	for _, tt := range calls {
		if err := tt.call(); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("%s after Close = %v, want cache.ErrClosed", tt.name, err)
		}
	}
}

func TestCloseKeepsClient(t *testing.T) {
	client := redisClient(t)
	c := newBytes(t, client)
	if err := c.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Errorf("client.Ping() after cache Close = %v, want nil: the client belongs to the caller", err)
	}
}

func TestGetSetDelete(t *testing.T) {
	client := redisClient(t)
	ctx := context.Background()
	c, err := rediscache.New(client, rediscache.Options[user]{Prefix: testPrefix(t, client)})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	ada := user{Name: "Ada", Age: 36}
	if v, ok, err := c.Get(ctx, "u1"); err != nil || ok {
		t.Fatalf("Get(absent) = %v, %v, %v, want a miss", v, ok, err)
	}
	if err := c.Set(ctx, "u1", ada, 0); err != nil {
		t.Fatalf("Set() = %v", err)
	}
	if v, ok, err := c.Get(ctx, "u1"); err != nil || !ok || v != ada {
		t.Fatalf("Get() = %v, %v, %v, want %v, true, nil", v, ok, err, ada)
	}
	raw, err := client.Get(ctx, c.Prefix()+"u1").Result()
	if want := `{"name":"Ada","age":36}`; err != nil || raw != want {
		t.Errorf("GET prefix+u1 = %q, %v, want %q: JSON by default, under the prefix", raw, err, want)
	}
	if err := c.Delete(ctx, "u1"); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	if v, ok, err := c.Get(ctx, "u1"); err != nil || ok {
		t.Fatalf("Get(deleted) = %v, %v, %v, want a miss", v, ok, err)
	}
	if err := c.Delete(ctx, "u1"); err != nil {
		t.Fatalf("Delete(absent) = %v, want nil", err)
	}
}

// TestTTL checks that the entry carries Redis's own expiry, and that it
// expires; it polls under a deadline rather than sleeping a fixed time.
func TestTTL(t *testing.T) {
	client := redisClient(t)
	ctx := context.Background()
	c := newBytes(t, client)
	tests := []struct {
		name     string
		ttl      time.Duration
		min, max time.Duration // bounds of PTTL right after Set; -1 is no expiry
	}{
		{"no expiry", 0, -1, -1},
		{"minutes", 10 * time.Minute, 9 * time.Minute, 10 * time.Minute},
		{"seconds", 3 * time.Second, time.Second, 3 * time.Second},
		{"sub-millisecond rounds up", 10 * time.Microsecond, 0, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := strings.ReplaceAll(tt.name, " ", "-")
			if err := c.Set(ctx, key, []byte("v"), tt.ttl); err != nil {
				t.Fatalf("Set(ttl %v) = %v", tt.ttl, err)
			}
			got := client.PTTL(ctx, c.Prefix()+key).Val()
			if got < tt.min || got > tt.max {
				if got != -2 || tt.min != 0 { // a 1 ms entry may be gone already
					t.Errorf("PTTL after Set(ttl %v) = %v, want within [%v, %v]", tt.ttl, got, tt.min, tt.max)
				}
			}
		})
	}

	if err := c.Set(ctx, "short", []byte("v"), 20*time.Millisecond); err != nil {
		t.Fatalf("Set() = %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, ok, err := c.Get(ctx, "short")
		if err != nil {
			t.Fatalf("Get() = %v", err)
		}
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Get() of an entry with a 20ms TTL still hits after 10s")
		}
	}

	if err := c.Set(ctx, "gone", []byte("v"), 0); err != nil {
		t.Fatalf("Set() = %v", err)
	}
	if err := c.Set(ctx, "gone", []byte("v"), -time.Second); err != nil {
		t.Fatalf("Set(negative ttl) = %v", err)
	}
	if n := client.Exists(ctx, c.Prefix()+"gone").Val(); n != 0 {
		t.Errorf("EXISTS after Set(negative ttl) = %d, want 0", n)
	}
}

func TestGetWithTTL(t *testing.T) {
	client := redisClient(t)
	ctx := context.Background()
	c := newBytes(t, client)
	if err := c.Set(ctx, "forever", []byte("a"), 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "minute", []byte("b"), time.Minute); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key      string
		want     string
		ok       bool
		min, max time.Duration
	}{
		{"forever", "a", true, 0, 0},
		{"minute", "b", true, 50 * time.Second, time.Minute},
		{"absent", "", false, 0, 0},
	}
	for _, tt := range tests {
		v, ttl, ok, err := c.GetWithTTL(ctx, tt.key)
		if err != nil || ok != tt.ok || string(v) != tt.want || ttl < tt.min || ttl > tt.max {
			t.Errorf("GetWithTTL(%q) = %q, %v, %v, %v, want %q, TTL within [%v, %v], %v, nil",
				tt.key, v, ttl, ok, err, tt.want, tt.min, tt.max, tt.ok)
		}
	}
}

// TestNamespaces checks that caches with different prefixes do not see
// each other's entries, and that a cache writes nothing outside its
// prefix.
func TestNamespaces(t *testing.T) {
	client := redisClient(t)
	ctx := context.Background()
	a, b := newBytes(t, client), newBytes(t, client)
	if err := a.Set(ctx, "k", []byte("from a"), 0); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := b.Get(ctx, "k"); err != nil || ok {
		t.Errorf("b.Get(k set in a) = %q, %v, %v, want a miss", v, ok, err)
	}
	if m, err := b.GetMany(ctx, []string{"k"}); err != nil || len(m) != 0 {
		t.Errorf("b.GetMany(k set in a) = %v, %v, want no hit", m, err)
	}
	if err := b.Set(ctx, "k", []byte("from b"), 0); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := a.Get(ctx, "k"); err != nil || !ok || string(v) != "from a" {
		t.Errorf("a.Get(k) after b.Delete(k) = %q, %v, %v, want %q", v, ok, err, "from a")
	}
	if n := countKeys(t, client, a.Prefix()); n != 1 {
		t.Errorf("keys under a's prefix = %d, want 1", n)
	}
}

// failingCodec fails to encode values that say so, and to decode anything
// that is not "ok".
type failingCodec struct{}

var errCodec = errors.New("codec failure")

func (failingCodec) Marshal(v string) ([]byte, error) {
	if v == "fail" {
		return nil, errCodec
	}
	return []byte(v), nil
}

func (failingCodec) Unmarshal(data []byte) (string, error) {
	if string(data) != "ok" {
		return "", errCodec
	}
	return string(data), nil
}

func TestCodecErrors(t *testing.T) {
	client := redisClient(t)
	ctx := context.Background()
	prefix := testPrefix(t, client)
	c, err := rediscache.New(client, rediscache.Options[string]{Prefix: prefix, Codec: failingCodec{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "k", "fail", 0); !errors.Is(err, errCodec) {
		t.Errorf("Set(unencodable) = %v, want errCodec", err)
	}
	if err := c.SetMany(ctx, map[string]string{"a": "ok", "b": "fail"}, 0); !errors.Is(err, errCodec) {
		t.Errorf("SetMany(one unencodable) = %v, want errCodec", err)
	}
	if n := countKeys(t, client, prefix); n != 0 {
		t.Errorf("keys after failed encodings = %d, want 0: nothing is sent", n)
	}

	if err := client.Set(ctx, prefix+"bad", "garbage", 0).Err(); err != nil {
		t.Fatal(err)
	}
	var de *cache.DecodeError
	if v, ok, err := c.Get(ctx, "bad"); ok || !errors.As(err, &de) || de.Key != "bad" || !errors.Is(err, errCodec) {
		t.Errorf("Get(undecodable) = %q, %v, %v, want a *cache.DecodeError for key bad wrapping errCodec", v, ok, err)
	}
	if m, err := c.GetMany(ctx, []string{"bad"}); !errors.Is(err, errCodec) {
		t.Errorf("GetMany(undecodable) = %v, %v, want errCodec", m, err)
	}
	if _, _, ok, err := c.GetWithTTL(ctx, "bad"); ok || !errors.Is(err, errCodec) {
		t.Errorf("GetWithTTL(undecodable) = %v, %v, want errCodec", ok, err)
	}

	j, err := rediscache.New(client, rediscache.Options[user]{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := j.Get(ctx, "bad"); ok || !errors.As(err, &de) {
		t.Errorf("JSON Get(garbage) = %v, %v, %v, want a *cache.DecodeError", v, ok, err)
	}
}

// TestBytesOwnership checks the copy-free []byte path: the slice Get
// returns belongs to the caller, and Set keeps nothing of the caller's.
func TestBytesOwnership(t *testing.T) {
	client := redisClient(t)
	ctx := context.Background()
	c := newBytes(t, client)
	value := []byte("hello")
	if err := c.Set(ctx, "k", value, 0); err != nil {
		t.Fatal(err)
	}
	value[0] = 'J'
	first, _, err := c.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != "hello" {
		t.Fatalf("Get() = %q after the caller changed its slice, want %q", first, "hello")
	}
	first[0] = 'Y'
	if second, _, _ := c.Get(ctx, "k"); string(second) != "hello" {
		t.Errorf("Get() = %q after the caller changed the previous result, want %q", second, "hello")
	}
	if err := c.Set(ctx, "empty", []byte{}, 0); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := c.Get(ctx, "empty"); err != nil || !ok || len(v) != 0 {
		t.Errorf("Get(empty value) = %q, %v, %v, want a hit of length 0", v, ok, err)
	}
	m, err := c.GetMany(ctx, []string{"k", "k"})
	if err != nil || !bytes.Equal(m["k"], []byte("hello")) {
		t.Errorf("GetMany(k, k) = %q, %v, want k: hello", m, err)
	}
}

func TestStringCodec(t *testing.T) {
	client := redisClient(t)
	ctx := context.Background()
	c, err := rediscache.New(client, rediscache.Options[string]{Prefix: testPrefix(t, client), Codec: cache.String{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "k", "héllo\x00", 0); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := c.Get(ctx, "k"); err != nil || !ok || v != "héllo\x00" {
		t.Errorf("Get() = %q, %v, %v, want %q", v, ok, err, "héllo\x00")
	}
	if raw := client.Get(ctx, c.Prefix()+"k").Val(); raw != "héllo\x00" {
		t.Errorf("GET prefix+k = %q, want the string as is", raw)
	}
}

func TestCanceledContext(t *testing.T) {
	client := redisClient(t)
	c := newBytes(t, client)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.Get(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get(canceled ctx) = %v, want context.Canceled", err)
	}
	if err := c.Set(ctx, "k", []byte("v"), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Set(canceled ctx) = %v, want context.Canceled", err)
	}
	if _, err := c.GetMany(ctx, []string{"a", "b"}); !errors.Is(err, context.Canceled) {
		t.Errorf("GetMany(canceled ctx) = %v, want context.Canceled", err)
	}
}
