package router

import (
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/keel-go/keel/reqctx"
)

// RouteOption sets metadata or constraints on one route.
type RouteOption func(*routeConfig)

type routeConfig struct {
	info        reqctx.Route
	constraints map[string]Constraint
}

// Name names the route for reverse URL building with [Router.URL]. Names are
// unique within a router.
func Name(name string) RouteOption {
	return func(c *routeConfig) { c.info.Name = name }
}

// Summary sets a one-line description of the route, for the route table and
// generated API documentation.
func Summary(summary string) RouteOption {
	return func(c *routeConfig) { c.info.Summary = summary }
}

// Tags adds documentation tags to the route.
func Tags(tags ...string) RouteOption {
	return func(c *routeConfig) { c.info.Tags = append(c.info.Tags, tags...) }
}

// Permissions adds permissions a caller needs to use the route. The router
// only records them; authorization middleware reads them from
// reqctx.MatchedRoute.
func Permissions(perms ...string) RouteOption {
	return func(c *routeConfig) { c.info.Permissions = append(c.info.Permissions, perms...) }
}

// Meta attaches an arbitrary metadata value to the route.
func Meta(key string, value any) RouteOption {
	return func(c *routeConfig) {
		if c.info.Meta == nil {
			c.info.Meta = make(map[string]any)
		}
		c.info.Meta[key] = value
	}
}

// Deprecated marks the route as deprecated in the route table.
func Deprecated() RouteOption {
	return func(c *routeConfig) { c.info.Deprecated = true }
}

// Where constrains the path parameter param: a request whose value does not
// satisfy c does not match the route.
func Where(param string, c Constraint) RouteOption {
	return func(rc *routeConfig) {
		if rc.constraints == nil {
			rc.constraints = make(map[string]Constraint)
		}
		rc.constraints[param] = c
	}
}

// Group registers routes under a common prefix with common middleware. A
// group's middleware wraps only the group's routes, inside the router-level
// middleware and inside the middleware of enclosing groups. Groups nest to
// any depth.
//
// A Group is not safe for concurrent use; register routes before serving.
type Group struct {
	rt      *Router
	parent  *Group
	prefix  string // full prefix, without trailing slash
	mw      []func(http.Handler) http.Handler
	version *version
	used    bool // routes were registered through this group or a child
}

// Use appends middleware to the group. On the router itself ([Router.Use])
// the middleware wraps everything the router answers. On a group it wraps the
// group's routes, and must be called before any route is registered on the
// group or its children, since routes are wrapped when they are registered;
// a late call panics.
func (g *Group) Use(mw ...func(http.Handler) http.Handler) {
	for _, m := range mw {
		if m == nil {
			panic("router: Use with a nil middleware")
		}
	}
	if g.parent == nil {
		g.rt.use(mw...)
		return
	}
	if g.used {
		panic("router: Use on group " + g.prefix + " after routes were registered on it")
	}
	g.mw = append(g.mw, mw...)
}

// Group returns a child group for routes under prefix, wrapped by mw in
// addition to the middleware of g and its parents.
func (g *Group) Group(prefix string, mw ...func(http.Handler) http.Handler) *Group {
	if prefix != "" && (prefix[0] != '/' || strings.HasSuffix(prefix, "/")) {
		panic(fmt.Sprintf("router: group prefix %q must begin and not end with '/'", prefix))
	}
	child := &Group{rt: g.rt, parent: g, prefix: g.prefix + prefix, version: g.version}
	child.Use(mw...)
	return child
}

// With returns a group with the same prefix as g and the extra middleware
// mw, for wrapping a few routes without a new prefix.
func (g *Group) With(mw ...func(http.Handler) http.Handler) *Group {
	return g.Group("", mw...)
}

