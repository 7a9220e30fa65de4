package cache_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keel-go/keel/cache"
)

// source is a LoadFunc that counts its calls and can hold them at a gate.
type source struct {
	calls    atomic.Int64
	returned atomic.Int64 // calls that have returned
	// gate, when set, holds every call until it is closed (or the
	// load's ctx ends).
	gate chan struct{}
	// result returns the result of call n (1-based); default: found,
	// "key@n".
	result func(ctx context.Context, key string, n int64) (string, bool, error)
}

func (s *source) load(ctx context.Context, key string) (string, bool, error) {
	n := s.calls.Add(1)
	defer s.returned.Add(1)
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return "", false, ctx.Err()
		}
	}
	if s.result != nil {
		return s.result(ctx, key, n)
	}
	return fmt.Sprintf("%s@%d", key, n), true, nil
}

func newTestLoader(t *testing.T, c cache.Cache[cache.Entry[string]], s *source, opts cache.LoaderOptions) *cache.Loader[string] {
	t.Helper()
	l, err := cache.NewLoader(c, s.load, opts)
	if err != nil {
		t.Fatalf("NewLoader = %v, want nil", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func wantGet(t *testing.T, l *cache.Loader[string], key, want string, wantFound bool) {
	t.Helper()
	v, found, err := l.Get(t.Context(), key)
	if err != nil || v != want || found != wantFound {
		t.Errorf("Get(%s) = (%q, %v, %v), want (%q, %v, nil)", key, v, found, err, want, wantFound)
	}
}

func TestLoaderMissLoadsThenHits(t *testing.T) {
	clk := newClock()
	backend := newMapcache[cache.Entry[string]](clk.Now)
	src := &source{}
	l := newTestLoader(t, backend, src, cache.LoaderOptions{
		TTL: time.Minute, StaleWhileRevalidate: 30 * time.Second, Now: clk.Now,
	})
	wantGet(t, l, "k", "k@1", true)
	wantGet(t, l, "k", "k@1", true)
	if n := src.calls.Load(); n != 1 {
		t.Errorf("loads = %d, want 1", n)
	}
	e, ok := backend.peek("k")
	if !ok || !e.Found || e.Value != "k@1" || !e.FreshUntil.Equal(clk.Now().Add(time.Minute)) {
		t.Errorf("stored entry = (%+v, %v), want k@1 fresh until now+1m", e, ok)
	}
	if ttl := backend.ttl("k"); ttl != 90*time.Second {
		t.Errorf("backend ttl = %v, want TTL+StaleWhileRevalidate = 1m30s", ttl)
	}
	// Past the TTL without stale-while-revalidate... here with it: see
	// TestLoaderStaleWhileRevalidate. Past both, the value is reloaded
	// before it is served.
	clk.Advance(90 * time.Second)
	wantGet(t, l, "k", "k@2", true)
}

// Many concurrent misses on one key call the LoadFunc once.
func TestLoaderSingleflight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		backend := newMapcache[cache.Entry[string]](nil)
		src := &source{gate: make(chan struct{})}
		l := newTestLoader(t, backend, src, cache.LoaderOptions{})

		const n = 64
		results := make(chan string, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				v, found, err := l.Get(t.Context(), "k")
				if err != nil || !found {
					t.Errorf("Get = (%q, %v, %v), want a value", v, found, err)
				}
				results <- v
			})
		}
		synctest.Wait() // every caller waits on the one load, held at the gate
		if c := src.calls.Load(); c != 1 {
			t.Fatalf("loads started with %d callers waiting = %d, want 1", n, c)
		}
		close(src.gate)
		wg.Wait()
		close(results)
		for v := range results {
			if v != "k@1" {
				t.Errorf("Get = %q, want k@1", v)
			}
		}
		if c := src.calls.Load(); c != 1 {
			t.Errorf("loads = %d, want 1", c)
		}
		// Other keys load on their own.
		wantGet(t, l, "j", "j@2", true)
	})
}

