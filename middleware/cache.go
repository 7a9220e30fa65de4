package middleware

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CachePolicy describes a Cache-Control response header (RFC 9111 section
// 5.2.2) for [CacheControl]. Each field is one directive; a zero field
// leaves its directive out. The zero CachePolicy sets no directive and is
// invalid.
//
// Durations are whole seconds. A zero MaxAge sends no max-age: to make
// caches revalidate every time, set NoCache; to keep a response out of
// caches altogether, set NoStore.
type CachePolicy struct {
	// MaxAge is how long any cache, the browser's included, may reuse
	// the response without revalidating it (max-age).
	MaxAge time.Duration
	// SMaxAge overrides MaxAge for shared caches: CDNs and proxies
	// (s-maxage).
	SMaxAge time.Duration
	// StaleWhileRevalidate is how long after expiry a cache may still
	// serve the response while it revalidates in the background
	// (stale-while-revalidate, RFC 5861).
	StaleWhileRevalidate time.Duration
	// StaleIfError is how long after expiry a cache may serve the
	// response when revalidating fails with an error (stale-if-error,
	// RFC 5861).
	StaleIfError time.Duration

	// Public lets shared caches store the response even when the request
	// carried credentials (public).
	Public bool
	// Private keeps the response out of shared caches: it is for one
	// user (private).
	Private bool
	// NoStore keeps the response out of every cache (no-store): for
	// personal or sensitive data.
	NoStore bool
	// NoCache lets caches store the response but not reuse it without
	// revalidating it first (no-cache).
	NoCache bool
	// Immutable tells browsers that the response will not change while
	// fresh, so a reload need not revalidate it (immutable, RFC 8246):
	// for content-addressed assets.
	Immutable bool
	// MustRevalidate forbids serving the response stale once it expires,
	// even when the origin is unreachable (must-revalidate).
	MustRevalidate bool
	// ProxyRevalidate is MustRevalidate for shared caches only
	// (proxy-revalidate).
	ProxyRevalidate bool
	// NoTransform forbids intermediaries, compress.Middleware (package
	// [github.com/keel-go/keel/middleware/compress]) included, from
	// transforming the body (no-transform).
	NoTransform bool
}

// String returns the Cache-Control header value of p, with directives in
// a fixed order: visibility, storage, lifetimes, then revalidation:
//
//	public, max-age=31536000, immutable
//
// It does not check p; see [NewCacheControl].
func (p CachePolicy) String() string {
	var parts []string
	add := func(ok bool, directive string) {
		if ok {
			parts = append(parts, directive)
		}
	}
	secs := func(name string, d time.Duration) {
		if d > 0 {
			parts = append(parts, name+"="+strconv.FormatInt(int64(d/time.Second), 10))
		}
	}
	add(p.Public, "public")
	add(p.Private, "private")
	add(p.NoStore, "no-store")
	add(p.NoCache, "no-cache")
	secs("max-age", p.MaxAge)
	secs("s-maxage", p.SMaxAge)
	secs("stale-while-revalidate", p.StaleWhileRevalidate)
	secs("stale-if-error", p.StaleIfError)
	add(p.Immutable, "immutable")
	add(p.MustRevalidate, "must-revalidate")
	add(p.ProxyRevalidate, "proxy-revalidate")
	add(p.NoTransform, "no-transform")
	return strings.Join(parts, ", ")
}

// validate reports the first problem with p: a negative or fractional
// duration, or directives that contradict each other.
func (p CachePolicy) validate() error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"MaxAge", p.MaxAge},
		{"SMaxAge", p.SMaxAge},
		{"StaleWhileRevalidate", p.StaleWhileRevalidate},
		{"StaleIfError", p.StaleIfError},
	} {
		if f.d < 0 {
			return fmt.Errorf("middleware: CachePolicy.%s %v is negative", f.name, f.d)
		}
		if f.d%time.Second != 0 {
			return fmt.Errorf("middleware: CachePolicy.%s %v is not a whole number of seconds", f.name, f.d)
		}
	}
	lifetime := p.MaxAge > 0 || p.SMaxAge > 0 || p.StaleWhileRevalidate > 0 || p.StaleIfError > 0
	switch {
	case p.String() == "":
		return fmt.Errorf("middleware: CachePolicy sets no directive")
	case p.Public && p.Private:
		return fmt.Errorf("middleware: CachePolicy sets both Public and Private")
	case p.NoStore && (lifetime || p.Public || p.Immutable || p.MustRevalidate || p.ProxyRevalidate):
		return fmt.Errorf("middleware: CachePolicy sets NoStore with a directive for stored responses " +
			"(MaxAge, SMaxAge, StaleWhileRevalidate, StaleIfError, Public, Immutable or MustRevalidate/ProxyRevalidate)")
	case p.Private && (p.SMaxAge > 0 || p.ProxyRevalidate):
		return fmt.Errorf("middleware: CachePolicy sets Private with a shared-cache directive (SMaxAge or ProxyRevalidate)")
	case p.Immutable && p.MaxAge == 0:
		return fmt.Errorf("middleware: CachePolicy sets Immutable without MaxAge")
	case p.Immutable && p.NoCache:
		return fmt.Errorf("middleware: CachePolicy sets both Immutable and NoCache")
	case p.MustRevalidate && (p.StaleWhileRevalidate > 0 || p.StaleIfError > 0):
		return fmt.Errorf("middleware: CachePolicy sets MustRevalidate, which forbids serving stale, " +
			"with StaleWhileRevalidate or StaleIfError")
	}
	return nil
}

