package router_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/keel-go/keel/reqctx"
	"github.com/keel-go/keel/router"
)

// echo answers with the route's pattern and its parameters, so a test can
// see which route served a request and what it extracted.
func echo(names ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(r.Pattern)
		for _, n := range names {
			fmt.Fprintf(&b, " %s=%s", n, r.PathValue(n))
		}
		io.WriteString(w, b.String())
	})
}

func do(t testing.TB, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

func decodeProblem(t testing.TB, w *httptest.ResponseRecorder) problem {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %q", ct, w.Body.String())
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode problem %q: %v", w.Body.String(), err)
	}
	return p
}

func TestRouting(t *testing.T) {
	r := router.New()
	r.Get("/", echo())
	r.Get("/users", echo())
	r.Get("/users/:id", echo("id"))
	r.Get("/users/:id/posts/:post", echo("id", "post"))
	r.Get("/files/*path", echo("path"))
	r.Get("/mux/{id}/x/{rest...}", echo("id", "rest"))
	r.Post("/users", echo())
	r.Put("/users/:id", echo("id"))
	r.Patch("/users/:id", echo("id"))
	r.Delete("/users/:id", echo("id"))

	tests := []struct {
		method, path string
		want         string
	}{
		{"GET", "/", "GET /"},
		{"GET", "/users", "GET /users"},
		{"GET", "/users/42", "GET /users/{id} id=42"},
		{"GET", "/users/a%20b", "GET /users/{id} id=a b"},
		{"GET", "/users/42/posts/7", "GET /users/{id}/posts/{post} id=42 post=7"},
		{"GET", "/files/a/b/c.txt", "GET /files/{path...} path=a/b/c.txt"},
		{"GET", "/files/", "GET /files/{path...} path="},
		{"GET", "/mux/1/x/y/z", "GET /mux/{id}/x/{rest...} id=1 rest=y/z"},
		{"POST", "/users", "POST /users"},
		{"PUT", "/users/1", "PUT /users/{id} id=1"},
		{"PATCH", "/users/1", "PATCH /users/{id} id=1"},
		{"DELETE", "/users/1", "DELETE /users/{id} id=1"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := do(t, r, tt.method, tt.path)
			if w.Code != http.StatusOK || w.Body.String() != tt.want {
				t.Errorf("%s %s = %d %q, want 200 %q", tt.method, tt.path, w.Code, w.Body.String(), tt.want)
			}
		})
	}
}

func TestStaticAndParamAtSamePosition(t *testing.T) {
	r := router.New()
	r.Get("/users/me", echo())
	r.Get("/users/:id", echo("id"))
	r.Get("/users/me/settings", echo())
	r.Get("/users/:id/posts", echo("id"))
	r.Get("/users/:name/likes/:what", echo("name", "what"))
	r.Get("/users/new/likes/all", echo())
	r.Get("/users/", echo())
	r.Get("/a:b/c", echo()) // a literal httprouter would read as a parameter
	r.Get("/:lang/docs", echo("lang"))
	r.Get("/en/docs", echo())

	tests := []struct {
		path string
		want string
		code int
	}{
		{"/users/me", "GET /users/me", 200},
		{"/users/42", "GET /users/{id} id=42", 200},
		{"/users/mex", "GET /users/{id} id=mex", 200},
		{"/users/me/settings", "GET /users/me/settings", 200},
		{"/users/me/posts", "GET /users/{id}/posts id=me", 200},
		{"/users/42/posts", "GET /users/{id}/posts id=42", 200},
		{"/users/42/settings", "", 404},
		{"/users/bob/likes/cats", "GET /users/{name}/likes/{what} name=bob what=cats", 200},
		{"/users/new/likes/all", "GET /users/new/likes/all", 200},
		{"/users/new/likes/some", "GET /users/{name}/likes/{what} name=new what=some", 200},
		{"/users/", "GET /users/", 200},
		{"/a:b/c", "GET /a:b/c", 200},
		{"/ax/c", "", 404},
		{"/en/docs", "GET /en/docs", 200},
		{"/fr/docs", "GET /{lang}/docs lang=fr", 200},
	}
	for _, tt := range tests {
		w := do(t, r, "GET", tt.path)
		if w.Code != tt.code || (tt.code == 200 && w.Body.String() != tt.want) {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, w.Code, w.Body.String(), tt.code, tt.want)
		}
	}
}