// The same without synctest, under the real scheduler (and -race): the
// gate opens once every caller has missed in the cache. A caller that
// missed but reaches the flight only after it ended reads the cache again
// instead of loading a second time, so the LoadFunc runs once.
func TestLoaderSingleflightRealScheduler(t *testing.T) {
	backend := newMapcache[cache.Entry[string]](nil)
	var arrived sync.WaitGroup
	const n = 32
	arrived.Add(n)
	var arrivals atomic.Int64
	backend.getHook = func(string) error {
		if arrivals.Add(1) <= n { // a caller may read the cache twice; see below
			arrived.Done()
		}
		return nil
	}
	src := &source{gate: make(chan struct{})}
	l := newTestLoader(t, backend, src, cache.LoaderOptions{})

	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if v, _, err := l.Get(t.Context(), "k"); err != nil || v != "k@1" {
				t.Errorf("Get = (%q, %v), want (k@1, nil)", v, err)
			}
		})
	}
	arrived.Wait()
	close(src.gate)
	wg.Wait()
	if c := src.calls.Load(); c != 1 {
		t.Errorf("loads = %d, want 1", c)
	}
}

// A caller whose ctx ends stops waiting; the load goes on for the others,
// with a ctx detached from the first caller's cancellation.
func TestLoaderWaiterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type ctxKey struct{}
		backend := newMapcache[cache.Entry[string]](nil)
		src := &source{gate: make(chan struct{})}
		var loadCtxErr error
		var loadCtxValue any
		src.result = func(ctx context.Context, key string, n int64) (string, bool, error) {
			loadCtxErr, loadCtxValue = ctx.Err(), ctx.Value(ctxKey{})
			return "v", true, nil
		}
		l := newTestLoader(t, backend, src, cache.LoaderOptions{})

		first, cancelFirst := context.WithCancel(context.WithValue(t.Context(), ctxKey{}, "first"))
		firstErr := make(chan error, 1)
		go func() {
			_, _, err := l.Get(first, "k")
			firstErr <- err
		}()
		synctest.Wait()
		second := make(chan string, 1)
		go func() {
			v, _, err := l.Get(t.Context(), "k")
			if err != nil {
				t.Errorf("second Get = %v, want nil", err)
			}
			second <- v
		}()
		synctest.Wait()

		cancelFirst()
		if err := <-firstErr; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Get = %v, want context.Canceled", err)
		}
		close(src.gate)
		if v := <-second; v != "v" {
			t.Errorf("second Get = %q, want v", v)
		}
		if loadCtxErr != nil || loadCtxValue != "first" {
			t.Errorf("load ctx = (err %v, value %v), want (nil, first): detached from cancellation, keeping values", loadCtxErr, loadCtxValue)
		}
		if c := src.calls.Load(); c != 1 {
			t.Errorf("loads = %d, want 1", c)
		}
		if e, ok := backend.peek("k"); !ok || e.Value != "v" {
			t.Errorf("cached entry = (%+v, %v), want v", e, ok)
		}

		// A ctx done before the call returns at once.
		done, cancel := context.WithCancel(t.Context())
		cancel()
		if _, _, err := l.Get(done, "other"); !errors.Is(err, context.Canceled) {
			t.Errorf("Get with a done ctx = %v, want context.Canceled", err)
		}
	})
}

func TestLoaderLoadTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		backend := newMapcache[cache.Entry[string]](nil)
		src := &source{gate: make(chan struct{})} // never opened: the load waits for its ctx
		l := newTestLoader(t, backend, src, cache.LoaderOptions{LoadTimeout: 3 * time.Second})
		start := time.Now()
		_, _, err := l.Get(t.Context(), "k")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Get of a load that outlives LoadTimeout = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("Get returned after %v, want 3s", d)
		}
	})
}

