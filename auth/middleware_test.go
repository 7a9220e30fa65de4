package auth_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// fakeAuth authenticates requests whose header names it: a header value of
// "good" yields the principal, anything else is invalid, and no header
// means no credentials of its kind.
type fakeAuth struct {
	header    string
	principal *auth.Principal
	challenge string // empty: not a Challenger
	calls     *int
}

func (f fakeAuth) Authenticate(r *http.Request) (*auth.Principal, error) {
	if f.calls != nil {
		*f.calls++
	}
	v := r.Header.Get(f.header)
	switch v {
	case "":
		return nil, fmt.Errorf("fake %s: %w", f.header, auth.ErrNoCredentials)
	case "good":
		return f.principal, nil
	case "down":
		return nil, fmt.Errorf("fake %s: store unreachable", f.header)
	}
	return nil, fmt.Errorf("fake %s: signature mismatch: %w", f.header, auth.ErrInvalidCredentials)
}

// challengingAuth is a fakeAuth that names its challenge.
type challengingAuth struct{ fakeAuth }

func (c challengingAuth) Challenge() string { return c.challenge }

// problem is the part of a problem+json body the tests look at.
type problem struct {
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"request_id"`
}

func decodeProblem(tb testing.TB, body []byte) problem {
	tb.Helper()
	var p problem
	if err := json.Unmarshal(body, &p); err != nil {
		tb.Fatalf("body %q is not a problem: %v", body, err)
	}
	return p
}

// echoSubject answers 200 with the subject of the request's principal, or
// "anonymous".
var echoSubject = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if p, ok := auth.FromContext(r.Context()); ok {
		fmt.Fprint(w, p.Subject)
		return
	}
	fmt.Fprint(w, "anonymous")
})

func withData(r *http.Request, d reqctx.Data) *http.Request {
	return r.WithContext(reqctx.WithData(r.Context(), d))
}

func TestMiddleware(t *testing.T) {
	alice := &auth.Principal{Subject: "alice", Kind: auth.KindUser, Methods: []auth.Method{auth.MethodJWT}}
	svc := &auth.Principal{Subject: "svc", Kind: auth.KindAPIKey}
	bearer := challengingAuth{fakeAuth{header: "X-Bearer", principal: alice, challenge: `Bearer realm="api"`}}
	key := fakeAuth{header: "X-Key", principal: svc}

	tests := []struct {
		name       string
		optional   bool
		headers    map[string]string
		wantStatus int
		wantBody   string // for 200
		wantCode   string // for problems
	}{
		{"first authenticator succeeds", false, map[string]string{"X-Bearer": "good"}, 200, "alice", ""},
		{"second authenticator succeeds", false, map[string]string{"X-Key": "good"}, 200, "svc", ""},
		{"first that has credentials decides", false, map[string]string{"X-Bearer": "bad", "X-Key": "good"}, 401, "", "unauthorized"},
		{"no credentials", false, nil, 401, "", "unauthorized"},
		{"no credentials optional", true, nil, 200, "anonymous", ""},
		{"invalid credentials optional", true, map[string]string{"X-Key": "forged"}, 401, "", "unauthorized"},
		{"store down", false, map[string]string{"X-Bearer": "down"}, 500, "", "internal"},
		{"store down optional", true, map[string]string{"X-Bearer": "down"}, 500, "", "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := auth.MustMiddleware(auth.Options{
				Authenticators: []auth.Authenticator{bearer, key},
				Optional:       tt.optional,
			})(echoSubject)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantStatus == 200 {
				if got := w.Body.String(); got != tt.wantBody {
					t.Errorf("body = %q, want %q", got, tt.wantBody)
				}
				return
			}
			p := decodeProblem(t, w.Body.Bytes())
			if p.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", p.Code, tt.wantCode)
			}
			if strings.Contains(w.Body.String(), "signature") || strings.Contains(w.Body.String(), "unreachable") {
				t.Errorf("body %s reveals the reason", w.Body)
			}
		})
	}
}

// TestAttack_ProbeInvalidReasons sends credentials that fail for different
// reasons, and none at all, and checks that the client cannot tell them
// apart: one status, one body, one set of challenges.
func TestAttack_ProbeInvalidReasons(t *testing.T) {
	reasons := []error{
		fmt.Errorf("token expired: %w", auth.ErrInvalidCredentials),
		fmt.Errorf("unknown key id: %w", auth.ErrInvalidCredentials),
		fmt.Errorf("bad signature: %w", auth.ErrInvalidCredentials),
		fmt.Errorf("revoked: %w", auth.ErrInvalidCredentials),
		fmt.Errorf("none here: %w", auth.ErrNoCredentials),
	}
	var bodies []string
	var headers [][]string
	for _, reason := range reasons {
		a := auth.AuthenticatorFunc(func(*http.Request) (*auth.Principal, error) { return nil, reason })
		h := auth.MustMiddleware(auth.Options{
			Authenticators: []auth.Authenticator{a, challengingAuth{fakeAuth{header: "X", challenge: "Bearer"}}},
			Realm:          "api",
		})(echoSubject)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, withData(httptest.NewRequest(http.MethodGet, "/", nil), reqctx.Data{RequestID: "r1"}))
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("%v: status = %d, want 401", reason, w.Code)
		}
		bodies = append(bodies, w.Body.String())
		headers = append(headers, w.Header().Values("WWW-Authenticate"))
	}
	for i := range bodies {
		if bodies[i] != bodies[0] {
			t.Errorf("body for %v = %s, want the same as for %v: %s", reasons[i], bodies[i], reasons[0], bodies[0])
		}
		if !slices.Equal(headers[i], headers[0]) {
			t.Errorf("challenges for %v = %q, want %q", reasons[i], headers[i], headers[0])
		}
	}
	if p := decodeProblem(t, []byte(bodies[0])); p.Detail != "authentication required" {
		t.Errorf("detail = %q, want %q", p.Detail, "authentication required")
	}
}

func TestMiddlewareChallenges(t *testing.T) {
	ch := func(c string) auth.Authenticator { return challengingAuth{fakeAuth{header: "X", challenge: c}} }
	plain := fakeAuth{header: "Y"}
	tests := []struct {
		name  string
		as    []auth.Authenticator
		realm string
		want  []string
	}{
		{"one per challenger", []auth.Authenticator{ch(`Bearer realm="api"`), plain, ch("Basic")}, "", []string{`Bearer realm="api"`, "Basic"}},
		{"realm added where missing", []auth.Authenticator{ch("Bearer"), ch(`Basic realm="own"`)}, "svc", []string{`Bearer realm="svc"`, `Basic realm="own"`}},
		{"realm before other params", []auth.Authenticator{ch(`Bearer scope="read"`)}, "svc", []string{`Bearer realm="svc", scope="read"`}},
		{"first per scheme wins", []auth.Authenticator{ch(`Bearer realm="a"`), ch(`bearer realm="b"`)}, "", []string{`Bearer realm="a"`}},
		{"empty challenge ignored", []auth.Authenticator{ch("  "), ch("Basic")}, "", []string{"Basic"}},
		{"no challenger", []auth.Authenticator{plain}, "svc", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := auth.MustMiddleware(auth.Options{Authenticators: tt.as, Realm: tt.realm})(echoSubject)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			if got := w.Header().Values("WWW-Authenticate"); !slices.Equal(got, tt.want) {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAttack_CredentialNotLogged checks that the reason for a refusal
// reaches the request log and the audit, and the credential reaches
// neither.
func TestAttack_CredentialNotLogged(t *testing.T) {
	const token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl"
	a := auth.AuthenticatorFunc(func(r *http.Request) (*auth.Principal, error) {
		if r.Header.Get("Authorization") == "" {
			return nil, auth.ErrNoCredentials
		}
		return nil, fmt.Errorf("jwt: token is expired: %w", auth.ErrInvalidCredentials)
	})
	var audit bytes.Buffer
	h := auth.MustMiddleware(auth.Options{
		Authenticators: []auth.Authenticator{a},
		Auditor:        auth.NewLogAuditor(zerolog.New(&audit)),
	})(echoSubject)

	var logs bytes.Buffer
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	r = withData(r, reqctx.Data{RequestID: "req-9", Logger: zerolog.New(&logs).Level(zerolog.DebugLevel)})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)

	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", w.Code)
	}
	for name, out := range map[string]string{"log": logs.String(), "audit": audit.String()} {
		if !strings.Contains(out, "token is expired") {
			t.Errorf("%s = %q, want the reason %q in it", name, out, "token is expired")
		}
		if strings.Contains(out, token) || strings.Contains(out, "c2VjcmV0") {
			t.Errorf("%s = %q, holds the credential", name, out)
		}
	}
	var ev map[string]any
	if err := json.Unmarshal(audit.Bytes(), &ev); err != nil {
		t.Fatalf("audit entry %q: %v", audit.String(), err)
	}
	if ev["action"] != auth.ActionLoginFailed || ev["result"] != auth.ResultFailure || ev["request_id"] != "req-9" {
		t.Errorf("audit entry = %v, want action %q, result %q, request_id req-9", ev, auth.ActionLoginFailed, auth.ResultFailure)
	}
	if strings.Contains(w.Body.String(), "expired") {
		t.Errorf("body %s reveals the reason", w.Body)
	}
}

func TestMiddlewareInfrastructureErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		principal  *auth.Principal
		wantStatus int
	}{
		{"unknown error is 500", errors.New("redis: connection refused"), nil, 500},
		{"keel error keeps its status", errors.Unavailable("key store down").WithRetryAfter(5e9), nil, 503},
		{"neither principal nor error", nil, nil, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reached := false
			a := auth.AuthenticatorFunc(func(*http.Request) (*auth.Principal, error) { return tt.principal, tt.err })
			h := auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{a}, Optional: true})(
				http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if reached {
				t.Error("handler reached, want the request stopped")
			}
			if strings.Contains(w.Body.String(), "redis") {
				t.Errorf("body %s reveals the cause", w.Body)
			}
		})
	}
}

func TestMiddlewareStopsAtFirstDecision(t *testing.T) {
	var first, second int
	h := auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{
		fakeAuth{header: "X-A", calls: &first},
		fakeAuth{header: "X-B", calls: &second, principal: &auth.Principal{Subject: "b"}},
	}})(echoSubject)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-A", "forged")
	r.Header.Set("X-B", "good")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if first != 1 || second != 0 {
		t.Errorf("calls = %d, %d, want 1, 0: invalid credentials must not fall through", first, second)
	}
}

func TestMiddlewareOptionsInvalid(t *testing.T) {
	good := fakeAuth{header: "X"}
	tests := []struct {
		name string
		opts auth.Options
		want string
	}{
		{"no authenticators", auth.Options{}, "Authenticators is empty"},
		{"nil authenticator", auth.Options{Authenticators: []auth.Authenticator{good, nil}}, "Authenticators[1] is nil"},
		{"quote in realm", auth.Options{Authenticators: []auth.Authenticator{good}, Realm: `a"b`}, "Realm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := auth.Middleware(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || mw != nil {
				t.Errorf("Middleware() = %v, %v, want nil and an error containing %q", mw != nil, err, tt.want)
			}
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tt.want) {
					t.Errorf("MustMiddleware panic = %v, want one containing %q", r, tt.want)
				}
			}()
			auth.MustMiddleware(tt.opts)
		})
	}
}

func TestMiddlewareNilHandlerPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Middleware":   func() { auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{fakeAuth{}}})(nil) },
		"RequireAuth":  func() { auth.RequireAuth(nil) },
		"RequireScope": func() { auth.RequireScope("read")(nil) },
		"bad scope":    func() { auth.RequireScope("read write") },
		"empty scope":  func() { auth.RequireScope("") },
		"quote scope":  func() { auth.RequireScope(`a"b`) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "auth: ") {
					t.Errorf("panic = %v, want one prefixed %q", r, "auth: ")
				}
			}()
			f()
		})
	}
}

func TestRequireAuth(t *testing.T) {
	bearer := challengingAuth{fakeAuth{header: "X-Bearer", principal: &auth.Principal{Subject: "alice"}, challenge: "Bearer"}}
	optional := auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{bearer}, Optional: true, Realm: "api"})
	tests := []struct {
		name       string
		h          http.Handler
		bearer     string
		data       bool
		wantStatus int
		wantChall  []string
	}{
		{"authenticated", optional(auth.RequireAuth(echoSubject)), "good", true, 200, nil},
		{"anonymous gets the challenges", optional(auth.RequireAuth(echoSubject)), "", true, 401, []string{`Bearer realm="api"`}},
		{"anonymous without reqctx", optional(auth.RequireAuth(echoSubject)), "", false, 401, nil},
		{"alone", auth.RequireAuth(echoSubject), "", true, 401, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.bearer != "" {
				r.Header.Set("X-Bearer", tt.bearer)
			}
			if tt.data {
				r = withData(r, reqctx.Data{})
			}
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Values("WWW-Authenticate"); !slices.Equal(got, tt.wantChall) {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantChall)
			}
			if w.Code == 401 {
				if p := decodeProblem(t, w.Body.Bytes()); p.Detail != "authentication required" {
					t.Errorf("detail = %q, want %q", p.Detail, "authentication required")
				}
			}
		})
	}
}

