package mfa_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/internal/testclock"
)

// clock is the tests' manual clock.
type clock = testclock.Clock

// newClock starts at the beginning of a 30-second step.
func newClock() *clock { return testclock.New(time.Unix(1_750_000_020, 0)) }

// recorder is an Auditor that keeps the events.
type recorder struct {
	mu     sync.Mutex
	events []auth.Event
}

func (r *recorder) Audit(_ context.Context, e auth.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) last() auth.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		return auth.Event{}
	}
	return r.events[len(r.events)-1]
}

type fixture struct {
	v      *mfa.Verifier
	clk    *clock
	rec    *recorder
	secret string
}

func newFixture(t *testing.T, opts mfa.Options) fixture {
	t.Helper()
	clk, rec := newClock(), &recorder{}
	opts.Issuer = "keel-test"
	opts.Now = clk.Now
	opts.Auditor = rec
	secret, err := mfa.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	return fixture{v: mfa.MustNew(opts), clk: clk, rec: rec, secret: secret}
}

// code returns the code for f's secret at the clock's time plus offset.
func (f fixture) code(t *testing.T, offset time.Duration) string {
	t.Helper()
	c, err := f.v.Code(f.secret, f.clk.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		offset time.Duration // of the code from now
		skew   int
		want   error
	}{
		{"current step", 0, 0, nil},
		{"previous step within skew", -30 * time.Second, 0, nil},
		{"next step within skew", 30 * time.Second, 0, nil},
		{"two steps back", -60 * time.Second, 0, mfa.ErrInvalidCode},
		{"two steps ahead", 60 * time.Second, 0, mfa.ErrInvalidCode},
		{"no skew: previous step", -30 * time.Second, -1, mfa.ErrInvalidCode},
		{"skew 2: two steps back", -60 * time.Second, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, mfa.Options{Skew: tt.skew})
			err := f.v.Verify(ctx, "alice", f.secret, f.code(t, tt.offset))
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyTypedCode(t *testing.T) {
	f := newFixture(t, mfa.Options{})
	c := f.code(t, 0)
	if err := f.v.Verify(context.Background(), "alice", f.secret, " "+c[:3]+"-"+c[3:]+" "); err != nil {
		t.Errorf("Verify(%q typed with a dash) = %v, want nil", c, err)
	}
	for _, bad := range []string{"", "abcdef", c + "0", c[:5]} {
		if err := f.v.Verify(context.Background(), "bob", f.secret, bad); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("Verify(%q) = %v, want ErrInvalidCode", bad, err)
		}
	}
}

// TestAttack_ReplayedTOTP captures a code that was just accepted and
// replays it, within its validity window and from another instance of
// the service: refused. So is a code from an earlier step after a later
// one was accepted.
func TestAttack_ReplayedTOTP(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, mfa.Options{})
	store := mfa.NewMemoryStore()
	a := mfa.MustNew(mfa.Options{Issuer: "x", Store: store, Now: f.clk.Now, Auditor: f.rec})
	b := mfa.MustNew(mfa.Options{Issuer: "x", Store: store, Now: f.clk.Now})

	current := f.code(t, 0)
	if err := a.Verify(ctx, "alice", f.secret, current); err != nil {
		t.Fatalf("first use = %v, want nil", err)
	}
	if err := a.Verify(ctx, "alice", f.secret, current); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("replay on the same instance = %v, want ErrInvalidCode", err)
	}
	if r := f.rec.last(); r.Action != auth.ActionMFAFailed || r.Reason != "code already used" {
		t.Errorf("audit = %+v, want %s with reason %q", r, auth.ActionMFAFailed, "code already used")
	}
	f.clk.Advance(20 * time.Second) // the code is still within the window
	if err := b.Verify(ctx, "alice", f.secret, current); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("replay on another instance = %v, want ErrInvalidCode", err)
	}

	// A code for the next step is accepted; then the previous step's code,
	// still within the window, is not.
	f.clk.Advance(10 * time.Second)
	previous := f.code(t, -30*time.Second)
	next := f.code(t, 30*time.Second)
	if err := a.Verify(ctx, "alice", f.secret, next); err != nil {
		t.Fatalf("next step's code = %v, want nil", err)
	}
	if err := a.Verify(ctx, "alice", f.secret, previous); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("an older step's code after a newer one = %v, want ErrInvalidCode", err)
	}
	if err := a.Verify(ctx, "alice", f.secret, f.code(t, 0)); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("the current step's code after the next one's = %v, want ErrInvalidCode", err)
	}
}