func TestCatchAllBesideOtherRoutes(t *testing.T) {
	r := router.New()
	r.Get("/files", echo())
	r.Get("/files/", echo())
	r.Get("/files/*path", echo("path"))
	r.Get("/files/special", echo())
	r.Get("/files/:dir/index", echo("dir"))
	r.Get("/files/:dir/raw/*rest", echo("dir", "rest"))

	tests := []struct{ path, want string }{
		{"/files", "GET /files"},
		{"/files/", "GET /files/"},
		{"/files/special", "GET /files/special"},
		{"/files/special/x", "GET /files/{path...} path=special/x"},
		{"/files/docs/index", "GET /files/{dir}/index dir=docs"},
		{"/files/docs/raw/a/b", "GET /files/{dir}/raw/{rest...} dir=docs rest=a/b"},
		{"/files/docs/other", "GET /files/{path...} path=docs/other"},
		{"/files/a/b/c", "GET /files/{path...} path=a/b/c"},
	}
	for _, tt := range tests {
		w := do(t, r, "GET", tt.path)
		if w.Code != 200 || w.Body.String() != tt.want {
			t.Errorf("GET %s = %d %q, want 200 %q", tt.path, w.Code, w.Body.String(), tt.want)
		}
	}
}

func TestRootCatchAll(t *testing.T) {
	r := router.New()
	r.Get("/", echo())
	r.Get("/*path", echo("path"))
	r.Get("/api/:v", echo("v"))
	for _, tt := range []struct{ path, want string }{
		{"/", "GET /"},
		{"/x/y", "GET /{path...} path=x/y"},
		{"/api/1", "GET /api/{v} v=1"},
		{"/api/1/2", "GET /{path...} path=api/1/2"},
	} {
		if w := do(t, r, "GET", tt.path); w.Code != 200 || w.Body.String() != tt.want {
			t.Errorf("GET %s = %d %q, want 200 %q", tt.path, w.Code, w.Body.String(), tt.want)
		}
	}
}

func TestConstraints(t *testing.T) {
	called := false
	r := router.New()
	r.Get("/items/:id", echo("id"), router.Where("id", router.Int()))
	r.Get("/items/:slug", echo("slug"), router.Where("slug", router.MustRegexp(`[a-z-]+`)))
	r.Get("/orders/:id", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }),
		router.Where("id", router.UUID()))
	r.Get("/colors/:c", echo("c"), router.Where("c", router.OneOf("red", "green")))

	tests := []struct {
		path string
		code int
		want string
	}{
		{"/items/42", 200, "GET /items/{id} id=42"},
		{"/items/-7", 200, "GET /items/{id} id=-7"},
		{"/items/blue-shoes", 200, "GET /items/{slug} slug=blue-shoes"},
		{"/items/Blue_Shoes", 404, ""},
		{"/items/99999999999999999999", 404, ""},
		{"/orders/not-a-uuid", 404, ""},
		{"/colors/red", 200, "GET /colors/{c} c=red"},
		{"/colors/blue", 404, ""},
	}
	for _, tt := range tests {
		w := do(t, r, "GET", tt.path)
		if w.Code != tt.code || (tt.want != "" && w.Body.String() != tt.want) {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, w.Code, w.Body.String(), tt.code, tt.want)
		}
		if tt.code == 404 {
			if p := decodeProblem(t, w); p.Status != 404 {
				t.Errorf("GET %s problem status = %d, want 404", tt.path, p.Status)
			}
		}
	}
	if called {
		t.Error("handler called for a value its constraint refuses")
	}
	if w := do(t, r, "GET", "/orders/4f0c5b8e-2c5d-4c1e-9a4b-1e2f3a4b5c6d"); w.Code != 200 || !called {
		t.Errorf("GET /orders/<uuid> = %d, called %v; want 200, true", w.Code, called)
	}
}

