package reqctx

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"github.com/rs/zerolog"
)

// maxInlineParams is how many path parameters a [Data] holds without
// allocating. Routes with more parameters still work; the extra ones spill
// into a heap-allocated slice.
const maxInlineParams = 8

// Param is one path parameter: the name from the route pattern and the value
// taken from the request path. A catch-all value has no leading slash, as
// net/http's ServeMux gives it.
type Param struct {
	Key   string
	Value string
}

// Route describes a registered route: what the router matched and the
// metadata attached to it when it was registered. The router owns Route
// values and shares one pointer among all requests that match the route, so
// a Route read from a context must be treated as read-only.
//
// Route lives in reqctx, below the router, so that packages such as auth can
// read a route's required permissions without importing the router.
type Route struct {
	// Method is the HTTP method the route was registered for.
	Method string
	// Path is the pattern as registered, in the router's syntax
	// ("/users/:id", "/static/*path").
	Path string
	// Pattern is the pattern in net/http ServeMux syntax, with the method:
	// "GET /users/{id}", "GET /static/{path...}". It is what the router
	// stores in http.Request.Pattern.
	Pattern string
	// Name is the route's name for reverse URL building; empty if unnamed.
	Name string
	// Summary is a one-line description, for route tables and OpenAPI.
	Summary string
	// Tags group routes in documentation.
	Tags []string
	// Permissions are the permissions a caller needs to use the route;
	// authorization middleware reads them.
	Permissions []string
	// Version is the API version the route belongs to, if the route was
	// registered through a versioned set; empty otherwise.
	Version string
	// Deprecated reports that the route (or its API version) is deprecated.
	Deprecated bool
	// Meta holds any other metadata a package wants to attach.
	Meta map[string]any
}

// Data is the request-scoped state shared by every layer that handles one
// request. It is attached once, by the outermost middleware (see [Attach]),
// and filled in place by everything inside: middleware, the router and the
// handler all see, and may update, the same struct. A middleware outside the
// router therefore reads the matched route after the handler returns.
//
// The zero value is an empty, usable Data. A Data belongs to the goroutine
// serving its request: it is not safe for concurrent mutation, and a
// goroutine started by a handler must copy what it needs rather than write
// to it.
type Data struct {
	// RequestID identifies the request in logs, errors and responses.
	RequestID string
	// TraceID and SpanID are the distributed-tracing identifiers of the
	// request, as lower-case hex, when tracing is enabled.
	TraceID string
	SpanID  string
	// Start is when the request was first seen.
	Start time.Time
	// ClientIP is the client's address as determined by the real-IP
	// middleware; the zero Addr when unknown.
	ClientIP netip.Addr
	// Route is the route the router matched, or nil before routing or when
	// nothing matched.
	Route *Route
	// Principal is the authenticated caller, set by authentication
	// middleware; nil when anonymous.
	Principal any
	// Logger is the request logger, carrying the request's fields (request
	// ID, trace ID, ...). Its zero value writes nothing. Read it through
	// [Data.RequestLogger] or [Logger], which finish a logger installed
	// with [Data.SetLogger]; assigning it directly installs a finished one.
	Logger zerolog.Logger

	params  []Param
	inline  [maxInlineParams]Param
	values  []value
	visited bool
	logWith func(zerolog.Context, *Data) zerolog.Context // pending extension of Logger
}

// SetLogger installs the request logger: base, extended by with (which adds
// the request's fields, such as the request ID; nil adds nothing). The
// extension is built on first use, by [Data.RequestLogger] or [Logger], so a
// request that nothing logs through costs no logger: building one copies
// zerolog's context buffer. A middleware that logs once per request, such
// as an access log, reads [Data.BaseLogger] and adds the fields to its one
// event instead.
func (d *Data) SetLogger(base zerolog.Logger, with func(zerolog.Context, *Data) zerolog.Context) {
	d.Logger = base
	d.logWith = with
}

// RequestLogger returns the request logger, building it first if
// [Data.SetLogger] left it pending. The pointer stays valid for the
// request's lifetime.
func (d *Data) RequestLogger() *zerolog.Logger {
	if d.logWith != nil {
		with := d.logWith
		d.logWith = nil
		if d.Logger.GetLevel() != zerolog.Disabled {
			d.Logger = with(d.Logger.With(), d).Logger()
		}
	}
	return &d.Logger
}

// BaseLogger returns the request logger as it stands and the extension
// [Data.SetLogger] left pending, nil when there is none (the logger is
// finished, or was assigned directly). With a pending extension, the
// logger lacks the request's fields: a caller that logs through it adds
// them itself, or calls the extension.
func (d *Data) BaseLogger() (*zerolog.Logger, func(zerolog.Context, *Data) zerolog.Context) {
	return &d.Logger, d.logWith
}

type value struct {
	key any
	val any
}

// Params returns the path parameters in pattern order. The slice is owned by
// d and valid until the parameters change.
func (d *Data) Params() []Param { return d.params }

// Param returns the value of the named path parameter, or "" if there is
// none.
func (d *Data) Param(name string) string {
	for i := range d.params {
		if d.params[i].Key == name {
			return d.params[i].Value
		}
	}
	return ""
}

// AddParam appends a path parameter. Up to eight parameters are stored
// without allocating.
func (d *Data) AddParam(key, value string) {
	if d.params == nil {
		d.params = d.inline[:0]
	}
	d.params = append(d.params, Param{Key: key, Value: value})
}

