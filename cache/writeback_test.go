package cache_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/shutdown"
)

var _ shutdown.Component = (*cache.WriteBack[int])(nil)

// batchStore is the store of the write-back tests: it records every
// Store and Remove call and can fail or hold them.
type batchStore struct {
	// gate, when set, holds every call until it is closed.
	gate chan struct{}
	// fail returns the error of Store call n (1-based); nil means success.
	fail func(n int) error

	mu      sync.Mutex
	m       map[string]string
	batches []map[string]string
	removes [][]string
	times   []time.Time
	calls   int
}

func newBatchStore() *batchStore { return &batchStore{m: make(map[string]string)} }

func (s *batchStore) store(ctx context.Context, items map[string]string) error {
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.times = append(s.times, time.Now())
	if s.fail != nil {
		if err := s.fail(s.calls); err != nil {
			return err
		}
	}
	s.batches = append(s.batches, maps.Clone(items))
	maps.Copy(s.m, items)
	return nil
}

func (s *batchStore) remove(_ context.Context, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removes = append(s.removes, slices.Sorted(slices.Values(keys)))
	for _, k := range keys {
		delete(s.m, k)
	}
	return nil
}

func (s *batchStore) snapshot() (m map[string]string, batches []map[string]string, calls int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.m), slices.Clone(s.batches), s.calls
}

func newWriteBack(t *testing.T, c cache.Cache[string], opts cache.WriteBackOptions[string]) *cache.WriteBack[string] {
	t.Helper()
	w, err := cache.NewWriteBack(c, opts)
	if err != nil {
		t.Fatalf("NewWriteBack = %v, want nil", err)
	}
	return w
}

func mustWrite(t *testing.T, w *cache.WriteBack[string], key, v string) {
	t.Helper()
	if err := w.Set(t.Context(), key, v); err != nil {
		t.Fatalf("Set(%s, %s) = %v, want nil", key, v, err)
	}
}

func stop(t *testing.T, w *cache.WriteBack[string]) {
	t.Helper()
	if err := w.Stop(t.Context()); err != nil {
		t.Fatalf("Stop = %v, want nil", err)
	}
}

// Writes reach the cache at once and the store every Interval, with
// repeated writes to a key coalesced into its last value.
func TestWriteBackIntervalCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newMapcache[string](nil)
		s := newBatchStore()
		w := newWriteBack(t, c, cache.WriteBackOptions[string]{Store: s.store, Interval: time.Second, TTL: time.Hour})
		for i := range 50 {
			mustWrite(t, w, "k", fmt.Sprintf("v%d", i))
		}
		mustWrite(t, w, "j", "x")
		if v, ok := c.peek("k"); !ok || v != "v49" || c.ttl("k") != time.Hour {
			t.Errorf("cache = (%q, %v, ttl %v), want (v49, true, 1h) before any flush", v, ok, c.ttl("k"))
		}
		synctest.Wait()
		if _, _, calls := s.snapshot(); calls != 0 {
			t.Fatalf("Store calls before Interval = %d, want 0", calls)
		}
		if n := w.Pending(); n != 2 {
			t.Errorf("Pending = %d, want 2", n)
		}

		time.Sleep(time.Second)
		synctest.Wait()
		_, batches, _ := s.snapshot()
		want := []map[string]string{{"k": "v49", "j": "x"}}
		if !slices.EqualFunc(batches, want, maps.Equal) {
			t.Errorf("Store batches = %v, want %v", batches, want)
		}
		if n := w.Pending(); n != 0 {
			t.Errorf("Pending after the flush = %d, want 0", n)
		}
		stop(t, w)
	})
}

