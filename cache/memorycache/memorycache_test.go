package memorycache_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/memorycache"
	"github.com/keel-go/keel/internal/testclock"
)

var _ cache.Cache[int] = (*memorycache.Cache[string, int])(nil)
var _ cache.Batcher[int] = (*memorycache.Cache[string, int])(nil)

var policies = []memorycache.Policy{
	memorycache.Adaptive, memorycache.LRU, memorycache.LFU, memorycache.FIFO, memorycache.TTL, memorycache.TinyLFU,
}

// fakeClock is the tests' manual clock.
type fakeClock = testclock.Clock

func newFakeClock() *fakeClock {
	return testclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
}

func newCache[K comparable, V any](tb testing.TB, opts memorycache.Options[K, V]) *memorycache.Cache[K, V] {
	tb.Helper()
	c, err := memorycache.New(opts)
	if err != nil {
		tb.Fatalf("New(%+v) = %v", opts, err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func checkInvariants[K comparable, V any](tb testing.TB, c *memorycache.Cache[K, V]) {
	tb.Helper()
	if err := memorycache.CheckInvariants(c); err != nil {
		tb.Fatal(err)
	}
}

// present returns the keys of keys that c holds, without touching the
// policy.
func present(tb testing.TB, c *memorycache.Cache[string, int], keys ...string) []string {
	tb.Helper()
	var out []string
	for _, k := range keys {
		if _, ok, err := c.Peek(context.Background(), k); err != nil {
			tb.Fatalf("Peek(%q) = %v", k, err)
		} else if ok {
			out = append(out, k)
		}
	}
	return out
}

func TestNewValidatesOptions(t *testing.T) {
	cost := func(string, []byte) int64 { return 1 }
	tests := []struct {
		name string
		opts memorycache.Options[string, []byte]
		ok   bool
	}{
		{"zero", memorycache.Options[string, []byte]{}, true},
		{"entries", memorycache.Options[string, []byte]{MaxEntries: 10, Policy: memorycache.LFU}, true},
		{"cost", memorycache.Options[string, []byte]{MaxCost: 10, Cost: cost}, true},
		{"unknown policy", memorycache.Options[string, []byte]{Policy: 99}, false},
		{"negative policy", memorycache.Options[string, []byte]{Policy: -1}, false},
		{"negative entries", memorycache.Options[string, []byte]{MaxEntries: -1}, false},
		{"negative cost", memorycache.Options[string, []byte]{MaxCost: -1, Cost: cost}, false},
		{"both bounds", memorycache.Options[string, []byte]{MaxEntries: 1, MaxCost: 1, Cost: cost}, false},
		{"cost without func", memorycache.Options[string, []byte]{MaxCost: 10}, false},
		{"func without cost", memorycache.Options[string, []byte]{MaxEntries: 10, Cost: cost}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := memorycache.New(tt.opts)
			if (err == nil) != tt.ok {
				t.Fatalf("New() error = %v, want ok %v", err, tt.ok)
			}
			if c != nil {
				_ = c.Close()
			}
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				_ = memorycache.MustNew(tt.opts).Close()
				return false
			}()
			if panicked == tt.ok {
				t.Fatalf("MustNew() panicked = %v, want %v", panicked, !tt.ok)
			}
		})
	}
}

func TestBasicOperations(t *testing.T) {
	ctx := context.Background()
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			c := newCache(t, memorycache.Options[string, int]{Policy: p, MaxEntries: 10})
			if _, ok, err := c.Get(ctx, "a"); ok || err != nil {
				t.Fatalf("Get(a) on empty cache = %v, %v, want miss", ok, err)
			}
			if err := c.Set(ctx, "a", 1, 0); err != nil {
				t.Fatalf("Set(a) = %v", err)
			}
			if err := c.Set(ctx, "a", 2, 0); err != nil {
				t.Fatalf("Set(a) again = %v", err)
			}
			if v, ok, err := c.Get(ctx, "a"); v != 2 || !ok || err != nil {
				t.Fatalf("Get(a) = %d, %v, %v, want 2, true, nil", v, ok, err)
			}
			if n := c.Len(); n != 1 {
				t.Fatalf("Len() = %d, want 1", n)
			}
			if err := c.Delete(ctx, "a"); err != nil {
				t.Fatalf("Delete(a) = %v", err)
			}
			if err := c.Delete(ctx, "absent"); err != nil {
				t.Fatalf("Delete(absent) = %v, want nil", err)
			}
			if _, ok, _ := c.Get(ctx, "a"); ok {
				t.Fatal("Get(a) after Delete hit, want miss")
			}
			if err := c.Set(ctx, "b", 1, 0); err != nil {
				t.Fatalf("Set(b) = %v", err)
			}
			if err := c.Set(ctx, "b", 1, -time.Second); err != nil {
				t.Fatalf("Set(b, ttl<0) = %v", err)
			}
			if _, ok, _ := c.Get(ctx, "b"); ok {
				t.Fatal("Get(b) after Set with negative ttl hit, want miss")
			}
			checkInvariants(t, c)
		})
	}
}

