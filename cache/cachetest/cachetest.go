// Package cachetest is the conformance suite for [cache.Cache] backends.
// Every backend runs it from its own tests, so that code written against
// the contract behaves the same over memory, Redis or a composition:
//
//	func TestConformance(t *testing.T) {
//		cachetest.Run(t, func(t *testing.T) cache.Cache[[]byte] {
//			c, err := mybackend.New(...)
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { /* delete this cache's keys */ })
//			return c
//		}, cachetest.Options{})
//	}
//
// The suite tests byte-level caches: a backend generic in its value type
// runs it with V = []byte, or through [cache.Typed] with [cache.Raw].
//
// # Time
//
// A backend with an injected clock passes [Options].Advance, and the TTL
// tests move that clock instead of waiting. Without it they use real TTLs
// of a few hundred milliseconds and poll until the key disappears, so the
// whole suite takes a second or two of wall time.
package cachetest

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/errors"
)

// Options adapts the suite to a backend. The zero value suits a backend
// with a real clock and no key length limit.
type Options struct {
	// Advance moves the clock of the caches newCache returns forward by
	// d. The TTL tests call it instead of waiting; the subtests then run
	// one after another, so a clock shared by every cache is fine. Nil
	// means the backend uses real time.
	Advance func(d time.Duration)
	// MaxKeyLen is the length in bytes of the longest key the backend
	// accepts. When set, the suite checks that such a key works and that
	// a longer one is [cache.ErrInvalidKey]. Zero skips that check.
	MaxKeyLen int
	// Timeout bounds each wait of the suite: for a real TTL to pass, for
	// a call with a cancelled context to return. Default 10 seconds.
	Timeout time.Duration
}

// realTTL is the TTL the suite uses when it waits in real time.
const realTTL = 150 * time.Millisecond

// expirySlack is how long after a real TTL an entry may still be
// returned: the clock granularity of the backend (Redis keeps
// milliseconds), not a scheduling allowance, since the suite compares
// times taken before and after its own calls.
const expirySlack = 20 * time.Millisecond

// Run runs the conformance suite as subtests of t, calling newCache for a
// fresh, empty cache in each. newCache registers with t the cleanup of
// what it created (keys in a shared Redis); the suite closes each cache
// itself, so Close must be idempotent, as the contract requires.
func Run(t *testing.T, newCache func(t *testing.T) cache.Cache[[]byte], opts Options) {
	t.Helper()
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	s := &suite{newCache: newCache, opts: opts}
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"MissOnAbsentKey", s.testMiss},
		{"SetGet", s.testSetGet},
		{"OverwriteReplacesValue", s.testOverwriteValue},
		{"OverwriteReplacesTTL", s.testOverwriteTTL},
		{"ZeroTTLNeverExpires", s.testZeroTTL},
		{"NegativeTTLDeletes", s.testNegativeTTL},
		{"TTLExpiry", s.testTTLExpiry},
		{"Delete", s.testDelete},
		{"DeleteAbsent", s.testDeleteAbsent},
		{"Batch", s.testBatch},
		{"BatchTTL", s.testBatchTTL},
		{"GetResultNotAliased", s.testGetNotAliased},
		{"SetValueNotRetained", s.testSetNotRetained},
		{"EmptyValue", s.testEmptyValue},
		{"BinaryValue", s.testBinaryValue},
		{"Concurrency", s.testConcurrency},
		{"Visibility", s.testVisibility},
		{"Closed", s.testClosed},
		{"InvalidKey", s.testInvalidKey},
		{"CancelledContext", s.testCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

type suite struct {
	newCache func(t *testing.T) cache.Cache[[]byte]
	opts     Options
}

// cache returns a fresh cache that is closed when the test ends.
func (s *suite) cache(t *testing.T) cache.Cache[[]byte] {
	t.Helper()
	c := s.newCache(t)
	if c == nil {
		t.Fatal("newCache returned nil")
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil && !errors.Is(err, cache.ErrClosed) {
			t.Errorf("Close() = %v, want nil", err)
		}
	})
	return c
}

