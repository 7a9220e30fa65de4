package auth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/router"
)

// errAuthzDown is the failure of the test authorizer's "boom" permission;
// its text must never reach a client.
var errAuthzDown = errors.New("authz store unreachable at 10.0.0.7")

// authzRoles is the test authorizer: a principal holds a permission when
// one of its roles lists it. The permission "boom" fails, and "gone"
// fails with a 404 of its own.
func authzRoles(calls *authzCounter) auth.Authorizer {
	grants := map[string][]string{
		"reader": {"posts:read", "secret:read"},
		"writer": {"posts:read", "posts:write"},
		"editor": {"posts:read", "posts:write", "posts:publish"},
	}
	return auth.AuthorizerFunc(func(_ context.Context, p *auth.Principal, perm string) (bool, error) {
		calls.add(perm)
		switch perm {
		case "boom":
			return false, errAuthzDown
		case "gone":
			return false, errors.NotFound("no such thing")
		}
		for _, r := range p.Roles {
			for _, g := range grants[r] {
				if g == perm {
					return true, nil
				}
			}
		}
		return false, nil
	})
}

// authzCounter records the permissions an authorizer was asked about.
type authzCounter struct {
	mu    sync.Mutex
	perms []string
}

func (c *authzCounter) add(p string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.perms = append(c.perms, p)
}

func (c *authzCounter) asked() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.perms...)
}

// authzPrincipal is a stand-in for the authentication middleware: the
// X-Test-User header names the subject ("-" for an empty one), X-Test-Roles
// its comma-separated roles; without the header the request is anonymous.
func authzPrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := r.Header[http.CanonicalHeaderKey("X-Test-User")]
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		p := &auth.Principal{Subject: strings.TrimPrefix(user[0], "-")}
		if roles := r.Header.Get("X-Test-Roles"); roles != "" {
			p.Roles = strings.Split(roles, ",")
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// authzOK answers 200 "ok" and counts its calls.
type authzOK struct {
	mu    sync.Mutex
	calls int
}

func (h *authzOK) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.calls++
	h.mu.Unlock()
	io.WriteString(w, "ok")
}

func (h *authzOK) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

// authzServer starts a server whose /api routes are guarded by
// RequireRoute and /fixed routes by Require, and returns it with the
// handler every route serves.
func authzServer(t *testing.T, authz auth.Authorizer, opts auth.GuardOptions) (*httptest.Server, *authzOK) {
	t.Helper()
	ok := &authzOK{}
	g, err := auth.NewGuard(authz, opts)
	if err != nil {
		t.Fatalf("NewGuard() error = %v", err)
	}
	r := router.New()
	r.Use(middleware.RequestID(middleware.RequestIDOptions{}), authzPrincipal)
	api := r.Group("/api", g.RequireRoute())
	api.Get("/posts", ok, router.Permissions("posts:read"))
	api.Post("/posts", ok, router.Permissions("posts:write", "posts:publish"))
	api.Get("/open", ok)
	api.Get("/secret/:id", ok, router.Permissions("secret:read"), router.Meta(auth.HideForbiddenMeta(true)))
	api.Get("/shown/:id", ok, router.Permissions("secret:read"), router.Meta(auth.HideForbiddenMeta(false)))
	api.Get("/boom", ok, router.Permissions("boom"))
	api.Get("/gone", ok, router.Permissions("gone"))
	fixed := r.Group("/fixed", g.Require("posts:read"))
	fixed.Get("/posts", ok)
	fixed.With(g.Require("posts:write", "posts:publish")).Post("/posts", ok)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv, ok
}

// authzDo sends a request as user (with roles), or anonymously when user
// is "", and returns the status, the decoded problem (zero for a
// non-problem answer) and the body.
func authzDo(t *testing.T, srv *httptest.Server, method, path, user, roles string) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
		req.Header.Set("X-Test-Roles", roles)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var prob map[string]any
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") && len(body) > 0 {
		if err := json.Unmarshal(body, &prob); err != nil {
			t.Fatalf("%s %s: problem body %q: %v", method, path, body, err)
		}
	}
	return res.StatusCode, prob, string(body)
}