// TestAttack_ReplayedTOTPConcurrent sends one valid code many times at
// once: it is accepted exactly once.
func TestAttack_ReplayedTOTPConcurrent(t *testing.T) {
	f := newFixture(t, mfa.Options{MaxAttempts: 100})
	c := f.code(t, 0)
	var mu sync.Mutex
	accepted := 0
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if f.v.Verify(context.Background(), "alice", f.secret, c) == nil {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if accepted != 1 {
		t.Errorf("one code accepted %d times concurrently, want 1", accepted)
	}
}

// TestAttack_TOTPBruteForce guesses codes: after MaxAttempts failures
// even the right code is refused with 429 and Retry-After until the
// window ends.
func TestAttack_TOTPBruteForce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, mfa.Options{MaxAttempts: 5, AttemptWindow: 5 * time.Minute})
	right := f.code(t, 0)
	guesses := 0
	for i := 0; guesses < 5; i++ {
		guess := fmt.Sprintf("%06d", i)
		if guess == right {
			continue
		}
		guesses++
		if err := f.v.Verify(ctx, "alice", f.secret, guess); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Fatalf("guess %d = %v, want ErrInvalidCode", guesses, err)
		}
	}
	f.clk.Advance(time.Minute)
	err := f.v.Verify(ctx, "alice", f.secret, f.code(t, 0))
	e := errors.From(err)
	if !errors.Is(err, mfa.ErrThrottled) || e.StatusCode() != 429 || e.RetryAfter() != 4*time.Minute {
		t.Fatalf("right code after 5 failures = %v (status %d, Retry-After %v), want ErrThrottled, 429, 4m", err, e.StatusCode(), e.RetryAfter())
	}
	if r := f.rec.last(); r.Action != auth.ActionMFAFailed || r.Result != auth.ResultDenied {
		t.Errorf("audit = %+v, want %s denied", r, auth.ActionMFAFailed)
	}
	if err := f.v.UseRecoveryCode(ctx, "alice", "ABCDE-FGHJK"); !errors.Is(err, mfa.ErrThrottled) {
		t.Errorf("recovery code while throttled = %v, want ErrThrottled: the limit is shared", err)
	}
	if err := f.v.Verify(ctx, "bob", f.secret, f.code(t, 0)); err != nil {
		t.Errorf("another user = %v, want nil: throttling is per user", err)
	}
	f.clk.Advance(4 * time.Minute)
	if err := f.v.Verify(ctx, "alice", f.secret, f.code(t, 0)); err != nil {
		t.Errorf("after the window = %v, want nil", err)
	}
}

// TestAttack_TOTPBruteForceConcurrent fires many guesses at once, hoping
// they all pass the limit before any failure is counted: at most
// MaxAttempts are even compared.
func TestAttack_TOTPBruteForceConcurrent(t *testing.T) {
	f := newFixture(t, mfa.Options{MaxAttempts: 5})
	valid := map[string]bool{f.code(t, -30*time.Second): true, f.code(t, 0): true, f.code(t, 30*time.Second): true}
	var guesses []string
	for i := 0; len(guesses) < 40; i++ {
		if g := fmt.Sprintf("%06d", i); !valid[g] {
			guesses = append(guesses, g)
		}
	}
	var mu sync.Mutex
	invalid, throttled := 0, 0
	var wg sync.WaitGroup
	for _, guess := range guesses {
		wg.Go(func() {
			err := f.v.Verify(context.Background(), "alice", f.secret, guess)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, mfa.ErrInvalidCode):
				invalid++
			case errors.Is(err, mfa.ErrThrottled):
				throttled++
			}
		})
	}
	wg.Wait()
	if invalid != 5 || throttled != 35 {
		t.Errorf("%d checked and %d throttled of 40 concurrent guesses, want 5 and 35", invalid, throttled)
	}
}