func TestInvalidKeyAndClosed(t *testing.T) {
	ctx := context.Background()
	c := memorycache.MustNew(memorycache.Options[string, int]{})
	calls := map[string]func() error{
		"Get":        func() error { _, _, err := c.Get(ctx, ""); return err },
		"Peek":       func() error { _, _, err := c.Peek(ctx, ""); return err },
		"Set":        func() error { return c.Set(ctx, "", 1, 0) },
		"GetOrSet":   func() error { _, _, err := c.GetOrSet(ctx, "", 1, 0); return err },
		"Delete":     func() error { return c.Delete(ctx, "") },
		"GetMany":    func() error { _, err := c.GetMany(ctx, []string{"a", ""}); return err },
		"SetMany":    func() error { return c.SetMany(ctx, map[string]int{"": 1}, 0) },
		"DeleteMany": func() error { return c.DeleteMany(ctx, []string{""}) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, cache.ErrInvalidKey) {
			t.Errorf("%s with empty key = %v, want ErrInvalidKey", name, err)
		}
	}
	if err := c.Set(ctx, "a", 1, 0); err != nil {
		t.Fatalf("Set(a) = %v", err)
	}
	for range 2 {
		if err := c.Close(); err != nil {
			t.Fatalf("Close() = %v, want nil", err)
		}
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, cache.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	if _, _, err := c.Get(ctx, "a"); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Get(a) after Close = %v, want ErrClosed", err)
	}
	if n := c.Len(); n != 0 {
		t.Errorf("Len() after Close = %d, want 0", n)
	}
	// Non-string keys have no invalid value.
	ci := newCache(t, memorycache.Options[int, int]{})
	if err := ci.Set(ctx, 0, 1, 0); err != nil {
		t.Errorf("Set(0) on an int cache = %v, want nil", err)
	}
}

func TestTTL(t *testing.T) {
	ctx := context.Background()
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			clk := newFakeClock()
			c := newCache(t, memorycache.Options[string, int]{Policy: p, MaxEntries: 100, Now: clk.Now})
			must(t, c.Set(ctx, "short", 1, time.Second))
			must(t, c.Set(ctx, "long", 2, time.Hour))
			must(t, c.Set(ctx, "forever", 3, 0))
			clk.Advance(999 * time.Millisecond)
			if got := present(t, c, "short", "long", "forever"); len(got) != 3 {
				t.Fatalf("live before the TTL: %v, want all three", got)
			}
			clk.Advance(time.Millisecond)
			if _, ok, _ := c.Get(ctx, "short"); ok {
				t.Fatal("Get(short) at its deadline hit, want miss")
			}
			if v, ok, _ := c.Get(ctx, "long"); !ok || v != 2 {
				t.Fatalf("Get(long) = %d, %v, want 2, true", v, ok)
			}
			// A Set replaces the TTL too.
			must(t, c.Set(ctx, "long", 4, 0))
			clk.Advance(24 * time.Hour)
			if got := present(t, c, "short", "long", "forever"); fmt.Sprint(got) != "[long forever]" {
				t.Fatalf("live after a day: %v, want [long forever]", got)
			}
			if n := c.Len(); n != 2 {
				t.Fatalf("Len() = %d, want 2", n)
			}
			if s := c.Stats(); s.Expirations != 1 {
				t.Fatalf("Stats().Expirations = %d, want 1", s.Expirations)
			}
			checkInvariants(t, c)
		})
	}
}

