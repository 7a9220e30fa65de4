package cache

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keel-go/keel/errors"
)

// LoadFunc loads the value of key from the source of truth (a database, a
// remote service) for a [Loader]. It reports a key the source does not
// have as (zero, false, nil), which the Loader may cache as a negative
// entry; an error is returned to the callers waiting for the load and
// never cached.
//
// ctx is not the ctx of any one caller: it carries the values of the ctx
// of the call that started the load, but not its cancellation, and it
// ends after [LoaderOptions].LoadTimeout or when the Loader is closed.
type LoadFunc[V any] func(ctx context.Context, key string) (value V, found bool, err error)

// LoaderOptions configures a [Loader]. Every zero field means its
// default.
type LoaderOptions struct {
	// TTL is how long a loaded value stays fresh. Default 1 minute.
	TTL time.Duration
	// StaleWhileRevalidate is how long after TTL a found value is still
	// served, stale, while one background load refreshes it; the backend
	// holds the entry for TTL+StaleWhileRevalidate. Default 0: a value
	// past its TTL is reloaded before it is served.
	StaleWhileRevalidate time.Duration
	// NegativeTTL is how long a not-found result is cached. Default 0:
	// not-found results are not cached, and every Get of an absent key
	// calls the LoadFunc (still once for concurrent callers).
	NegativeTTL time.Duration
	// Jitter spreads expiries so that entries loaded together do not
	// expire together: TTL and NegativeTTL are each multiplied by a
	// random factor in [1-Jitter, 1+Jitter]. It must be in [0, 1).
	// Default 0: no jitter.
	Jitter float64
	// LoadTimeout bounds each call of the LoadFunc and the cache write
	// that follows it. Default 10 seconds.
	LoadTimeout time.Duration
	// LoadOnCacheError makes Get call the LoadFunc when the cache's Get
	// fails (a Redis outage, a value that no longer decodes), returning
	// the loaded value and trying to store it. Default false: Get returns
	// the cache's error, so that an outage of the cache does not become a
	// stampede on the source. [ErrClosed], [ErrInvalidKey] and errors of a
	// done ctx are returned in either case.
	LoadOnCacheError bool
	// OnError receives the errors no caller can receive: a failed
	// background refresh, a failed cache write or delete after a load. It
	// is called from the Loader's goroutines and must be safe for
	// concurrent use. Default: such errors are dropped.
	OnError func(key string, err error)
	// Now returns the current time. Default [time.Now].
	Now func() time.Time
	// Rand returns a random number in [0, 1) for Jitter. It must be safe
	// for concurrent use. Default [rand.Float64] from math/rand/v2.
	Rand func() float64
}