func TestLoaderNegativeCaching(t *testing.T) {
	notFound := func(context.Context, string, int64) (string, bool, error) { return "ignored", false, nil }
	t.Run("cached for NegativeTTL", func(t *testing.T) {
		clk := newClock()
		backend := newMapcache[cache.Entry[string]](clk.Now)
		src := &source{result: notFound}
		l := newTestLoader(t, backend, src, cache.LoaderOptions{
			TTL: time.Hour, NegativeTTL: 10 * time.Second, StaleWhileRevalidate: time.Hour, Now: clk.Now,
		})
		wantGet(t, l, "k", "", false)
		wantGet(t, l, "k", "", false)
		if c := src.calls.Load(); c != 1 {
			t.Errorf("loads = %d, want 1 (the not-found is cached)", c)
		}
		if ttl := backend.ttl("k"); ttl != 10*time.Second {
			t.Errorf("backend ttl of the negative entry = %v, want NegativeTTL 10s", ttl)
		}
		clk.Advance(10 * time.Second)
		wantGet(t, l, "k", "", false)
		if c := src.calls.Load(); c != 2 {
			t.Errorf("loads after NegativeTTL = %d, want 2", c)
		}
	})
	t.Run("not cached by default", func(t *testing.T) {
		backend := newMapcache[cache.Entry[string]](nil)
		src := &source{result: notFound}
		l := newTestLoader(t, backend, src, cache.LoaderOptions{})
		wantGet(t, l, "k", "", false)
		wantGet(t, l, "k", "", false)
		if c := src.calls.Load(); c != 2 {
			t.Errorf("loads = %d, want 2", c)
		}
		if _, ok := backend.peek("k"); ok {
			t.Errorf("a not-found result was cached with NegativeTTL 0")
		}
	})
	t.Run("a negative entry past its TTL is not served stale", func(t *testing.T) {
		clk := newClock()
		// The backend keeps entries forever, as one with a skewed clock might.
		backend := newMapcache[cache.Entry[string]](func() time.Time { return time.Time{} })
		src := &source{result: func(_ context.Context, key string, n int64) (string, bool, error) {
			return "found", n > 1, nil
		}}
		l := newTestLoader(t, backend, src, cache.LoaderOptions{
			NegativeTTL: time.Second, StaleWhileRevalidate: time.Hour, Now: clk.Now,
		})
		wantGet(t, l, "k", "", false)
		clk.Advance(time.Second)
		wantGet(t, l, "k", "found", true)
	})
}

// A load error is returned, not cached: the next call loads again.
func TestLoaderErrorNotCached(t *testing.T) {
	errSource := errors.New("source down")
	backend := newMapcache[cache.Entry[string]](nil)
	src := &source{result: func(_ context.Context, key string, n int64) (string, bool, error) {
		if n == 1 {
			return "", false, errSource
		}
		return "v", true, nil
	}}
	l := newTestLoader(t, backend, src, cache.LoaderOptions{NegativeTTL: time.Minute})
	if v, found, err := l.Get(t.Context(), "k"); !errors.Is(err, errSource) || found || v != "" {
		t.Errorf("Get = (%q, %v, %v), want (\"\", false, %v)", v, found, err, errSource)
	}
	if _, ok := backend.peek("k"); ok {
		t.Errorf("the failed load left an entry")
	}
	wantGet(t, l, "k", "v", true)
	wantGet(t, l, "k", "v", true)
	if c := src.calls.Load(); c != 2 {
		t.Errorf("loads = %d, want 2", c)
	}
}

func TestLoaderPanicIsError(t *testing.T) {
	backend := newMapcache[cache.Entry[string]](nil)
	src := &source{result: func(context.Context, string, int64) (string, bool, error) { panic("boom") }}
	l := newTestLoader(t, backend, src, cache.LoaderOptions{})
	_, _, err := l.Get(t.Context(), "k")
	if err == nil || !strings.Contains(err.Error(), "panicked: boom") {
		t.Errorf("Get of a panicking load = %v, want an error saying it panicked", err)
	}
}

// Past its TTL but within StaleWhileRevalidate, a value is served at once
// while one background load refreshes it.
func TestLoaderStaleWhileRevalidate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newClock()
		backend := newMapcache[cache.Entry[string]](clk.Now)
		src := &source{}
		l := newTestLoader(t, backend, src, cache.LoaderOptions{
			TTL: time.Minute, StaleWhileRevalidate: time.Minute, Now: clk.Now,
		})
		wantGet(t, l, "k", "k@1", true)

		clk.Advance(90 * time.Second)
		src.gate = make(chan struct{}) // the refresh will wait
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				if v, found, err := l.Get(t.Context(), "k"); v != "k@1" || !found || err != nil {
					t.Errorf("stale Get = (%q, %v, %v), want (k@1, true, nil)", v, found, err)
				}
			})
		}
		wg.Wait() // every Get returned while the refresh is held
		synctest.Wait()
		if c := src.calls.Load(); c != 2 {
			t.Fatalf("loads = %d, want 2 (one background refresh)", c)
		}
		close(src.gate)
		synctest.Wait() // the refresh stored its value
		wantGet(t, l, "k", "k@2", true)
		if c := src.calls.Load(); c != 2 {
			t.Errorf("loads after the refresh = %d, want 2", c)
		}

		// Past TTL+StaleWhileRevalidate the value is reloaded before it
		// is served, even if the backend still holds it.
		clk.Advance(2 * time.Minute)
		wantGet(t, l, "k", "k@3", true)
	})
}