// MaxBatch entries start a flush without waiting for Interval, and no
// Store call receives more than MaxBatch.
func TestWriteBackMaxBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		s := newBatchStore()
		w := newWriteBack(t, newMapcache[string](nil), cache.WriteBackOptions[string]{
			Store: s.store, Interval: time.Hour, MaxBatch: 10,
		})
		for i := range 10 {
			mustWrite(t, w, fmt.Sprintf("k%d", i), "v")
		}
		synctest.Wait()
		_, batches, _ := s.snapshot()
		if len(batches) != 1 || len(batches[0]) != 10 || time.Since(start) != 0 {
			t.Fatalf("after MaxBatch writes: batches %v at +%v, want 1 batch of 10 at once", batches, time.Since(start))
		}
		for i := 10; i < 45; i++ {
			mustWrite(t, w, fmt.Sprintf("k%d", i), "v")
		}
		stop(t, w)
		m, batches, _ := s.snapshot()
		if len(m) != 45 {
			t.Errorf("store holds %d keys, want 45", len(m))
		}
		for i, b := range batches {
			if len(b) > 10 {
				t.Errorf("batch %d has %d entries, want at most MaxBatch 10", i, len(b))
			}
		}
	})
}

// A failed flush keeps its entries and is retried with doubling backoff;
// a newer write replaces the kept value.
func TestWriteBackRetryBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errStore := errors.New("store down")
		start := time.Now()
		s := newBatchStore()
		s.fail = func(n int) error {
			if n <= 4 {
				return errStore
			}
			return nil
		}
		var reported atomic.Int64
		w := newWriteBack(t, newMapcache[string](nil), cache.WriteBackOptions[string]{
			Store: s.store, Interval: 10 * time.Second,
			RetryBackoff: time.Second, MaxRetryBackoff: 4 * time.Second,
			OnError: func(err error) {
				if errors.Is(err, errStore) {
					reported.Add(1)
				}
			},
		})
		mustWrite(t, w, "k", "v1")
		mustWrite(t, w, "j", "j1")
		time.Sleep(10 * time.Second)
		synctest.Wait()
		mustWrite(t, w, "k", "v2") // replaces the kept v1
		time.Sleep(time.Minute)
		synctest.Wait()

		m, batches, _ := s.snapshot()
		var offsets []time.Duration
		s.mu.Lock()
		times := slices.Clone(s.times)
		s.mu.Unlock()
		for _, at := range times {
			offsets = append(offsets, at.Sub(start))
		}
		want := []time.Duration{10 * time.Second, 11 * time.Second, 13 * time.Second, 17 * time.Second, 21 * time.Second}
		if !slices.Equal(offsets, want) {
			t.Errorf("Store calls at %v, want %v (Interval, then backoff 1s, 2s, 4s, 4s)", offsets, want)
		}
		if want := []map[string]string{{"k": "v2", "j": "j1"}}; !slices.EqualFunc(batches, want, maps.Equal) {
			t.Errorf("successful batches = %v, want %v", batches, want)
		}
		if m["k"] != "v2" {
			t.Errorf("store[k] = %q, want v2", m["k"])
		}
		if n := reported.Load(); n != 4 {
			t.Errorf("OnError calls = %d, want 4", n)
		}
		stop(t, w)
	})
}

// A write that lands while a flush of the same key is failing wins over
// the failed value.
func TestWriteBackNewerWriteDuringFailedFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newBatchStore()
		s.gate = make(chan struct{})
		s.fail = func(n int) error {
			if n == 1 {
				return errors.New("store down")
			}
			return nil
		}
		w := newWriteBack(t, newMapcache[string](nil), cache.WriteBackOptions[string]{Store: s.store, Interval: time.Second})
		mustWrite(t, w, "k", "old")
		time.Sleep(time.Second)
		synctest.Wait() // the flush of k=old is held at the gate
		mustWrite(t, w, "k", "new")
		if v, _, _ := w.Get(t.Context(), "k"); v != "new" {
			t.Errorf("Get during the flush = %q, want new", v)
		}
		close(s.gate) // the flush of old fails
		stop(t, w)
		if m, _, _ := s.snapshot(); m["k"] != "new" {
			t.Errorf("store[k] = %q, want new", m["k"])
		}
	})
}