// ResetParams removes every path parameter, keeping the storage.
func (d *Data) ResetParams() {
	if d.params != nil {
		d.params = d.params[:0]
	}
}

// TruncateParams keeps the first n path parameters. A router that tries a
// route and rejects it uses it to drop the parameters it added.
func (d *Data) TruncateParams(n int) {
	if n < len(d.params) {
		d.params = d.params[:n]
	}
}

// MarkVisited records that a layer has processed the request and reports
// whether it had been marked before. Middleware that must run once per
// request even when installed twice (for example at two router levels) uses
// it.
func (d *Data) MarkVisited() (already bool) {
	already = d.visited
	d.visited = true
	return already
}

// node is the context node that carries the Data. Embedding Data in the node
// makes attaching it one allocation instead of two.
type node struct {
	context.Context
	data Data
}

type dataKey struct{}

// Value returns the node's Data for the package key and defers to the parent
// for every other key.
func (n *node) Value(key any) any {
	if key == (dataKey{}) {
		return &n.data
	}
	return n.Context.Value(key)
}

// String describes the context, for debugging.
func (n *node) String() string { return "reqctx.WithData" }

// New returns a child of ctx that carries a fresh Data, and that Data. If ctx
// already carries a Data it is returned unchanged with its Data, so attaching
// twice is harmless. It allocates once.
func New(ctx context.Context) (context.Context, *Data) {
	if d := From(ctx); d != nil {
		return ctx, d
	}
	n := &node{Context: ctx}
	n.data.Start = time.Now()
	return n, &n.data
}

// Attach returns r with a Data attached to its context, and that Data. If r
// already carries one, r and its Data are returned unchanged. Attaching costs
// two allocations: the context node, which holds the Data, and the request
// copy made by http.Request.WithContext.
func Attach(r *http.Request) (*http.Request, *Data) {
	ctx, d := New(r.Context())
	if ctx == r.Context() {
		return r, d
	}
	return r.WithContext(ctx), d
}

// WithData returns a child of ctx carrying a copy of d. It is meant for tests
// and background jobs that need a context with chosen values; request
// handling uses [Attach]. Path parameters and typed values are copied too.
func WithData(ctx context.Context, d Data) context.Context {
	n := &node{Context: ctx}
	params, values := d.params, d.values
	d.params, d.values = nil, nil
	n.data = d
	for _, p := range params {
		n.data.AddParam(p.Key, p.Value)
	}
	n.data.values = append([]value(nil), values...)
	return n
}

// From returns the Data carried by ctx, or nil if there is none.
func From(ctx context.Context) *Data {
	if n, ok := ctx.(*node); ok {
		return &n.data
	}
	if ctx == nil {
		return nil
	}
	d, _ := ctx.Value(dataKey{}).(*Data)
	return d
}

// FromRequest returns the Data carried by r's context, or nil.
func FromRequest(r *http.Request) *Data { return From(r.Context()) }

// RequestID returns the request ID carried by ctx, or "".
func RequestID(ctx context.Context) string {
	if d := From(ctx); d != nil {
		return d.RequestID
	}
	return ""
}

// TraceID returns the trace ID carried by ctx, or "".
func TraceID(ctx context.Context) string {
	if d := From(ctx); d != nil {
		return d.TraceID
	}
	return ""
}

// SpanID returns the span ID carried by ctx, or "".
func SpanID(ctx context.Context) string {
	if d := From(ctx); d != nil {
		return d.SpanID
	}
	return ""
}

// Start returns when the request was first seen, or the zero time.
func Start(ctx context.Context) time.Time {
	if d := From(ctx); d != nil {
		return d.Start
	}
	return time.Time{}
}

// ClientIP returns the client address carried by ctx, or the zero Addr.
func ClientIP(ctx context.Context) netip.Addr {
	if d := From(ctx); d != nil {
		return d.ClientIP
	}
	return netip.Addr{}
}

// MatchedRoute returns the route the router matched, or nil.
func MatchedRoute(ctx context.Context) *Route {
	if d := From(ctx); d != nil {
		return d.Route
	}
	return nil
}

// Pattern returns the matched route's pattern in ServeMux syntax
// ("GET /users/{id}"), or "" when no route matched. Its cardinality is
// bounded by the route table, which makes it the right label for logs and
// metrics.
func Pattern(ctx context.Context) string {
	if d := From(ctx); d != nil && d.Route != nil {
		return d.Route.Pattern
	}
	return ""
}

// PathParam returns the named path parameter carried by ctx, or "".
func PathParam(ctx context.Context, name string) string {
	if d := From(ctx); d != nil {
		return d.Param(name)
	}
	return ""
}

// Params returns the path parameters carried by ctx, or nil.
func Params(ctx context.Context) []Param {
	if d := From(ctx); d != nil {
		return d.params
	}
	return nil
}

// Principal returns the authenticated principal carried by ctx, or nil.
func Principal(ctx context.Context) any {
	if d := From(ctx); d != nil {
		return d.Principal
	}
	return nil
}

// Logger returns the request logger carried by ctx. Without a Data it
// returns a disabled logger, so calling code never needs a nil check.
func Logger(ctx context.Context) *zerolog.Logger {
	if d := From(ctx); d != nil {
		return d.RequestLogger()
	}
	l := zerolog.Nop()
	return &l
}