func TestRequireScope(t *testing.T) {
	jwtUser := &auth.Principal{Subject: "a", Scopes: []string{"read", "write"}, Methods: []auth.Method{auth.MethodJWT}}
	jwtReader := &auth.Principal{Subject: "b", Scopes: []string{"read"}, Methods: []auth.Method{auth.MethodJWT}}
	session := &auth.Principal{Subject: "c", Scopes: []string{"read"}, Methods: []auth.Method{auth.MethodSession}}
	tests := []struct {
		name       string
		p          *auth.Principal
		scopes     []string
		wantStatus int
		wantCode   string
		wantChall  []string
	}{
		{"all scopes", jwtUser, []string{"read", "write"}, 200, "", nil},
		{"no scopes required", session, nil, 200, "", nil},
		{"missing scope bearer", jwtReader, []string{"read", "write"}, 403, "insufficient_scope",
			[]string{`Bearer error="insufficient_scope", scope="read write"`}},
		{"missing scope session", session, []string{"write"}, 403, "insufficient_scope", nil},
		{"anonymous", nil, []string{"read"}, 401, "unauthorized", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := auth.RequireScope(tt.scopes...)(echoSubject)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), tt.p))
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Values("WWW-Authenticate"); !slices.Equal(got, tt.wantChall) {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.wantChall)
			}
			if tt.wantCode != "" {
				if p := decodeProblem(t, w.Body.Bytes()); p.Code != tt.wantCode {
					t.Errorf("code = %q, want %q", p.Code, tt.wantCode)
				}
			}
		})
	}
}

