package httpcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// Defaults applied by [New] to the zero fields of [Options.]
const (
	// DefaultPrefix starts the keys of a middleware whose Options.Prefix
	// is empty.
	DefaultPrefix = "httpcache:"
	// DefaultMaxBodyBytes is the largest body, in bytes, stored by a
	// middleware whose Options.MaxBodyBytes is zero: 1 MiB.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultStatusHeader names the response field that tells how the
	// cache handled a request, when Options.StatusHeader is empty.
	DefaultStatusHeader = "X-Cache"
)

// The values of the status field ([DefaultStatusHeader]).
const (
	// StatusHit marks a response served from the cache, including one
	// produced for another request that was waiting for the same URL.
	StatusHit = "HIT"
	// StatusMiss marks a response the handler produced because the cache
	// had no fresh one, whether or not it was then stored.
	StatusMiss = "MISS"
	// StatusBypass marks a request the cache does not handle at all: a
	// method other than GET and HEAD, a range or precondition request, a
	// protocol upgrade, an authenticated request (unless
	// Options.AllowAuthorized) or a request with Cache-Control: no-store.
	StatusBypass = "BYPASS"
)

// maxKeyLen is the longest key the middleware builds from a URL before it
// uses the URL's digest instead, so that a long URL cannot exceed what a
// backend accepts.
const maxKeyLen = 256

// Options configures [New]. The zero value is ready to use: a shared
// cache keyed by method, host, path and query as sent, storing bodies of up
// to 1 MiB.
type Options struct {
	// Prefix starts every key the middleware stores in the cache, so that
	// it can share a backend with other data. Default [DefaultPrefix].
	Prefix string

	// MaxBodyBytes is the largest response body, in bytes, that is
	// stored. A larger body streams through to the client as the handler
	// writes it, and is not stored. It must not be negative. Default
	// [DefaultMaxBodyBytes].
	MaxBodyBytes int64

	// Private makes the cache behave as a private cache (RFC 9111
	// section 3): it stores responses marked Cache-Control: private and
	// ignores s-maxage, and with AllowAuthorized it stores responses to
	// authenticated requests without requiring public, s-maxage or
	// must-revalidate. Only set it when every response the cache serves
	// goes to a single user. Default: false, a shared cache.
	Private bool

	// AllowAuthorized lets requests that carry an Authorization field use
	// the cache. A shared cache then stores a response to such a request
	// only when the response says it may be shared — Cache-Control public,
	// s-maxage or must-revalidate (RFC 9111 section 3.5) — and serves the
	// stored response to any request for the URL, whoever makes it.
	// Default: false, such requests bypass the cache.
	AllowAuthorized bool

	// IgnoreRequestCacheControl makes the cache ignore the Cache-Control
	// (and Pragma) fields of requests. By default a request with no-store
	// bypasses the cache, one with no-cache (or max-age too small for the
	// stored response) runs the handler and stores the fresh response.
	// Clients can thus force the handler to run; set this to deny them
	// that. Default: false.
	IgnoreRequestCacheControl bool

	// SortQuery keys responses by the query with its parameters sorted by
	// name, so that "?a=1&b=2" and "?b=2&a=1" share an entry (the order of
	// the values of one name is kept, and escaping is normalised). Only
	// set it when no handler behind the cache depends on the order of the
	// parameters. Default: false, the query as sent is the key.
	SortQuery bool

	// StatusHeader names the response field that says how the cache
	// handled the request: [StatusHit], [StatusMiss] or [StatusBypass].
	// "-" sends no such field. Default [DefaultStatusHeader].
	StatusHeader string

	// Now returns the current time, which decides freshness and the Age
	// field. Default: time.Now.
	Now func() time.Time

	// waitHook, when set, is called as a request starts waiting for the
	// response another request is producing. Tests set it.
	waitHook func()
}