func (s *suite) testMiss(t *testing.T) {
	c := s.cache(t)
	v, ok, err := c.Get(t.Context(), "absent")
	if v != nil || ok || err != nil {
		t.Errorf("Get(absent) = (%q, %v, %v), want (nil, false, nil)", v, ok, err)
	}
}

func (s *suite) testSetGet(t *testing.T) {
	c := s.cache(t)
	ctx := t.Context()
	for _, ttl := range []time.Duration{0, time.Hour} {
		key := "k-" + ttl.String()
		mustSet(t, c, key, []byte("value"), ttl)
		wantHit(t, c, key, []byte("value"))
	}
	// Keys are distinct: similar keys do not collide.
	mustSet(t, c, "a:b", []byte("1"), 0)
	mustSet(t, c, "a:b:", []byte("2"), 0)
	mustSet(t, c, "A:B", []byte("3"), 0)
	wantHit(t, c, "a:b", []byte("1"))
	wantHit(t, c, "a:b:", []byte("2"))
	wantHit(t, c, "A:B", []byte("3"))
	wantMiss(t, c, "a")
	if _, _, err := c.Get(ctx, "a:b:c"); err != nil {
		t.Errorf("Get(a:b:c) error = %v, want nil", err)
	}
}

func (s *suite) testOverwriteValue(t *testing.T) {
	c := s.cache(t)
	mustSet(t, c, "k", []byte("first value, longer"), 0)
	mustSet(t, c, "k", []byte("second"), 0)
	wantHit(t, c, "k", []byte("second"))
}

func (s *suite) testOverwriteTTL(t *testing.T) {
	c := s.cache(t)
	ttl := s.ttl()

	// A short TTL replaced by none: the key outlives the first TTL.
	mustSet(t, c, "shortened-then-cleared", []byte("a"), ttl)
	mustSet(t, c, "shortened-then-cleared", []byte("b"), 0)
	// A long TTL replaced by a short one: the key expires.
	mustSet(t, c, "cleared-then-shortened", []byte("a"), 0)
	mustSet(t, c, "cleared-then-shortened", []byte("b"), ttl)
	set := time.Now()
	// A longer TTL replacing a short one: the key outlives the first.
	mustSet(t, c, "extended", []byte("a"), ttl)
	mustSet(t, c, "extended", []byte("b"), time.Hour)

	s.waitExpired(t, c, "cleared-then-shortened", ttl, set)
	wantHit(t, c, "shortened-then-cleared", []byte("b"))
	wantHit(t, c, "extended", []byte("b"))
}

func (s *suite) testZeroTTL(t *testing.T) {
	c := s.cache(t)
	mustSet(t, c, "forever", []byte("v"), 0)
	if s.opts.Advance != nil {
		s.opts.Advance(100 * 365 * 24 * time.Hour)
		wantHit(t, c, "forever", []byte("v"))
		return
	}
	mustSet(t, c, "marker", []byte("v"), realTTL)
	set := time.Now()
	s.waitExpired(t, c, "marker", realTTL, set)
	wantHit(t, c, "forever", []byte("v"))
}

func (s *suite) testNegativeTTL(t *testing.T) {
	c := s.cache(t)
	mustSet(t, c, "k", []byte("v"), 0)
	mustSet(t, c, "k", []byte("w"), -time.Second)
	wantMiss(t, c, "k")
	mustSet(t, c, "absent", []byte("v"), -1)
	wantMiss(t, c, "absent")
}

