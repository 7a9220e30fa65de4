package lockout_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/lockout"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/internal/testclock"
)

// clock is the tests' manual clock.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)) }

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

func (r *recorder) actions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Action)
	}
	return out
}

// loginHandler is the login flow the package documents, over a user table:
// check, verify, record.
func loginHandler(lim *lockout.Limiter, users map[string]string) http.Handler {
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		user, pw, ip := r.FormValue("user"), r.FormValue("password"), r.FormValue("ip")
		d, err := lim.Check(r.Context(), user, ip)
		if err != nil {
			return err
		}
		if d.Locked {
			return d.Err()
		}
		if want, ok := users[user]; !ok || want != pw {
			if _, err := lim.Fail(r.Context(), user, ip); err != nil {
				return err
			}
			return errors.Unauthorized("invalid username or password")
		}
		if err := lim.Succeed(r.Context(), user); err != nil {
			return err
		}
		fmt.Fprint(w, "welcome")
		return nil
	})
}

func login(h http.Handler, user, pw, ip string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/login?user="+user+"&password="+pw+"&ip="+ip, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestAttack_Lockout guesses one account's password until it locks, and
// checks that even the right password is then refused with 429 and
// Retry-After, until the lock ends.
func TestAttack_Lockout(t *testing.T) {
	clk := newClock()
	lim := lockout.MustNew(lockout.Options{MaxFailures: 5, BaseLock: time.Minute, Now: clk.Now})
	h := loginHandler(lim, map[string]string{"alice": "right"})
	for i := range 5 {
		if w := login(h, "alice", fmt.Sprint("guess", i), "192.0.2.1"); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i+1, w.Code)
		}
	}
	w := login(h, "alice", "right", "192.0.2.99")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "60" {
		t.Fatalf("right password while locked: %d Retry-After %q, want 429 Retry-After 60", w.Code, w.Header().Get("Retry-After"))
	}
	clk.Advance(30 * time.Second)
	if w := login(h, "alice", "right", "192.0.2.1"); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "30" {
		t.Errorf("half-way: %d Retry-After %q, want 429 Retry-After 30", w.Code, w.Header().Get("Retry-After"))
	}
	clk.Advance(30 * time.Second)
	if w := login(h, "alice", "right", "192.0.2.1"); w.Code != http.StatusOK {
		t.Errorf("after the lock: status %d, want 200", w.Code)
	}
}

// TestAttack_LockoutUnknownUser guesses against an account that exists and
// one that does not, and checks that the answers cannot be told apart:
// the same statuses, bodies and Retry-After at every step.
func TestAttack_LockoutUnknownUser(t *testing.T) {
	run := func(user string) []string {
		clk := newClock()
		lim := lockout.MustNew(lockout.Options{MaxFailures: 3, Now: clk.Now})
		h := loginHandler(lim, map[string]string{"alice": "right"})
		var trace []string
		for i := range 5 {
			w := login(h, user, fmt.Sprint("guess", i), "192.0.2.1")
			trace = append(trace, fmt.Sprintf("%d %s %s", w.Code, w.Header().Get("Retry-After"), w.Body))
		}
		return trace
	}
	known, unknown := run("alice"), run("mallory-not-a-user")
	for i := range known {
		if known[i] != unknown[i] {
			t.Errorf("attempt %d: unknown user got %q, known user %q, want the same", i+1, unknown[i], known[i])
		}
	}
	if !strings.HasPrefix(unknown[4], "429 ") {
		t.Errorf("unknown user's 5th attempt = %q, want 429", unknown[4])
	}
}

func TestExponentialLock(t *testing.T) {
	clk := newClock()
	lim := lockout.MustNew(lockout.Options{MaxFailures: 3, BaseLock: time.Minute, MaxLock: 10 * time.Minute, Now: clk.Now})
	ctx := context.Background()
	for range 2 {
		if d, _ := lim.Fail(ctx, "bob", ""); d.Locked {
			t.Fatalf("locked after %d failures, want not before 3", d.Failures)
		}
	}
	// Each failure after a lock ends doubles the next lock, up to MaxLock.
	for i, want := range []time.Duration{1, 2, 4, 8, 10, 10} {
		want *= time.Minute
		d, err := lim.Fail(ctx, "bob", "")
		if err != nil || !d.Locked || d.RetryAfter != want || d.Failures != 3+i {
			t.Fatalf("failure %d: %+v, %v, want locked for %v", 3+i, d, err, want)
		}
		clk.Advance(want - time.Second)
		if d, _ := lim.Check(ctx, "bob", ""); !d.Locked || d.RetryAfter != time.Second {
			t.Errorf("a second before the end: %+v, want locked for 1s more", d)
		}
		clk.Advance(time.Second)
		if d, _ := lim.Check(ctx, "bob", ""); d.Locked {
			t.Errorf("at the end: %+v, want unlocked", d)
		}
	}
}