// CacheControl returns middleware that sets the Cache-Control header of p
// on the 2xx and 3xx responses (304 included) to GET and HEAD requests,
// unless the handler set a Cache-Control of its own. Error responses are
// left alone — [errors.Write] marks problems no-store — and so are other
// methods, whose responses caches do not reuse. The header value is
// rendered once, here.
//
// Cache policy belongs to routes, so CacheControl is meant for a router
// group or a single route rather than the whole server:
//
//	assets := r.Group("/assets", middleware.CacheControl(middleware.CachePolicy{
//		Public: true, MaxAge: 365 * 24 * time.Hour, Immutable: true,
//	}))
//	api := r.Group("/api", middleware.CacheControl(middleware.CachePolicy{
//		Private: true, NoCache: true,
//	}))
//
// In a chain it goes inside compress.Middleware (package
// [github.com/keel-go/keel/middleware/compress]), which reads
// no-transform, and either side of [Conditional]: a 304 gets the header
// too.
//
// CacheControl panics if p is invalid: a negative or fractional duration,
// no directive at all, or contradictory directives — Public with Private,
// NoStore with a lifetime or Public, Private with SMaxAge, Immutable
// without MaxAge or with NoCache, MustRevalidate with a stale-serving
// directive. [NewCacheControl] returns the error instead.
func CacheControl(p CachePolicy) Middleware {
	mw, err := NewCacheControl(p)
	if err != nil {
		panic(err.Error())
	}
	return mw
}

// NewCacheControl is [CacheControl] for a policy read at run time: it
// returns an error describing the problem instead of panicking.
func NewCacheControl(p CachePolicy) (Middleware, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	value := p.String()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			cw := &cacheWriter{w: w, value: value}
			next.ServeHTTP(cw, r)
			// A handler that wrote nothing sends an empty 200 when it
			// returns, with the header as it is now.
			cw.apply(http.StatusOK)
		})
	}, nil
}

// cacheWriter sets Cache-Control when the handler commits a 2xx or 3xx
// status without one. It implements Flush, Hijack, ReadFrom and Unwrap
// whatever the wrapped writer supports; Flush and Hijack report
// http.ErrNotSupported through [http.ResponseController] when the
// wrapped writer cannot.
type cacheWriter struct {
	w     http.ResponseWriter
	value string
	done  bool // the final status is committed
}

var (
	_ http.Flusher  = (*cacheWriter)(nil)
	_ http.Hijacker = (*cacheWriter)(nil)
	_ io.ReaderFrom = (*cacheWriter)(nil)
)

// Header returns the wrapped writer's header map.
func (cw *cacheWriter) Header() http.Header { return cw.w.Header() }

// WriteHeader sets Cache-Control for a final 2xx or 3xx status and passes
// code on.
func (cw *cacheWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		cw.apply(code)
	}
	cw.w.WriteHeader(code)
}

// Write writes p, after setting Cache-Control for the implicit 200.
func (cw *cacheWriter) Write(p []byte) (int, error) {
	cw.apply(http.StatusOK)
	return cw.w.Write(p)
}

// Flush flushes the wrapped writer, after setting Cache-Control for the
// implicit 200.
func (cw *cacheWriter) Flush() { _ = cw.FlushError() }

// FlushError is Flush returning the error, for [http.ResponseController],
// which prefers it.
func (cw *cacheWriter) FlushError() error {
	cw.apply(http.StatusOK)
	return http.NewResponseController(cw.w).Flush()
}

// Hijack lets the handler take over the connection, when the wrapped
// writer allows.
func (cw *cacheWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	cw.done = true
	return http.NewResponseController(cw.w).Hijack()
}

// ReadFrom copies src to the response with the wrapped writer's ReadFrom
// when it has one, after setting Cache-Control for the implicit 200.
func (cw *cacheWriter) ReadFrom(src io.Reader) (int64, error) {
	cw.apply(http.StatusOK)
	if rf, ok := cw.w.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{cw.w}, src)
}

// Unwrap returns the wrapped writer, for [http.ResponseController].
func (cw *cacheWriter) Unwrap() http.ResponseWriter { return cw.w }

// apply sets Cache-Control once, when the final status is first known.
func (cw *cacheWriter) apply(code int) {
	if cw.done {
		return
	}
	cw.done = true
	if code < 200 || code > 399 {
		return
	}
	h := cw.w.Header()
	if _, set := h["Cache-Control"]; !set {
		h.Set("Cache-Control", cw.value)
	}
}
