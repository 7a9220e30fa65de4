// Package mfatest is the conformance suite every [mfa.Store] passes: the
// memory store always, the Redis store when KEEL_REDIS_URL is set. A new
// Store implementation calls [Run] from a test.
package mfatest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keel-go/keel/auth/mfa"
)

// Run runs the conformance suite against the stores newStore returns.
// newStore is called once per subtest and returns an empty store, or one
// whose keys cannot collide with another subtest's (a fresh key prefix),
// and registers its cleanup with t.
func Run(t *testing.T, newStore func(t *testing.T) mfa.Store) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

	t.Run("AdvanceStep", func(t *testing.T) {
		s := newStore(t)
		steps := []struct {
			user string
			step int64
			want bool
		}{
			{"alice", 100, true},
			{"alice", 100, false}, // the same step again: a replay
			{"alice", 99, false},  // an older step after a newer one
			{"alice", 101, true},
			{"bob", 50, true}, // users are apart
			{"alice", 0, false},
		}
		for _, st := range steps {
			got, err := s.AdvanceStep(ctx, st.user, st.step)
			if err != nil || got != st.want {
				t.Errorf("AdvanceStep(%s, %d) = %v, %v, want %v, nil", st.user, st.step, got, err, st.want)
			}
		}
	})

	t.Run("AdvanceStepConcurrent", func(t *testing.T) {
		s := newStore(t)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				ok, err := s.AdvanceStep(ctx, "carol", 42)
				if err != nil {
					t.Errorf("AdvanceStep = %v", err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if got := wins.Load(); got != 1 {
			t.Errorf("%d of 16 concurrent AdvanceStep calls with one step succeeded, want exactly 1", got)
		}
	})

	t.Run("Attempt", func(t *testing.T) {
		s := newStore(t)
		window := 5 * time.Minute
		steps := []struct {
			at        time.Duration
			wantN     int
			wantReset time.Duration
		}{
			{0, 1, 5 * time.Minute},
			{time.Minute, 2, 5 * time.Minute}, // the window does not slide
			{5*time.Minute - time.Millisecond, 3, 5 * time.Minute},
			{5 * time.Minute, 1, 10 * time.Minute}, // a new window
			{6 * time.Minute, 2, 10 * time.Minute},
		}
		for _, st := range steps {
			n, reset, err := s.Attempt(ctx, "dave", window, t0.Add(st.at))
			if err != nil || n != st.wantN || !reset.Equal(t0.Add(st.wantReset)) {
				t.Errorf("Attempt at +%v = %d, +%v, %v, want %d, +%v", st.at, n, reset.Sub(t0), err, st.wantN, st.wantReset)
			}
		}
		if n, _, _ := s.Attempt(ctx, "erin", window, t0); n != 1 {
			t.Errorf("Attempt(erin) = %d, want 1: users count apart", n)
		}
		if err := s.ResetAttempts(ctx, "dave"); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := s.Attempt(ctx, "dave", window, t0.Add(7*time.Minute)); n != 1 {
			t.Errorf("Attempt after ResetAttempts = %d, want 1", n)
		}
	})

	t.Run("AttemptConcurrent", func(t *testing.T) {
		s := newStore(t)
		var mu sync.Mutex
		seen := make(map[int]bool)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				n, _, err := s.Attempt(ctx, "frank", time.Minute, t0)
				if err != nil {
					t.Errorf("Attempt = %v", err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if seen[n] {
					t.Errorf("count %d returned twice: Attempt is not atomic", n)
				}
				seen[n] = true
			})
		}
		wg.Wait()
		if len(seen) != 20 {
			t.Errorf("%d distinct counts from 20 attempts, want 20", len(seen))
		}
	})

	t.Run("RecoveryCodes", func(t *testing.T) {
		s := newStore(t)
		a, b, c, x := digest("a"), digest("b"), digest("c"), digest("x")
		if err := s.SetRecoveryCodes(ctx, "gina", []string{a, b, c}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRecoveryCodes(ctx, "hank", []string{x}); err != nil {
			t.Fatal(err)
		}
		uses := []struct {
			user, digest string
			want         bool
		}{
			{"gina", b, true},
			{"gina", b, false}, // used once
			{"gina", x, false}, // another user's code
			{"hank", a, false},
			{"gina", a, true},
		}
		for _, u := range uses {
			got, err := s.UseRecoveryCode(ctx, u.user, u.digest)
			if err != nil || got != u.want {
				t.Errorf("UseRecoveryCode(%s, %s…) = %v, %v, want %v", u.user, u.digest[:8], got, err, u.want)
			}
		}
		if err := s.SetRecoveryCodes(ctx, "gina", []string{x}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.UseRecoveryCode(ctx, "gina", c); ok {
			t.Error("a code of the replaced set was accepted, want SetRecoveryCodes to replace the set")
		}
		if ok, _ := s.UseRecoveryCode(ctx, "gina", x); !ok {
			t.Error("a code of the new set was refused")
		}
		if ok, err := s.UseRecoveryCode(ctx, "nobody", a); ok || err != nil {
			t.Errorf("UseRecoveryCode(unknown user) = %v, %v, want false, nil", ok, err)
		}
	})

	t.Run("RecoveryCodeConcurrent", func(t *testing.T) {
		s := newStore(t)
		d := digest("once")
		if err := s.SetRecoveryCodes(ctx, "ivan", []string{d, digest("other")}); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				ok, err := s.UseRecoveryCode(ctx, "ivan", d)
				if err != nil {
					t.Errorf("UseRecoveryCode = %v", err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if got := wins.Load(); got != 1 {
			t.Errorf("one recovery code was used %d times concurrently, want 1", got)
		}
	})

	t.Run("Forget", func(t *testing.T) {
		s := newStore(t)
		s.AdvanceStep(ctx, "judy", 10)
		s.Attempt(ctx, "judy", time.Hour, t0)
		s.SetRecoveryCodes(ctx, "judy", []string{digest("r")})
		s.AdvanceStep(ctx, "kate", 10)
		if err := s.Forget(ctx, "judy"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.AdvanceStep(ctx, "judy", 10); !ok {
			t.Error("AdvanceStep after Forget refused the old step, want the step forgotten")
		}
		if n, _, _ := s.Attempt(ctx, "judy", time.Hour, t0); n != 1 {
			t.Errorf("Attempt after Forget = %d, want 1", n)
		}
		if ok, _ := s.UseRecoveryCode(ctx, "judy", digest("r")); ok {
			t.Error("recovery code usable after Forget")
		}
		if ok, _ := s.AdvanceStep(ctx, "kate", 10); ok {
			t.Error("Forget(judy) touched kate's step")
		}
		if err := s.Forget(ctx, "nobody"); err != nil {
			t.Errorf("Forget(unknown user) = %v, want nil", err)
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := newStore(t)
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.AdvanceStep(canceled, "u", 1); err == nil {
			t.Error("AdvanceStep with a canceled context = nil error, want one")
		}
	})
}

// digest returns a digest as the Verifier makes them: hex SHA-256.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
