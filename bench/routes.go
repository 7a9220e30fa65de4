// Package bench compares keel with its peers: the router with raw
// julienschmidt/httprouter, go-chi/chi, gin, echo and net/http's ServeMux
// (this file); the middleware stack with gin's and echo's equivalents
// (stack.go); and response compression with gzhttp, echo's and gin's
// (compress.go).
//
// Every router registers the same route table (the GitHub REST API plus one
// five-parameter route, see testdata/) with handlers that do the same minimal
// work: they read the route's parameters through the router's own API and
// store them in a [Probe]. The benchmarks in router_bench_test.go run all the
// routers side by side in one `go test -bench` run; the tests check that
// every router sends every route to the right handler with the right
// parameters, and pin keel's allocation targets. README.md explains how to
// run them and holds the latest results.
//
// The package lives in its own module so that the peers never become
// dependencies of keel itself.
package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/julienschmidt/httprouter"
	"github.com/keel-go/keel/router"
	"github.com/labstack/echo/v4"
)

// MaxParams is the most parameters a route in a table may have; it is the
// capacity of [Probe.Values].
const MaxParams = 8

// ErrRouteTable is returned, wrapped with the line number, by [ReadRoutes]
// and [LoadRoutes] when a line of a route table is malformed.
var ErrRouteTable = errors.New("bench: malformed route table")

// Route is one line of a route table: a method and a path pattern in
// httprouter syntax, where ":name" matches one path segment and "*name", at
// the end only, matches the rest of the path.
type Route struct {
	Method string
	Path   string
}

// String returns the route as it appears in a table: "GET /users/:user".
func (rt Route) String() string { return rt.Method + " " + rt.Path }

// Params returns the names of the route's parameters in path order, or nil
// for a static route.
func (rt Route) Params() []string { return rt.paramNames(false) }

// Values returns the parameter values used for the route in the tests and
// in the all-routes benchmark: "v-" followed by the parameter's name, so that
// a router that mixes up two parameters is caught. The values are in the
// order of [Route.Params]. A catch-all gets the same kind of value, but the
// routers disagree on how they deliver it (httprouter and gin keep the
// leading slash), so the route tables compared here have no catch-all.
func (rt Route) Values() []string {
	names := rt.Params()
	if names == nil {
		return nil
	}
	values := make([]string, len(names))
	for i, name := range names {
		values[i] = "v-" + name
	}
	return values
}

// Fill returns a request path for the route, with the parameters replaced in
// order by values. It panics if values does not hold one value per
// parameter.
func (rt Route) Fill(values ...string) string {
	segs := strings.Split(rt.Path, "/")
	n := 0
	for i, seg := range segs {
		if isParam(seg) {
			if n < len(values) {
				segs[i] = values[n]
			}
			n++
		}
	}
	if n != len(values) {
		panic(fmt.Sprintf("bench: route %s has %d parameters, got %d values", rt, n, len(values)))
	}
	return strings.Join(segs, "/")
}

// Example returns a request path for the route with the values of
// [Route.Values].
func (rt Route) Example() string { return rt.Fill(rt.Values()...) }

// ServeMuxPattern returns the route as a net/http ServeMux pattern, with the
// method: "GET /users/{user}", "GET /files/{path...}". A trailing slash
// becomes "/{$}", so that the pattern matches that path only, as it does in
// the other routers.
func (rt Route) ServeMuxPattern() string {
	pattern := rt.Method + " " + rt.convert(func(seg string) string {
		if seg[0] == '*' {
			return "{" + seg[1:] + "...}"
		}
		return "{" + seg[1:] + "}"
	})
	if strings.HasSuffix(pattern, "/") {
		pattern += "{$}"
	}
	return pattern
}

// chiPath returns the path in chi's syntax: "{name}" for a parameter and a
// bare "*" for a catch-all, which chi names "*".
func (rt Route) chiPath() string {
	return rt.convert(func(seg string) string {
		if seg[0] == '*' {
			return "*"
		}
		return "{" + seg[1:] + "}"
	})
}

// echoPath returns the path in echo's syntax, which is httprouter's except
// that a catch-all is a bare "*", which echo names "*".
func (rt Route) echoPath() string {
	return rt.convert(func(seg string) string {
		if seg[0] == '*' {
			return "*"
		}
		return seg
	})
}

// convert rewrites every parameter segment of the path with param.
func (rt Route) convert(param func(seg string) string) string {
	segs := strings.Split(rt.Path, "/")
	for i, seg := range segs {
		if isParam(seg) {
			segs[i] = param(seg)
		}
	}
	return strings.Join(segs, "/")
}

