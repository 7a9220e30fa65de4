package twolevel_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/rediscache"
	"github.com/keel-go/keel/cache/twolevel"
	"github.com/keel-go/keel/internal/redistest"
)

// redisClient returns a client for KEEL_REDIS_URL whose connections carry
// name (when not empty); see package redistest.
func redisClient(tb testing.TB, name string) *redis.Client {
	tb.Helper()
	opts := redistest.Options(tb)
	opts.ClientName = name
	return redistest.Connect(tb, opts)
}

// unreachableClient returns a client whose server refuses connections.
func unreachableClient(tb testing.TB) *redis.Client {
	tb.Helper()
	client := redis.NewClient(&redis.Options{
		Addr:               "127.0.0.1:1",
		DialTimeout:        time.Second,
		DialerRetries:      1,
		DialerRetryTimeout: time.Millisecond,
		MaxRetries:         -1,
	})
	tb.Cleanup(func() { _ = client.Close() })
	return client
}

// testPrefix returns a key prefix of tb's own, emptied when tb ends.
func testPrefix(tb testing.TB, client redis.UniversalClient) string {
	return redistest.Prefix(tb, client, "twolevel")
}

// newFar returns a raw rediscache under prefix, closed when tb ends.
func newFar(tb testing.TB, client redis.UniversalClient, prefix string) *rediscache.Cache[[]byte] {
	tb.Helper()
	far, err := rediscache.New(client, rediscache.Options[[]byte]{Prefix: prefix, Codec: cache.Raw{}})
	if err != nil {
		tb.Fatalf("rediscache.New() = %v", err)
	}
	tb.Cleanup(func() { _ = far.Close() })
	return far
}

// instance is one process's view: its near cache, its far cache and the
// two-level cache over them.
type instance struct {
	*twolevel.Cache[[]byte]
	near *mapNear
	far  *rediscache.Cache[[]byte]
}

// newInstance returns a two-level cache over a fresh near cache and a far
// cache under prefix, through client; everything is closed when tb ends.
func newInstance(tb testing.TB, client redis.UniversalClient, prefix string, opts twolevel.Options) *instance {
	tb.Helper()
	near := newMapNear()
	tb.Cleanup(func() { _ = near.Close() })
	far := newFar(tb, client, prefix)
	c, err := twolevel.New[[]byte](near, far, client, opts)
	if err != nil {
		tb.Fatalf("twolevel.New() = %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return &instance{Cache: c, near: near, far: far}
}

// waitSubscribed waits until in serves key from its near cache, which
// it only fills once its subscription is confirmed: key is set in the far
// cache, read through in, and looked for in the near cache.
func waitSubscribed(tb testing.TB, in *instance, key string) {
	tb.Helper()
	ctx := context.Background()
	if _, ok, _ := in.far.Get(ctx, key); !ok {
		if err := in.far.Set(ctx, key, []byte("probe"), 0); err != nil {
			tb.Fatalf("far.Set(%q) = %v", key, err)
		}
	}
	eventually(tb, "the near cache to be filled after the subscription", func() bool {
		if _, _, err := in.Get(ctx, key); err != nil {
			tb.Fatalf("Get(%q) = %v", key, err)
		}
		return in.near.Has(key)
	})
}

// eventually polls cond until it holds, and fails tb if it still does not
// after 10 seconds.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("waited 10s for %s", what)
		}
		<-tick.C
	}
}

// mapNear is a small near cache for the tests: a map with TTLs and Clear,
// which records the TTL of every Set.
type mapNear struct {
	mu      sync.Mutex
	m       map[string]nearEntry
	lastTTL map[string]time.Duration
	closed  bool
}

type nearEntry struct {
	value   []byte
	expires time.Time // zero: never
}

var (
	_ cache.Cache[[]byte] = (*mapNear)(nil)
	_ twolevel.Clearer    = (*mapNear)(nil)
)

func newMapNear() *mapNear {
	return &mapNear{m: map[string]nearEntry{}, lastTTL: map[string]time.Duration{}}
}

func (n *mapNear) Get(_ context.Context, key string) ([]byte, bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, false, cache.ErrClosed
	}
	if key == "" {
		return nil, false, cache.ErrInvalidKey
	}
	e, ok := n.m[key]
	if !ok || (!e.expires.IsZero() && !time.Now().Before(e.expires)) {
		return nil, false, nil
	}
	return append([]byte{}, e.value...), true, nil
}

func (n *mapNear) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return cache.ErrClosed
	}
	if key == "" {
		return cache.ErrInvalidKey
	}
	n.lastTTL[key] = ttl
	if ttl < 0 {
		delete(n.m, key)
		return nil
	}
	e := nearEntry{value: append([]byte{}, value...)}
	if ttl > 0 {
		e.expires = time.Now().Add(ttl)
	}
	n.m[key] = e
	return nil
}

func (n *mapNear) Delete(_ context.Context, key string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return cache.ErrClosed
	}
	if key == "" {
		return cache.ErrInvalidKey
	}
	delete(n.m, key)
	return nil
}

func (n *mapNear) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = true
	return nil
}

func (n *mapNear) Clear() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.m)
}

// Has reports whether key is in the near cache, expired or not.
func (n *mapNear) Has(key string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := n.m[key]
	return ok
}

// Len returns the number of entries, expired or not.
func (n *mapNear) Len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.m)
}

// LastTTL returns the ttl of the last Set of key.
func (n *mapNear) LastTTL(key string) time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.lastTTL[key]
}
