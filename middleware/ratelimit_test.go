package middleware_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/internal/testclock"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/reqctx"
	"github.com/keel-go/keel/router"
)

// rlClock is the tests' manual clock.
type rlClock = testclock.Clock

func newRLClock() *rlClock {
	return testclock.New(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
}

// rlResult is what a test checks of one response.
type rlResult struct {
	status     int
	policy     []string
	rateLimit  []string
	retryAfter string
	body       string
}

// rlServe starts a real server for h and returns a function that sends a
// GET for path with the given headers.
func rlServe(t *testing.T, h http.Handler) func(path string, header ...string) rlResult {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := srv.Client()
	return func(path string, header ...string) rlResult {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return rlResult{
			status:     resp.StatusCode,
			policy:     resp.Header.Values("RateLimit-Policy"),
			rateLimit:  resp.Header.Values("RateLimit"),
			retryAfter: resp.Header.Get("Retry-After"),
			body:       string(body),
		}
	}
}

// rlCounting returns a handler that counts its calls and answers 200 "ok".
func rlCounting(n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.WriteString(w, "ok")
	})
}

func TestRateLimitRefusesOverQuota(t *testing.T) {
	clock := newRLClock()
	var calls atomic.Int64
	h := middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{Generate: func() string { return "req-7" }}),
		middleware.RateLimit(middleware.RateLimitOptions{
			Quota: middleware.Quota{Rate: 3, Window: time.Minute},
			Now:   clock.Now,
		}),
	)(rlCounting(&calls))
	get := rlServe(t, h)

	// The clock stands still: 3 tokens, one every 20 s.
	want := []rlResult{
		{status: 200, rateLimit: []string{`"default";r=2;t=20`}},
		{status: 200, rateLimit: []string{`"default";r=1;t=20`}},
		{status: 200, rateLimit: []string{`"default";r=0;t=20`}},
		{status: 429, rateLimit: []string{`"default";r=0;t=20`}, retryAfter: "20"},
		{status: 429, rateLimit: []string{`"default";r=0;t=20`}, retryAfter: "20"},
	}
	for i, w := range want {
		got := get("/")
		if got.status != w.status {
			t.Errorf("request %d: status = %d, want %d", i+1, got.status, w.status)
		}
		if p := []string{`"default";q=3;w=60`}; !slices.Equal(got.policy, p) {
			t.Errorf("request %d: RateLimit-Policy = %q, want %q", i+1, got.policy, p)
		}
		if !slices.Equal(got.rateLimit, w.rateLimit) {
			t.Errorf("request %d: RateLimit = %q, want %q", i+1, got.rateLimit, w.rateLimit)
		}
		if got.retryAfter != w.retryAfter {
			t.Errorf("request %d: Retry-After = %q, want %q", i+1, got.retryAfter, w.retryAfter)
		}
		if w.status == 429 {
			var p struct {
				Status    int    `json:"status"`
				Code      string `json:"code"`
				RequestID string `json:"request_id"`
				Detail    string `json:"detail"`
			}
			if err := json.Unmarshal([]byte(got.body), &p); err != nil {
				t.Fatalf("request %d: body %q is not a problem: %v", i+1, got.body, err)
			}
			if p.Status != 429 || p.Code != "too_many_requests" || p.RequestID != "req-7" {
				t.Errorf("request %d: problem = %+v, want status 429, code too_many_requests, request_id req-7", i+1, p)
			}
			if !strings.Contains(p.Detail, "retry in 20 seconds") {
				t.Errorf("request %d: detail = %q, want it to say when to retry", i+1, p.Detail)
			}
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("handler ran %d times, want 3", n)
	}
}

