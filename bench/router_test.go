package bench_test

import (
	"bufio"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/keel-go/keel/bench"
)

// The routes and request paths of the single-route cases.
const (
	staticRoute = "GET /user/repos"
	staticPath  = "/user/repos"
	param1Route = "GET /users/:user"
	param1Path  = "/users/julienschmidt"
	param5Route = "GET /repos/:owner/:repo/issues/:number/comments/:comment/reactions/:reaction"
	param5Path  = "/repos/julienschmidt/httprouter/issues/42/comments/7/reactions/heart"
)

// loadTable returns the benchmark's route table: the GitHub API routes and
// the five-parameter route.
func loadTable(tb testing.TB) []bench.Route {
	tb.Helper()
	var routes []bench.Route
	for _, name := range []string{"testdata/github-api-routes.txt", "testdata/deep-param-routes.txt"} {
		rs, err := bench.LoadRoutes(name)
		if err != nil {
			tb.Fatal(err)
		}
		routes = append(routes, rs...)
	}
	if len(routes) != 204 {
		tb.Fatalf("route table has %d routes, want 204", len(routes))
	}
	return routes
}

// find returns the index of the route written as "METHOD /path" in routes.
func find(tb testing.TB, routes []bench.Route, route string) int {
	tb.Helper()
	i := slices.IndexFunc(routes, func(rt bench.Route) bool { return rt.String() == route })
	if i < 0 {
		tb.Fatalf("route %q is not in the table", route)
	}
	return i
}

func TestRouters(t *testing.T) {
	routes := loadTable(t)
	for _, rtr := range bench.Routers() {
		t.Run(rtr.Name, func(t *testing.T) {
			var p bench.Probe
			h := rtr.New(routes, &p)
			w := bench.NewWriter()
			for i, rt := range routes {
				path := rt.Example()
				p.Reset()
				w.Reset()
				h.ServeHTTP(w, httptest.NewRequest(rt.Method, path, nil))
				if p.Route != i {
					t.Errorf("%s %s reached route %d, want %d (%s)", rt.Method, path, p.Route, i, rt)
					continue
				}
				if w.Code != 0 && w.Code != http.StatusOK {
					t.Errorf("%s %s: status %d, want 200", rt.Method, path, w.Code)
				}
				want := rt.Values()
				if got := p.Values[:len(want)]; !slices.Equal(got, want) {
					t.Errorf("%s %s: parameters %q, want %q", rt.Method, path, got, want)
				}
			}

			p.Reset()
			w.Reset()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/no/such/route", nil))
			if p.Route != -1 || w.Code != http.StatusNotFound {
				t.Errorf("GET /no/such/route reached route %d with status %d, want none and 404", p.Route, w.Code)
			}
		})
	}
}

// TestBenchCases checks the single-route cases' paths: each reaches its route
// with the expected parameters on every router.
func TestBenchCases(t *testing.T) {
	routes := loadTable(t)
	tests := []struct {
		route, path string
		want        []string
	}{
		{route: staticRoute, path: staticPath},
		{route: param1Route, path: param1Path, want: []string{"julienschmidt"}},
		{route: param5Route, path: param5Path, want: []string{"julienschmidt", "httprouter", "42", "7", "heart"}},
	}
	for _, rtr := range bench.Routers() {
		var p bench.Probe
		h := rtr.New(routes, &p)
		for _, tt := range tests {
			p.Reset()
			h.ServeHTTP(bench.NewWriter(), httptest.NewRequest("GET", tt.path, nil))
			if want := find(t, routes, tt.route); p.Route != want {
				t.Errorf("%s: GET %s reached route %d, want %d", rtr.Name, tt.path, p.Route, want)
			}
			if got := p.Values[:len(tt.want)]; !slices.Equal(got, tt.want) {
				t.Errorf("%s: GET %s parameters %q, want %q", rtr.Name, tt.path, got, tt.want)
			}
		}
	}
}

// TestKeelAllocs pins keel's allocation targets: none on a static route; on
// a parameter route at most one with a reused request and at most three with
// a fresh one, not counting the allocation of the request itself.
func TestKeelAllocs(t *testing.T) {
	routes := loadTable(t)
	var p bench.Probe
	h := bench.NewKeel(routes, &p)
	w := bench.NewWriter()
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

	fresh := func(h http.Handler, tmpl *http.Request) float64 {
		return testing.AllocsPerRun(100, func() {
			req := new(http.Request)
			*req = *tmpl
			h.ServeHTTP(w, req)
		})
	}
	for _, rt := range routes {
		path := rt.Example()
		maxReused, maxFresh := 1.0, 3.0
		if len(rt.Params()) == 0 {
			maxReused, maxFresh = 0, 0
		}

		req := httptest.NewRequest(rt.Method, path, nil)
		if got := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, req) }); got > maxReused {
			t.Errorf("%s %s with a reused request: %v allocs, want at most %v", rt.Method, path, got, maxReused)
		}

		tmpl := httptest.NewRequest(rt.Method, path, nil)
		if got := fresh(h, tmpl) - fresh(noop, tmpl); got > maxFresh {
			t.Errorf("%s %s with a fresh request: %v allocs, want at most %v", rt.Method, path, got, maxFresh)
		}
	}
}