func TestFailuresForgottenAfterWindow(t *testing.T) {
	clk := newClock()
	lim := lockout.MustNew(lockout.Options{MaxFailures: 3, Window: 2 * time.Hour, Now: clk.Now})
	ctx := context.Background()
	lim.Fail(ctx, "carol", "")
	lim.Fail(ctx, "carol", "")
	clk.Advance(2 * time.Hour)
	if d, _ := lim.Fail(ctx, "carol", ""); d.Locked || d.Failures != 1 {
		t.Errorf("failure after the window = %+v, want count 1 and no lock", d)
	}
}

func TestSucceedResetsAccountOnly(t *testing.T) {
	clk := newClock()
	lim := lockout.MustNew(lockout.Options{MaxFailures: 3, MaxIPFailures: 4, Now: clk.Now})
	ctx := context.Background()
	lim.Fail(ctx, "dave", "192.0.2.5")
	lim.Fail(ctx, "dave", "192.0.2.5")
	if err := lim.Succeed(ctx, "dave"); err != nil {
		t.Fatal(err)
	}
	if d, _ := lim.Fail(ctx, "dave", "192.0.2.5"); d.Failures != 1 || d.Locked {
		t.Errorf("after Succeed: %+v, want the account count restarted at 1", d)
	}
	// The address has 3 failures; its 4th locks it.
	if d, _ := lim.Fail(ctx, "erin", "192.0.2.5"); !d.Locked || d.Scope != lockout.ScopeIP {
		t.Errorf("4th failure from the address: %+v, want the address locked: Succeed must not reset it", d)
	}
}

// TestAttack_CredentialStuffing tries one password for each of many
// usernames from one address: no account reaches its limit, the address
// does, and then every username is refused from it, but not from
// elsewhere.
func TestAttack_CredentialStuffing(t *testing.T) {
	clk := newClock()
	lim := lockout.MustNew(lockout.Options{MaxIPFailures: 20, Now: clk.Now})
	users := map[string]string{"victim": "Summer2024!"}
	h := loginHandler(lim, users)
	for i := range 20 {
		if w := login(h, fmt.Sprint("user", i), "Summer2024!", "203.0.113.66"); w.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, w.Code)
		}
	}
	w := login(h, "victim", "Summer2024!", "203.0.113.66")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Errorf("stuffer's 21st attempt: %d Retry-After %q, want 429 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	if w := login(h, "victim", "Summer2024!", "198.51.100.1"); w.Code != http.StatusOK {
		t.Errorf("the real user from another address: %d, want 200", w.Code)
	}
}

// TestAttack_IPv6Rotation rotates through addresses of one /64, as any
// IPv6 client can, and is counted as one client.
func TestAttack_IPv6Rotation(t *testing.T) {
	clk := newClock()
	lim := lockout.MustNew(lockout.Options{MaxIPFailures: 10, Now: clk.Now})
	ctx := context.Background()
	for i := range 10 {
		lim.Fail(ctx, fmt.Sprint("u", i), fmt.Sprintf("2001:db8:1:2::%x", i+1))
	}
	if d, _ := lim.Check(ctx, "someone", "2001:db8:1:2:ffff::1"); !d.Locked || d.Scope != lockout.ScopeIP {
		t.Errorf("Check from the same /64 = %+v, want the prefix locked", d)
	}
	if d, _ := lim.Check(ctx, "someone", "2001:db8:1:3::1"); d.Locked {
		t.Errorf("Check from another /64 = %+v, want unlocked", d)
	}
	// An IPv4-mapped address is its IPv4 address.
	for i := range 10 {
		lim.Fail(ctx, fmt.Sprint("v", i), "::ffff:192.0.2.9")
	}
	if d, _ := lim.Check(ctx, "x", "192.0.2.9"); !d.Locked {
		t.Errorf("Check(192.0.2.9) after failures from ::ffff:192.0.2.9 = %+v, want locked", d)
	}
}