func (o LoaderOptions) withDefaults() LoaderOptions {
	if o.TTL == 0 {
		o.TTL = time.Minute
	}
	if o.LoadTimeout == 0 {
		o.LoadTimeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	return o
}

func (o LoaderOptions) validate() error {
	switch {
	case o.TTL < 0:
		return fmt.Errorf("cache: LoaderOptions.TTL %v is negative", o.TTL)
	case o.StaleWhileRevalidate < 0:
		return fmt.Errorf("cache: LoaderOptions.StaleWhileRevalidate %v is negative", o.StaleWhileRevalidate)
	case o.NegativeTTL < 0:
		return fmt.Errorf("cache: LoaderOptions.NegativeTTL %v is negative", o.NegativeTTL)
	case !(o.Jitter >= 0 && o.Jitter < 1):
		return fmt.Errorf("cache: LoaderOptions.Jitter %v is not in [0, 1)", o.Jitter)
	case o.LoadTimeout < 0:
		return fmt.Errorf("cache: LoaderOptions.LoadTimeout %v is negative", o.LoadTimeout)
	}
	return nil
}

// Loader is a cache-aside reader: Get returns the cached value of a key,
// or loads it with a [LoadFunc], caches it and returns it. Concurrent
// misses on one key share one load (singleflight), not-found results may
// be cached (negative caching), expiries are jittered, and a value past
// its TTL can be served stale while one background load refreshes it.
// See the package documentation for the policy on errors.
//
// A Loader stores an [Entry] per key in a Cache[Entry[V]]: an in-process
// cache of entries, or [EntryCache] over a byte-level backend. It uses
// the cache as given and does not close it.
//
// Create a Loader with [NewLoader]; the zero value is not usable. Its
// methods are safe for concurrent use. Loads run in goroutines the Loader
// owns: call Close when done with it, which waits for them.
type Loader[V any] struct {
	c    Cache[Entry[V]]
	load LoadFunc[V]
	opts LoaderOptions

	closed atomic.Bool
	wg     sync.WaitGroup

	mu    sync.Mutex
	calls map[string]*call[V] // loads in flight, by key

	// gens counts the loads that ended, per stripe of keys; see start.
	seed maphash.Seed
	gens [64]atomic.Uint64
}

// call is one load in flight; its result fields are written before done
// is closed and read after.
type call[V any] struct {
	done       chan struct{}
	cancel     context.CancelFunc
	hadEntry   bool // the cache held an entry (stale or expired) for the key
	background bool // a refresh of a stale entry, started with no caller waiting

	invalidated bool // guarded by Loader.mu: Delete ran during the load

	value V
	found bool
	err   error
}

// NewLoader returns a Loader that caches in c the values load returns. It
// fails if c or load is nil or if opts is invalid.
func NewLoader[V any](c Cache[Entry[V]], load LoadFunc[V], opts LoaderOptions) (*Loader[V], error) {
	if c == nil {
		return nil, errors.New("cache: NewLoader with a nil cache")
	}
	if load == nil {
		return nil, errors.New("cache: NewLoader with a nil LoadFunc")
	}
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Loader[V]{c: c, load: load, opts: opts, calls: make(map[string]*call[V]), seed: maphash.MakeSeed()}, nil
}

// Get returns the value of key: from the cache while it is fresh, or
// loaded by the LoadFunc on a miss. It reports a key the source does not
// have as (zero, false, nil), whether that was just loaded or cached as a
// negative entry.
//
// Concurrent calls that miss on one key share one load. A caller whose
// ctx is done stops waiting and returns ctx.Err(); the load goes on for
// the others and its result is cached. A found value past its TTL but
// within StaleWhileRevalidate is returned at once, and one background
// load refreshes it.
//
// A load error is returned to every caller waiting for that load and is
// not cached: the next Get loads again. An error from the cache's Get is
// returned as is unless [LoaderOptions].LoadOnCacheError is set. After
// Close, Get returns [ErrClosed].
func (l *Loader[V]) Get(ctx context.Context, key string) (V, bool, error) {
	var zero V
	if l.closed.Load() {
		return zero, false, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return zero, false, err
	}
	for retried := false; ; retried = true {
		gen := l.gens[l.stripe(key)].Load()
		e, ok, err := l.c.Get(ctx, key)
		if err != nil {
			if !l.opts.LoadOnCacheError || ctx.Err() != nil ||
				errors.Is(err, ErrClosed) || errors.Is(err, ErrInvalidKey) {
				return zero, false, err
			}
			ok = false
		}
		if ok {
			now := l.opts.Now()
			if now.Before(e.FreshUntil) {
				if !e.Found {
					return zero, false, nil
				}
				return e.Value, true, nil
			}
			if e.Found && now.Before(e.FreshUntil.Add(l.opts.StaleWhileRevalidate)) {
				// The refresh is best effort: after a concurrent Close
				// it does not start, and the stale value is still
				// correct to serve.
				_, _ = l.start(ctx, key, true, true, nil)
				return e.Value, true, nil
			}
		}
		var since *uint64
		if !retried {
			since = &gen
		}
		c, err := l.start(ctx, key, ok, false, since)
		if err != nil {
			return zero, false, err
		}
		if c == nil {
			continue // a load of key ended after the cache was read: read it again
		}
		select {
		case <-c.done:
			if c.err != nil {
				return zero, false, c.err
			}
			return c.value, c.found, nil
		case <-ctx.Done():
			return zero, false, ctx.Err()
		}
	}
}

// Delete removes key from the cache, so that the next Get loads it. Call
// it after changing the source. A load of key already in flight still
// returns its value to the callers waiting for it, but its result is not
// left in the cache. After Close, Delete returns [ErrClosed].
func (l *Loader[V]) Delete(ctx context.Context, key string) error {
	if l.closed.Load() {
		return ErrClosed
	}
	l.mu.Lock()
	if c, ok := l.calls[key]; ok {
		c.invalidated = true
	}
	l.mu.Unlock()
	return l.c.Delete(ctx, key)
}

// Close stops the Loader: it cancels the context of the loads in flight,
// waits for their goroutines to return, and makes every later call return
// [ErrClosed]. Callers waiting for a cancelled load receive an error
// matching ErrClosed. Close does not close the cache. It is idempotent
// and always returns nil.
func (l *Loader[V]) Close() error {
	l.mu.Lock()
	l.closed.Store(true)
	for _, c := range l.calls {
		c.cancel()
	}
	l.mu.Unlock()
	l.wg.Wait()
	return nil
}

// start returns the load of key in flight, starting one if there is
// none. hadEntry says the cache held an entry for key that the load may
// have to remove; background, that no caller waits for the load, so its
// error goes to OnError.
//
// A non-nil since is the generation of key's stripe read before the
// cache missed. If it has changed, a load of the key (or of one sharing
// its stripe) ended since, so the miss may predate a value now cached:
// start then returns a nil call, and the caller reads the cache again
// instead of loading a second time. This closes the gap singleflight
// leaves between a miss and joining the flight.
func (l *Loader[V]) start(ctx context.Context, key string, hadEntry, background bool, since *uint64) (*call[V], error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return nil, ErrClosed
	}
	if c, ok := l.calls[key]; ok {
		return c, nil
	}
	if since != nil && l.gens[l.stripe(key)].Load() != *since {
		return nil, nil
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.LoadTimeout)
	c := &call[V]{done: make(chan struct{}), cancel: cancel, hadEntry: hadEntry, background: background}
	l.calls[key] = c
	l.wg.Add(1)
	go l.run(lctx, key, c)
	return c, nil
}