// withDefaults returns opts with every zero field set to its default.
func (opts Options) withDefaults() Options {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.StatusHeader == "" {
		opts.StatusHeader = DefaultStatusHeader
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts Options) validate() error {
	if opts.MaxBodyBytes < 0 {
		return fmt.Errorf("httpcache: Options.MaxBodyBytes %d is negative", opts.MaxBodyBytes)
	}
	if opts.StatusHeader != "-" && !validName([]byte(opts.StatusHeader)) {
		return fmt.Errorf("httpcache: Options.StatusHeader %q is not a valid header name", opts.StatusHeader)
	}
	return nil
}

// httpCache is the state shared by every request through one middleware.
type httpCache struct {
	c            cache.Cache[[]byte]
	opts         Options
	statusHeader string // canonical; "" for none
	flights      flightGroup
}

// New returns middleware that stores the responses of the handler it wraps
// in c and serves them again while they are fresh, as a shared HTTP cache
// does (RFC 9111); see the package documentation for what is stored and
// for how long. It fails if c is nil or opts is invalid.
//
// The middleware never fails a request because of the cache: when c
// returns an error, or holds a record it cannot decode, the error is
// logged through the request logger ([reqctx.Logger]) and the handler
// serves the request.
func New(c cache.Cache[[]byte], opts Options) (func(http.Handler) http.Handler, error) {
	if c == nil {
		return nil, errors.New("httpcache: nil cache")
	}
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	hc := &httpCache{c: c, opts: opts, flights: flightGroup{m: make(map[string]*flight)}}
	if opts.StatusHeader != "-" {
		hc.statusHeader = http.CanonicalHeaderKey(opts.StatusHeader)
	}
	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("httpcache: nil handler")
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hc.serve(next, w, r)
		})
	}, nil
}

// Must is [New] for configuration fixed at start-up: it panics instead of
// returning an error.
func Must(c cache.Cache[[]byte], opts Options) func(http.Handler) http.Handler {
	mw, err := New(c, opts)
	if err != nil {
		panic(err.Error())
	}
	return mw
}

// serve handles one request.
func (hc *httpCache) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	p := hc.requestPolicy(r)
	if p.bypass {
		hc.setStatus(w.Header(), StatusBypass)
		next.ServeHTTP(w, r)
		return
	}
	if p.refresh {
		hc.fill(next, w, r, nil, nil)
		return
	}
	ctx := r.Context()
	now := hc.now()
	var fillKey string
	var corrupt []string
	// HEAD is answered from a response to GET when there is one.
	for _, method := range [...]string{http.MethodGet, http.MethodHead} {
		rec, key, bad := hc.lookup(ctx, method, r, now)
		if bad != "" {
			corrupt = append(corrupt, bad)
		}
		if rec != nil && (p.maxAge < 0 || time.Duration(rec.age(now))*time.Second <= p.maxAge) {
			hc.serveRecord(w, r, rec, now)
			return
		}
		if method == r.Method {
			fillKey = key
			break
		}
	}

	f, leader := hc.flights.join(fillKey)
	if leader {
		hc.fill(next, w, r, f, corrupt)
		return
	}
	if hc.opts.waitHook != nil {
		hc.opts.waitHook()
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return // the client is gone, or out of time: nobody to answer
	}
	if rec := f.rec; rec != nil && hc.sameVariant(r, rec, f.variant) {
		hc.serveRecord(w, r, rec, hc.now())
		return
	}
	// The response could not be stored, or varies on fields this request
	// does not share: run the handler for this request alone.
	hc.fill(next, w, r, nil, corrupt)
}