// TestExpiredEntriesAreReclaimed proves that memory stays bounded by the
// live entries, not by everything ever written: entries that are never
// read again are reclaimed once expired, by the maintenance that writes
// (and Len) run.
func TestExpiredEntriesAreReclaimed(t *testing.T) {
	ctx := context.Background()
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			clk := newFakeClock()
			evicted := 0
			c := newCache(t, memorycache.Options[string, int]{
				Policy: p, MaxEntries: 1 << 20, Now: clk.Now,
				OnEvict: func(_ string, _ int, r memorycache.EvictReason) {
					if r == memorycache.EvictedExpired {
						evicted++
					}
				},
			})
			const batch = 200
			for round := range 20 {
				for i := range batch {
					must(t, c.Set(ctx, fmt.Sprintf("r%d-%d", round, i), i, time.Second))
				}
				// The previous rounds expired while this one was written,
				// and their keys were never read.
				if got := c.Stats().Expirations; got < uint64(round*batch) {
					t.Fatalf("round %d: %d expirations, want at least %d", round, got, round*batch)
				}
				clk.Advance(2 * time.Second)
			}
			if n := c.Len(); n != 0 {
				t.Fatalf("Len() after every TTL passed = %d, want 0", n)
			}
			if evicted != 20*batch {
				t.Fatalf("OnEvict saw %d expirations, want %d", evicted, 20*batch)
			}
			checkInvariants(t, c)
		})
	}
}