// run performs one load, stores its result and publishes it to the
// waiters. The call stays registered until the cache write is done, so a
// Get that misses meanwhile joins it instead of loading again.
func (l *Loader[V]) run(ctx context.Context, key string, c *call[V]) {
	defer l.wg.Done()
	defer c.cancel()

	v, found, err := l.callLoad(ctx, key)
	if !found || err != nil {
		var zero V
		v, found = zero, false // whatever the LoadFunc returned with them
	}
	switch {
	case err != nil && l.closed.Load():
		err = fmt.Errorf("%w: load of %q interrupted: %w", ErrClosed, key, err)
	case err != nil:
		if c.background {
			l.report(key, err)
		}
	case !l.closed.Load():
		l.store(ctx, key, c, v, found)
	}

	c.value, c.found, c.err = v, found, err
	l.mu.Lock()
	if l.calls[key] == c {
		delete(l.calls, key)
	}
	l.gens[l.stripe(key)].Add(1)
	l.mu.Unlock()
	close(c.done)
}

// callLoad calls the LoadFunc, turning a panic into an error: the load
// runs in a goroutine of its own, where a panic would end the process
// instead of reaching the caller's recover middleware.
func (l *Loader[V]) callLoad(ctx context.Context, key string) (v V, found bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero V
			v, found = zero, false
			err = fmt.Errorf("cache: load of %q panicked: %v\n%s", key, r, debug.Stack())
		}
	}()
	return l.load(ctx, key)
}

// store writes the result of a load to the cache, unless Delete ran
// during the load. A Delete that runs during the write is seen by the
// check after it, which removes what was written.
func (l *Loader[V]) store(ctx context.Context, key string, c *call[V], v V, found bool) {
	var (
		e   Entry[V]
		ttl time.Duration
	)
	now := l.opts.Now()
	switch {
	case found:
		fresh := l.jitter(l.opts.TTL)
		e, ttl = Entry[V]{Value: v, Found: true, FreshUntil: now.Add(fresh)}, addSat(fresh, l.opts.StaleWhileRevalidate)
	case l.opts.NegativeTTL > 0:
		fresh := l.jitter(l.opts.NegativeTTL)
		e, ttl = Entry[V]{FreshUntil: now.Add(fresh)}, fresh
	default:
		// Not found and not cached: a stale entry must not outlive the
		// value the source no longer has.
		if c.hadEntry && !l.invalidated(c) {
			l.report(key, l.c.Delete(ctx, key))
		}
		return
	}
	if l.invalidated(c) {
		return
	}
	if err := l.c.Set(ctx, key, e, ttl); err != nil {
		l.report(key, err)
		return
	}
	if l.invalidated(c) {
		l.report(key, l.c.Delete(ctx, key))
	}
}

func (l *Loader[V]) invalidated(c *call[V]) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return c.invalidated
}

// stripe returns the index in gens of key.
func (l *Loader[V]) stripe(key string) uint64 {
	return maphash.String(l.seed, key) % uint64(len(l.gens))
}

// jitter returns d scaled by a random factor in [1-Jitter, 1+Jitter],
// never below one nanosecond.
func (l *Loader[V]) jitter(d time.Duration) time.Duration {
	if l.opts.Jitter == 0 {
		return d
	}
	f := float64(d) * (1 + l.opts.Jitter*(2*l.opts.Rand()-1))
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	return max(time.Duration(f), 1)
}

// addSat returns a+b for non-negative durations, saturating instead of
// overflowing.
func addSat(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func (l *Loader[V]) report(key string, err error) {
	if err != nil && l.opts.OnError != nil {
		l.opts.OnError(key, err)
	}
}