// A failed refresh goes to OnError; the stale value is still served.
func TestLoaderRefreshError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errSource := errors.New("source down")
		clk := newClock()
		backend := newMapcache[cache.Entry[string]](clk.Now)
		src := &source{result: func(_ context.Context, key string, n int64) (string, bool, error) {
			if n == 2 {
				return "", false, errSource
			}
			return fmt.Sprintf("v%d", n), true, nil
		}}
		var reported []error
		var mu sync.Mutex
		l := newTestLoader(t, backend, src, cache.LoaderOptions{
			TTL: time.Minute, StaleWhileRevalidate: time.Minute, Now: clk.Now,
			OnError: func(key string, err error) {
				mu.Lock()
				defer mu.Unlock()
				reported = append(reported, err)
			},
		})
		wantGet(t, l, "k", "v1", true)
		clk.Advance(61 * time.Second)
		wantGet(t, l, "k", "v1", true)
		synctest.Wait()
		mu.Lock()
		if len(reported) != 1 || !errors.Is(reported[0], errSource) {
			t.Errorf("OnError got %v, want [%v]", reported, errSource)
		}
		mu.Unlock()
		wantGet(t, l, "k", "v1", true) // still stale; starts the next refresh
		synctest.Wait()
		wantGet(t, l, "k", "v3", true)
	})
}

// A refresh that finds the key gone removes the stale value.
func TestLoaderRefreshNotFoundRemovesStale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newClock()
		backend := newMapcache[cache.Entry[string]](clk.Now)
		src := &source{result: func(_ context.Context, key string, n int64) (string, bool, error) {
			return "v", n == 1, nil
		}}
		l := newTestLoader(t, backend, src, cache.LoaderOptions{
			TTL: time.Minute, StaleWhileRevalidate: time.Minute, Now: clk.Now,
		})
		wantGet(t, l, "k", "v", true)
		clk.Advance(61 * time.Second)
		wantGet(t, l, "k", "v", true) // stale, refresh finds nothing
		synctest.Wait()
		if _, ok := backend.peek("k"); ok {
			t.Errorf("the stale entry survived a refresh that found no value")
		}
		wantGet(t, l, "k", "", false)
	})
}

func TestLoaderJitter(t *testing.T) {
	tests := []struct {
		name      string
		rand      float64
		wantFresh time.Duration
	}{
		{"lowest", 0, 90 * time.Second},
		{"middle", 0.5, 100 * time.Second},
		{"near highest", 0.75, 105 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			backend := newMapcache[cache.Entry[string]](clk.Now)
			src := &source{result: func(_ context.Context, key string, _ int64) (string, bool, error) {
				return "v", key == "found", nil
			}}
			l := newTestLoader(t, backend, src, cache.LoaderOptions{
				TTL: 100 * time.Second, NegativeTTL: 10 * time.Second, StaleWhileRevalidate: time.Minute,
				Jitter: 0.1, Rand: func() float64 { return tt.rand }, Now: clk.Now,
			})
			wantGet(t, l, "found", "v", true)
			wantGet(t, l, "absent", "", false)
			e, _ := backend.peek("found")
			if got := e.FreshUntil.Sub(clk.Now()); got != tt.wantFresh {
				t.Errorf("fresh for %v, want %v", got, tt.wantFresh)
			}
			if got, want := backend.ttl("found"), tt.wantFresh+time.Minute; got != want {
				t.Errorf("backend ttl = %v, want %v", got, want)
			}
			if got, want := backend.ttl("absent"), tt.wantFresh/10; got != want {
				t.Errorf("negative ttl = %v, want %v", got, want)
			}
		})
	}
}