// TestWriteVisibleToNextRead runs many goroutines that each write a key
// and read it back at once, thousands of times: no write may be dropped
// or applied late. With room for every key, each read must hit; in a
// full cache that evicts all the time, a read may miss (the key was
// evicted) but must never return an older value.
func TestWriteVisibleToNextRead(t *testing.T) {
	ctx := context.Background()
	const goroutines, rounds, keysEach = 8, 2000, 10
	for _, full := range []bool{false, true} {
		for _, p := range policies {
			t.Run(fmt.Sprintf("%v/full=%v", p, full), func(t *testing.T) {
				capacity := 2 * goroutines * keysEach
				if full {
					capacity = goroutines * keysEach / 2
				}
				c := newCache(t, memorycache.Options[string, int]{Policy: p, MaxEntries: capacity})
				var wg sync.WaitGroup
				errs := make(chan error, goroutines)
				for g := range goroutines {
					wg.Go(func() {
						for i := range rounds {
							key := "g" + strconv.Itoa(g) + ":" + strconv.Itoa(i%keysEach)
							if err := c.Set(ctx, key, i, 0); err != nil {
								errs <- err
								return
							}
							v, ok, err := c.Get(ctx, key)
							if err != nil || ok && v != i || !ok && !full {
								errs <- fmt.Errorf("Get(%s) right after Set(%d) = %d, %v, %v", key, i, v, ok, err)
								return
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				if s := c.Stats(); (s.Evictions > 0) != full {
					t.Errorf("%d evictions, want some only when full", s.Evictions)
				}
				checkInvariants(t, c)
			})
		}
	}
}

func TestGetDoesNotTakeTheWriteLock(t *testing.T) {
	ctx := context.Background()
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			c := newCache(t, memorycache.Options[string, int]{Policy: p, MaxEntries: 100})
			must(t, c.Set(ctx, "a", 1, 0))
			unlock := memorycache.LockWrites(c)
			done := make(chan error, 1)
			go func() {
				// More reads than the read buffer holds: a full buffer
				// must not make a reader wait for the write lock.
				for range 10_000 {
					if v, ok, err := c.Get(ctx, "a"); v != 1 || !ok || err != nil {
						done <- fmt.Errorf("Get(a) = %d, %v, %v, want 1, true, nil", v, ok, err)
						return
					}
				}
				done <- nil
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Error(err)
				}
			case <-time.After(30 * time.Second):
				t.Error("Get blocked while the write lock was held")
			}
			unlock()
			checkInvariants(t, c)
		})
	}
}

// TestLockFreeReadsSeeOnlyWrittenValues runs readers, which take no lock,
// against writers that insert, replace and delete enough to grow, rehash
// and reset the shards' arrays, and, when the cache is full, evict: every
// value a reader gets must be one written under that key, and when
// nothing is evicted, a key that no writer touches must never be missed.
// It runs with values stored in place (int, pointers) and values
// published in new items (strings).
func TestLockFreeReadsSeeOnlyWrittenValues(t *testing.T) {
	t.Run("int", func(t *testing.T) {
		testLockFreeReads(t, func(k, i int) int { return k*1_000_000 + i }, func(v int) int { return v / 1_000_000 })
	})
	t.Run("pointer", func(t *testing.T) {
		testLockFreeReads(t, func(k, i int) *[2]int { return &[2]int{k, i} }, func(v *[2]int) int { return v[0] })
	})
	t.Run("string", func(t *testing.T) {
		testLockFreeReads(t, func(k, i int) string { return strconv.Itoa(k) + "/" + strconv.Itoa(i) },
			func(v string) int { k, _, _ := strings.Cut(v, "/"); n, _ := strconv.Atoi(k); return n })
	})
}

func testLockFreeReads[V any](t *testing.T, value func(key, i int) V, keyOf func(V) int) {
	ctx := context.Background()
	const keys, stable, reads = 512, 32, 50_000
	for _, full := range []bool{false, true} {
		for _, p := range policies {
			t.Run(fmt.Sprintf("%v/full=%v", p, full), func(t *testing.T) {
				capacity := 2 * (keys + stable)
				if full {
					capacity = keys / 4
				}
				c := newCache(t, memorycache.Options[int, V]{Policy: p, MaxEntries: capacity})
				for k := range stable {
					must(t, c.Set(ctx, -1-k, value(-1-k, 0), 0))
				}
				var writers, readers sync.WaitGroup
				stop := make(chan struct{})
				for g := range 2 {
					writers.Go(func() {
						for i := 0; ; i++ {
							select {
							case <-stop:
								return
							default:
							}
							k := (i*31 + g*7) % keys
							switch i % 8 {
							case 0:
								_ = c.Delete(ctx, k)
							case 1:
								_ = c.Set(ctx, k, value(k, i), time.Hour)
							default:
								_ = c.Set(ctx, k, value(k, i), 0)
							}
						}
					})
				}
				errs := make(chan error, 2)
				for g := range 2 {
					readers.Go(func() {
						for i := range reads {
							k := (i*17 + g) % keys
							if i%4 == 0 {
								k = -1 - i%stable
							}
							v, ok, err := c.Get(ctx, k)
							switch {
							case err != nil:
								errs <- err
								return
							case ok && keyOf(v) != k:
								errs <- fmt.Errorf("Get(%d) = %v, a value written under key %d", k, v, keyOf(v))
								return
							case !ok && k < 0 && !full:
								errs <- fmt.Errorf("Get(%d) missed a key no writer touches", k)
								return
							}
						}
					})
				}
				readers.Wait()
				close(stop)
				writers.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				checkInvariants(t, c)
			})
		}
	}
}

// TestWritesWithAndWithoutTTLOnOneKey races the two paths of Set on one
// key: a write with a TTL (under the policy lock) and one without (the
// Adaptive policy's fast path, under the shard's lock only), with values
// that each write publishes in a new item. The slow path must find the
// item that the fast one has just published, not wait for the one it saw
// before taking the shard's lock.
func TestWritesWithAndWithoutTTLOnOneKey(t *testing.T) {
	ctx := context.Background()
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			c := newCache(t, memorycache.Options[string, string]{Policy: p, MaxEntries: 10})
			var wg sync.WaitGroup
			for g := range 2 {
				wg.Go(func() {
					for i := range 20_000 {
						ttl := time.Duration(0)
						if g == 0 {
							ttl = time.Hour
						}
						if err := c.Set(ctx, "k", strconv.Itoa(i), ttl); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatal("writers of one key did not finish within a minute")
			}
			if _, ok, err := c.Get(ctx, "k"); !ok || err != nil {
				t.Errorf("Get(k) = %v, %v after the writes", ok, err)
			}
			checkInvariants(t, c)
		})
	}
}

func TestConcurrentMixedOperations(t *testing.T) {
	ctx := context.Background()
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			clk := newFakeClock()
			c := newCache(t, memorycache.Options[string, []byte]{
				Policy: p, MaxCost: 2000, Now: clk.Now,
				Cost: func(_ string, v []byte) int64 { return int64(len(v)) },
			})
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					for i := range 3000 {
						key := strconv.Itoa((i*7 + g*13) % 300)
						switch i % 10 {
						case 0:
							_ = c.Delete(ctx, key)
						case 1, 2:
							_ = c.Set(ctx, key, make([]byte, i%50), time.Duration(i%3)*time.Second)
						case 3:
							_, _, _ = c.GetOrSet(ctx, key, []byte(key), 0)
						case 4:
							_, _ = c.GetMany(ctx, []string{key, "x" + key})
						case 5:
							clk.Advance(100 * time.Millisecond)
						default:
							if v, ok, _ := c.Get(ctx, key); ok && len(v) > 50 {
								t.Errorf("Get(%s) returned %d bytes, more than any write", key, len(v))
							}
						}
					}
				})
			}
			wg.Wait()
			checkInvariants(t, c)
		})
	}
}