func TestRateLimitRefillsWithClock(t *testing.T) {
	clock := newRLClock()
	var calls atomic.Int64
	get := rlServe(t, middleware.RateLimit(middleware.RateLimitOptions{
		Quota: middleware.Quota{Rate: 2, Window: 10 * time.Second},
		Now:   clock.Now,
	})(rlCounting(&calls)))

	steps := []struct {
		advance    time.Duration
		status     int
		rateLimit  string
		retryAfter string
	}{
		{0, 200, `"default";r=1;t=5`, ""},
		{0, 200, `"default";r=0;t=5`, ""},
		{0, 429, `"default";r=0;t=5`, "5"},
		// Refusals consume nothing: 4 s later, 1 s is left to wait.
		{4 * time.Second, 429, `"default";r=0;t=1`, "1"},
		{500 * time.Millisecond, 429, `"default";r=0;t=1`, "1"},
		{500 * time.Millisecond, 200, `"default";r=0;t=5`, ""},
		// A full bucket again after a quiet window; it never overfills.
		{time.Hour, 200, `"default";r=1;t=5`, ""},
		{2500 * time.Millisecond, 200, `"default";r=0;t=3`, ""},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		got := get("/")
		if got.status != s.status || !slices.Equal(got.rateLimit, []string{s.rateLimit}) || got.retryAfter != s.retryAfter {
			t.Errorf("step %d: got %d, RateLimit %q, Retry-After %q; want %d, %q, %q",
				i, got.status, got.rateLimit, got.retryAfter, s.status, s.rateLimit, s.retryAfter)
		}
	}
	if n := calls.Load(); n != 5 {
		t.Errorf("handler ran %d times, want 5", n)
	}
}

func TestRateLimitKeysAreIndependent(t *testing.T) {
	clock := newRLClock()
	var calls atomic.Int64
	get := rlServe(t, middleware.RateLimit(middleware.RateLimitOptions{
		Policy: "api",
		Quota:  middleware.Quota{Rate: 1, Window: time.Minute},
		Key:    middleware.RateLimitByHeader("X-Api-Key"),
		Now:    clock.Now,
	})(rlCounting(&calls)))

	tests := []struct {
		key       string
		status    int
		rateLimit []string
	}{
		{"alpha", 200, []string{`"api";r=0;t=60`}},
		{"alpha", 429, []string{`"api";r=0;t=60`}},
		{"beta", 200, []string{`"api";r=0;t=60`}},
		{"beta", 429, []string{`"api";r=0;t=60`}},
		// No key: the policy does not apply, and says nothing.
		{"", 200, nil},
		{"", 200, nil},
	}
	for i, tt := range tests {
		var got rlResult
		if tt.key == "" {
			got = get("/")
		} else {
			got = get("/", "X-Api-Key", tt.key)
		}
		if got.status != tt.status || !slices.Equal(got.rateLimit, tt.rateLimit) {
			t.Errorf("request %d (key %q): got %d, RateLimit %q; want %d, %q", i, tt.key, got.status, got.rateLimit, tt.status, tt.rateLimit)
		}
		if tt.key == "" && got.policy != nil {
			t.Errorf("request %d without a key: RateLimit-Policy = %q, want none", i, got.policy)
		}
	}
}

