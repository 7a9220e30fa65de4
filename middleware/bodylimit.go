package middleware

import (
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// DefaultBodyLimit is the largest request body, in bytes, that [BodyLimit]
// admits unless [BodyLimitOptions.Limit] says otherwise: 1 MiB.
const DefaultBodyLimit int64 = 1 << 20

// BodyLimitMetaKey is the route metadata key through which one route sets
// its own body limit, in bytes, with the keel router:
//
//	r.Post("/uploads", handleUpload, router.Meta(middleware.BodyLimitMeta(64<<20)))
//	r.Post("/uploads", handleUpload, router.Meta(middleware.BodyLimitMetaKey, 64<<20))
//
// The value is an int64 or an int. A value of another type, or one that is
// not positive, is ignored, and the route gets the limit it would have had
// without it; [BodyLimitMeta] checks the value when the route is
// registered instead.
const BodyLimitMetaKey = "middleware.body_limit"

// BodyLimitOptions configures [BodyLimit]. The zero value is ready to use:
// every zero field means its documented default.
type BodyLimitOptions struct {
	// Limit is the default largest request body, in bytes, for the
	// requests that neither a [BodyLimitFor] group nor the route's
	// [BodyLimitMetaKey] metadata gives another limit. It must not be
	// negative. Default: [DefaultBodyLimit]. To lift the limit, use
	// math.MaxInt64.
	Limit int64
}

// withDefaults returns opts with every zero field set to its default.
func (opts BodyLimitOptions) withDefaults() BodyLimitOptions {
	if opts.Limit == 0 {
		opts.Limit = DefaultBodyLimit
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts BodyLimitOptions) validate() error {
	if opts.Limit < 0 {
		return fmt.Errorf("middleware: BodyLimitOptions.Limit %d is negative", opts.Limit)
	}
	return nil
}

// BodyLimit returns middleware that bounds the size of request bodies, so
// that a client cannot make the server read, buffer or decode an unbounded
// amount of data. It belongs between [Recover] and the router, so that its
// 413 answers are logged and carry the request ID, and so that it covers
// every route.
//
// # Limits
//
// The limit of a request is, from the most specific to the least:
//
//  1. the route's own, from its [BodyLimitMetaKey] metadata;
//  2. the group's, from [BodyLimitFor] installed as group or route
//     middleware (nested groups: the smallest);
//  3. opts.Limit, the default (when BodyLimit is installed twice, the
//     inner instance's).
//
// Route metadata and group middleware are only known once the router has
// matched the request, which happens after BodyLimit has run. So BodyLimit
// does not choose the limit up front: it replaces the body with a reader
// that settles the limit on its first Read, when the handler, behind the
// router, reads the body. Until then nothing is read. A route can
// therefore raise the limit above the default as well as lower it.
// Middleware that reads the body before routing (a request signature
// check, say) settles the limit early, to the default.
//
// # Enforcement
//
// A body over the limit is refused as [http.MaxBytesReader] refuses it:
//
//   - A body that declares a Content-Length over the limit fails the
//     first Read at once, with an [*http.MaxBytesError], before a byte is
//     read from the client. [BodyLimitFor], which runs after routing and
//     knows the final limit, refuses such a request before the handler
//     runs.
//   - A body of unknown length (Transfer-Encoding: chunked) is read up to
//     the limit; the Read that would go past it returns an
//     [*http.MaxBytesError]. After the response, net/http reads at most a
//     little more of the rest (256 KiB) before it closes the connection.
//
// A handler passes the error it got from reading to [errors.Write] (or
// returns it from an [errors.HandlerFunc]), which answers 413 Request
// Entity Too Large with a problem naming the limit. If the handler returns
// without writing a response after a Read failed this way, BodyLimit
// writes that 413 itself.
//
// Requests without a body (GET, or Content-Length: 0) pass through
// untouched, at no cost.
//
// BodyLimit panics if opts.Limit is negative.
func BodyLimit(opts BodyLimitOptions) Middleware {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		panic(err.Error())
	}
	limit := opts.Limit
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			r, b := blArm(r)
			if !b.settled() {
				b.base = limit
			}
			ww := WrapResponseWriter(w)
			next.ServeHTTP(ww, r)
			blAnswer(ww, r, b)
		})
	}
}

// BodyLimitFor returns middleware that sets the body limit, in bytes, of
// the routes it wraps: install it on a router group, or on one route with
// Group.With, to give them a limit other than the default of [BodyLimit].
//
//	r.Use(middleware.BodyLimit(middleware.BodyLimitOptions{})) // 1 MiB for every route
//	uploads := r.Group("/uploads", middleware.BodyLimitFor(64<<20))
//
// It replaces the default, raising or lowering it. Nested groups each with
// BodyLimitFor get the smallest of their limits, so that a group's limit
// holds for all of its sub-groups; a route's [BodyLimitMetaKey] metadata
// overrides them all.
//
// Group middleware runs after the router has matched the request, when the
// route's limit is final: a request whose declared Content-Length exceeds
// it is answered 413 at once, before the handler runs and before a byte of
// the body is read. A body of unknown length is cut at the limit when it
// is read, as with [BodyLimit], and BodyLimitFor works without BodyLimit
// outside it.
//
// BodyLimitFor panics if n is not positive.
func BodyLimitFor(n int64) Middleware {
	if n <= 0 {
		panic(fmt.Sprintf("middleware: BodyLimitFor: limit %d is not positive", n))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			r, b := blArm(r)
			if !b.settled() {
				if b.group == 0 || n < b.group {
					b.group = n
				}
				if limit := b.limit(); b.length > limit {
					b.refuse(limit)
					blWriteTooLarge(w, r, b)
					return
				}
			}
			ww := WrapResponseWriter(w)
			next.ServeHTTP(ww, r)
			blAnswer(ww, r, b)
		})
	}
}