func TestRequireRoute(t *testing.T) {
	srv, _ := authzServer(t, authzRoles(nil), auth.GuardOptions{})
	tests := []struct {
		name         string
		method, path string
		user, roles  string
		want         int
		code         string
	}{
		{"allowed", "GET", "/api/posts", "u1", "reader", 200, ""},
		{"denied", "GET", "/api/posts", "u1", "", 403, "forbidden"},
		{"all permissions held", "POST", "/api/posts", "u1", "editor", 200, ""},
		{"one permission of two missing", "POST", "/api/posts", "u1", "writer", 403, "forbidden"},
		{"any of the roles", "POST", "/api/posts", "u1", "reader,editor", 200, ""},
		{"anonymous", "GET", "/api/posts", "", "", 401, "unauthorized"},
		{"route without permissions", "GET", "/api/open", "u1", "", 200, ""},
		{"route without permissions, anonymous", "GET", "/api/open", "", "", 401, "unauthorized"},
		{"hidden by route meta", "GET", "/api/secret/1", "u1", "writer", 404, "not_found"},
		{"hidden route allowed", "GET", "/api/secret/1", "u1", "reader", 200, ""},
		{"hidden route, anonymous", "GET", "/api/secret/1", "", "", 401, "unauthorized"},
		{"authorizer error", "GET", "/api/boom", "u1", "editor", 500, "internal"},
		{"authorizer error with a status", "GET", "/api/gone", "u1", "editor", 404, "not_found"},
		{"Require allowed", "GET", "/fixed/posts", "u1", "reader", 200, ""},
		{"Require denied", "GET", "/fixed/posts", "u1", "", 403, "forbidden"},
		{"Require, nested, all held", "POST", "/fixed/posts", "u1", "editor", 200, ""},
		{"Require, nested, one missing", "POST", "/fixed/posts", "u1", "writer", 403, "forbidden"},
		{"Require, anonymous", "GET", "/fixed/posts", "", "", 401, "unauthorized"},
		{"HEAD through the GET route", "HEAD", "/api/posts", "u1", "", 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, prob, body := authzDo(t, srv, tt.method, tt.path, tt.user, tt.roles)
			if status != tt.want {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, status, body, tt.want)
			}
			if tt.code != "" && prob["code"] != tt.code {
				t.Errorf("%s %s: problem code = %v, want %q", tt.method, tt.path, prob["code"], tt.code)
			}
			if status == 200 && body != "ok" {
				t.Errorf("%s %s: body = %q, want ok", tt.method, tt.path, body)
			}
		})
	}
}

func TestRequireRouteHideForbiddenOption(t *testing.T) {
	srv, _ := authzServer(t, authzRoles(nil), auth.GuardOptions{HideForbidden: true})
	tests := []struct {
		path string
		want int
	}{
		{"/api/posts", 404},    // the option hides
		{"/api/secret/1", 404}, // the route says hide
		{"/api/shown/1", 403},  // the route overrides the option
		{"/fixed/posts", 404},
	}
	for _, tt := range tests {
		if status, _, body := authzDo(t, srv, "GET", tt.path, "u1", ""); status != tt.want {
			t.Errorf("GET %s = %d %s, want %d", tt.path, status, body, tt.want)
		}
	}
}

