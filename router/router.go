package router

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/julienschmidt/httprouter"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// RouteInfo describes a registered route in the route table returned by
// [Group.Routes]. It is the same type the router stores in reqctx for the
// matched route.
type RouteInfo = reqctx.Route

// Option configures a [Router].
type Option func(*Router)

// RedirectTrailingSlash sets whether a request that matches no route, but
// would match one with (or without) a trailing slash, is redirected there.
// On by default.
func RedirectTrailingSlash(on bool) Option {
	return func(r *Router) { r.redirectTrailingSlash = on }
}

// RedirectCleanPath sets whether a request whose path is not clean
// ("/a//b", "/a/./b", "/a/../b") and matches no route is redirected to the
// clean path when that matches a route. On by default.
func RedirectCleanPath(on bool) Option {
	return func(r *Router) { r.redirectCleanPath = on }
}

// HandleOptions sets whether OPTIONS requests to a path with routes but no
// OPTIONS route are answered automatically with 204 and an Allow header.
// The answer passes through router-level middleware, so CORS middleware
// installed with [Router.Use] sees every preflight. On by default.
func HandleOptions(on bool) Option {
	return func(r *Router) { r.handleOptions = on }
}

// HandleMethodNotAllowed sets whether a request whose path matches routes
// only for other methods is answered 405 with an Allow header rather than
// 404. On by default.
func HandleMethodNotAllowed(on bool) Option {
	return func(r *Router) { r.handleMethodNotAllowed = on }
}

// NotFound sets the handler for requests that match no route. The default
// answers a 404 problem+json.
func NotFound(h http.Handler) Option {
	return func(r *Router) { r.notFound = h }
}

// MethodNotAllowed sets the handler for requests whose path matches routes
// only for other methods. The Allow header is set before it is called. The
// default answers a 405 problem+json.
func MethodNotAllowed(h http.Handler) Option {
	return func(r *Router) { r.methodNotAllowed = h }
}

// Router is an http.Handler that dispatches requests to the routes
// registered on it and on its groups. It wraps julienschmidt/httprouter for
// matching and adds what that lacks: static and parameter segments at the
// same position, parameter constraints, groups with middleware, mounting,
// versioning, named routes, problem+json errors and a route table.
//
// For every matched request the router sets r.Pattern in ServeMux syntax
// ("GET /users/{id}") and each parameter with r.SetPathValue, so the
// standard r.PathValue works; when the request carries a reqctx.Data it also
// records the route and the parameters there, without allocating.
//
// A Router is its own root [Group]: Handle, Get, Group, Mount, Use and the
// other Group methods register directly on it.
//
// Create a Router with [New]; the zero value is not usable. Register routes
// before serving: registration is not safe concurrently with ServeHTTP,
// which is safe for concurrent use.
type Router struct {
	root // the root group: every Group method registers on the router itself

	redirectTrailingSlash  bool
	redirectCleanPath      bool
	handleOptions          bool
	handleMethodNotAllowed bool
	notFound               http.Handler
	methodNotAllowed       http.Handler

	mu       sync.Mutex
	routes   []*route
	shapes   map[string]*route
	names    map[string]*route
	compiled atomic.Pointer[compiled]
	mw       []func(http.Handler) http.Handler
	handler  http.Handler
}

// root names the embedded root group, so that Router.Group stays the Group
// method rather than the embedded field.
type root = Group

var _ http.Handler = (*Router)(nil)

// New returns a router configured by opts.
func New(opts ...Option) *Router {
	r := &Router{
		redirectTrailingSlash:  true,
		redirectCleanPath:      true,
		handleOptions:          true,
		handleMethodNotAllowed: true,
		shapes:                 make(map[string]*route),
		names:                  make(map[string]*route),
	}
	r.root = Group{rt: r}
	for _, o := range opts {
		o(r)
	}
	if r.notFound == nil {
		r.notFound = http.HandlerFunc(defaultNotFound)
	}
	if r.methodNotAllowed == nil {
		r.methodNotAllowed = http.HandlerFunc(defaultMethodNotAllowed)
	}
	r.handler = http.HandlerFunc(r.serve)
	return r
}