func (s *suite) testTTLExpiry(t *testing.T) {
	c := s.cache(t)
	ttl := s.ttl()
	start := time.Now()
	mustSet(t, c, "k", []byte("v"), ttl)
	set := time.Now()
	if s.opts.Advance != nil {
		s.opts.Advance(ttl - time.Millisecond)
		wantHit(t, c, "k", []byte("v"))
		s.opts.Advance(2 * time.Millisecond)
		wantMiss(t, c, "k")
		s.opts.Advance(time.Hour)
		wantMiss(t, c, "k")
		return
	}
	if time.Since(start) < ttl/2 {
		// Only when the machine was quick enough for the key to be
		// certainly alive.
		wantHit(t, c, "k", []byte("v"))
	}
	s.waitExpired(t, c, "k", ttl, set)
	// Setting an expired key again starts afresh.
	mustSet(t, c, "k", []byte("again"), 0)
	wantHit(t, c, "k", []byte("again"))
}

func (s *suite) testDelete(t *testing.T) {
	c := s.cache(t)
	mustSet(t, c, "k", []byte("v"), 0)
	mustSet(t, c, "other", []byte("o"), 0)
	if err := c.Delete(t.Context(), "k"); err != nil {
		t.Fatalf("Delete(k) = %v, want nil", err)
	}
	wantMiss(t, c, "k")
	wantHit(t, c, "other", []byte("o"))
}

func (s *suite) testDeleteAbsent(t *testing.T) {
	c := s.cache(t)
	for range 2 {
		if err := c.Delete(t.Context(), "absent"); err != nil {
			t.Errorf("Delete(absent) = %v, want nil", err)
		}
	}
	wantMiss(t, c, "absent")
}

func (s *suite) testBatch(t *testing.T) {
	c := s.cache(t)
	ctx := t.Context()
	items := map[string][]byte{"a": []byte("1"), "b": []byte("2"), "c": []byte("3")}
	if err := cache.SetMany(ctx, c, items, 0); err != nil {
		t.Fatalf("SetMany = %v, want nil", err)
	}
	got, err := cache.GetMany(ctx, c, []string{"a", "b", "c", "missing"})
	if err != nil {
		t.Fatalf("GetMany = %v, want nil", err)
	}
	wantMap(t, got, items)
	wantHit(t, c, "b", []byte("2"))

	if err := cache.DeleteMany(ctx, c, []string{"a", "c", "missing"}); err != nil {
		t.Fatalf("DeleteMany = %v, want nil", err)
	}
	got, err = cache.GetMany(ctx, c, []string{"a", "b", "c"})
	if err != nil {
		t.Fatalf("GetMany after DeleteMany = %v, want nil", err)
	}
	wantMap(t, got, map[string][]byte{"b": []byte("2")})

	// A negative TTL deletes, as for Set.
	if err := cache.SetMany(ctx, c, map[string][]byte{"b": []byte("x"), "d": []byte("y")}, -1); err != nil {
		t.Fatalf("SetMany(ttl -1) = %v, want nil", err)
	}
	got, err = cache.GetMany(ctx, c, []string{"b", "d"})
	if err != nil {
		t.Fatalf("GetMany after SetMany(ttl -1) = %v, want nil", err)
	}
	wantMap(t, got, map[string][]byte{})

	// Results of GetMany belong to the caller.
	mustSet(t, c, "e", []byte("fixed"), 0)
	got, err = cache.GetMany(ctx, c, []string{"e"})
	if err != nil {
		t.Fatalf("GetMany(e) = %v, want nil", err)
	}
	for i := range got["e"] {
		got["e"][i] = 'X'
	}
	wantHit(t, c, "e", []byte("fixed"))
	// SetMany does not keep the caller's slices.
	buf := []byte("original")
	if err := cache.SetMany(ctx, c, map[string][]byte{"f": buf}, 0); err != nil {
		t.Fatalf("SetMany(f) = %v, want nil", err)
	}
	copy(buf, "XXXXXXXX")
	wantHit(t, c, "f", []byte("original"))
}