func TestGuardCustomNotFound(t *testing.T) {
	g, err := auth.NewGuard(authzRoles(nil), auth.GuardOptions{
		HideForbidden: true,
		NotFound:      func(r *http.Request) error { return errors.NotFound("nothing at %s", r.URL.Path).WithCode("missing") },
	})
	if err != nil {
		t.Fatal(err)
	}
	h := g.Require("posts:read")(&authzOK{})
	req := httptest.NewRequest("GET", "/x/1", nil)
	req = req.WithContext(auth.WithPrincipal(req.Context(), &auth.Principal{Subject: "u1"}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 404 || !strings.Contains(w.Body.String(), `"code":"missing"`) {
		t.Errorf("hidden denial = %d %s, want the custom 404", w.Code, w.Body)
	}
}

// A caller probing for resources it may not see gets the same answer as
// for a path with no route at all.
func TestAttack_ProbeHiddenResource(t *testing.T) {
	srv, ok := authzServer(t, authzRoles(nil), auth.GuardOptions{})
	plain := router.New()
	plain.Use(middleware.RequestID(middleware.RequestIDOptions{}))
	bare := httptest.NewServer(plain) // the same path, and no route
	defer bare.Close()

	status, hidden, _ := authzDo(t, srv, "GET", "/api/secret/42", "mallory", "writer")
	wantStatus, missing, _ := authzDo(t, bare, "GET", "/api/secret/42", "mallory", "writer")
	if status != wantStatus {
		t.Fatalf("hidden denial status = %d, want %d as for a missing route", status, wantStatus)
	}
	delete(hidden, "request_id")
	delete(missing, "request_id")
	if fmt.Sprint(hidden) != fmt.Sprint(missing) {
		t.Errorf("hidden denial body = %v, want the missing route's %v", hidden, missing)
	}
	if ok.count() != 0 {
		t.Errorf("handler ran %d times, want 0", ok.count())
	}
}

// A request without a principal, or with an empty one, never reaches a
// guarded handler, and the authorizer is not even asked.
func TestAttack_NoOrEmptyPrincipal(t *testing.T) {
	var calls authzCounter
	srv, ok := authzServer(t, authzRoles(&calls), auth.GuardOptions{})
	for _, user := range []string{"", "-"} { // anonymous; Subject ""
		for _, path := range []string{"/api/posts", "/api/open", "/fixed/posts"} {
			status, prob, _ := authzDo(t, srv, "GET", path, user, "editor")
			if status != 401 || prob["detail"] != "authentication required" {
				t.Errorf("GET %s as %q = %d %v, want 401 authentication required", path, user, status, prob)
			}
		}
	}
	if ok.count() != 0 || len(calls.asked()) != 0 {
		t.Errorf("handler ran %d times and the authorizer was asked %q, want neither", ok.count(), calls.asked())
	}
}

// An authorizer that fails denies: 500, the handler never runs, and the
// failure's text stays in the log.
func TestAttack_AuthorizerErrorFailsClosed(t *testing.T) {
	srv, ok := authzServer(t, authzRoles(nil), auth.GuardOptions{})
	status, prob, body := authzDo(t, srv, "GET", "/api/boom", "u1", "editor")
	if status != 500 {
		t.Fatalf("GET /api/boom = %d, want 500", status)
	}
	if strings.Contains(body, "10.0.0.7") || strings.Contains(body, "boom") {
		t.Errorf("500 body %s leaks the authorizer's error", body)
	}
	if prob["request_id"] == "" {
		t.Errorf("500 body %v has no request_id", prob)
	}
	if ok.count() != 0 {
		t.Errorf("handler ran %d times, want 0", ok.count())
	}
}

// Permissions are checked in order and the first denial stops: the
// second permission of a route is never granted on the first's failure.
func TestAttack_PartialPermissions(t *testing.T) {
	var calls authzCounter
	srv, ok := authzServer(t, authzRoles(&calls), auth.GuardOptions{})
	if status, _, _ := authzDo(t, srv, "POST", "/api/posts", "u1", "reader"); status != 403 {
		t.Fatalf("POST /api/posts as reader = %d, want 403", status)
	}
	if got := calls.asked(); len(got) != 1 || got[0] != "posts:write" {
		t.Errorf("authorizer asked %q, want only posts:write", got)
	}
	if ok.count() != 0 {
		t.Errorf("handler ran %d times, want 0", ok.count())
	}
}

// With DenyUndeclared, a route registered without its permissions fails
// closed instead of serving every authenticated caller.
func TestAttack_UndeclaredRoute(t *testing.T) {
	srv, ok := authzServer(t, authzRoles(nil), auth.GuardOptions{DenyUndeclared: true})
	if status, _, _ := authzDo(t, srv, "GET", "/api/open", "u1", "editor"); status != 403 {
		t.Errorf("GET /api/open (no permissions) = %d, want 403", status)
	}
	if status, _, _ := authzDo(t, srv, "GET", "/api/open", "", ""); status != 401 {
		t.Errorf("GET /api/open anonymously = %d, want 401", status)
	}
	if status, _, _ := authzDo(t, srv, "GET", "/api/posts", "u1", "reader"); status != 200 {
		t.Errorf("GET /api/posts (declared) = %d, want 200", status)
	}
	if ok.count() != 1 {
		t.Errorf("handler ran %d times, want 1", ok.count())
	}
}

// RequireRoute where no route has been matched (Router.Use, or no
// reqctx.Data) cannot see what to enforce, and refuses.
func TestRequireRouteWithoutMatchedRoute(t *testing.T) {
	ok := &authzOK{}
	r := router.New()
	r.Use(middleware.RequestID(middleware.RequestIDOptions{}), authzPrincipal, auth.RequireRoute(authzRoles(nil), auth.GuardOptions{}))
	r.Get("/posts", ok, router.Permissions("posts:read"))
	srv := httptest.NewServer(r)
	defer srv.Close()
	if status, _, _ := authzDo(t, srv, "GET", "/posts", "u1", "editor"); status != 500 {
		t.Errorf("RequireRoute on Router.Use: GET /posts = %d, want 500", status)
	}

	bare := auth.RequireRoute(authzRoles(nil), auth.GuardOptions{})(ok)
	w := httptest.NewRecorder()
	bare.ServeHTTP(w, httptest.NewRequest("GET", "/posts", nil))
	if w.Code != 500 {
		t.Errorf("RequireRoute without reqctx.Data = %d, want 500", w.Code)
	}
	if ok.count() != 0 {
		t.Errorf("handler ran %d times, want 0", ok.count())
	}
}

// Behind auth.Middleware with Optional set, the guard's 401 carries the
// authenticators' challenges.
func TestRequireRouteChallenge(t *testing.T) {
	authn := auth.MustMiddleware(auth.Options{
		Authenticators: []auth.Authenticator{authzBearer{}},
		Optional:       true,
		Realm:          "api",
	})
	r := router.New()
	r.Use(middleware.RequestID(middleware.RequestIDOptions{}), authn)
	r.Group("/api", auth.RequireRoute(authzRoles(nil), auth.GuardOptions{})).
		Get("/posts", &authzOK{}, router.Permissions("posts:read"))
	srv := httptest.NewServer(r)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/api/posts")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got, want := res.Header.Get("WWW-Authenticate"), `Bearer realm="api"`; res.StatusCode != 401 || got != want {
		t.Errorf("anonymous GET = %d with WWW-Authenticate %q, want 401 with %q", res.StatusCode, got, want)
	}
}

// authzBearer finds no credentials on any request, and challenges with
// Bearer.
type authzBearer struct{}

func (authzBearer) Authenticate(*http.Request) (*auth.Principal, error) {
	return nil, auth.ErrNoCredentials
}

func (authzBearer) Challenge() string { return "Bearer" }

func TestGuardAudit(t *testing.T) {
	var mu sync.Mutex
	var events []auth.Event
	auditor := auth.AuditorFunc(func(_ context.Context, e auth.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	})
	srv, _ := authzServer(t, authzRoles(nil), auth.GuardOptions{Auditor: auditor})
	authzDo(t, srv, "GET", "/api/posts", "u1", "reader")            // allowed: no event
	authzDo(t, srv, "GET", "/api/posts", "", "")                    // anonymous: no event
	authzDo(t, srv, "POST", "/api/posts", "alice", "writer")        // denied
	authzDo(t, srv, "GET", "/api/secret/9?token=s3cr3t", "bob", "") // denied, hidden
	authzDo(t, srv, "GET", "/api/boom", "carol", "")                // failed

	mu.Lock()
	defer mu.Unlock()
	want := []struct{ actor, resource, result, perm string }{
		{"alice", "POST /api/posts", auth.ResultDenied, "posts:publish"},
		{"bob", "GET /api/secret/{id}", auth.ResultDenied, "secret:read"},
		{"carol", "GET /api/boom", auth.ResultFailure, "boom"},
	}
	if len(events) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(events), len(want), events)
	}
	for i, w := range want {
		e := events[i]
		if e.Action != auth.ActionAccessDenied || e.Actor != w.actor || e.Resource != w.resource || e.Result != w.result || e.Attrs["permission"] != w.perm {
			t.Errorf("event %d = %+v, want actor %s, resource %s, result %s, permission %s", i, e, w.actor, w.resource, w.result, w.perm)
		}
		if e.RequestID == "" || e.IP == "" || e.Time.IsZero() {
			t.Errorf("event %d = %+v, want a request ID, an IP and a time", i, e)
		}
		if strings.Contains(fmt.Sprint(e), "s3cr3t") {
			t.Errorf("event %d = %+v holds the request's query", i, e)
		}
	}
}