// BodyLimitMeta returns the route metadata that sets a route's body limit
// to n bytes, as arguments for the keel router's Meta option, checking n
// when the route is registered:
//
//	r.Post("/uploads", handleUpload, router.Meta(middleware.BodyLimitMeta(64<<20)))
//
// It panics if n is not positive.
func BodyLimitMeta(n int64) (key string, value any) {
	if n <= 0 {
		panic(fmt.Sprintf("middleware: BodyLimitMeta: limit %d is not positive", n))
	}
	return BodyLimitMetaKey, n
}

// blKey finds a request's body limit state, shared by every BodyLimit and
// BodyLimitFor layer that handles the request.
var blKey = reqctx.NewKey[*blBody]("middleware.bodylimit")

// blArm returns the request's body limit state, creating it, and the
// limited body that replaces r.Body, on the first layer. The request is
// copied rather than changed in place: the caller's request stays as the
// caller made it.
func blArm(r *http.Request) (*http.Request, *blBody) {
	r2, d := reqctx.Attach(r)
	if b, ok := reqctx.GetIn(d, blKey); ok && b != nil {
		return r2, b
	}
	b := &blBody{src: r.Body, length: r.ContentLength, data: d}
	reqctx.SetIn(d, blKey, b)
	if r2 == r {
		r2 = r.WithContext(r.Context())
	}
	r2.Body = b
	return r2, b
}

// blAnswer writes the 413 that a handler owed: its read hit the limit and
// it returned without a response.
func blAnswer(ww ResponseWriter, r *http.Request, b *blBody) {
	if b.exceeded.Load() && !ww.HeaderWritten() && !ww.Hijacked() {
		blWriteTooLarge(ww, r, b)
	}
}

// blWriteTooLarge writes the 413 problem, with the text errors.From gives
// an *http.MaxBytesError, so that the answer is the same whichever layer
// writes it.
func blWriteTooLarge(w http.ResponseWriter, r *http.Request, b *blBody) {
	errors.Write(w, r, &http.MaxBytesError{Limit: b.limitHit})
}

// blBody is the request body behind BodyLimit and BodyLimitFor, and the
// state the layers share. The layers set base and group before the
// handler runs; the first Read settles the limit and fixes the reader.
//
// Like any request body it is read by one goroutine at a time; exceeded
// is atomic because a handler may leave a reading goroutine behind.
type blBody struct {
	src    io.ReadCloser // the original body
	length int64         // the declared Content-Length, or -1
	data   *reqctx.Data  // the matched route, once routed

	base  int64 // BodyLimit's default; 0 if none
	group int64 // BodyLimitFor's limit; 0 if none

	r        io.Reader // the limited reader, once settled
	limitHit int64     // the limit that was exceeded
	exceeded atomic.Bool
}

// settled reports whether the limit has been fixed by a first Read.
func (b *blBody) settled() bool { return b.r != nil }

// limit returns the limit for the request as the layers and the matched
// route have set it so far.
func (b *blBody) limit() int64 {
	if rt := b.data.Route; rt != nil {
		if n, ok := blMetaLimit(rt.Meta[BodyLimitMetaKey]); ok {
			return n
		}
	}
	if b.group > 0 {
		return b.group
	}
	if b.base > 0 {
		return b.base
	}
	return DefaultBodyLimit
}

// blMetaLimit reads a route's metadata value as a limit.
func blMetaLimit(v any) (int64, bool) {
	var n int64
	switch v := v.(type) {
	case int64:
		n = v
	case int:
		n = int64(v)
	default:
		return 0, false
	}
	return n, n > 0
}

// refuse records that the body exceeds limit.
func (b *blBody) refuse(limit int64) {
	b.limitHit = limit
	b.exceeded.Store(true)
}

// settle fixes the limit and the reader that enforces it.
func (b *blBody) settle() {
	limit := b.limit()
	switch {
	case b.length > limit:
		// Refuse without reading: the client said how much is coming.
		b.refuse(limit)
		b.r = blErrReader{&http.MaxBytesError{Limit: limit}}
	default:
		// Also when a Content-Length is declared: net/http stops such a
		// body at its length, but a request built by other code may not.
		//
		// No ResponseWriter: given net/http's own, MaxBytesReader would
		// change its header from the reading goroutine, which races with
		// a Timeout answering from its timer's goroutine. net/http
		// closes the connection anyway when more than a little (256 KiB)
		// of the body is left unread.
		b.r = http.MaxBytesReader(nil, b.src, limit)
		b.limitHit = limit
	}
}

// Read reads from the body, up to the limit.
func (b *blBody) Read(p []byte) (int, error) {
	if b.r == nil {
		b.settle()
	}
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		if _, ok := err.(*http.MaxBytesError); ok {
			b.exceeded.Store(true)
		}
	}
	return n, err
}

// Close closes the original body.
func (b *blBody) Close() error { return b.src.Close() }

// blErrReader fails every Read with err.
type blErrReader struct{ err error }

func (r blErrReader) Read([]byte) (int, error) { return 0, r.err }