func (s *suite) testBatchTTL(t *testing.T) {
	c := s.cache(t)
	ctx := t.Context()
	ttl := s.ttl()
	if err := cache.SetMany(ctx, c, map[string][]byte{"a": []byte("1"), "b": []byte("2")}, ttl); err != nil {
		t.Fatalf("SetMany = %v, want nil", err)
	}
	set := time.Now()
	s.waitExpired(t, c, "a", ttl, set)
	s.waitExpired(t, c, "b", ttl, set)
	got, err := cache.GetMany(ctx, c, []string{"a", "b"})
	if err != nil {
		t.Fatalf("GetMany = %v, want nil", err)
	}
	wantMap(t, got, map[string][]byte{})
}

func (s *suite) testGetNotAliased(t *testing.T) {
	c := s.cache(t)
	mustSet(t, c, "k", []byte("value"), 0)
	v, _, _ := c.Get(t.Context(), "k")
	for i := range v {
		v[i] = 'X'
	}
	wantHit(t, c, "k", []byte("value"))
	// Appending to a result must not write into the cache's memory
	// either.
	v, _, _ = c.Get(t.Context(), "k")
	_ = append(v[:1], "YYYY"...)
	wantHit(t, c, "k", []byte("value"))
}

func (s *suite) testSetNotRetained(t *testing.T) {
	c := s.cache(t)
	buf := []byte("value")
	mustSet(t, c, "k", buf, 0)
	copy(buf, "XXXXX")
	wantHit(t, c, "k", []byte("value"))
}

func (s *suite) testEmptyValue(t *testing.T) {
	c := s.cache(t)
	for _, tt := range []struct {
		name  string
		value []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
	} {
		mustSet(t, c, tt.name, tt.value, 0)
		v, ok, err := c.Get(t.Context(), tt.name)
		if err != nil || !ok || len(v) != 0 {
			t.Errorf("Get(%s) after Set(%#v) = (%q, %v, %v), want (a value of length 0, true, nil)",
				tt.name, tt.value, v, ok, err)
		}
	}
}

func (s *suite) testBinaryValue(t *testing.T) {
	c := s.cache(t)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	large := bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 1<<16) // a bit over 1 MiB
	for _, tt := range []struct {
		name  string
		value []byte
	}{
		{"every-byte", all},
		{"nul", []byte{0}},
		{"invalid-utf8", []byte{0xff, 0xfe, 0xc3, 0x28}},
		{"crlf", []byte("a\r\nb\r\n")},
		{"large", large},
	} {
		mustSet(t, c, tt.name, tt.value, 0)
		wantHit(t, c, tt.name, tt.value)
	}
}

