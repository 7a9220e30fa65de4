package cachetest_test

import (
	"context"
	"sync"
	"time"

	"github.com/keel-go/keel/cache"
)

// mapcache is the reference backend the suite is tested against: a map
// with an injected clock. Its flaws switch on deliberate contract
// violations, to check that the suite catches each of them.
type mapcache struct {
	now    func() time.Time
	maxKey int  // longest key accepted; 0: no limit
	noCopy bool // keep and return the caller's slices (only correct under cache.Typed with cache.Raw)
	flaws  flaws

	mu     sync.Mutex
	m      map[string]mapEntry
	closed bool
}

// flaws are contract violations a broken backend might have.
type flaws struct {
	returnsExpired      bool
	keepsNegativeTTL    bool
	aliasesGet          bool
	retainsSet          bool
	missIsError         bool
	ignoresClose        bool
	acceptsEmptyKey     bool
	keepsTTLOnOverwrite bool
	deleteAbsentErrors  bool
	emptyIsMiss         bool
	ignoresTTL          bool
	closeTwiceErrors    bool
	errorsOnCancel      bool
	ignoresMaxKey       bool
	batchReturnsMisses  bool
}

type mapEntry struct {
	v   []byte
	exp time.Time // zero: no expiry
}

func newMapcache(now func() time.Time) *mapcache {
	return &mapcache{now: now, m: make(map[string]mapEntry)}
}

var _ cache.Cache[[]byte] = (*mapcache)(nil)

func (c *mapcache) check(ctx context.Context, key string) error {
	if c.closed && !c.flaws.ignoresClose {
		return cache.ErrClosed
	}
	if key == "" && !c.flaws.acceptsEmptyKey {
		return cache.ErrInvalidKey
	}
	if c.maxKey > 0 && len(key) > c.maxKey && !c.flaws.ignoresMaxKey {
		return cache.ErrInvalidKey
	}
	if c.flaws.errorsOnCancel && ctx.Err() != nil {
		return errFlaw
	}
	return nil
}

func (c *mapcache) live(e mapEntry) bool {
	return c.flaws.returnsExpired || e.exp.IsZero() || c.now().Before(e.exp)
}

func (c *mapcache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.check(ctx, key); err != nil {
		return nil, false, err
	}
	e, ok := c.m[key]
	if !ok || !c.live(e) {
		if c.flaws.missIsError {
			return nil, false, errFlaw
		}
		return nil, false, nil
	}
	if c.flaws.emptyIsMiss && len(e.v) == 0 {
		return nil, false, nil
	}
	if c.noCopy || c.flaws.aliasesGet {
		return e.v, true, nil
	}
	return append([]byte{}, e.v...), true, nil
}

func (c *mapcache) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.check(ctx, key); err != nil {
		return err
	}
	if ttl < 0 && !c.flaws.keepsNegativeTTL {
		delete(c.m, key)
		return nil
	}
	e := mapEntry{v: v}
	if !c.noCopy && !c.flaws.retainsSet {
		e.v = append([]byte{}, v...)
	}
	if ttl > 0 && !c.flaws.ignoresTTL {
		e.exp = c.now().Add(ttl)
	}
	if old, ok := c.m[key]; ok && c.flaws.keepsTTLOnOverwrite {
		e.exp = old.exp
	}
	c.m[key] = e
	return nil
}

func (c *mapcache) Delete(ctx context.Context, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.check(ctx, key); err != nil {
		return err
	}
	if _, ok := c.m[key]; !ok && c.flaws.deleteAbsentErrors {
		return errFlaw
	}
	delete(c.m, key)
	return nil
}

func (c *mapcache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed && c.flaws.closeTwiceErrors {
		return errFlaw
	}
	c.closed = true
	return nil
}

// batchMapcache is a mapcache that also implements cache.Batcher.
type batchMapcache struct{ *mapcache }

var _ cache.Batcher[[]byte] = batchMapcache{}

func (c batchMapcache) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte)
	for _, k := range keys {
		v, ok, err := c.Get(ctx, k)
		if err != nil {
			return nil, err
		}
		if ok || c.flaws.batchReturnsMisses {
			out[k] = v
		}
	}
	return out, nil
}

func (c batchMapcache) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	for k, v := range items {
		if err := c.Set(ctx, k, v, ttl); err != nil {
			return err
		}
	}
	return nil
}

func (c batchMapcache) DeleteMany(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if err := c.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}