// A clean shutdown loses no write: many concurrent writers, then Stop,
// and the store holds every key's last value.
func TestWriteBackStopFlushesEverything(t *testing.T) {
	c := newMapcache[string](nil)
	s := newBatchStore()
	w := newWriteBack(t, c, cache.WriteBackOptions[string]{
		Store: s.store, Remove: s.remove, Interval: time.Hour, MaxBatch: 16, MaxPending: 48,
	})
	const writers, keys, versions = 8, 25, 4
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for v := range versions {
				for i := range keys {
					key := fmt.Sprintf("g%d-k%d", g, i)
					if v == versions-1 && i%5 == 0 {
						if err := w.Delete(t.Context(), key); err != nil {
							t.Errorf("Delete(%s) = %v, want nil", key, err)
						}
						continue
					}
					if err := w.Set(t.Context(), key, fmt.Sprintf("v%d", v)); err != nil {
						t.Errorf("Set(%s) = %v, want nil", key, err)
					}
				}
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := w.Stop(ctx); err != nil {
		t.Fatalf("Stop = %v, want nil", err)
	}
	m, _, _ := s.snapshot()
	for g := range writers {
		for i := range keys {
			key := fmt.Sprintf("g%d-k%d", g, i)
			v, ok := m[key]
			if i%5 == 0 {
				if ok {
					t.Errorf("store[%s] = %q, want deleted", key, v)
				}
				continue
			}
			if want := fmt.Sprintf("v%d", versions-1); v != want {
				t.Errorf("store[%s] = %q, want %q", key, v, want)
			}
		}
	}
	if n := w.Pending(); n != 0 {
		t.Errorf("Pending after Stop = %d, want 0", n)
	}
}

// At MaxPending a write of a new key blocks until a flush frees room, or
// until its ctx ends, changing nothing.
func TestWriteBackBackPressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newMapcache[string](nil)
		s := newBatchStore()
		s.gate = make(chan struct{})
		w := newWriteBack(t, c, cache.WriteBackOptions[string]{
			Store: s.store, Interval: time.Hour, MaxBatch: 2, MaxPending: 3,
		})
		mustWrite(t, w, "a", "1")
		mustWrite(t, w, "b", "1") // a full batch: its flush is held at the gate
		synctest.Wait()
		mustWrite(t, w, "c", "1")
		mustWrite(t, w, "c", "2") // already buffered: no new room needed

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := w.Set(ctx, "d", "1"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Set past MaxPending = %v, want context.DeadlineExceeded", err)
		}
		if _, ok := c.peek("d"); ok {
			t.Errorf("a Set that gave up reached the cache")
		}

		done := make(chan error, 1)
		go func() { done <- w.Set(t.Context(), "e", "1") }()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Set past MaxPending returned %v while the store was held, want it blocked", err)
		default:
		}
		close(s.gate)
		if err := <-done; err != nil {
			t.Errorf("blocked Set after the flush = %v, want nil", err)
		}
		stop(t, w)
		m, _, _ := s.snapshot()
		if want := map[string]string{"a": "1", "b": "1", "c": "2", "e": "1"}; !maps.Equal(m, want) {
			t.Errorf("store = %v, want %v", m, want)
		}
	})
}

// A writer blocked by back-pressure when Stop begins returns ErrClosed.
func TestWriteBackStopWakesBlockedWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newBatchStore()
		s.gate = make(chan struct{})
		w := newWriteBack(t, newMapcache[string](nil), cache.WriteBackOptions[string]{
			Store: s.store, Interval: time.Hour, MaxBatch: 1, MaxPending: 1,
		})
		mustWrite(t, w, "a", "1")
		synctest.Wait()
		done := make(chan error, 1)
		go func() { done <- w.Set(t.Context(), "b", "1") }()
		synctest.Wait()
		stopped := make(chan error, 1)
		go func() { stopped <- w.Stop(t.Context()) }()
		if err := <-done; !errors.Is(err, cache.ErrClosed) {
			t.Errorf("blocked Set when Stop began = %v, want ErrClosed", err)
		}
		close(s.gate)
		if err := <-stopped; err != nil {
			t.Errorf("Stop = %v, want nil", err)
		}
	})
}