func TestRegistrationErrors(t *testing.T) {
	h := echo()
	tests := []struct {
		name    string
		setup   func(r *router.Router)
		method  string
		pattern string
		opts    []router.RouteOption
		want    string
	}{
		{"duplicate", func(r *router.Router) { r.Get("/a/:id", h) }, "GET", "/a/:id", nil, "GET /a/:id conflicts with GET /a/:id"},
		{"same shape other names", func(r *router.Router) { r.Get("/a/:id", h) }, "GET", "/a/:name", nil, "conflicts with GET /a/:id"},
		{"mux syntax duplicate", func(r *router.Router) { r.Get("/f/*p", h) }, "GET", "/f/{rest...}", nil, "conflicts with GET /f/*p"},
		{"no slash", nil, "GET", "a", nil, "must begin with '/'"},
		{"empty segment", nil, "GET", "/a//b", nil, "empty segment"},
		{"catch-all not last", nil, "GET", "/a/*p/b", nil, "must be the last segment"},
		{"param twice", nil, "GET", "/a/:id/:id", nil, "appears twice"},
		{"bad name", nil, "GET", "/a/:", nil, "bad parameter name"},
		{"mixed segment", nil, "GET", "/a/x{id}", nil, "mixes a literal"},
		{"bad method", nil, "GE T", "/a", nil, "invalid method"},
		{"constraint on unknown param", nil, "GET", "/a/:id", []router.RouteOption{router.Where("x", router.Int())}, "not a parameter"},
		{"duplicate name", func(r *router.Router) { r.Get("/a", h, router.Name("a")) }, "GET", "/b", []router.RouteOption{router.Name("a")}, `route name "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := router.New()
			if tt.setup != nil {
				tt.setup(r)
			}
			err := r.Add(tt.method, tt.pattern, h, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "router: ") {
				t.Fatalf("Add(%q, %q) = %v, want an error containing %q", tt.method, tt.pattern, err, tt.want)
			}
			defer func() {
				p := recover()
				if p == nil || !strings.Contains(fmt.Sprint(p), tt.want) {
					t.Errorf("Handle(%q, %q) panicked with %v, want a panic containing %q", tt.method, tt.pattern, p, tt.want)
				}
			}()
			r.Handle(tt.method, tt.pattern, h, tt.opts...)
		})
	}
}

func TestConstrainedSiblingsAreNotConflicts(t *testing.T) {
	r := router.New()
	if err := r.Add("GET", "/x/:id", echo(), router.Where("id", router.Int())); err != nil {
		t.Fatal(err)
	}
	if err := r.Add("GET", "/x/:name", echo()); err != nil {
		t.Fatalf("Add of an unconstrained sibling = %v, want nil", err)
	}
	if err := r.Add("GET", "/x/:n", echo(), router.Where("n", router.Int())); err == nil {
		t.Fatal("Add of a second int-constrained sibling = nil, want a conflict")
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	r := router.New()
	r.Get("/users/:id", echo("id"))
	r.Delete("/users/:id", echo("id"))

	w := do(t, r, "GET", "/nope")
	if w.Code != 404 {
		t.Fatalf("GET /nope = %d, want 404", w.Code)
	}
	if p := decodeProblem(t, w); p.Status != 404 || p.Code != "not_found" {
		t.Errorf("GET /nope problem = %+v, want status 404 code not_found", p)
	}

	w = do(t, r, "POST", "/users/1")
	if w.Code != 405 {
		t.Fatalf("POST /users/1 = %d, want 405", w.Code)
	}
	if got, want := w.Header().Get("Allow"), "DELETE, GET, HEAD, OPTIONS"; got != want {
		t.Errorf("Allow = %q, want %q", got, want)
	}
	if p := decodeProblem(t, w); p.Status != 405 {
		t.Errorf("405 problem status = %d", p.Status)
	}

	w = do(t, r, "OPTIONS", "/users/1")
	if w.Code != 204 || w.Header().Get("Allow") != "DELETE, GET, HEAD, OPTIONS" || w.Body.Len() != 0 {
		t.Errorf("OPTIONS /users/1 = %d Allow %q body %q, want 204 with Allow", w.Code, w.Header().Get("Allow"), w.Body)
	}
	if w := do(t, r, "OPTIONS", "/nope"); w.Code != 404 {
		t.Errorf("OPTIONS /nope = %d, want 404", w.Code)
	}

	off := router.New(router.HandleMethodNotAllowed(false), router.HandleOptions(false))
	off.Get("/a", echo())
	if w := do(t, off, "POST", "/a"); w.Code != 404 {
		t.Errorf("POST /a with 405 off = %d, want 404", w.Code)
	}
	if w := do(t, off, "OPTIONS", "/a"); w.Code != 404 {
		t.Errorf("OPTIONS /a with auto OPTIONS off = %d, want 404", w.Code)
	}

	custom := router.New(
		router.NotFound(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) })),
		router.MethodNotAllowed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "allow="+w.Header().Get("Allow"))
		})))
	custom.Get("/a", echo())
	if w := do(t, custom, "GET", "/b"); w.Code != 410 {
		t.Errorf("custom NotFound: GET /b = %d, want 410", w.Code)
	}
	if w := do(t, custom, "PUT", "/a"); w.Body.String() != "allow=GET, HEAD, OPTIONS" {
		t.Errorf("custom MethodNotAllowed body = %q", w.Body.String())
	}
}

func TestExplicitOptionsAndHeadRoutes(t *testing.T) {
	r := router.New()
	r.Get("/a", echo())
	r.Options("/a", echo())
	r.Head("/b", echo())
	r.Get("/b", echo())
	if w := do(t, r, "OPTIONS", "/a"); w.Body.String() != "OPTIONS /a" {
		t.Errorf("OPTIONS /a served by %q, want the OPTIONS route", w.Body.String())
	}
	if w := do(t, r, "HEAD", "/b"); w.Body.String() != "HEAD /b" {
		t.Errorf("HEAD /b served by %q, want the HEAD route", w.Body.String())
	}
}

func TestHeadServedByGet(t *testing.T) {
	r := router.New()
	r.Get("/doc", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Pattern", r.Pattern)
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "hello")
	}))
	srv := httptest.NewServer(r)
	defer srv.Close()
	resp, err := http.Head(srv.URL + "/doc")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("X-Pattern") != "GET /doc" || resp.ContentLength != 5 {
		t.Errorf("HEAD /doc = %d, body %q, pattern %q, length %d; want 200, empty, GET /doc, 5",
			resp.StatusCode, body, resp.Header.Get("X-Pattern"), resp.ContentLength)
	}
	// Through a recorder, which does not drop HEAD bodies itself.
	if w := do(t, r, "HEAD", "/doc"); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD /doc (recorder) = %d body %q, want 200 and no body", w.Code, w.Body)
	}
}

func TestRedirects(t *testing.T) {
	r := router.New()
	r.Get("/users", echo())
	r.Get("/docs/", echo())
	r.Post("/orders", echo())
	r.Get("/a/b", echo())
	tests := []struct {
		method, target string
		code           int
		location       string
	}{
		{"GET", "/users/", 301, "/users"},
		{"GET", "/docs", 301, "/docs/"},
		{"HEAD", "/users/", 301, "/users"},
		{"POST", "/orders/", 308, "/orders"},
		{"GET", "/users/?q=1", 301, "/users?q=1"},
		{"GET", "/a//b", 301, "/a/b"},
		{"GET", "/x/../a/./b", 301, "/a/b"},
		{"POST", "/x/../orders", 308, "/orders"},
		{"GET", "/nope/", 404, ""},
	}
	for _, tt := range tests {
		w := do(t, r, tt.method, tt.target)
		if w.Code != tt.code || w.Header().Get("Location") != tt.location {
			t.Errorf("%s %s = %d Location %q, want %d %q", tt.method, tt.target, w.Code, w.Header().Get("Location"), tt.code, tt.location)
		}
	}

	off := router.New(router.RedirectTrailingSlash(false), router.RedirectCleanPath(false))
	off.Get("/users", echo())
	for _, target := range []string{"/users/", "/x/../users"} {
		if w := do(t, off, "GET", target); w.Code != 404 {
			t.Errorf("redirects off: GET %s = %d, want 404", target, w.Code)
		}
	}
}

func TestRedirectNeverLeavesTheHost(t *testing.T) {
	r := router.New()
	r.Get("/*path", echo("path"))
	r2 := router.New()
	r2.Get("/evil.example", echo())
	for _, target := range []string{"//evil.example/", "/\\evil.example/"} {
		w := do(t, r2, "GET", target)
		loc := w.Header().Get("Location")
		if strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
			t.Errorf("GET %s redirected to %q, a scheme-relative URL", target, loc)
		}
	}
}

func TestGroupsAndMiddleware(t *testing.T) {
	var trace []string
	mark := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				trace = append(trace, name+":"+r.Pattern)
				next.ServeHTTP(w, r)
			})
		}
	}
	r := router.New()
	r.Use(mark("root"))
	api := r.Group("/api", mark("api"))
	v1 := api.Group("/v1")
	v1.Use(mark("v1"))
	v1.Get("/users/:id", echo("id"))
	admin := v1.With(mark("admin"))
	admin.Delete("/users/:id", echo("id"))
	r.Get("/health", echo())

	tests := []struct {
		method, path string
		code         int
		trace        []string
	}{
		{"GET", "/api/v1/users/7", 200, []string{"root:", "api:GET /api/v1/users/{id}", "v1:GET /api/v1/users/{id}"}},
		{"DELETE", "/api/v1/users/7", 200, []string{"root:", "api:DELETE /api/v1/users/{id}", "v1:DELETE /api/v1/users/{id}", "admin:DELETE /api/v1/users/{id}"}},
		{"GET", "/health", 200, []string{"root:"}},
		{"GET", "/missing", 404, []string{"root:"}},
		{"POST", "/health", 405, []string{"root:"}},
		{"OPTIONS", "/api/v1/users/7", 204, []string{"root:"}},
	}
	for _, tt := range tests {
		trace = nil
		w := do(t, r, tt.method, tt.path)
		if w.Code != tt.code || !slices.Equal(trace, tt.trace) {
			t.Errorf("%s %s = %d trace %q, want %d %q", tt.method, tt.path, w.Code, trace, tt.code, tt.trace)
		}
	}

	defer func() {
		if p := recover(); p == nil || !strings.HasPrefix(fmt.Sprint(p), "router: Use on group") {
			t.Errorf("late Use panicked with %v, want a router: Use on group panic", p)
		}
	}()
	api.Use(mark("late"))
}

func TestReqctxFilledInPlace(t *testing.T) {
	r := router.New()
	r.Get("/orgs/:org/repos/:repo", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		d := reqctx.FromRequest(req)
		if d == nil || d.Param("org") != "keel" || d.Param("repo") != "router" {
			t.Errorf("reqctx params in handler = %v", reqctx.Params(req.Context()))
		}
	}), router.Permissions("repo:read"), router.Name("repo"))

	// An outer middleware attaches the Data and reads the route after the
	// handler returns.
	var got *reqctx.Route
	var params []reqctx.Param
	outer := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		req, d := reqctx.Attach(req)
		r.ServeHTTP(w, req)
		got, params = d.Route, slices.Clone(d.Params())
	})
	do(t, outer, "GET", "/orgs/keel/repos/router")
	if got == nil || got.Pattern != "GET /orgs/{org}/repos/{repo}" || got.Name != "repo" ||
		!slices.Equal(got.Permissions, []string{"repo:read"}) {
		t.Fatalf("route seen by outer middleware = %+v", got)
	}
	want := []reqctx.Param{{Key: "org", Value: "keel"}, {Key: "repo", Value: "router"}}
	if !slices.Equal(params, want) {
		t.Errorf("params seen by outer middleware = %v, want %v", params, want)
	}
}

func TestRouteTable(t *testing.T) {
	r := router.New()
	r.Get("/users/:id", echo(), router.Name("user"), router.Summary("Get a user"), router.Tags("users"),
		router.Permissions("users:read"), router.Meta("owner", "team-a"), router.Deprecated())
	api := r.Group("/api")
	api.Post("/items", echo())
	routes := r.Routes()
	if len(routes) != 2 {
		t.Fatalf("Routes() = %d routes, want 2", len(routes))
	}
	u := routes[0]
	if u.Method != "GET" || u.Path != "/users/:id" || u.Pattern != "GET /users/{id}" || u.Name != "user" ||
		u.Summary != "Get a user" || !slices.Equal(u.Tags, []string{"users"}) ||
		!slices.Equal(u.Permissions, []string{"users:read"}) || u.Meta["owner"] != "team-a" || !u.Deprecated {
		t.Errorf("Routes()[0] = %+v", u)
	}
	if g := api.Routes(); len(g) != 1 || g[0].Pattern != "POST /api/items" {
		t.Errorf("api.Routes() = %+v, want the one POST /api/items", g)
	}
	// The table is a copy: changing it changes nothing in the router.
	routes[0].Tags[0] = "changed"
	if r.Routes()[0].Tags[0] != "users" {
		t.Error("Routes() returned shared slices")
	}
}

func TestURL(t *testing.T) {
	r := router.New()
	r.Get("/users/:id", echo(), router.Name("user"))
	r.Get("/files/*path", echo(), router.Name("file"))
	r.Get("/items/:id", echo(), router.Name("item"), router.Where("id", router.Int()))
	r.Get("/static page/:x", echo(), router.Name("space"))
	tests := []struct {
		name    string
		params  []string
		want    string
		wantErr string
	}{
		{"user", []string{"id", "42"}, "/users/42", ""},
		{"user", []string{"id", "a b?c"}, "/users/a%20b%3Fc", ""},
		{"file", []string{"path", "a/b c/d.txt"}, "/files/a/b%20c/d.txt", ""},
		{"item", []string{"id", "7"}, "/items/7", ""},
		{"space", []string{"x", "1"}, "/static%20page/1", ""},
		{"user", []string{"id", "a/b"}, "", "contains '/'"},
		{"user", []string{"id", ""}, "", "is empty"},
		{"user", nil, "", "missing parameter"},
		{"user", []string{"id", "1", "x", "2"}, "", "unknown parameter"},
		{"user", []string{"id"}, "", "pairs"},
		{"item", []string{"id", "x"}, "", "does not satisfy int"},
		{"nope", nil, "", "no route named"},
	}
	for _, tt := range tests {
		got, err := r.URL(tt.name, tt.params...)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("URL(%q, %q) = %q, %v; want error containing %q", tt.name, tt.params, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("URL(%q, %q) = %q, %v; want %q", tt.name, tt.params, got, err, tt.want)
		}
		// What URL builds, the router routes back to the same values.
		if w := do(t, r, "GET", got); w.Code != 200 {
			t.Errorf("GET %s (built by URL) = %d", got, w.Code)
		}
	}
}

func TestTypedParams(t *testing.T) {
	r := router.New()
	r.Get("/n/:id", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n, err := router.ParamInt(req, "id")
		if err != nil {
			writeErr(w, req, err)
			return
		}
		fmt.Fprint(w, n+1)
	}))
	r.Get("/u/:id", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		id, err := router.ParamUUID(req, "id")
		if err != nil {
			writeErr(w, req, err)
			return
		}
		fmt.Fprint(w, id.Version())
	}))
	r.Get("/p/:id", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n, err := router.ParamUint(req, "id")
		if err != nil {
			writeErr(w, req, err)
			return
		}
		fmt.Fprintf(w, "%d %s", n, router.Param(req, "id"))
	}))
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/n/41", 200, "42"},
		{"/n/abc", 400, ""},
		{"/n/99999999999999999999", 400, ""},
		{"/u/0190f5e8-7b3c-7cc3-9c5e-3f6b2f8d1a2b", 200, "VERSION_7"},
		{"/u/0190f5e8", 400, ""},
		{"/u/{0190f5e8-7b3c-7cc3-9c5e-3f6b2f8d1a2b}", 400, ""},
		{"/p/5", 200, "5 5"},
		{"/p/-5", 400, ""},
	}
	for _, tt := range tests {
		w := do(t, r, "GET", tt.path)
		if w.Code != tt.code || (tt.body != "" && w.Body.String() != tt.body) {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, w.Code, w.Body.String(), tt.code, tt.body)
		}
		if tt.code == 400 {
			p := decodeProblem(t, w)
			if p.Code != "invalid_parameter" || !strings.Contains(p.Detail, `"id"`) {
				t.Errorf("GET %s problem = %+v, want code invalid_parameter naming id", tt.path, p)
			}
		}
	}
}