func defaultNotFound(w http.ResponseWriter, r *http.Request) {
	errors.Write(w, r, errors.NotFound("no route for %s", r.URL.Path))
}

func defaultMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	errors.Write(w, r, errors.MethodNotAllowed("method %s is not allowed here; allowed: %s",
		r.Method, w.Header().Get("Allow")))
}

// use adds router-level middleware, which wraps everything the router
// answers, the automatic 404, 405 and OPTIONS answers included.
func (rt *Router) use(mw ...func(http.Handler) http.Handler) {
	rt.mw = append(rt.mw, mw...)
	var h http.Handler = http.HandlerFunc(rt.serve)
	for i := len(rt.mw) - 1; i >= 0; i-- {
		h = rt.mw[i](h)
	}
	rt.handler = h
}

// ServeHTTP dispatches the request to the matching route.
func (rt *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if rt.mw == nil {
		rt.serve(w, req) // one indirect call fewer on the hot path
		return
	}
	rt.handler.ServeHTTP(w, req)
}

// route is one registered route.
type route struct {
	info    reqctx.Route
	segs    []segment
	handler http.Handler // wrapped in its groups' middleware
	version *version
	nparams int
	seq     int
}

// add records a route after checking it against the registered ones.
func (rt *Router) add(r *route) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	key := r.info.Method + " " + shapeKey(r.segs)
	if r.version != nil && r.version.set.strategy != URIPrefix {
		key += " version=" + r.version.name
	}
	if old := rt.shapes[key]; old != nil {
		return fmt.Errorf("router: route %s %s conflicts with %s %s: both match the same paths",
			r.info.Method, r.info.Path, old.info.Method, old.info.Path)
	}
	if n := r.info.Name; n != "" {
		if old := rt.names[n]; old != nil {
			return fmt.Errorf("router: route name %q of %s %s is already used by %s %s",
				n, r.info.Method, r.info.Path, old.info.Method, old.info.Path)
		}
		rt.names[n] = r
	}
	r.seq = len(rt.routes)
	rt.shapes[key] = r
	rt.routes = append(rt.routes, r)
	rt.compiled.Store(nil)
	return nil
}

// serve is the router's own handler, inside the router-level middleware.
func (rt *Router) serve(w http.ResponseWriter, req *http.Request) {
	c := rt.compiled.Load()
	if c == nil {
		c = rt.compile()
	}
	h, ps, tsr := c.hr.Lookup(req.Method, req.URL.Path)
	if h != nil {
		h(w, req, ps)
		return
	}
	rt.fallback(w, req, c, tsr)
}

// noMatch answers a request whose path reached an endpoint none of whose
// candidates accepted it (a constraint or a version did not match).
func (rt *Router) noMatch(w http.ResponseWriter, req *http.Request, e *endpoint) {
	for _, c := range e.cands {
		if v := c.r.version; v != nil && v.set.strategy != URIPrefix {
			if name, ok := v.set.requested(req); ok && !v.set.has(name) {
				v.set.unsupported(w, req, name)
				return
			}
		}
	}
	rt.fallback(w, req, rt.compiled.Load(), false)
}