// paramNames returns the names under which a router delivers the route's
// parameters.
func (rt Route) paramNames(bareCatchAll bool) []string {
	var names []string
	for _, seg := range strings.Split(rt.Path, "/") {
		switch {
		case !isParam(seg):
		case seg[0] == '*' && bareCatchAll:
			names = append(names, "*")
		default:
			names = append(names, seg[1:])
		}
	}
	return names
}

func isParam(seg string) bool {
	return len(seg) > 1 && (seg[0] == ':' || seg[0] == '*')
}

// LoadRoutes reads the route table in the named file; see [ReadRoutes].
func LoadRoutes(name string) ([]Route, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	routes, err := ReadRoutes(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return routes, nil
}

// ReadRoutes reads a route table: one "METHOD /path" line per route, with
// blank lines and lines starting with "#" skipped. The method is an
// upper-case token; the path starts with "/" and uses httprouter syntax, with
// at most [MaxParams] parameters and a catch-all only as the last segment. A
// malformed line yields an error wrapping [ErrRouteTable] that names the
// line.
func ReadRoutes(r io.Reader) ([]Route, error) {
	var routes []Route
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		rt, err := parseRoute(text)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrRouteTable, line, err)
		}
		routes = append(routes, rt)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return routes, nil
}

func parseRoute(text string) (Route, error) {
	fields := strings.Fields(text)
	if len(fields) != 2 {
		return Route{}, fmt.Errorf("want \"METHOD /path\", got %q", text)
	}
	method, path := fields[0], fields[1]
	for _, c := range method {
		if c < 'A' || c > 'Z' {
			return Route{}, fmt.Errorf("method %q is not an upper-case token", method)
		}
	}
	if path[0] != '/' {
		return Route{}, fmt.Errorf("path %q does not start with /", path)
	}
	segs := strings.Split(path, "/")
	params := 0
	seen := make(map[string]bool)
	for i, seg := range segs {
		if seg == "" && i > 0 && i < len(segs)-1 {
			return Route{}, fmt.Errorf("path %q has an empty segment", path)
		}
		if !isParam(seg) {
			if strings.ContainsAny(seg, ":*{}") {
				return Route{}, fmt.Errorf("path %q: segment %q mixes text and a parameter", path, seg)
			}
			continue
		}
		name := seg[1:]
		if !isIdent(name) {
			return Route{}, fmt.Errorf("path %q: parameter name %q is not an identifier", path, name)
		}
		if seen[name] {
			return Route{}, fmt.Errorf("path %q: parameter %q appears twice", path, name)
		}
		seen[name] = true
		if seg[0] == '*' && i != len(segs)-1 {
			return Route{}, fmt.Errorf("path %q: catch-all %q is not the last segment", path, seg)
		}
		params++
	}
	if params > MaxParams {
		return Route{}, fmt.Errorf("path %q has %d parameters, more than %d", path, params, MaxParams)
	}
	return Route{Method: method, Path: path}, nil
}

// isIdent reports whether s is an ASCII Go identifier, the form every router
// under test accepts as a parameter name.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Probe is where every benchmark handler records what it saw: the index in
// the route table of the route that matched and the values of its
// parameters, read through the router's own API. Storing them is the
// handlers' only work, identical for every router, and it keeps the
// compiler from discarding the reads.
//
// The zero value is ready to use. A Probe is written by every request its
// routers serve, so it is not safe for concurrent requests.
type Probe struct {
	// Route is the index of the matched route in the table the router was
	// built from.
	Route int
	// Values holds the parameter values, in path order, of the matched
	// route; entries past the route's parameter count keep older values.
	Values [MaxParams]string
}

// Reset prepares p for the next request: Route becomes -1, which no handler
// writes, and Values is cleared.
func (p *Probe) Reset() {
	*p = Probe{Route: -1}
}

// Writer is a minimal http.ResponseWriter that discards the body and reuses
// its header map, so that it costs every router the same and allocates
// nothing.
//
// Create one with [NewWriter]; the zero value's Header is nil. A Writer is
// not safe for concurrent use.
type Writer struct {
	header http.Header
	// Code is the status written by WriteHeader or an implicit 200 on the
	// first Write; 0 when nothing was written.
	Code int
	// Bytes counts the body bytes written.
	Bytes int
}

// NewWriter returns a Writer with an empty header map.
func NewWriter() *Writer { return &Writer{header: make(http.Header)} }

// Header returns the reused header map.
func (w *Writer) Header() http.Header { return w.header }