// Handle registers h for method and pattern, relative to the group's prefix.
// It panics on an invalid pattern or a conflict with an existing route; see
// [Group.Add] for the error-returning form.
//
// Patterns use httprouter's syntax, ":name" for one segment and "*name" for
// the rest of the path, or ServeMux's "{name}" and "{name...}". A static
// segment and a parameter may share a position ("/users/me" and
// "/users/:id"): the most specific route wins, segment by segment from the
// left, literal before constrained parameter before parameter before
// catch-all.
func (g *Group) Handle(method, pattern string, h http.Handler, opts ...RouteOption) {
	if err := g.Add(method, pattern, h, opts...); err != nil {
		panic(err)
	}
}

// HandleFunc registers the function h for method and pattern, like
// [Group.Handle].
func (g *Group) HandleFunc(method, pattern string, h func(http.ResponseWriter, *http.Request), opts ...RouteOption) {
	if h == nil {
		panic("router: HandleFunc with a nil handler for " + method + " " + pattern)
	}
	g.Handle(method, pattern, http.HandlerFunc(h), opts...)
}

// Add registers h for method and pattern like [Group.Handle], returning an
// error instead of panicking.
func (g *Group) Add(method, pattern string, h http.Handler, opts ...RouteOption) error {
	if h == nil {
		return fmt.Errorf("router: nil handler for %s %s", method, pattern)
	}
	if !validMethod(method) {
		return fmt.Errorf("router: invalid method %q for %s", method, pattern)
	}
	if pattern == "/" && g.prefix != "" {
		pattern = ""
	} else if pattern == "" {
		pattern = "/"
	}
	var cfg routeConfig
	for _, o := range opts {
		o(&cfg)
	}
	r, err := g.newRoute(method, g.prefix+pattern, h, &cfg)
	if err != nil {
		return err
	}
	return g.rt.add(r)
}