// Check serves handlers that know the permission only after reading the
// request.
func TestGuardCheck(t *testing.T) {
	g, err := auth.NewGuard(authzRoles(nil), auth.GuardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	tests := []struct {
		name   string
		p      *auth.Principal
		perms  []string
		status int // 0: allowed
	}{
		{"allowed", &auth.Principal{Subject: "u", Roles: []string{"editor"}}, []string{"posts:read", "posts:publish"}, 0},
		{"no permission: a principal is enough", &auth.Principal{Subject: "u"}, nil, 0},
		{"denied", &auth.Principal{Subject: "u", Roles: []string{"reader"}}, []string{"posts:read", "posts:write"}, 403},
		{"anonymous", nil, []string{"posts:read"}, 401},
		{"anonymous, no permission", nil, nil, 401},
		{"failure", &auth.Principal{Subject: "u"}, []string{"boom"}, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req
			if tt.p != nil {
				r = req.WithContext(auth.WithPrincipal(req.Context(), tt.p))
			}
			err := g.Check(r, tt.perms...)
			switch {
			case tt.status == 0 && err != nil:
				t.Errorf("Check(%q) = %v, want nil", tt.perms, err)
			case tt.status != 0 && errors.From(err).StatusCode() != tt.status:
				t.Errorf("Check(%q) = %v, want a %d", tt.perms, err, tt.status)
			}
		})
	}
	if err := g.Check(req.WithContext(auth.WithPrincipal(req.Context(), &auth.Principal{Subject: "u"})), "boom"); !errors.Is(err, errAuthzDown) {
		t.Errorf("Check(boom) = %v, want it to wrap the authorizer's error", err)
	}
}