// A backend error is returned, not taken for a miss, unless
// LoadOnCacheError is set.
func TestLoaderBackendGetError(t *testing.T) {
	errBackend := errors.New("backend down")
	t.Run("returned by default", func(t *testing.T) {
		backend := newMapcache[cache.Entry[string]](nil)
		backend.getHook = func(string) error { return errBackend }
		src := &source{}
		l := newTestLoader(t, backend, src, cache.LoaderOptions{})
		if _, _, err := l.Get(t.Context(), "k"); !errors.Is(err, errBackend) {
			t.Errorf("Get = %v, want %v", err, errBackend)
		}
		if c := src.calls.Load(); c != 0 {
			t.Errorf("loads = %d, want 0", c)
		}
	})
	t.Run("LoadOnCacheError", func(t *testing.T) {
		backend := newMapcache[cache.Entry[string]](nil)
		backend.getHook = func(string) error { return errBackend }
		src := &source{}
		l := newTestLoader(t, backend, src, cache.LoaderOptions{LoadOnCacheError: true})
		wantGet(t, l, "k", "k@1", true)
		if e, ok := backend.peek("k"); !ok || e.Value != "k@1" {
			t.Errorf("stored entry = (%+v, %v), want k@1", e, ok)
		}
		if _, _, err := l.Get(t.Context(), ""); !errors.Is(err, cache.ErrInvalidKey) {
			t.Errorf("Get(\"\") = %v, want ErrInvalidKey", err)
		}
		backend.Close()
		if _, _, err := l.Get(t.Context(), "k"); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("Get over a closed backend = %v, want ErrClosed", err)
		}
		if c := src.calls.Load(); c != 1 {
			t.Errorf("loads = %d, want 1", c)
		}
	})
}

// A failed cache write after a load does not fail the Get; it goes to
// OnError.
func TestLoaderCacheSetError(t *testing.T) {
	errBackend := errors.New("backend full")
	backend := newMapcache[cache.Entry[string]](nil)
	backend.setHook = func(string, cache.Entry[string], time.Duration) error { return errBackend }
	var reported atomic.Value
	l := newTestLoader(t, backend, &source{}, cache.LoaderOptions{
		OnError: func(key string, err error) { reported.Store(err) },
	})
	wantGet(t, l, "k", "k@1", true)
	if err, _ := reported.Load().(error); !errors.Is(err, errBackend) {
		t.Errorf("OnError got %v, want %v", err, errBackend)
	}
}

// Delete during a load keeps its result out of the cache.
func TestLoaderDeleteDuringLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		backend := newMapcache[cache.Entry[string]](nil)
		src := &source{gate: make(chan struct{})}
		l := newTestLoader(t, backend, src, cache.LoaderOptions{})
		got := make(chan string, 1)
		go func() {
			v, _, _ := l.Get(t.Context(), "k")
			got <- v
		}()
		synctest.Wait()
		if err := l.Delete(t.Context(), "k"); err != nil {
			t.Fatalf("Delete = %v, want nil", err)
		}
		close(src.gate)
		if v := <-got; v != "k@1" {
			t.Errorf("Get waiting during Delete = %q, want k@1", v)
		}
		synctest.Wait()
		if e, ok := backend.peek("k"); ok {
			t.Errorf("the load that raced Delete was cached: %+v", e)
		}
		if n := backend.sets.Load(); n != 0 {
			t.Errorf("backend Sets = %d, want 0: a load invalidated before it ended is not written", n)
		}
		src.gate = nil
		wantGet(t, l, "k", "k@2", true)
	})
}

// A Delete that lands while the load writes its result still removes it.
func TestLoaderDeleteDuringCacheWrite(t *testing.T) {
	backend := newMapcache[cache.Entry[string]](nil)
	inSet, release := make(chan struct{}), make(chan struct{})
	backend.setHook = func(string, cache.Entry[string], time.Duration) error {
		close(inSet)
		<-release
		return nil
	}
	l := newTestLoader(t, backend, &source{}, cache.LoaderOptions{})
	got := make(chan string, 1)
	go func() {
		v, _, _ := l.Get(t.Context(), "k")
		got <- v
	}()
	<-inSet // the load is writing; this Delete reaches the backend first
	if err := l.Delete(t.Context(), "k"); err != nil {
		t.Fatalf("Delete = %v, want nil", err)
	}
	close(release)
	if v := <-got; v != "k@1" {
		t.Errorf("Get = %q, want k@1", v)
	}
	if e, ok := backend.peek("k"); ok {
		t.Errorf("the write that raced Delete survived: %+v", e)
	}
}

func TestLoaderClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newClock()
		backend := newMapcache[cache.Entry[string]](clk.Now)
		src := &source{}
		l, err := cache.NewLoader(backend, src.load, cache.LoaderOptions{
			TTL: time.Minute, StaleWhileRevalidate: time.Minute, Now: clk.Now,
		})
		if err != nil {
			t.Fatal(err)
		}
		wantGet(t, l, "stale", "stale@1", true)
		clk.Advance(61 * time.Second)
		src.gate = make(chan struct{}) // held until Close cancels it

		wantGet(t, l, "stale", "stale@1", true) // starts a background refresh
		waiting := make(chan error, 1)
		go func() {
			_, _, err := l.Get(t.Context(), "fresh-miss")
			waiting <- err
		}()
		synctest.Wait()

		if err := l.Close(); err != nil {
			t.Fatalf("Close = %v, want nil", err)
		}
		// Close returned: both loads were cancelled and have ended.
		if n := src.returned.Load(); n != 3 {
			t.Errorf("loads returned when Close returned = %d, want 3", n)
		}
		if err := <-waiting; !errors.Is(err, cache.ErrClosed) || !errors.Is(err, context.Canceled) {
			t.Errorf("Get waiting on a load Close cancelled = %v, want ErrClosed and context.Canceled", err)
		}
		if _, _, err := l.Get(t.Context(), "stale"); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("Get after Close = %v, want ErrClosed", err)
		}
		if err := l.Delete(t.Context(), "stale"); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("Delete after Close = %v, want ErrClosed", err)
		}
		if err := l.Close(); err != nil {
			t.Errorf("second Close = %v, want nil", err)
		}
		// The backend is the caller's: still open.
		if _, _, err := backend.Get(t.Context(), "stale"); err != nil {
			t.Errorf("backend Get after Loader.Close = %v, want nil", err)
		}
	})
}

// Over a byte backend through EntryCache, found and negative entries
// round-trip.
func TestLoaderOverEntryCache(t *testing.T) {
	clk := newClock()
	raw := newMapcache[[]byte](clk.Now)
	src := &source{result: func(_ context.Context, key string, n int64) (string, bool, error) {
		return "value of " + key, key != "absent", nil
	}}
	l := newTestLoader(t, cache.EntryCache[string](raw, cache.String{}), src, cache.LoaderOptions{
		NegativeTTL: time.Minute, Now: clk.Now,
	})
	for range 2 {
		wantGet(t, l, "k", "value of k", true)
		wantGet(t, l, "absent", "", false)
	}
	if c := src.calls.Load(); c != 2 {
		t.Errorf("loads = %d, want 2", c)
	}
	if b, _ := raw.peek("k"); !strings.HasSuffix(string(b), "value of k") {
		t.Errorf("stored bytes = %q, want the envelope around the value", b)
	}
}

func TestNewLoaderValidation(t *testing.T) {
	backend := newMapcache[cache.Entry[string]](nil)
	load := (&source{}).load
	tests := []struct {
		name  string
		opts  cache.LoaderOptions
		field string
	}{
		{"negative TTL", cache.LoaderOptions{TTL: -1}, "TTL"},
		{"negative StaleWhileRevalidate", cache.LoaderOptions{StaleWhileRevalidate: -1}, "StaleWhileRevalidate"},
		{"negative NegativeTTL", cache.LoaderOptions{NegativeTTL: -1}, "NegativeTTL"},
		{"negative Jitter", cache.LoaderOptions{Jitter: -0.1}, "Jitter"},
		{"Jitter 1", cache.LoaderOptions{Jitter: 1}, "Jitter"},
		{"negative LoadTimeout", cache.LoaderOptions{LoadTimeout: -1}, "LoadTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := cache.NewLoader(backend, load, tt.opts); err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("NewLoader = %v, want an error naming %s", err, tt.field)
			}
		})
	}
	if _, err := cache.NewLoader[string](nil, load, cache.LoaderOptions{}); err == nil {
		t.Errorf("NewLoader(nil cache) = nil error, want an error")
	}
	if _, err := cache.NewLoader(backend, nil, cache.LoaderOptions{}); err == nil {
		t.Errorf("NewLoader(nil load) = nil error, want an error")
	}
}