func TestUnlockAudited(t *testing.T) {
	clk := newClock()
	rec := &recorder{}
	lim := lockout.MustNew(lockout.Options{MaxFailures: 2, MaxIPFailures: 2, Now: clk.Now, Auditor: rec})
	ctx := context.Background()
	lim.Fail(ctx, "frank", "192.0.2.7")
	d, _ := lim.Fail(ctx, "frank", "192.0.2.7")
	if !d.Locked {
		t.Fatalf("Fail = %+v, want locked", d)
	}
	admin := auth.WithPrincipal(ctx, &auth.Principal{Subject: "admin-1"})
	if err := lim.Unlock(admin, "frank"); err != nil {
		t.Fatal(err)
	}
	if err := lim.UnlockIP(admin, "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	if d, _ := lim.Check(ctx, "frank", "192.0.2.7"); d.Locked {
		t.Errorf("Check after Unlock and UnlockIP = %+v, want unlocked", d)
	}
	want := []string{auth.ActionLockout, auth.ActionLockout, auth.ActionUnlock, auth.ActionUnlock}
	if got := rec.actions(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("audited %v, want %v", got, want)
	}
	lock, unlock := rec.events[0], rec.events[2]
	if lock.Actor != "frank" || lock.Result != auth.ResultDenied || lock.Attrs["scope"] != "account" || lock.Attrs["failures"] != "2" {
		t.Errorf("lockout event = %+v, want actor frank, denied, scope account, 2 failures", lock)
	}
	if unlock.Actor != "admin-1" || unlock.Resource != "account:frank" || unlock.Result != auth.ResultSuccess {
		t.Errorf("unlock event = %+v, want actor admin-1 on account:frank", unlock)
	}
}

func TestDecisionErr(t *testing.T) {
	if err := (lockout.Decision{}).Err(); err != nil {
		t.Errorf("Err of an open decision = %v, want nil", err)
	}
	err := lockout.Decision{Locked: true, RetryAfter: 90 * time.Second}.Err()
	e := errors.From(err)
	if !errors.Is(err, lockout.ErrLocked) || e.StatusCode() != 429 || e.RetryAfter() != 90*time.Second {
		t.Errorf("Err = %v (status %d, Retry-After %v), want ErrLocked, 429, 90s", err, e.StatusCode(), e.RetryAfter())
	}
}

// failingStore fails every call.
type failingStore struct{}

func (failingStore) Fail(context.Context, string, time.Duration, time.Time) (int, error) {
	return 0, errors.New("store down")
}
func (failingStore) Lock(context.Context, string, time.Time, time.Time) error {
	return errors.New("store down")
}
func (failingStore) LockedUntil(context.Context, string, time.Time) (time.Time, error) {
	return time.Time{}, errors.New("store down")
}
func (failingStore) Reset(context.Context, string) error { return errors.New("store down") }

func TestStoreErrors(t *testing.T) {
	lim := lockout.MustNew(lockout.Options{Store: failingStore{}})
	ctx := context.Background()
	if _, err := lim.Check(ctx, "u", "192.0.2.1"); err == nil {
		t.Error("Check = nil error, want the store's")
	}
	if _, err := lim.Fail(ctx, "u", "192.0.2.1"); err == nil {
		t.Error("Fail = nil error, want the store's")
	}
	if err := lim.Succeed(ctx, "u"); err == nil {
		t.Error("Succeed = nil error, want the store's")
	}
	if err := lim.Unlock(ctx, "u"); err == nil {
		t.Error("Unlock = nil error, want the store's")
	}
	// A login handler fails closed: a 5xx, never a pass.
	w := login(loginHandler(lim, map[string]string{"u": "p"}), "u", "p", "192.0.2.1")
	if w.Code != http.StatusInternalServerError {
		t.Errorf("login with the store down: %d, want 500", w.Code)
	}
}

func TestOptionsInvalid(t *testing.T) {
	tests := []struct {
		name string
		opts lockout.Options
		want string
	}{
		{"negative failures", lockout.Options{MaxFailures: -1}, "MaxFailures"},
		{"negative ip failures", lockout.Options{MaxIPFailures: -1}, "MaxIPFailures"},
		{"tiny base", lockout.Options{BaseLock: time.Microsecond}, "BaseLock"},
		{"max under base", lockout.Options{BaseLock: time.Hour, MaxLock: time.Minute}, "MaxLock"},
		{"window under max", lockout.Options{MaxLock: 2 * time.Hour, Window: time.Hour}, "Window"},
		{"ipv6 prefix", lockout.Options{IPv6Prefix: 129}, "IPv6Prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := lockout.New(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want one naming %s", err, tt.want)
			}
			defer func() {
				if recover() == nil {
					t.Error("MustNew did not panic")
				}
			}()
			lockout.MustNew(tt.opts)
		})
	}
}