func TestRateLimitPerRoutePolicy(t *testing.T) {
	clock := newRLClock()
	store := middleware.NewMemoryRateLimitStore(middleware.MemoryRateLimitStoreOptions{})
	rt := router.New()
	rt.Use(middleware.RateLimit(middleware.RateLimitOptions{
		Policy: "global",
		Quota:  middleware.Quota{Rate: 100, Window: time.Minute},
		Store:  store,
		Now:    clock.Now,
	}))
	ok := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }
	auth := rt.Group("/auth", middleware.RateLimit(middleware.RateLimitOptions{
		Policy: "auth",
		Quota:  middleware.Quota{Rate: 1, Window: 30 * time.Second},
		Store:  store, // one store, two policies: keys do not collide
		Now:    clock.Now,
	}))
	auth.HandleFunc(http.MethodGet, "/login", ok)
	rt.HandleFunc(http.MethodGet, "/items", ok)
	get := rlServe(t, rt)

	tests := []struct {
		path      string
		status    int
		policy    []string
		rateLimit []string
	}{
		{"/auth/login", 200, []string{`"global";q=100;w=60`, `"auth";q=1;w=30`}, []string{`"global";r=99;t=1`, `"auth";r=0;t=30`}},
		{"/auth/login", 429, []string{`"global";q=100;w=60`, `"auth";q=1;w=30`}, []string{`"global";r=98;t=1`, `"auth";r=0;t=30`}},
		{"/items", 200, []string{`"global";q=100;w=60`}, []string{`"global";r=97;t=1`}},
		{"/items", 200, []string{`"global";q=100;w=60`}, []string{`"global";r=96;t=1`}},
	}
	for i, tt := range tests {
		got := get(tt.path)
		if got.status != tt.status || !slices.Equal(got.policy, tt.policy) || !slices.Equal(got.rateLimit, tt.rateLimit) {
			t.Errorf("request %d %s: got %d, RateLimit-Policy %q, RateLimit %q; want %d, %q, %q",
				i, tt.path, got.status, got.policy, got.rateLimit, tt.status, tt.policy, tt.rateLimit)
		}
		if tt.status == 429 && !strings.Contains(got.body, `\"auth\" rate limit`) {
			t.Errorf("request %d: body %s does not name the auth policy", i, got.body)
		}
	}
	if n := store.Len(); n != 2 {
		t.Errorf("store.Len() = %d, want 2 (one key per policy)", n)
	}
}

func TestRateLimitStoreErrors(t *testing.T) {
	failing := middleware.RateLimitStoreFunc(func(context.Context, string, middleware.Quota, time.Time) (middleware.RateDecision, error) {
		return middleware.RateDecision{}, fmt.Errorf("dial tcp 10.0.0.9:6379: connection refused")
	})
	tests := []struct {
		name       string
		failClosed bool
		status     int
		calls      int64
		logMsg     string
	}{
		{"fail open by default", false, 200, 1, "rate limit store failed; request allowed"},
		{"fail closed", true, 503, 0, "request failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			var calls atomic.Int64
			get := rlServe(t, middleware.Chain(
				middleware.RequestID(middleware.RequestIDOptions{Logger: sink.logger()}),
				middleware.RateLimit(middleware.RateLimitOptions{Store: failing, FailClosed: tt.failClosed}),
			)(rlCounting(&calls)))

			got := get("/")
			if got.status != tt.status {
				t.Errorf("status = %d, want %d", got.status, tt.status)
			}
			if n := calls.Load(); n != tt.calls {
				t.Errorf("handler ran %d times, want %d", n, tt.calls)
			}
			if want := []string{`"default";q=100;w=60`}; !slices.Equal(got.policy, want) {
				t.Errorf("RateLimit-Policy = %q, want %q", got.policy, want)
			}
			if got.rateLimit != nil {
				t.Errorf("RateLimit = %q, want none: the store gave no numbers", got.rateLimit)
			}
			if strings.Contains(got.body, "10.0.0.9") {
				t.Errorf("body %q leaks the store error", got.body)
			}
			sink.waitLines(t, 1)
			e := sink.only(t)
			if e["level"] != "error" || e["message"] != tt.logMsg || !strings.Contains(fmt.Sprint(e["error"]), "connection refused") {
				t.Errorf("log entry = %v, want an error entry %q with the store error", e, tt.logMsg)
			}
		})
	}
}