func (s *suite) testConcurrency(t *testing.T) {
	c := s.cache(t)
	ctx := t.Context()
	const goroutines, rounds = 8, 60
	shared := []string{"shared-0", "shared-1", "shared-2"}

	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			errs <- func() error {
				own := fmt.Sprintf("own-%d", g)
				for i := range rounds {
					key := shared[i%len(shared)]
					if err := c.Set(ctx, key, value(key, g, i), 0); err != nil {
						return fmt.Errorf("Set(%s) = %v, want nil", key, err)
					}
					v, ok, err := c.Get(ctx, shared[(i+g)%len(shared)])
					if err != nil {
						return fmt.Errorf("Get(shared) = %v, want nil", err)
					}
					if ok {
						if err := checkValue(shared[(i+g)%len(shared)], v, goroutines, rounds); err != nil {
							return err
						}
					}
					if i%7 == 0 {
						if err := c.Delete(ctx, shared[(i+1)%len(shared)]); err != nil {
							return fmt.Errorf("Delete(shared) = %v, want nil", err)
						}
					}
					// A key only this goroutine writes reads back exactly.
					want := value(own, g, i)
					if err := c.Set(ctx, own, want, time.Hour); err != nil {
						return fmt.Errorf("Set(%s) = %v, want nil", own, err)
					}
					v, ok, err = c.Get(ctx, own)
					if err != nil || !ok || !bytes.Equal(v, want) {
						return fmt.Errorf("Get(%s) = (%q, %v, %v), want (%q, true, nil)", own, v, ok, err, want)
					}
					if i%5 == 0 {
						if err := c.Delete(ctx, own); err != nil {
							return fmt.Errorf("Delete(%s) = %v, want nil", own, err)
						}
						if _, ok, err := c.Get(ctx, own); ok || err != nil {
							return fmt.Errorf("Get(%s) after Delete = (_, %v, %v), want (_, false, nil)", own, ok, err)
						}
					}
					if i%10 == 0 {
						got, err := cache.GetMany(ctx, c, append([]string{own}, shared...))
						if err != nil {
							return fmt.Errorf("GetMany = %v, want nil", err)
						}
						for k, v := range got {
							if err := checkValue(k, v, goroutines, rounds); err != nil {
								return err
							}
						}
					}
				}
				return nil
			}()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// value is what goroutine g writes to key in round i.
func value(key string, g, i int) []byte {
	return fmt.Appendf(nil, "%s|%d|%d", key, g, i)
}

// checkValue reports an error unless v is a value some goroutine wrote
// to key.
func checkValue(key string, v []byte, goroutines, rounds int) error {
	rest, ok := strings.CutPrefix(string(v), key+"|")
	gs, is, ok2 := strings.Cut(rest, "|")
	g, err1 := strconv.Atoi(gs)
	i, err2 := strconv.Atoi(is)
	if !ok || !ok2 || err1 != nil || err2 != nil || g < 0 || g >= goroutines || i < 0 || i >= rounds {
		return fmt.Errorf("Get(%s) = %q, want a value some goroutine set for that key", key, v)
	}
	return nil
}

func (s *suite) testVisibility(t *testing.T) {
	c := s.cache(t)
	ctx := t.Context()
	const n = 20
	written := make(chan string)
	go func() {
		defer close(written)
		for i := range n {
			key := fmt.Sprintf("k%d", i)
			if err := c.Set(ctx, key, []byte(key), 0); err != nil {
				t.Errorf("Set(%s) = %v, want nil", key, err)
				return
			}
			written <- key
		}
	}()
	for key := range written {
		wantHit(t, c, key, []byte(key))
	}
	// And the other way round: a Delete is seen by the next Get.
	deleted := make(chan string)
	go func() {
		defer close(deleted)
		for i := range n {
			key := fmt.Sprintf("k%d", i)
			if err := c.Delete(ctx, key); err != nil {
				t.Errorf("Delete(%s) = %v, want nil", key, err)
				return
			}
			deleted <- key
		}
	}()
	for key := range deleted {
		wantMiss(t, c, key)
	}
}

func (s *suite) testClosed(t *testing.T) {
	c := s.cache(t)
	ctx := t.Context()
	mustSet(t, c, "k", []byte("v"), 0)
	if err := c.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	_, _, err := c.Get(ctx, "k")
	wantErr(t, "Get", err, cache.ErrClosed)
	_, _, err = c.Get(ctx, "absent")
	wantErr(t, "Get(absent)", err, cache.ErrClosed)
	wantErr(t, "Set", c.Set(ctx, "k", []byte("w"), 0), cache.ErrClosed)
	wantErr(t, "Delete", c.Delete(ctx, "k"), cache.ErrClosed)
	_, err = cache.GetMany(ctx, c, []string{"k"})
	wantErr(t, "GetMany", err, cache.ErrClosed)
	wantErr(t, "SetMany", cache.SetMany(ctx, c, map[string][]byte{"k": nil}, 0), cache.ErrClosed)
	wantErr(t, "DeleteMany", cache.DeleteMany(ctx, c, []string{"k"}), cache.ErrClosed)
}

func (s *suite) testInvalidKey(t *testing.T) {
	c := s.cache(t)
	ctx := t.Context()
	keys := []string{""}
	if n := s.opts.MaxKeyLen; n > 0 {
		longest := strings.Repeat("k", n)
		mustSet(t, c, longest, []byte("v"), 0)
		wantHit(t, c, longest, []byte("v"))
		keys = append(keys, longest+"k")
	}
	for _, key := range keys {
		name := fmt.Sprintf("key of %d bytes", len(key))
		_, ok, err := c.Get(ctx, key)
		if ok {
			t.Errorf("Get(%s) hit, want ErrInvalidKey", name)
		}
		wantErr(t, "Get("+name+")", err, cache.ErrInvalidKey)
		wantErr(t, "Set("+name+")", c.Set(ctx, key, []byte("v"), 0), cache.ErrInvalidKey)
		wantErr(t, "Delete("+name+")", c.Delete(ctx, key), cache.ErrInvalidKey)
	}
}

func (s *suite) testCancelled(t *testing.T) {
	c := s.cache(t)
	mustSet(t, c, "k", []byte("v"), 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, _, err := c.Get(ctx, "k"); return err }},
		{"Get(absent)", func() error { _, _, err := c.Get(ctx, "absent"); return err }},
		{"Set", func() error { return c.Set(ctx, "k", []byte("w"), 0) }},
		{"Delete", func() error { return c.Delete(ctx, "k") }},
		{"GetMany", func() error { _, err := cache.GetMany(ctx, c, []string{"k", "j"}); return err }},
		{"SetMany", func() error { return cache.SetMany(ctx, c, map[string][]byte{"k": nil, "j": nil}, 0) }},
		{"DeleteMany", func() error { return cache.DeleteMany(ctx, c, []string{"k", "j"}) }},
	}
	for _, tt := range calls {
		done := make(chan error, 1)
		go func() { done <- tt.call() }()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a cancelled ctx = %v, want nil or an error matching context.Canceled", tt.name, err)
			}
		case <-time.After(s.opts.Timeout):
			t.Fatalf("%s with a cancelled ctx did not return within %v", tt.name, s.opts.Timeout)
		}
	}
	// The cache still works with a live context.
	mustSet(t, c, "k", []byte("after"), 0)
	wantHit(t, c, "k", []byte("after"))
}