func TestSuccessForgetsFailures(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, mfa.Options{MaxAttempts: 3})
	for range 2 {
		f.v.Verify(ctx, "alice", f.secret, "000000x")
	}
	if err := f.v.Verify(ctx, "alice", f.secret, f.code(t, 0)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := f.v.Verify(ctx, "alice", f.secret, "bad"); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("failure %d after a success = %v, want ErrInvalidCode, not yet throttled", i+1, err)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, mfa.Options{MaxAttempts: 50})
	codes, err := f.v.GenerateRecoveryCodes(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 {
		t.Fatalf("GenerateRecoveryCodes = %d codes, want 10", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		norm, ok := mfa.NormalizeRecoveryCode(c)
		if !ok || len(c) != 11 || c[5] != '-' || seen[norm] {
			t.Errorf("code %q: want XXXXX-XXXXX from the alphabet, all different", c)
		}
		seen[norm] = true
	}
	typed := strings.ToLower(strings.ReplaceAll(codes[3], "-", " "))
	if err := f.v.UseRecoveryCode(ctx, "alice", typed); err != nil {
		t.Errorf("UseRecoveryCode(%q) = %v, want nil", typed, err)
	}
	if r := f.rec.last(); r.Action != auth.ActionRecoveryUsed || r.Actor != "alice" || r.Result != auth.ResultSuccess {
		t.Errorf("audit = %+v, want %s by alice", r, auth.ActionRecoveryUsed)
	}
	if err := f.v.UseRecoveryCode(ctx, "bob", codes[4]); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("alice's code used by bob = %v, want ErrInvalidCode", err)
	}
	if err := f.v.UseRecoveryCode(ctx, "alice", "not a code"); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("malformed code = %v, want ErrInvalidCode", err)
	}

	// A new set replaces the old one.
	fresh, _ := f.v.GenerateRecoveryCodes(ctx, "alice")
	if err := f.v.UseRecoveryCode(ctx, "alice", codes[5]); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("code of the replaced set = %v, want ErrInvalidCode", err)
	}
	if err := f.v.UseRecoveryCode(ctx, "alice", fresh[0]); err != nil {
		t.Errorf("code of the new set = %v, want nil", err)
	}
}

// TestAttack_RecoveryCodeReuse uses a recovery code twice, the second time
// from another instance: refused.
func TestAttack_RecoveryCodeReuse(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	store := mfa.NewMemoryStore()
	a := mfa.MustNew(mfa.Options{Issuer: "x", Store: store, Now: clk.Now})
	b := mfa.MustNew(mfa.Options{Issuer: "x", Store: store, Now: clk.Now})
	codes, err := a.GenerateRecoveryCodes(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.UseRecoveryCode(ctx, "alice", codes[0]); err != nil {
		t.Fatalf("first use = %v", err)
	}
	if err := b.UseRecoveryCode(ctx, "alice", codes[0]); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("second use = %v, want ErrInvalidCode", err)
	}
}

// storeSpy records the recovery digests a Verifier stores.
type storeSpy struct {
	*mfa.MemoryStore
	digests []string
}

func (s *storeSpy) SetRecoveryCodes(ctx context.Context, user string, digests []string) error {
	s.digests = append(s.digests, digests...)
	return s.MemoryStore.SetRecoveryCodes(ctx, user, digests)
}

func TestRecoveryCodesStoredHashed(t *testing.T) {
	spy := &storeSpy{MemoryStore: mfa.NewMemoryStore()}
	v := mfa.MustNew(mfa.Options{Issuer: "x", Store: spy})
	codes, err := v.GenerateRecoveryCodes(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range spy.digests {
		if len(d) != 64 {
			t.Errorf("stored %q, want a 64-character hex digest", d)
		}
		for _, c := range codes {
			norm, _ := mfa.NormalizeRecoveryCode(c)
			if strings.Contains(strings.ToUpper(d), norm) {
				t.Errorf("stored digest %q contains the code %q", d, c)
			}
		}
	}
}

func TestEnableDisable(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, mfa.Options{})
	if err := f.v.Enable(ctx, "alice", f.secret, "000000x"); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("Enable with a bad code = %v, want ErrInvalidCode", err)
	}
	if err := f.v.Enable(ctx, "alice", f.secret, f.code(t, 0)); err != nil {
		t.Fatalf("Enable = %v", err)
	}
	if r := f.rec.last(); r.Action != auth.ActionMFAEnabled || r.Actor != "alice" {
		t.Errorf("audit = %+v, want %s by alice", r, auth.ActionMFAEnabled)
	}
	codes, _ := f.v.GenerateRecoveryCodes(ctx, "alice")
	if err := f.v.Disable(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if r := f.rec.last(); r.Action != auth.ActionMFADisabled {
		t.Errorf("audit = %+v, want %s", r, auth.ActionMFADisabled)
	}
	if err := f.v.UseRecoveryCode(ctx, "alice", codes[0]); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Errorf("recovery code after Disable = %v, want ErrInvalidCode", err)
	}
}