// Get serves buffered writes before the cache, so a writer reads its own
// writes even when the cache evicted them.
func TestWriteBackGetReadsBuffer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newMapcache[string](nil)
		s := newBatchStore()
		w := newWriteBack(t, c, cache.WriteBackOptions[string]{Store: s.store, Remove: s.remove, Interval: time.Hour})
		mustWrite(t, w, "k", "v")
		if err := c.Delete(t.Context(), "k"); err != nil { // evicted
			t.Fatal(err)
		}
		if v, ok, err := w.Get(t.Context(), "k"); v != "v" || !ok || err != nil {
			t.Errorf("Get of an evicted buffered write = (%q, %v, %v), want (v, true, nil)", v, ok, err)
		}
		if err := c.Set(t.Context(), "gone", "stale", 0); err != nil {
			t.Fatal(err)
		}
		if err := w.Delete(t.Context(), "gone"); err != nil {
			t.Fatalf("Delete = %v, want nil", err)
		}
		if _, ok, err := w.Get(t.Context(), "gone"); ok || err != nil {
			t.Errorf("Get of a buffered Delete = (_, %v, %v), want a miss", ok, err)
		}
		if err := w.Flush(t.Context()); err != nil {
			t.Fatalf("Flush = %v, want nil", err)
		}
		if _, ok, err := w.Get(t.Context(), "k"); ok || err != nil {
			t.Errorf("Get after the flush of an evicted key = (_, %v, %v), want the cache's miss", ok, err)
		}
		s.mu.Lock()
		if want := [][]string{{"gone"}}; !slices.EqualFunc(s.removes, want, slices.Equal) {
			t.Errorf("Remove calls = %v, want %v", s.removes, want)
		}
		s.mu.Unlock()
		stop(t, w)
	})
}

// When Remove fails after Store succeeded, only the deletions are kept.
func TestWriteBackRemoveFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newBatchStore()
		errRemove := errors.New("remove failed")
		var removeCalls atomic.Int64
		w := newWriteBack(t, newMapcache[string](nil), cache.WriteBackOptions[string]{
			Store: s.store, Interval: time.Second, RetryBackoff: time.Second,
			Remove: func(ctx context.Context, keys []string) error {
				if removeCalls.Add(1) == 1 {
					return errRemove
				}
				return s.remove(ctx, keys)
			},
		})
		mustWrite(t, w, "k", "v")
		if err := w.Delete(t.Context(), "d"); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(t.Context()); !errors.Is(err, errRemove) {
			t.Errorf("Flush = %v, want %v", err, errRemove)
		}
		if n := w.Pending(); n != 1 {
			t.Errorf("Pending after a failed Remove = %d, want 1 (the deletion only)", n)
		}
		stop(t, w)
		_, batches, _ := s.snapshot()
		if len(batches) != 1 || removeCalls.Load() != 2 {
			t.Errorf("Store calls = %d, Remove calls = %d, want 1 and 2", len(batches), removeCalls.Load())
		}
	})
}

// A failed cache write fails the Set, which buffers nothing.
func TestWriteBackCacheFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errCache := errors.New("cache down")
		c := newMapcache[string](nil)
		c.setHook = func(string, string, time.Duration) error { return errCache }
		s := newBatchStore()
		w := newWriteBack(t, c, cache.WriteBackOptions[string]{Store: s.store})
		if err := w.Set(t.Context(), "k", "v"); !errors.Is(err, errCache) {
			t.Errorf("Set = %v, want %v", err, errCache)
		}
		if n := w.Pending(); n != 0 {
			t.Errorf("Pending = %d, want 0", n)
		}
		if err := w.Set(t.Context(), "", "v"); !errors.Is(err, cache.ErrInvalidKey) {
			t.Errorf("Set(\"\") = %v, want ErrInvalidKey", err)
		}
		if err := w.Delete(t.Context(), "k"); err == nil || !strings.Contains(err.Error(), "Remove") {
			t.Errorf("Delete without Remove = %v, want an error naming Remove", err)
		}
		stop(t, w)
		if _, _, calls := s.snapshot(); calls != 0 {
			t.Errorf("Store calls = %d, want 0", calls)
		}
	})
}