func TestGuardMisuse(t *testing.T) {
	if g, err := auth.NewGuard(nil, auth.GuardOptions{}); err == nil || g != nil {
		t.Errorf("NewGuard(nil) = %v, %v, want an error", g, err)
	}
	g, _ := auth.NewGuard(authzRoles(nil), auth.GuardOptions{})
	tests := []struct {
		name string
		f    func()
	}{
		{"Require without permissions", func() { g.Require() }},
		{"Require with an empty permission", func() { g.Require("posts:read", "") }},
		{"Require on nil handler", func() { g.Require("x")(nil) }},
		{"RequireRoute on nil handler", func() { g.RequireRoute()(nil) }},
		{"package Require with nil authorizer", func() { auth.Require(nil, "x") }},
		{"package RequireRoute with nil authorizer", func() { auth.RequireRoute(nil, auth.GuardOptions{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", tt.name)
				}
			}()
			tt.f()
		})
	}
}

func TestPackageRequire(t *testing.T) {
	h := auth.Require(authzRoles(nil), "posts:read")(&authzOK{})
	for _, tt := range []struct {
		roles []string
		want  int
	}{{[]string{"reader"}, 200}, {nil, 403}} {
		req := httptest.NewRequest("GET", "/", nil)
		req = req.WithContext(auth.WithPrincipal(req.Context(), &auth.Principal{Subject: "u", Roles: tt.roles}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tt.want {
			t.Errorf("Require(posts:read) with roles %q = %d, want %d", tt.roles, w.Code, tt.want)
		}
	}
}