func (g *Group) newRoute(method, path string, h http.Handler, cfg *routeConfig) (*route, error) {
	segs, err := parsePattern(path)
	if err != nil {
		return nil, fmt.Errorf("router: %s %s: %w", method, path, err)
	}
	for name, c := range cfg.constraints {
		found := false
		for i := range segs {
			if segs[i].kind == segParam && segs[i].value == name {
				segs[i].constraint = &c
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("router: %s %s: constraint on %q, which is not a parameter of the pattern", method, path, name)
		}
		if c.match == nil {
			return nil, fmt.Errorf("router: %s %s: zero Constraint for %q", method, path, name)
		}
	}
	for p := g; p != nil; p = p.parent {
		p.used = true
		for i := len(p.mw) - 1; i >= 0; i-- {
			h = p.mw[i](h)
		}
	}
	r := &route{segs: segs, handler: h, version: g.version}
	r.info = cfg.info
	r.info.Method = method
	r.info.Path = path
	r.info.Pattern = muxPattern(method, segs)
	if g.version != nil {
		r.info.Version = g.version.name
		if g.version.deprecation != nil {
			r.info.Deprecated = true
		}
	}
	for _, s := range segs {
		if s.kind != segStatic {
			r.nparams++
		}
	}
	return r, nil
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// Get registers h for GET (and so for HEAD) requests to pattern.
func (g *Group) Get(pattern string, h http.Handler, opts ...RouteOption) {
	g.Handle(http.MethodGet, pattern, h, opts...)
}

// Head registers h for HEAD requests to pattern. Without it, HEAD requests
// are served by the GET route with the body discarded.
func (g *Group) Head(pattern string, h http.Handler, opts ...RouteOption) {
	g.Handle(http.MethodHead, pattern, h, opts...)
}

// Post registers h for POST requests to pattern.
func (g *Group) Post(pattern string, h http.Handler, opts ...RouteOption) {
	g.Handle(http.MethodPost, pattern, h, opts...)
}

// Put registers h for PUT requests to pattern.
func (g *Group) Put(pattern string, h http.Handler, opts ...RouteOption) {
	g.Handle(http.MethodPut, pattern, h, opts...)
}

// Patch registers h for PATCH requests to pattern.
func (g *Group) Patch(pattern string, h http.Handler, opts ...RouteOption) {
	g.Handle(http.MethodPatch, pattern, h, opts...)
}

// Delete registers h for DELETE requests to pattern.
func (g *Group) Delete(pattern string, h http.Handler, opts ...RouteOption) {
	g.Handle(http.MethodDelete, pattern, h, opts...)
}

// Options registers h for OPTIONS requests to pattern, replacing the
// automatic OPTIONS answer for that path.
func (g *Group) Options(pattern string, h http.Handler, opts ...RouteOption) {
	g.Handle(http.MethodOptions, pattern, h, opts...)
}

// mountMethods are the methods a mounted handler receives.
var mountMethods = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace,
}

// MountOption configures [Group.Mount].
type MountOption func(*mountConfig)

type mountConfig struct {
	keepPrefix bool
	methods    []string
}

// KeepPrefix passes requests to the mounted handler with the full path
// instead of stripping the mount prefix.
func KeepPrefix() MountOption {
	return func(c *mountConfig) { c.keepPrefix = true }
}

// Methods limits a mount to the given methods; by default a mounted handler
// receives every standard method.
func Methods(methods ...string) MountOption {
	return func(c *mountConfig) { c.methods = methods }
}

// Mount serves h for every path at or below prefix (which may contain
// parameters), for every standard method. By default the mounted handler
// sees the path with the prefix stripped ("/" for the prefix itself), as with
// http.StripPrefix; [KeepPrefix] passes the path unchanged. A sub-router,
// pprof or a file server can be mounted. Routes registered on g that are more
// specific than the mount still win.
func (g *Group) Mount(prefix string, h http.Handler, opts ...MountOption) {
	if err := g.AddMount(prefix, h, opts...); err != nil {
		panic(err)
	}
}

// AddMount is the error-returning form of [Group.Mount].
func (g *Group) AddMount(prefix string, h http.Handler, opts ...MountOption) error {
	if h == nil {
		return fmt.Errorf("router: Mount %s with a nil handler", prefix)
	}
	if prefix == "" || prefix[0] != '/' {
		return fmt.Errorf("router: mount prefix %q must begin with '/'", prefix)
	}
	prefix = strings.TrimSuffix(prefix, "/")
	var cfg mountConfig
	for _, o := range opts {
		o(&cfg)
	}
	methods := cfg.methods
	if methods == nil {
		methods = mountMethods[:]
	}
	const rest = "mountpath"
	exact, below := h, h
	if !cfg.keepPrefix {
		exact = stripHandler{next: h, exact: true}
		below = stripHandler{next: h, param: rest}
	}
	for _, m := range methods {
		opts := []RouteOption{Meta("mount", true)}
		if prefix != "" {
			if err := g.Add(m, prefix, exact, opts...); err != nil {
				return err
			}
		}
		if err := g.Add(m, prefix+"/*"+rest, below, opts...); err != nil {
			return err
		}
	}
	return nil
}

// Static serves the files of fsys under prefix, for GET and HEAD requests,
// with [FileServer] and the given options.
func (g *Group) Static(prefix string, fsys fs.FS, opts FileServerOptions) {
	g.Mount(prefix, FileServer(fsys, opts), Methods(http.MethodGet, http.MethodHead))
}

// Routes returns the routes registered through the group and its children,
// in registration order.
func (g *Group) Routes() []RouteInfo {
	var out []RouteInfo
	for _, r := range g.rt.routes {
		if g.prefix == "" || r.info.Path == g.prefix || strings.HasPrefix(r.info.Path, g.prefix+"/") {
			info := r.info
			info.Tags = slices.Clone(info.Tags)
			info.Permissions = slices.Clone(info.Permissions)
			info.Meta = maps.Clone(info.Meta)
			out = append(out, info)
		}
	}
	return out
}