func TestBatch(t *testing.T) {
	ctx := context.Background()
	c := newCache(t, memorycache.Options[string, int]{MaxEntries: 100})
	must(t, c.SetMany(ctx, map[string]int{"a": 1, "b": 2, "c": 3}, 0))
	got, err := c.GetMany(ctx, []string{"a", "b", "z"})
	if err != nil || fmt.Sprint(got) != "map[a:1 b:2]" {
		t.Fatalf("GetMany = %v, %v, want map[a:1 b:2]", got, err)
	}
	must(t, c.DeleteMany(ctx, []string{"a", "z"}))
	must(t, c.SetMany(ctx, map[string]int{"b": 0}, -1))
	if got := c.Len(); got != 1 {
		t.Fatalf("Len() = %d, want 1 (c)", got)
	}
	if s := c.Stats(); s.Hits != 2 || s.Misses != 1 {
		t.Fatalf("Stats() = %+v, want 2 hits and 1 miss", s)
	}
}

func TestGetOrSetAndPeek(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	c := newCache(t, memorycache.Options[string, int]{Now: clk.Now})
	if v, loaded, err := c.GetOrSet(ctx, "a", 1, time.Second); v != 1 || loaded || err != nil {
		t.Fatalf("GetOrSet(a, 1) = %d, %v, %v, want 1, false, nil", v, loaded, err)
	}
	if v, loaded, err := c.GetOrSet(ctx, "a", 2, 0); v != 1 || !loaded || err != nil {
		t.Fatalf("GetOrSet(a, 2) = %d, %v, %v, want 1, true, nil", v, loaded, err)
	}
	clk.Advance(time.Second)
	if v, loaded, _ := c.GetOrSet(ctx, "a", 3, 0); v != 3 || loaded {
		t.Fatalf("GetOrSet(a, 3) after expiry = %d, %v, want 3, false", v, loaded)
	}
	if v, ok, err := c.Peek(ctx, "a"); v != 3 || !ok || err != nil {
		t.Fatalf("Peek(a) = %d, %v, %v, want 3, true, nil", v, ok, err)
	}
	if _, ok, _ := c.Peek(ctx, "b"); ok {
		t.Fatal("Peek(b) hit, want miss")
	}
	if s := c.Stats(); s.Hits != 1 || s.Misses != 2 {
		t.Fatalf("Stats() = %+v, want 1 hit and 2 misses (Peek does not count)", s)
	}
}

