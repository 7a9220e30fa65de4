package cache_test

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/internal/testclock"
)

// mapcache is the backend of these tests: a map with an injected clock,
// call counters and hooks that inject failures. It keeps values as given
// (no copies), which is fine for the value types used here.
type mapcache[V any] struct {
	now func() time.Time

	// Hooks, set before use; each may return an error to fail the call.
	getHook    func(key string) error
	setHook    func(key string, v V, ttl time.Duration) error
	deleteHook func(key string) error

	gets, sets, deletes atomic.Int64

	mu     sync.Mutex
	m      map[string]mapEntry[V]
	ttls   map[string]time.Duration // ttl of the last Set of each key
	closed bool
}

type mapEntry[V any] struct {
	v   V
	exp time.Time
}

func newMapcache[V any](now func() time.Time) *mapcache[V] {
	if now == nil {
		now = time.Now
	}
	return &mapcache[V]{now: now, m: make(map[string]mapEntry[V]), ttls: make(map[string]time.Duration)}
}

var _ cache.Cache[int] = (*mapcache[int])(nil)

func (c *mapcache[V]) check(ctx context.Context, key string) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return cache.ErrClosed
	case key == "":
		return cache.ErrInvalidKey
	}
	return ctx.Err()
}

func (c *mapcache[V]) Get(ctx context.Context, key string) (V, bool, error) {
	var zero V
	c.gets.Add(1)
	if err := c.check(ctx, key); err != nil {
		return zero, false, err
	}
	if c.getHook != nil {
		if err := c.getHook(key); err != nil {
			return zero, false, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || (!e.exp.IsZero() && !c.now().Before(e.exp)) {
		return zero, false, nil
	}
	return e.v, true, nil
}

func (c *mapcache[V]) Set(ctx context.Context, key string, v V, ttl time.Duration) error {
	c.sets.Add(1)
	if err := c.check(ctx, key); err != nil {
		return err
	}
	if c.setHook != nil {
		if err := c.setHook(key, v, ttl); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ttls[key] = ttl
	switch {
	case ttl < 0:
		delete(c.m, key)
	case ttl == 0:
		c.m[key] = mapEntry[V]{v: v}
	default:
		c.m[key] = mapEntry[V]{v: v, exp: c.now().Add(ttl)}
	}
	return nil
}

func (c *mapcache[V]) Delete(ctx context.Context, key string) error {
	c.deletes.Add(1)
	if err := c.check(ctx, key); err != nil {
		return err
	}
	if c.deleteHook != nil {
		if err := c.deleteHook(key); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	return nil
}

func (c *mapcache[V]) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// peek returns the stored value of key regardless of expiry.
func (c *mapcache[V]) peek(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e.v, ok
}

// ttl returns the ttl of the last Set of key.
func (c *mapcache[V]) ttl(key string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ttls[key]
}

// batchcache is a mapcache with a Batcher that counts its calls.
type batchcache[V any] struct {
	*mapcache[V]
	getManys, setManys, deleteManys atomic.Int64
}

var _ cache.Batcher[int] = (*batchcache[int])(nil)

func (c *batchcache[V]) GetMany(ctx context.Context, keys []string) (map[string]V, error) {
	c.getManys.Add(1)
	out := make(map[string]V)
	for _, k := range keys {
		v, ok, err := c.mapcache.Get(ctx, k)
		if err != nil {
			return nil, err
		}
		if ok {
			out[k] = v
		}
	}
	return out, nil
}

func (c *batchcache[V]) SetMany(ctx context.Context, items map[string]V, ttl time.Duration) error {
	c.setManys.Add(1)
	for k, v := range items {
		if err := c.mapcache.Set(ctx, k, v, ttl); err != nil {
			return err
		}
	}
	return nil
}

func (c *batchcache[V]) DeleteMany(ctx context.Context, keys []string) error {
	c.deleteManys.Add(1)
	for _, k := range keys {
		if err := c.mapcache.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// clock is the tests' manual clock.
type clock = testclock.Clock

func newClock() *clock {
	return testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
}

// put stores v under key without hooks or counters.
func (c *mapcache[V]) put(key string, v V) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = mapEntry[V]{v: v}
	return nil
}