// A panicking Store is an error: the entries are kept and retried.
func TestWriteBackStorePanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int64
		s := newBatchStore()
		var reported atomic.Value
		w := newWriteBack(t, newMapcache[string](nil), cache.WriteBackOptions[string]{
			Interval: time.Second,
			Store: func(ctx context.Context, items map[string]string) error {
				if calls.Add(1) == 1 {
					panic("boom")
				}
				return s.store(ctx, items)
			},
			OnError: func(err error) { reported.Store(err) },
		})
		mustWrite(t, w, "k", "v")
		time.Sleep(time.Second)
		synctest.Wait()
		if err, _ := reported.Load().(error); err == nil || !strings.Contains(err.Error(), "panicked: boom") {
			t.Errorf("OnError got %v, want the panic as an error", err)
		}
		stop(t, w)
		if m, _, _ := s.snapshot(); m["k"] != "v" {
			t.Errorf("store[k] = %q, want v", m["k"])
		}
	})
}

// Stop retries until its ctx ends, then reports the loss.
func TestWriteBackStopDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errStore := errors.New("store down")
		s := newBatchStore()
		s.fail = func(int) error { return errStore }
		w := newWriteBack(t, newMapcache[string](nil), cache.WriteBackOptions[string]{Store: s.store, Interval: time.Hour})
		mustWrite(t, w, "k", "v")
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		err := w.Stop(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errStore) || !strings.Contains(err.Error(), "1 writes lost") {
			t.Errorf("Stop = %v, want DeadlineExceeded with the store error and the loss", err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("Stop returned after %v, want 5s", d)
		}
		if _, _, calls := s.snapshot(); calls < 3 {
			t.Errorf("Store calls during Stop = %d, want retries", calls)
		}
	})
}

// A writer still in progress when Stop gives up gets ErrClosed rather
// than buffering a write nobody would flush.
func TestWriteBackStopAbandonsSlowWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newMapcache[string](nil)
		release := make(chan struct{})
		c.setHook = func(key, _ string, _ time.Duration) error {
			if key == "slow" {
				<-release
			}
			return nil
		}
		s := newBatchStore()
		w := newWriteBack(t, c, cache.WriteBackOptions[string]{Store: s.store, Interval: time.Hour})
		mustWrite(t, w, "k", "v")
		slow := make(chan error, 1)
		go func() { slow <- w.Set(t.Context(), "slow", "v") }()
		synctest.Wait()

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := w.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop with a writer stuck in the cache = %v, want context.DeadlineExceeded", err)
		}
		if m, _, _ := s.snapshot(); m["k"] != "v" {
			t.Errorf("store[k] = %q, want v", m["k"])
		}
		close(release)
		if err := <-slow; !errors.Is(err, cache.ErrClosed) {
			t.Errorf("Set that outlived Stop = %v, want ErrClosed", err)
		}
		if n := w.Pending(); n != 0 {
			t.Errorf("Pending = %d, want 0", n)
		}
	})
}

func TestWriteBackClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newBatchStore()
		w := newWriteBack(t, newMapcache[string](nil), cache.WriteBackOptions[string]{Store: s.store, Interval: time.Hour})
		mustWrite(t, w, "k", "v")
		if err := w.Close(); err != nil {
			t.Fatalf("Close = %v, want nil", err)
		}
		if m, _, _ := s.snapshot(); m["k"] != "v" {
			t.Errorf("store[k] after Close = %q, want v", m["k"])
		}

		errStore := errors.New("store down")
		s2 := newBatchStore()
		s2.fail = func(int) error { return errStore }
		w2 := newWriteBack(t, newMapcache[string](nil), cache.WriteBackOptions[string]{Store: s2.store, Interval: time.Hour})
		mustWrite(t, w2, "k", "v")
		if err := w2.Close(); !errors.Is(err, errStore) || !strings.Contains(err.Error(), "lost") {
			t.Errorf("Close with a failing store = %v, want the store error and the loss", err)
		}
		if _, _, calls := s2.snapshot(); calls != 1 {
			t.Errorf("Store calls during Close = %d, want 1 (no retry)", calls)
		}
	})
}

func TestWriteBackAfterStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		s := newBatchStore()
		c := newMapcache[string](nil)
		w := newWriteBack(t, c, cache.WriteBackOptions[string]{Store: s.store, Remove: s.remove})
		if err := w.Start(ctx); err != nil {
			t.Errorf("Start = %v, want nil", err)
		}
		stop(t, w)
		if err := w.Start(ctx); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("Start after Stop = %v, want ErrClosed", err)
		}
		if err := w.Set(ctx, "k", "v"); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("Set after Stop = %v, want ErrClosed", err)
		}
		if err := w.Delete(ctx, "k"); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("Delete after Stop = %v, want ErrClosed", err)
		}
		if _, _, err := w.Get(ctx, "k"); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("Get after Stop = %v, want ErrClosed", err)
		}
		if err := w.Flush(ctx); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("Flush after Stop = %v, want ErrClosed", err)
		}
		if err := w.Stop(ctx); err != nil {
			t.Errorf("second Stop = %v, want nil", err)
		}
		if err := w.Close(); err != nil {
			t.Errorf("Close after Stop = %v, want nil", err)
		}
		if _, _, err := c.Get(ctx, "k"); err != nil {
			t.Errorf("cache Get after Stop = %v, want nil: the cache is the caller's", err)
		}
	})
}

func TestNewWriteBackValidation(t *testing.T) {
	c := newMapcache[string](nil)
	store := newBatchStore().store
	tests := []struct {
		name  string
		opts  cache.WriteBackOptions[string]
		field string
	}{
		{"no Store", cache.WriteBackOptions[string]{}, "Store"},
		{"negative TTL", cache.WriteBackOptions[string]{Store: store, TTL: -1}, "TTL"},
		{"negative MaxBatch", cache.WriteBackOptions[string]{Store: store, MaxBatch: -1}, "MaxBatch"},
		{"negative Interval", cache.WriteBackOptions[string]{Store: store, Interval: -1}, "Interval"},
		{"MaxPending below MaxBatch", cache.WriteBackOptions[string]{Store: store, MaxBatch: 10, MaxPending: 5}, "MaxPending"},
		{"negative FlushTimeout", cache.WriteBackOptions[string]{Store: store, FlushTimeout: -1}, "FlushTimeout"},
		{"negative RetryBackoff", cache.WriteBackOptions[string]{Store: store, RetryBackoff: -1}, "RetryBackoff"},
		{"MaxRetryBackoff below RetryBackoff", cache.WriteBackOptions[string]{Store: store, RetryBackoff: time.Minute, MaxRetryBackoff: time.Second}, "MaxRetryBackoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w, err := cache.NewWriteBack(c, tt.opts); err == nil || !strings.Contains(err.Error(), tt.field) {
				if w != nil {
					w.Close()
				}
				t.Errorf("NewWriteBack = %v, want an error naming %s", err, tt.field)
			}
		})
	}
	if _, err := cache.NewWriteBack[string](nil, cache.WriteBackOptions[string]{Store: store}); err == nil {
		t.Errorf("NewWriteBack(nil cache) = nil error, want an error")
	}
}