func TestStats(t *testing.T) {
	ctx := context.Background()
	c := newCache(t, memorycache.Options[int, int]{MaxEntries: 10, Policy: memorycache.FIFO})
	if r := c.Stats().HitRatio(); r != 0 {
		t.Fatalf("HitRatio() before any read = %v, want 0", r)
	}
	for i := range 20 {
		must(t, c.Set(ctx, i, i, 0))
	}
	for i := range 20 {
		_, _, _ = c.Get(ctx, i)
	}
	s := c.Stats()
	want := memorycache.Stats{Hits: 10, Misses: 10, Evictions: 10}
	if s != want || s.HitRatio() != 0.5 {
		t.Fatalf("Stats() = %+v (ratio %v), want %+v (ratio 0.5)", s, s.HitRatio(), want)
	}
	// Concurrent readers: the striped counters lose nothing.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 1000 {
				_, _, _ = c.Get(ctx, i%20)
			}
		})
	}
	wg.Wait()
	s = c.Stats()
	if s.Hits != 10+2000 || s.Misses != 10+2000 {
		t.Fatalf("after 4000 concurrent reads Stats() = %+v, want 2010 hits and 2010 misses", s)
	}
}

func TestGetHitDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			cs := newCache(t, memorycache.Options[string, string]{Policy: p, MaxEntries: 100})
			ci := newCache(t, memorycache.Options[int, int]{Policy: p, MaxEntries: 100})
			must(t, cs.Set(ctx, "key", "value", time.Hour))
			must(t, ci.Set(ctx, 42, 1, 0))
			if n := testing.AllocsPerRun(1000, func() { _, _, _ = cs.Get(ctx, "key") }); n != 0 {
				t.Errorf("Get(string) hit allocates %v times, want 0", n)
			}
			if n := testing.AllocsPerRun(1000, func() { _, _, _ = ci.Get(ctx, 42) }); n != 0 {
				t.Errorf("Get(int) hit allocates %v times, want 0", n)
			}
		})
	}
}

// TestReplacingAWordValueDoesNotAllocate pins the in-place write: a Set
// of an existing key without a TTL whose value is one word (an integer or
// a pointer) stores it into the entry's item rather than allocating a new
// one, under every policy.
func TestReplacingAWordValueDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			ci := newCache(t, memorycache.Options[int, int]{Policy: p, MaxEntries: 100})
			cp := newCache(t, memorycache.Options[string, *int]{Policy: p, MaxEntries: 100})
			x := 7
			must(t, ci.Set(ctx, 42, 1, 0))
			must(t, cp.Set(ctx, "k", &x, 0))
			i := 0
			if n := testing.AllocsPerRun(1000, func() { i++; _ = ci.Set(ctx, 42, i, 0) }); n != 0 {
				t.Errorf("Set(int) over an int allocates %v times, want 0", n)
			}
			if n := testing.AllocsPerRun(1000, func() { _ = cp.Set(ctx, "k", &x, 0) }); n != 0 {
				t.Errorf("Set(*int) over a *int allocates %v times, want 0", n)
			}
			if v, ok, err := ci.Get(ctx, 42); err != nil || !ok || v != i {
				t.Errorf("Get(42) = %d, %v, %v after the writes, want %d, true, nil", v, ok, err, i)
			}
			checkInvariants(t, ci)
		})
	}
}