func TestReadRoutes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []bench.Route
		wantErr bool
	}{
		{name: "empty", in: ""},
		{name: "comments and blanks", in: "# a comment\n\n  \nGET /a\n# another\n", want: []bench.Route{{Method: "GET", Path: "/a"}}},
		{
			name: "parameters and catch-all",
			in:   "GET /users/:user\r\nDELETE /files/*path\n  PUT   /  \n",
			want: []bench.Route{{Method: "GET", Path: "/users/:user"}, {Method: "DELETE", Path: "/files/*path"}, {Method: "PUT", Path: "/"}},
		},
		{name: "trailing slash", in: "GET /users/:user/\n", want: []bench.Route{{Method: "GET", Path: "/users/:user/"}}},
		{name: "missing path", in: "GET\n", wantErr: true},
		{name: "extra field", in: "GET /a b\n", wantErr: true},
		{name: "lower-case method", in: "get /a\n", wantErr: true},
		{name: "relative path", in: "GET a\n", wantErr: true},
		{name: "empty segment", in: "GET /a//b\n", wantErr: true},
		{name: "unnamed parameter", in: "GET /a/:\n", wantErr: true},
		{name: "parameter inside a segment", in: "GET /a/b:c\n", wantErr: true},
		{name: "braces", in: "GET /a/{b}\n", wantErr: true},
		{name: "bad parameter name", in: "GET /a/:b-c\n", wantErr: true},
		{name: "duplicate parameter", in: "GET /:a/:a\n", wantErr: true},
		{name: "catch-all not last", in: "GET /*a/b\n", wantErr: true},
		{name: "too many parameters", in: "GET /:a/:b/:c/:d/:e/:f/:g/:h/:i\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bench.ReadRoutes(strings.NewReader(tt.in))
			if tt.wantErr {
				if !errors.Is(err, bench.ErrRouteTable) {
					t.Errorf("ReadRoutes(%q) error = %v, want ErrRouteTable", tt.in, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("ReadRoutes(%q) = %v, %v, want %v, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestLoadRoutesMissingFile(t *testing.T) {
	if _, err := bench.LoadRoutes("testdata/no-such-file.txt"); err == nil {
		t.Error("LoadRoutes(missing file) error = nil, want an error")
	}
}

func TestRouteConversions(t *testing.T) {
	tests := []struct {
		path       string
		params     []string
		example    string
		muxPattern string
		filled     string
		fillWith   []string
	}{
		{path: "/user/repos", example: "/user/repos", muxPattern: "GET /user/repos", filled: "/user/repos"},
		{
			path: "/users/:user/events/orgs/:org", params: []string{"user", "org"},
			example: "/users/v-user/events/orgs/v-org", muxPattern: "GET /users/{user}/events/orgs/{org}",
			fillWith: []string{"julienschmidt", "keel-go"}, filled: "/users/julienschmidt/events/orgs/keel-go",
		},
		{
			path: "/files/*path", params: []string{"path"},
			example: "/files/v-path", muxPattern: "GET /files/{path...}",
			fillWith: []string{"a/b"}, filled: "/files/a/b",
		},
		{path: "/users/", example: "/users/", muxPattern: "GET /users/{$}", filled: "/users/"},
		{path: "/", example: "/", muxPattern: "GET /{$}", filled: "/"},
	}
	for _, tt := range tests {
		rt := bench.Route{Method: "GET", Path: tt.path}
		if got := rt.Params(); !slices.Equal(got, tt.params) {
			t.Errorf("Route(%q).Params() = %q, want %q", tt.path, got, tt.params)
		}
		if got := rt.Example(); got != tt.example {
			t.Errorf("Route(%q).Example() = %q, want %q", tt.path, got, tt.example)
		}
		if got := rt.ServeMuxPattern(); got != tt.muxPattern {
			t.Errorf("Route(%q).ServeMuxPattern() = %q, want %q", tt.path, got, tt.muxPattern)
		}
		if got := rt.Fill(tt.fillWith...); got != tt.filled {
			t.Errorf("Route(%q).Fill(%q) = %q, want %q", tt.path, tt.fillWith, got, tt.filled)
		}
	}
}

func FuzzReadRoutes(f *testing.F) {
	f.Add("GET /users/:user\n")
	f.Add("# comment\n\nDELETE /files/*path\nPUT /\n")
	f.Add("GET /a//b\nget /x\n")
	f.Add("GET /repos/:owner/:repo/issues/:number/comments/:comment/reactions/:reaction\n")
	f.Fuzz(func(t *testing.T, in string) {
		routes, err := bench.ReadRoutes(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, bench.ErrRouteTable) && !errors.Is(err, bufio.ErrTooLong) {
				t.Fatalf("ReadRoutes(%q) error = %v, want ErrRouteTable", in, err)
			}
			return
		}
		for _, rt := range routes {
			// A route that parsed can be written out and read back, and
			// filled with its example values into a path without
			// parameter syntax.
			again, err := bench.ReadRoutes(strings.NewReader(rt.String()))
			if err != nil || len(again) != 1 || again[0] != rt {
				t.Fatalf("ReadRoutes(%q) = %v, %v, want [%v]", rt.String(), again, err, rt)
			}
			if path := rt.Example(); !strings.HasPrefix(path, "/") || strings.ContainsAny(path, ":*") {
				t.Fatalf("Route(%q).Example() = %q, want a path without parameters", rt, path)
			}
			if len(rt.Params()) > bench.MaxParams {
				t.Fatalf("Route(%q) has %d parameters, more than MaxParams", rt, len(rt.Params()))
			}
		}
	})
}
