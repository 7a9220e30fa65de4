// Package lockouttest is the conformance suite every [lockout.Store]
// passes: the memory store always, the Redis store when KEEL_REDIS_URL is
// set. A new Store implementation calls [Run] from a test.
package lockouttest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/auth/lockout"
)

// Run runs the conformance suite against the stores newStore returns.
// newStore is called once per subtest and returns an empty store, or one
// whose keys cannot collide with another subtest's (a fresh key prefix),
// and registers its cleanup with t.
func Run(t *testing.T, newStore func(t *testing.T) lockout.Store) {
	t.Helper()
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

	t.Run("FailCounts", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		for i, want := range []int{1, 2, 3} {
			if got := mustFail(t, s, "a", time.Minute, t0.Add(time.Duration(i)*time.Second)); got != want {
				t.Errorf("Fail(a) #%d = %d, want %d", i+1, got, want)
			}
		}
		if got := mustFail(t, s, "b", time.Minute, t0); got != 1 {
			t.Errorf("Fail(b) = %d, want 1: keys count apart", got)
		}
		if until, err := s.LockedUntil(ctx, "a", t0); err != nil || !until.IsZero() {
			t.Errorf("LockedUntil(a) = %v, %v, want zero, nil: failures alone do not lock", until, err)
		}
	})

	t.Run("FailExpiresAfterLastFailure", func(t *testing.T) {
		s := newStore(t)
		ttl := 10 * time.Second
		steps := []struct {
			at   time.Duration
			want int
		}{
			{0, 1},
			{9 * time.Second, 2},                   // refreshed: now forgotten at 19 s
			{19*time.Second - time.Millisecond, 3}, // just in time; forgotten at 29 s − 1 ms
			{29*time.Second - time.Millisecond, 1}, // forgotten exactly then
			{30 * time.Second, 2},
		}
		for _, st := range steps {
			if got := mustFail(t, s, "k", ttl, t0.Add(st.at)); got != st.want {
				t.Errorf("Fail at +%v = %d, want %d", st.at, got, st.want)
			}
		}
	})

	t.Run("Lock", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		check := func(now time.Time, want time.Time) {
			t.Helper()
			got, err := s.LockedUntil(ctx, "k", now)
			if err != nil || !got.Equal(want) {
				t.Errorf("LockedUntil at %v = %v, %v, want %v, nil", now.Sub(t0), got, err, want)
			}
		}
		check(t0, time.Time{})
		mustLock(t, s, "k", t0.Add(time.Minute), t0)
		check(t0, t0.Add(time.Minute))
		check(t0.Add(time.Minute-time.Millisecond), t0.Add(time.Minute))
		mustLock(t, s, "k", t0.Add(30*time.Second), t0.Add(time.Second)) // shorter: ignored
		check(t0.Add(time.Second), t0.Add(time.Minute))
		mustLock(t, s, "k", t0.Add(2*time.Minute), t0.Add(time.Second)) // longer: extends
		check(t0.Add(90*time.Second), t0.Add(2*time.Minute))
		check(t0.Add(2*time.Minute), time.Time{}) // ends exactly then
		mustLock(t, s, "other", t0, t0)           // ends at once: no lock
		if got, err := s.LockedUntil(ctx, "other", t0); err != nil || !got.IsZero() {
			t.Errorf("LockedUntil(other) = %v, %v, want zero: a lock ending now is no lock", got, err)
		}
	})

	t.Run("Reset", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		mustFail(t, s, "k", time.Hour, t0)
		mustFail(t, s, "k", time.Hour, t0)
		mustLock(t, s, "k", t0.Add(time.Hour), t0)
		mustFail(t, s, "other", time.Hour, t0)
		mustLock(t, s, "other", t0.Add(time.Hour), t0)
		if err := s.Reset(ctx, "k"); err != nil {
			t.Fatalf("Reset = %v", err)
		}
		if until, err := s.LockedUntil(ctx, "k", t0); err != nil || !until.IsZero() {
			t.Errorf("LockedUntil after Reset = %v, %v, want zero", until, err)
		}
		if got := mustFail(t, s, "k", time.Hour, t0); got != 1 {
			t.Errorf("Fail after Reset = %d, want 1", got)
		}
		if until, _ := s.LockedUntil(ctx, "other", t0); !until.Equal(t0.Add(time.Hour)) {
			t.Errorf("LockedUntil(other) = %v, want it untouched by Reset(k)", until)
		}
		if err := s.Reset(ctx, "never-seen"); err != nil {
			t.Errorf("Reset of an unknown key = %v, want nil", err)
		}
	})

	t.Run("ConcurrentFail", func(t *testing.T) {
		s := newStore(t)
		const workers, each = 8, 10
		var mu sync.Mutex
		seen := make(map[int]bool)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range each {
					n, err := s.Fail(context.Background(), "hot", time.Hour, t0)
					if err != nil {
						t.Errorf("Fail = %v", err)
						return
					}
					mu.Lock()
					if seen[n] {
						t.Errorf("count %d returned twice: Fail is not atomic", n)
					}
					seen[n] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if got := mustFail(t, s, "hot", time.Hour, t0); got != workers*each+1 {
			t.Errorf("count after %d concurrent failures = %d, want %d", workers*each, got-1, workers*each)
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Fail(ctx, "k", time.Hour, t0); err == nil {
			t.Error("Fail with a canceled context = nil error, want one")
		}
	})

	t.Run("LimitersAgree", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		now := t0
		opts := lockout.Options{Store: s, MaxFailures: 3, Now: func() time.Time { return now }}
		a, b := lockout.MustNew(opts), lockout.MustNew(opts)
		for i, lim := range []*lockout.Limiter{a, b, a} {
			if _, err := lim.Fail(ctx, "alice", "192.0.2.1"); err != nil {
				t.Fatalf("Fail #%d = %v", i+1, err)
			}
		}
		for name, lim := range map[string]*lockout.Limiter{"a": a, "b": b} {
			d, err := lim.Check(ctx, "Alice ", "198.51.100.7")
			if err != nil || !d.Locked || d.Scope != lockout.ScopeAccount || d.RetryAfter != lockout.DefaultBaseLock {
				t.Errorf("limiter %s: Check = %+v, %v, want locked account for %v", name, d, err, lockout.DefaultBaseLock)
			}
		}
		if err := b.Unlock(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if d, err := a.Check(ctx, "alice", "198.51.100.7"); err != nil || d.Locked {
			t.Errorf("Check after the other limiter's Unlock = %+v, %v, want unlocked", d, err)
		}
	})
}

func mustFail(t *testing.T, s lockout.Store, key string, ttl time.Duration, now time.Time) int {
	t.Helper()
	n, err := s.Fail(context.Background(), key, ttl, now)
	if err != nil {
		t.Fatalf("Fail(%q) = %v", key, err)
	}
	return n
}

func mustLock(t *testing.T, s lockout.Store, key string, until, now time.Time) {
	t.Helper()
	if err := s.Lock(context.Background(), key, until, now); err != nil {
		t.Fatalf("Lock(%q) = %v", key, err)
	}
}