// ttl returns the TTL the TTL tests use: one the clock is advanced past,
// or a short real one.
func (s *suite) ttl() time.Duration {
	if s.opts.Advance != nil {
		return time.Minute
	}
	return realTTL
}

// waitExpired makes ttl pass for key, whose Set returned at set, and
// checks that it is then a miss. With a real clock it polls until the key
// is gone, failing if a Get issued after the entry's expiry (plus the
// backend's clock granularity) returned it, or if it is still there at
// the deadline.
func (s *suite) waitExpired(t *testing.T, c cache.Cache[[]byte], key string, ttl time.Duration, set time.Time) {
	t.Helper()
	if s.opts.Advance != nil {
		s.opts.Advance(ttl + time.Millisecond)
		wantMiss(t, c, key)
		return
	}
	expired := set.Add(ttl + expirySlack)
	deadline := set.Add(ttl + s.opts.Timeout)
	for {
		issued := time.Now()
		_, ok, err := c.Get(t.Context(), key)
		if err != nil {
			t.Fatalf("Get(%s) = %v, want nil error", key, err)
		}
		if !ok {
			break
		}
		if issued.After(expired) {
			t.Fatalf("Get(%s) issued %v after its %v TTL passed returned the entry, want a miss",
				key, issued.Sub(set.Add(ttl)), ttl)
		}
		if issued.After(deadline) {
			t.Fatalf("Get(%s) still hits %v after its TTL of %v", key, issued.Sub(set), ttl)
		}
		time.Sleep(ttl / 10)
	}
	// Gone for good.
	for range 3 {
		wantMiss(t, c, key)
	}
}