// TestAttack_CodesNotAudited checks that no audit event carries a code,
// a recovery code or the secret.
func TestAttack_CodesNotAudited(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, mfa.Options{})
	right := f.code(t, 0)
	f.v.Verify(ctx, "alice", f.secret, "123456")
	f.v.Enable(ctx, "alice", f.secret, right)
	f.v.Verify(ctx, "alice", f.secret, right)
	codes, _ := f.v.GenerateRecoveryCodes(ctx, "alice")
	f.v.UseRecoveryCode(ctx, "alice", codes[1])
	f.v.UseRecoveryCode(ctx, "alice", "ZZZZZ-ZZZZZ")
	dump := fmt.Sprintf("%+v", f.rec.events)
	for _, secret := range []string{f.secret, right, "123456", codes[1], strings.ReplaceAll(codes[1], "-", ""), "ZZZZZ"} {
		if strings.Contains(dump, secret) {
			t.Errorf("audit events %s contain %q", dump, secret)
		}
	}
	if len(f.rec.events) < 5 {
		t.Errorf("%d audit events, want at least 5", len(f.rec.events))
	}
}

func TestVerifyMalformedSecret(t *testing.T) {
	f := newFixture(t, mfa.Options{})
	err := f.v.Verify(context.Background(), "alice", "!!", "123456")
	if !errors.Is(err, mfa.ErrMalformedSecret) || errors.From(err).StatusCode() != 500 {
		t.Errorf("Verify with a corrupt secret = %v, want ErrMalformedSecret (500)", err)
	}
}

// failingStore fails every call.
type failingStore struct{ mfa.MemoryStore }

func (*failingStore) Attempt(context.Context, string, time.Duration, time.Time) (int, time.Time, error) {
	return 0, time.Time{}, errors.New("store down")
}

func TestStoreDownFailsClosed(t *testing.T) {
	v := mfa.MustNew(mfa.Options{Issuer: "x", Store: &failingStore{}})
	s, _ := mfa.GenerateSecret()
	c, _ := v.Code(s, time.Now())
	if err := v.Verify(context.Background(), "alice", s, c); err == nil || errors.From(err).StatusCode() != 500 {
		t.Errorf("Verify with the store down = %v, want a 500 error", err)
	}
}

func TestOptionsInvalid(t *testing.T) {
	tests := []struct {
		name string
		opts mfa.Options
		want string
	}{
		{"no issuer", mfa.Options{}, "Issuer"},
		{"colon in issuer", mfa.Options{Issuer: "a:b"}, "Issuer"},
		{"algorithm", mfa.Options{Issuer: "x", Algorithm: "MD5"}, "Algorithm"},
		{"digits", mfa.Options{Issuer: "x", Digits: 4}, "Digits"},
		{"period fraction", mfa.Options{Issuer: "x", Period: 1500 * time.Millisecond}, "Period"},
		{"period long", mfa.Options{Issuer: "x", Period: time.Hour}, "Period"},
		{"skew", mfa.Options{Issuer: "x", Skew: 4}, "Skew"},
		{"attempts", mfa.Options{Issuer: "x", MaxAttempts: -1}, "MaxAttempts"},
		{"window", mfa.Options{Issuer: "x", AttemptWindow: time.Millisecond}, "AttemptWindow"},
		{"recovery codes", mfa.Options{Issuer: "x", RecoveryCodes: 101}, "RecoveryCodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := mfa.New(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want one naming %s", err, tt.want)
			}
			defer func() {
				if recover() == nil {
					t.Error("MustNew did not panic")
				}
			}()
			mfa.MustNew(tt.opts)
		})
	}
}