// lookup reads the fresh response stored for r with method, following a
// Vary record to the variant r selects. It returns the response, or nil on
// a miss; the key a response for r would be stored under; and the key of a
// corrupt record it found, if any. Backend errors and corrupt records are
// logged and count as misses.
func (hc *httpCache) lookup(ctx context.Context, method string, r *http.Request, now time.Time) (rec *record, key, corrupt string) {
	key = hc.primaryKey(method, r)
	rec, bad := hc.get(ctx, r, key)
	if bad {
		return nil, key, key
	}
	if rec == nil || !rec.fresh(now) {
		return nil, key, ""
	}
	if rec.kind == kindVary {
		key = hc.variantKey(key, rec.vary, r.Header)
		if rec, bad = hc.get(ctx, r, key); bad {
			return nil, key, key
		}
		if rec != nil && rec.kind != kindResponse {
			hc.logCorrupt(r) // a Vary record where a response belongs
			return nil, key, key
		}
		if rec == nil || !rec.fresh(now) {
			return nil, key, ""
		}
	}
	return rec, key, ""
}

// get reads and decodes the record under key. It reports a corrupt record
// with bad, after logging it.
func (hc *httpCache) get(ctx context.Context, r *http.Request, key string) (rec *record, bad bool) {
	b, ok, err := hc.c.Get(ctx, key)
	if err != nil {
		if ctx.Err() == nil {
			reqctx.Logger(ctx).Error().Err(err).Str("path", r.URL.Path).
				Msg("httpcache: cache read failed; serving from the handler")
		}
		return nil, false
	}
	if !ok {
		return nil, false
	}
	rec, err = decodeRecord(b)
	if err != nil {
		hc.logCorrupt(r)
		return nil, true
	}
	return rec, false
}

// logCorrupt logs a corrupt record found for r.
func (hc *httpCache) logCorrupt(r *http.Request) {
	reqctx.Logger(r.Context()).Warn().Str("path", r.URL.Path).
		Msg("httpcache: corrupt cache record; treated as a miss and replaced")
}

// fill runs the handler for r, passing its response to the client, and
// stores the response when it may. f, when not nil, is the flight of the
// requests waiting for it; corrupt lists the keys of corrupt records the
// lookup found, deleted unless the response replaces them.
func (hc *httpCache) fill(next http.Handler, w http.ResponseWriter, r *http.Request, f *flight, corrupt []string) {
	mw := &missWriter{hc: hc, w: w, r: r, h: make(http.Header), f: f}
	finished := false
	defer func() {
		if !finished {
			mw.release(nil, "") // the handler panicked: let the others run it
		}
	}()
	next.ServeHTTP(mw, withoutConditionals(r))
	rec := mw.finish()
	finished = true

	ctx := context.WithoutCancel(r.Context()) // a complete response is worth keeping
	if rec == nil {
		mw.release(nil, "")
		hc.deleteExcept(ctx, r, corrupt)
		return
	}
	key := hc.primaryKey(r.Method, r)
	names := varyNames(rec.header)
	variant := ""
	if len(names) > 0 {
		variant = hc.variantKey(key, names, r.Header)
	}
	mw.release(rec, variant)

	ttl := rec.expires.Sub(mw.now)
	if variant == "" {
		hc.set(ctx, r, key, rec, ttl)
		hc.deleteExcept(ctx, r, corrupt, key)
		return
	}
	// The variant first, so that a request finding the Vary record finds
	// the variant too.
	if hc.set(ctx, r, variant, rec, ttl) {
		hc.set(ctx, r, key, &record{kind: kindVary, vary: names, stored: rec.stored, expires: rec.expires}, ttl)
	}
	hc.deleteExcept(ctx, r, corrupt, key, variant)
}

// set stores rec under key for ttl and reports whether it did; a failure
// is logged.
func (hc *httpCache) set(ctx context.Context, r *http.Request, key string, rec *record, ttl time.Duration) bool {
	if err := hc.c.Set(ctx, key, appendRecord(nil, rec), ttl); err != nil {
		reqctx.Logger(ctx).Error().Err(err).Str("path", r.URL.Path).
			Msg("httpcache: cache write failed; response not stored")
		return false
	}
	return true
}