// fallback answers a request that no route of its method accepted: HEAD
// through GET, redirects, automatic OPTIONS, 405 or 404.
func (rt *Router) fallback(w http.ResponseWriter, req *http.Request, c *compiled, tsr bool) {
	path := req.URL.Path
	if req.Method == http.MethodHead {
		if cand, ps := c.match(req, http.MethodGet, path); cand != nil {
			cand.serve(headWriter{w}, req, ps)
			return
		}
		if _, _, getTSR := c.hr.Lookup(http.MethodGet, path); getTSR {
			tsr = true
		}
	}
	if req.Method != http.MethodConnect && path != "/" {
		if tsr && rt.redirectTrailingSlash {
			if strings.HasSuffix(path, "/") {
				redirect(w, req, path[:len(path)-1])
			} else {
				redirect(w, req, path+"/")
			}
			return
		}
		if rt.redirectCleanPath {
			if clean := httprouter.CleanPath(path); clean != path && c.matches(req, clean) {
				redirect(w, req, clean)
				return
			}
		}
	}
	allowed := c.allowed(req, path, rt.handleOptions)
	if len(allowed) > 0 {
		if req.Method == http.MethodOptions && rt.handleOptions {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if rt.handleMethodNotAllowed {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			rt.methodNotAllowed.ServeHTTP(w, req)
			return
		}
	}
	rt.notFound.ServeHTTP(w, req)
}

// redirect sends the client to path, keeping the query: 301 for GET and
// HEAD, 308 (which keeps the method and body) for the others.
func redirect(w http.ResponseWriter, req *http.Request, path string) {
	if strings.HasPrefix(path, "//") || strings.HasPrefix(path, `/\`) {
		// Never emit a scheme-relative Location: "//evil.example" would
		// send the client to another host.
		path = httprouter.CleanPath(strings.ReplaceAll(path, `\`, "/"))
	}
	code := http.StatusPermanentRedirect
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		code = http.StatusMovedPermanently
	}
	u := url.URL{Path: path, RawQuery: req.URL.RawQuery}
	w.Header().Set("Location", u.String())
	w.WriteHeader(code)
}

// headWriter serves a HEAD request through a GET route: headers as GET
// would send them, no body.
type headWriter struct {
	http.ResponseWriter
}

func (w headWriter) Write(p []byte) (int, error) { return len(p), nil }

// Unwrap returns the underlying ResponseWriter, for http.ResponseController.
func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// URL builds the path of the route named name, filling its parameters from
// params, given as alternating names and values. Values are escaped for the
// path. It fails if the name is unknown, a parameter is missing or unknown,
// a value is empty or fails the parameter's constraint, or a value of a
// non-catch-all parameter contains "/" (the router matches decoded paths, so
// such a value could never reach the route).
func (rt *Router) URL(name string, params ...string) (string, error) {
	rt.mu.Lock()
	r := rt.names[name]
	rt.mu.Unlock()
	if r == nil {
		return "", fmt.Errorf("router: no route named %q", name)
	}
	if len(params)%2 != 0 {
		return "", fmt.Errorf("router: URL %q: params must be name, value pairs", name)
	}
	vals := make(map[string]string, len(params)/2)
	for i := 0; i < len(params); i += 2 {
		vals[params[i]] = params[i+1]
	}
	var b strings.Builder
	used := 0
	for _, s := range r.segs {
		b.WriteByte('/')
		if s.kind == segStatic {
			b.WriteString(escapeSegment(s.value))
			continue
		}
		v, ok := vals[s.value]
		if !ok {
			return "", fmt.Errorf("router: URL %q: missing parameter %q", name, s.value)
		}
		used++
		switch s.kind {
		case segParam:
			if v == "" {
				return "", fmt.Errorf("router: URL %q: parameter %q is empty", name, s.value)
			}
			if strings.Contains(v, "/") {
				return "", fmt.Errorf("router: URL %q: parameter %q contains '/'", name, s.value)
			}
			if s.constraint != nil && !s.constraint.match(v) {
				return "", fmt.Errorf("router: URL %q: parameter %q = %q does not satisfy %s", name, s.value, v, s.constraint.name)
			}
			b.WriteString(escapeSegment(v))
		case segCatchAll:
			parts := strings.Split(strings.TrimPrefix(v, "/"), "/")
			for i, p := range parts {
				if i > 0 {
					b.WriteByte('/')
				}
				b.WriteString(escapeSegment(p))
			}
		}
	}
	if used != len(vals) {
		for k := range vals {
			if !slices.ContainsFunc(r.segs, func(s segment) bool { return s.kind != segStatic && s.value == k }) {
				return "", fmt.Errorf("router: URL %q: unknown parameter %q", name, k)
			}
		}
	}
	return b.String(), nil
}

func escapeSegment(s string) string {
	return url.PathEscape(s)
}