func TestByteValuesAreCopied(t *testing.T) {
	ctx := context.Background()
	type blob []byte
	c := newCache(t, memorycache.Options[string, blob]{})
	buf := blob("value")
	must(t, c.Set(ctx, "k", buf, 0))
	copy(buf, "XXXXX")
	v, _, _ := c.Get(ctx, "k")
	if string(v) != "value" {
		t.Fatalf("Get(k) after the caller changed its buffer = %q, want %q", v, "value")
	}
	copy(v, "YYYYY")
	if v, _, _ := c.Peek(ctx, "k"); string(v) != "value" {
		t.Fatalf("Peek(k) after the caller changed a result = %q, want %q", v, "value")
	}
	must(t, c.Set(ctx, "nil", nil, 0))
	if v, ok, _ := c.Get(ctx, "nil"); !ok || v != nil {
		t.Fatalf("Get(nil) = %q, %v, want nil, true", v, ok)
	}
}

func TestOnEvictRunsOutsideTheLock(t *testing.T) {
	ctx := context.Background()
	var c *memorycache.Cache[string, int]
	var got []string
	c = newCache(t, memorycache.Options[string, int]{
		Policy: memorycache.FIFO, MaxEntries: 2,
		OnEvict: func(k string, v int, r memorycache.EvictReason) {
			// Using the cache from the callback would deadlock if the
			// callback ran under the write lock.
			got = append(got, fmt.Sprintf("%s=%d %v len=%d", k, v, r, c.Len()))
		},
	})
	for i, k := range []string{"a", "b", "c", "d"} {
		must(t, c.Set(ctx, k, i, 0))
	}
	want := "[a=0 capacity len=2 b=1 capacity len=2]"
	if fmt.Sprint(got) != want {
		t.Fatalf("OnEvict calls = %v, want %v", got, want)
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func TestClear(t *testing.T) {
	for _, p := range []memorycache.Policy{memorycache.Adaptive, memorycache.LRU, memorycache.LFU, memorycache.FIFO, memorycache.TTL} {
		c := memorycache.MustNew(memorycache.Options[string, int]{Policy: p, MaxEntries: 100})
		ctx := context.Background()
		for i := range 150 {
			c.Set(ctx, fmt.Sprint(i), i, time.Hour)
			c.Get(ctx, fmt.Sprint(i))
		}
		c.Clear()
		if n := c.Len(); n != 0 {
			t.Errorf("policy %v: Len after Clear = %d, want 0", p, n)
		}
		if _, ok, _ := c.Get(ctx, "149"); ok {
			t.Errorf("policy %v: Get after Clear hit", p)
		}
		// The cache works on after Clear, within its bound.
		for i := range 300 {
			if err := c.Set(ctx, fmt.Sprint(i), i, 0); err != nil {
				t.Fatal(err)
			}
		}
		if v, ok, _ := c.Get(ctx, "299"); !ok || v != 299 {
			t.Errorf("policy %v: Get(299) after refilling = %v, %v", p, v, ok)
		}
		if n := c.Len(); n > 100 {
			t.Errorf("policy %v: Len after refilling = %d, over the bound of 100", p, n)
		}
		c.Close()
		c.Clear() // after Close: a no-op, no panic
	}
}

func TestClearConcurrent(t *testing.T) {
	c := memorycache.MustNew(memorycache.Options[string, int]{MaxEntries: 1000})
	defer c.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := strconv.Itoa((g*7919 + i) % 2000)
				c.Set(ctx, k, i, 0)
				if v, ok, err := c.Get(ctx, k); err != nil || (ok && v < 0) {
					t.Errorf("Get(%s) = %d, %v, %v", k, v, ok, err)
					return
				}
			}
		}()
	}
	for range 50 {
		c.Clear()
	}
	close(stop)
	wg.Wait()
	if n := c.Len(); n > 1000 {
		t.Errorf("Len = %d after concurrent clears, over the bound", n)
	}
}