// Write counts b and discards it.
func (w *Writer) Write(b []byte) (int, error) {
	if w.Code == 0 {
		w.Code = http.StatusOK
	}
	w.Bytes += len(b)
	return len(b), nil
}

// WriteHeader records the first status written.
func (w *Writer) WriteHeader(code int) {
	if w.Code == 0 {
		w.Code = code
	}
}

// Reset clears the header map, keeping its storage, and the recorded status
// and byte count.
func (w *Writer) Reset() {
	clear(w.header)
	w.Code = 0
	w.Bytes = 0
}

// Router names a router under comparison and builds it.
type Router struct {
	// Name identifies the router in benchmark and test names.
	Name string
	// New returns the router with every route in routes registered; the
	// handler of routes[i] sets p.Route to i and stores the route's
	// parameter values in p.Values.
	New func(routes []Route, p *Probe) http.Handler
}

// Routers returns the routers under comparison, keel first.
func Routers() []Router {
	return []Router{
		{Name: "keel", New: NewKeel},
		{Name: "httprouter", New: NewHTTPRouter},
		{Name: "chi", New: NewChi},
		{Name: "gin", New: NewGin},
		{Name: "echo", New: NewEcho},
		{Name: "servemux", New: NewServeMux},
	}
}

// NewKeel returns a keel router serving routes, its handlers reading the
// parameters with http.Request.PathValue; see [Router.New].
func NewKeel(routes []Route, p *Probe) http.Handler {
	rtr := router.New()
	for i, rt := range routes {
		rtr.Handle(rt.Method, rt.Path, pathValueHandler(i, rt.paramNames(false), p))
	}
	return rtr
}

// NewHTTPRouter returns a julienschmidt/httprouter router serving routes, its
// handlers reading the parameters from httprouter.Params; see [Router.New].
func NewHTTPRouter(routes []Route, p *Probe) http.Handler {
	rtr := httprouter.New()
	for i, rt := range routes {
		names := rt.paramNames(false)
		rtr.Handle(rt.Method, rt.Path, func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
			p.Route = i
			for j, name := range names {
				p.Values[j] = ps.ByName(name)
			}
		})
	}
	return rtr
}

// NewChi returns a chi router serving routes, its handlers reading the
// parameters with chi.URLParam; see [Router.New].
func NewChi(routes []Route, p *Probe) http.Handler {
	rtr := chi.NewRouter()
	for i, rt := range routes {
		names := rt.paramNames(true)
		rtr.MethodFunc(rt.Method, rt.chiPath(), func(w http.ResponseWriter, r *http.Request) {
			p.Route = i
			for j, name := range names {
				p.Values[j] = chi.URLParam(r, name)
			}
		})
	}
	return rtr
}

// NewGin returns a gin engine without middleware serving routes, its handlers
// reading the parameters with gin.Context.Param; see [Router.New].
//
// It puts gin in release mode, a process-wide setting, so that registering
// routes prints nothing.
func NewGin(routes []Route, p *Probe) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	rtr := gin.New()
	for i, rt := range routes {
		names := rt.paramNames(false)
		rtr.Handle(rt.Method, rt.Path, func(c *gin.Context) {
			p.Route = i
			for j, name := range names {
				p.Values[j] = c.Param(name)
			}
		})
	}
	return rtr
}

// NewEcho returns an echo instance without middleware serving routes, its
// handlers reading the parameters with echo.Context.Param; see [Router.New].
func NewEcho(routes []Route, p *Probe) http.Handler {
	rtr := echo.New()
	for i, rt := range routes {
		names := rt.paramNames(true)
		rtr.Add(rt.Method, rt.echoPath(), func(c echo.Context) error {
			p.Route = i
			for j, name := range names {
				p.Values[j] = c.Param(name)
			}
			return nil
		})
	}
	return rtr
}

// NewServeMux returns a net/http ServeMux serving routes under method
// patterns ("GET /users/{user}"), its handlers reading the parameters with
// http.Request.PathValue; see [Router.New].
func NewServeMux(routes []Route, p *Probe) http.Handler {
	mux := http.NewServeMux()
	for i, rt := range routes {
		mux.Handle(rt.ServeMuxPattern(), pathValueHandler(i, rt.paramNames(false), p))
	}
	return mux
}

// pathValueHandler is the handler of the i-th route for the routers that
// deliver parameters through http.Request.PathValue.
func pathValueHandler(i int, names []string, p *Probe) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Route = i
		for j, name := range names {
			p.Values[j] = r.PathValue(name)
		}
	})
}