func TestRateLimitHeaderSyntax(t *testing.T) {
	// The draft's fields are structured-field lists of items: a string
	// followed by integer parameters.
	item := regexp.MustCompile(`^"[A-Za-z0-9._-]+"(;[a-z]+=[0-9]+)+$`)
	clock := newRLClock()
	get := rlServe(t, middleware.RateLimit(middleware.RateLimitOptions{
		Policy: "api.v1-burst_2",
		Quota:  middleware.Quota{Rate: 7, Window: 3 * time.Second, Burst: 10},
		Now:    clock.Now,
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))

	for i := range 25 {
		clock.Advance(137 * time.Millisecond)
		got := get("/")
		if want := []string{`"api.v1-burst_2";q=7;w=3`}; !slices.Equal(got.policy, want) {
			t.Fatalf("request %d: RateLimit-Policy = %q, want %q", i, got.policy, want)
		}
		if len(got.rateLimit) != 1 || !item.MatchString(got.rateLimit[0]) {
			t.Fatalf("request %d: RateLimit = %q, want one item matching %v", i, got.rateLimit, item)
		}
		params := strings.Split(got.rateLimit[0], ";")[1:]
		if len(params) != 2 || !strings.HasPrefix(params[0], "r=") || !strings.HasPrefix(params[1], "t=") {
			t.Fatalf("request %d: RateLimit = %q, want parameters r and t in that order", i, got.rateLimit[0])
		}
		r, _ := strconv.Atoi(params[0][2:])
		if r < 0 || r > 9 {
			t.Errorf("request %d: r = %d, want 0..9 (burst 10 less this request)", i, r)
		}
		if got.status == 429 && got.retryAfter != params[1][2:] {
			t.Errorf("request %d: Retry-After %q and t=%s name different times", i, got.retryAfter, params[1][2:])
		}
	}
}

func TestRateLimitHashesLongKeys(t *testing.T) {
	var seen []string
	store := middleware.RateLimitStoreFunc(func(_ context.Context, key string, q middleware.Quota, _ time.Time) (middleware.RateDecision, error) {
		seen = append(seen, key)
		return middleware.RateDecision{Allowed: true, Remaining: q.Rate - 1, Reset: time.Second}, nil
	})
	long := strings.Repeat("k", 1000)
	h := middleware.RateLimit(middleware.RateLimitOptions{
		Policy: "p",
		Store:  store,
		Key:    func(r *http.Request) (string, bool) { return r.URL.Query().Get("k"), true },
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	for _, k := range []string{"short", long, long + "x"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/?k="+k, nil))
	}
	if seen[0] != "p:short" {
		t.Errorf("store key = %q, want %q", seen[0], "p:short")
	}
	for _, k := range seen[1:] {
		if len(k) > 64 || !strings.HasPrefix(k, "p:sha256:") {
			t.Errorf("store key for a long key = %q, want a short p:sha256: digest", k)
		}
	}
	if seen[1] == seen[2] {
		t.Errorf("two different long keys share the digest %q", seen[1])
	}
}

func TestRateLimitByIP(t *testing.T) {
	tests := []struct {
		name       string
		clientIP   string // set in reqctx when not empty
		remoteAddr string
		want       string
		wantOK     bool
	}{
		{"reqctx wins", "203.0.113.9", "10.0.0.1:1234", "ip:203.0.113.9", true},
		{"remote IPv4", "", "192.0.2.1:5555", "ip:192.0.2.1", true},
		{"remote IPv6", "", "[2001:db8::1]:443", "ip:2001:db8::1", true},
		{"IPv4-mapped", "", "[::ffff:192.0.2.1]:80", "ip:192.0.2.1", true},
		{"zone dropped", "", "[fe80::1%eth0]:80", "ip:fe80::1", true},
		{"no port", "", "192.0.2.1", "ip:192.0.2.1", true},
		{"not an address", "", "pipe", "ip:pipe", true},
		{"empty", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remoteAddr
			if tt.clientIP != "" {
				r2, d := reqctx.Attach(r)
				d.ClientIP = netip.MustParseAddr(tt.clientIP)
				r = r2
			}
			got, ok := middleware.RateLimitByIP(r)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("RateLimitByIP(RemoteAddr %q) = %q, %v, want %q, %v", tt.remoteAddr, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

type rlUser struct{ id string }

func TestRateLimitByPrincipal(t *testing.T) {
	key := middleware.RateLimitByPrincipal(func(p any) (string, bool) {
		u, ok := p.(*rlUser)
		if !ok {
			return "", false
		}
		return u.id, true
	})
	tests := []struct {
		name      string
		principal any
		want      string
		wantOK    bool
	}{
		{"user", &rlUser{id: "u-42"}, "principal:u-42", true},
		{"anonymous", nil, "", false},
		{"unknown principal type", "service-account", "", false},
		{"empty id", &rlUser{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r = r.WithContext(reqctx.WithData(r.Context(), reqctx.Data{Principal: tt.principal}))
			got, ok := key(r)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("key(%v) = %q, %v, want %q, %v", tt.principal, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestRateLimitByHeaderDoesNotKeepTheSecret(t *testing.T) {
	key := middleware.RateLimitByHeader("x-api-key")
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-Api-Key", "sk_live_secret")
	k1, ok := key(r)
	if !ok || strings.Contains(k1, "secret") || !strings.HasPrefix(k1, "key:") {
		t.Errorf("key = %q, %v, want a key: digest without the secret", k1, ok)
	}
	r.Header.Set("X-Api-Key", "sk_live_other")
	if k2, _ := key(r); k2 == k1 {
		t.Errorf("two API keys share the key %q", k1)
	}
}

func TestRateLimitPanicsOnInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"policy with a quote", func() { middleware.RateLimit(middleware.RateLimitOptions{Policy: `a"b`}) }, "Policy"},
		{"policy with a colon", func() { middleware.RateLimit(middleware.RateLimitOptions{Policy: "a:b"}) }, "Policy"},
		{"policy too long", func() { middleware.RateLimit(middleware.RateLimitOptions{Policy: strings.Repeat("p", 65)}) }, "Policy"},
		{"negative rate", func() { middleware.RateLimit(middleware.RateLimitOptions{Quota: middleware.Quota{Rate: -1}}) }, "Quota.Rate"},
		{"negative burst", func() { middleware.RateLimit(middleware.RateLimitOptions{Quota: middleware.Quota{Burst: -1}}) }, "Quota.Burst"},
		{"sub-second window", func() {
			middleware.RateLimit(middleware.RateLimitOptions{Quota: middleware.Quota{Window: 500 * time.Millisecond}})
		}, "Quota.Window"},
		{"fractional window", func() {
			middleware.RateLimit(middleware.RateLimitOptions{Quota: middleware.Quota{Window: 1500 * time.Millisecond}})
		}, "Quota.Window"},
		{"negative window", func() {
			middleware.RateLimit(middleware.RateLimitOptions{Quota: middleware.Quota{Window: -time.Minute}})
		}, "Quota.Window"},
		{"bad header name", func() { middleware.RateLimitByHeader("X Api Key") }, "not a valid header name"},
		{"nil principal id", func() { middleware.RateLimitByPrincipal(nil) }, "nil id function"},
		{"negative max keys", func() {
			middleware.NewMemoryRateLimitStore(middleware.MemoryRateLimitStoreOptions{MaxKeys: -1})
		}, "MaxKeys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				msg, _ := v.(string)
				if !strings.HasPrefix(msg, "middleware: ") || !strings.Contains(msg, tt.want) {
					t.Errorf("panic = %v, want a \"middleware: \" message containing %q", v, tt.want)
				}
			}()
			tt.f()
		})
	}
}

func TestMemoryRateLimitStoreBoundedUnderAFlood(t *testing.T) {
	const (
		maxKeys = 1000
		flood   = rlFloodKeys // 1,000,000, or fewer under the race detector
	)
	store := middleware.NewMemoryRateLimitStore(middleware.MemoryRateLimitStoreOptions{MaxKeys: maxKeys})
	q := middleware.Quota{Rate: 10, Window: time.Minute}
	now := newRLClock().Now()
	ctx := context.Background()
	// Two goroutines, each its own half of the distinct keys, share the
	// store as concurrent requests would.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for g := range 2 {
		wg.Go(func() {
			key := make([]byte, 0, 16)
			for i := g; i < flood; i += 2 {
				key = strconv.AppendInt(key[:0], int64(i), 36)
				d, err := store.Allow(ctx, string(key), q, now)
				if err != nil || !d.Allowed || d.Remaining != 9 {
					errs <- fmt.Errorf("Allow(new key %s) = %+v, %v, want allowed with 9 remaining", key, d, err)
					return
				}
				if i%10_000 == 0 {
					if n := store.Len(); n > maxKeys {
						errs <- fmt.Errorf("after %d keys, Len() = %d, want at most %d", i, n, maxKeys)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := store.Len(); n > maxKeys || n < maxKeys*9/10 {
		t.Errorf("after %d distinct keys, Len() = %d, want at most %d and close to it", flood, n, maxKeys)
	}
}

func TestMemoryRateLimitStoreDropsFullBuckets(t *testing.T) {
	// 100 keys fit one shard, so the order of the sweep is predictable.
	store := middleware.NewMemoryRateLimitStore(middleware.MemoryRateLimitStoreOptions{MaxKeys: 100})
	q := middleware.Quota{Rate: 5, Window: 10 * time.Second}
	clock := newRLClock()
	ctx := context.Background()
	for i := range 10 {
		if _, err := store.Allow(ctx, fmt.Sprint("k", i), q, clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if n := store.Len(); n != 10 {
		t.Fatalf("Len() = %d, want 10", n)
	}
	// Not yet refilled: nothing is dropped.
	store.Allow(ctx, "k9", q, clock.Now())
	if n := store.Len(); n != 10 {
		t.Errorf("Len() = %d before the buckets refilled, want 10", n)
	}
	// Refilled: each call drops up to two full buckets, oldest first.
	clock.Advance(10 * time.Second)
	for range 5 {
		store.Allow(ctx, "k9", q, clock.Now())
	}
	if n := store.Len(); n != 1 {
		t.Errorf("Len() = %d after the buckets refilled, want 1 (k9)", n)
	}
	// Dropping a full bucket loses nothing: k0 starts full, as it was.
	d, _ := store.Allow(ctx, "k0", q, clock.Now())
	if !d.Allowed || d.Remaining != 4 {
		t.Errorf("k0 after being dropped = %+v, want allowed with 4 remaining", d)
	}
}

func TestMemoryRateLimitStoreEvictsLeastRecentlyUsed(t *testing.T) {
	store := middleware.NewMemoryRateLimitStore(middleware.MemoryRateLimitStoreOptions{MaxKeys: 64})
	q := middleware.Quota{Rate: 1, Window: time.Hour}
	now := newRLClock().Now()
	ctx := context.Background()
	for i := range 64 {
		store.Allow(ctx, fmt.Sprint("k", i), q, now)
	}
	store.Allow(ctx, "k0", q, now) // refused, and now the most recent
	store.Allow(ctx, "new", q, now)
	if n := store.Len(); n != 64 {
		t.Errorf("Len() = %d, want 64", n)
	}
	if d, _ := store.Allow(ctx, "k0", q, now); d.Allowed {
		t.Errorf("k0 was evicted although recently used: %+v", d)
	}
	// k1 was the least recently used and lost its (empty) bucket.
	if d, _ := store.Allow(ctx, "k1", q, now); !d.Allowed {
		t.Errorf("k1 = %+v, want a fresh bucket after eviction", d)
	}
}

func TestMemoryRateLimitStoreIsAtomic(t *testing.T) {
	store := middleware.NewMemoryRateLimitStore(middleware.MemoryRateLimitStoreOptions{})
	q := middleware.Quota{Rate: 100, Window: time.Minute}
	now := newRLClock().Now()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				d, err := store.Allow(context.Background(), "shared", q, now)
				if err == nil && d.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 100 {
		t.Errorf("%d of 400 concurrent requests allowed, want exactly 100", n)
	}
}

func TestMemoryRateLimitStoreQuota(t *testing.T) {
	store := middleware.NewMemoryRateLimitStore(middleware.MemoryRateLimitStoreOptions{})
	now := newRLClock().Now()
	ctx := context.Background()

	for _, q := range []middleware.Quota{{}, {Rate: 1}, {Rate: 1, Window: time.Second, Burst: -1}, {Rate: -1, Window: time.Second}} {
		if _, err := store.Allow(ctx, "k", q, now); !errors.Is(err, middleware.ErrInvalidQuota) {
			t.Errorf("Allow with %+v: err = %v, want ErrInvalidQuota", q, err)
		}
	}

	// Burst 0 means Rate; a new quota for a known key applies at once.
	d, _ := store.Allow(ctx, "k", middleware.Quota{Rate: 3, Window: time.Second}, now)
	if d.Remaining != 2 {
		t.Errorf("Remaining = %d with burst = rate = 3, want 2", d.Remaining)
	}
	// Lowering the burst to 1 caps the two tokens left at one.
	lower := middleware.Quota{Rate: 3, Window: time.Second, Burst: 1}
	if d, _ = store.Allow(ctx, "k", lower, now); !d.Allowed || d.Remaining != 0 {
		t.Errorf("Allow after lowering the burst to 1 = %+v, want allowed with 0 remaining", d)
	}
	if d, _ = store.Allow(ctx, "k", lower, now); d.Allowed {
		t.Errorf("second Allow after lowering the burst to 1 = %+v, want refused", d)
	}
}

func FuzzRateLimitByIP(f *testing.F) {
	for _, s := range []string{"192.0.2.1:80", "[2001:db8::1]:443", "[::ffff:10.0.0.1]:1", "[fe80::1%25eth0]:9", "", "::1", "x:y:z", "[", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, remoteAddr string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remoteAddr
		key, ok := middleware.RateLimitByIP(r)
		if ok != (remoteAddr != "") {
			t.Fatalf("RateLimitByIP(%q) ok = %v, want %v", remoteAddr, ok, remoteAddr != "")
		}
		if ok && !strings.HasPrefix(key, "ip:") {
			t.Fatalf("RateLimitByIP(%q) = %q, want an ip: key", remoteAddr, key)
		}
		// The same host with another port is the same client.
		if host, _, err := net.SplitHostPort(remoteAddr); err == nil && host != "" {
			r.RemoteAddr = net.JoinHostPort(host, "1")
			if other, _ := middleware.RateLimitByIP(r); other != key {
				t.Fatalf("RateLimitByIP(%q) = %q but RateLimitByIP(%q) = %q", remoteAddr, key, r.RemoteAddr, other)
			}
		}
	})
}

// rlBenchWriter discards the response and keeps a header map that the
// benchmark clears between requests.
type rlBenchWriter struct{ h http.Header }

func (w rlBenchWriter) Header() http.Header         { return w.h }
func (w rlBenchWriter) WriteHeader(int)             {}
func (w rlBenchWriter) Write(p []byte) (int, error) { return len(p), nil }

func BenchmarkRateLimit(b *testing.B) {
	h := middleware.RateLimit(middleware.RateLimitOptions{
		Quota: middleware.Quota{Rate: 1 << 30, Window: time.Second},
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "192.0.2.1:1234"
	w := rlBenchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
	if w.h.Get("RateLimit") == "" {
		b.Fatal("no RateLimit header")
	}
}

func BenchmarkMemoryRateLimitStore(b *testing.B) {
	store := middleware.NewMemoryRateLimitStore(middleware.MemoryRateLimitStoreOptions{})
	q := middleware.Quota{Rate: 1 << 30, Window: time.Second}
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprint("ip:192.0.2.", i)
	}
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			store.Allow(context.Background(), keys[i%len(keys)], q, now)
			i++
		}
	})
}