// nopWriter is a ResponseWriter that keeps nothing, so that allocation
// counts measure the middleware alone.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// TestMiddlewareAllocations pins the cost of the success path: with a
// reqctx.Data on the request, authenticating and checking scopes allocate
// nothing beyond the authenticator's own work.
func TestMiddlewareAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	p := &auth.Principal{Subject: "alice", Scopes: []string{"read"}}
	a := auth.AuthenticatorFunc(func(*http.Request) (*auth.Principal, error) { return p, nil })
	none := auth.AuthenticatorFunc(func(*http.Request) (*auth.Principal, error) { return nil, auth.ErrNoCredentials })
	h := auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{none, a}})(
		auth.RequireAuth(auth.RequireScope("read")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))))
	r := withData(httptest.NewRequest(http.MethodGet, "/", nil), reqctx.Data{})
	w := &nopWriter{h: http.Header{}}
	if got := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, r) }); got != 0 {
		t.Errorf("allocations per authenticated request = %v, want 0", got)
	}
}

func BenchmarkMiddleware(b *testing.B) {
	p := &auth.Principal{Subject: "alice", Scopes: []string{"read"}}
	a := auth.AuthenticatorFunc(func(*http.Request) (*auth.Principal, error) { return p, nil })
	h := auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{a}})(
		auth.RequireScope("read")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	r := withData(httptest.NewRequest(http.MethodGet, "/", nil), reqctx.Data{})
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