// deleteExcept removes the keys of corrupt records, except those just
// replaced.
func (hc *httpCache) deleteExcept(ctx context.Context, r *http.Request, keys []string, replaced ...string) {
	for _, key := range keys {
		if slices.Contains(replaced, key) {
			continue
		}
		if err := hc.c.Delete(ctx, key); err != nil {
			reqctx.Logger(ctx).Error().Err(err).Str("path", r.URL.Path).
				Msg("httpcache: cache delete failed")
		}
	}
}

// serveRecord answers r with the stored response rec: a 304 when r's
// conditional fields hold, otherwise the response, without its body for
// HEAD.
func (hc *httpCache) serveRecord(w http.ResponseWriter, r *http.Request, rec *record, now time.Time) {
	h := w.Header()
	copyHeader(h, rec.header)
	h["Age"] = []string{strconv.FormatInt(rec.age(now), 10)}
	hc.setStatus(h, StatusHit)
	if rec.status == http.StatusOK && notModified(r, rec.header) {
		writeNotModified(w)
		return
	}
	if !rec.head && bodyAllowed(rec.status) {
		h["Content-Length"] = []string{strconv.Itoa(len(rec.body))}
	}
	w.WriteHeader(rec.status)
	if r.Method != http.MethodHead && len(rec.body) > 0 {
		_, _ = w.Write(rec.body) // the client went away; nobody to tell
	}
}

// sameVariant reports whether the response rec, stored for another request
// under variant, may answer r: it has no Vary field, or r has the values
// the other request had for the fields it names.
func (hc *httpCache) sameVariant(r *http.Request, rec *record, variant string) bool {
	names := varyNames(rec.header)
	if len(names) == 0 {
		return true
	}
	return hc.variantKey(hc.primaryKey(r.Method, r), names, r.Header) == variant
}

// primaryKey returns the key of the responses to r with method: the
// prefix, the method, the host and the path and query. The scheme is left
// out, so that a response is shared by http and https.
func (hc *httpCache) primaryKey(method string, r *http.Request) string {
	target := strings.ToLower(r.Host) + r.URL.EscapedPath()
	if q := r.URL.RawQuery; q != "" {
		if hc.opts.SortQuery {
			if v, err := url.ParseQuery(q); err == nil {
				q = v.Encode()
			}
		}
		target += "?" + q
	}
	if len(hc.opts.Prefix)+len(method)+1+len(target) > maxKeyLen {
		sum := sha256.Sum256([]byte(target))
		target = "sha256:" + hex.EncodeToString(sum[:16])
	}
	return hc.opts.Prefix + method + " " + target
}

// variantKey returns the key of the response to the request with fields h
// among the responses under key that vary on names.
func (hc *httpCache) variantKey(key string, names []string, h http.Header) string {
	d := sha256.New()
	for _, name := range names {
		d.Write([]byte(name))
		d.Write([]byte{0})
		for _, v := range h.Values(name) {
			d.Write([]byte(v))
			d.Write([]byte{'\n'})
		}
		d.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	return key + " vary:" + hex.EncodeToString(d.Sum(sum[:0])[:16])
}

// setStatus sets the status field, if there is one.
func (hc *httpCache) setStatus(h http.Header, status string) {
	if hc.statusHeader != "" {
		h[hc.statusHeader] = []string{status}
	}
}

func (hc *httpCache) now() time.Time { return hc.opts.Now() }

// withoutConditionals returns r without If-None-Match and If-Modified-Since,
// so that the handler produces a full response to store; the cache answers
// those fields itself. It returns r itself when it has neither.
func withoutConditionals(r *http.Request) *http.Request {
	if len(r.Header["If-None-Match"]) == 0 && len(r.Header["If-Modified-Since"]) == 0 {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = r.Header.Clone()
	delete(r2.Header, "If-None-Match")
	delete(r2.Header, "If-Modified-Since")
	return r2
}
