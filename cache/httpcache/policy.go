package httpcache

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keel-go/keel/header"
)

// cacheableStatus lists the statuses a response may be stored with: those
// RFC 9110 section 15.1 calls heuristically cacheable. The cache still
// requires explicit freshness for them.
var cacheableStatus = [...]int{
	http.StatusOK,
	http.StatusNonAuthoritativeInfo,
	http.StatusNoContent,
	http.StatusMultipleChoices,
	http.StatusMovedPermanently,
	http.StatusPermanentRedirect,
	http.StatusNotFound,
	http.StatusMethodNotAllowed,
	http.StatusGone,
	http.StatusRequestURITooLong,
	http.StatusNotImplemented,
}

// hopByHop are the fields that describe one connection rather than the
// response, which a cache never stores (RFC 9110 section 7.6.1).
var hopByHop = [...]string{
	"Connection",
	"Keep-Alive",
	"Proxy-Connection",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// requestPolicy is what the request asks of the cache.
type requestPolicy struct {
	bypass  bool          // neither look up nor store
	refresh bool          // do not serve from the cache, but store
	maxAge  time.Duration // serve only responses at most this old; <0: any
}

// requestPolicy returns how the cache treats r.
func (hc *httpCache) requestPolicy(r *http.Request) requestPolicy {
	p := requestPolicy{maxAge: -1}
	h := r.Header
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead,
		// A response to these depends on the handler evaluating them.
		len(h["Range"]) > 0, len(h["If-Range"]) > 0,
		len(h["If-Match"]) > 0, len(h["If-Unmodified-Since"]) > 0,
		// A protocol switch (WebSocket) is not a response to store.
		len(h["Upgrade"]) > 0,
		len(h["Authorization"]) > 0 && !hc.opts.AllowAuthorized:
		p.bypass = true
		return p
	}
	if hc.opts.IgnoreRequestCacheControl {
		return p
	}
	values := h.Values("Cache-Control")
	if len(values) == 0 {
		// HTTP/1.0 clients say it with Pragma (RFC 9111 section 5.4).
		if header.HasToken(h.Values("Pragma"), "no-cache") {
			p.refresh = true
		}
		return p
	}
	cc := header.ParseCacheControl(values)
	switch {
	case cc.Has("no-store"):
		p.bypass = true
	case cc.Has("no-cache"):
		p.refresh = true
	}
	if d, ok := cc.Seconds("max-age"); ok {
		p.maxAge = d
	}
	return p
}

// freshness decides whether the response the handler is sending with
// status and h, to request r, may be stored. It returns the freshness
// lifetime and the age the response already had (its Age field, when the
// handler is a proxy), and ok when the response is storable and still
// fresh.
func (hc *httpCache) freshness(r *http.Request, status int, h http.Header, now time.Time) (lifetime, age time.Duration, ok bool) {
	if !slices.Contains(cacheableStatus[:], status) {
		return 0, 0, false
	}
	if len(h["Set-Cookie"]) > 0 || len(h["Trailer"]) > 0 || header.HasToken(h.Values("Vary"), "*") {
		return 0, 0, false
	}
	for name := range h {
		if strings.HasPrefix(name, http.TrailerPrefix) {
			return 0, 0, false
		}
	}
	cc := header.ParseCacheControl(h.Values("Cache-Control"))
	if cc.Has("no-store") || cc.Has("no-cache") || cc.Has("private") && !hc.opts.Private {
		return 0, 0, false
	}
	// RFC 9111 section 3.5: a shared cache stores a response to an
	// authenticated request only when the response says it may.
	if len(r.Header["Authorization"]) > 0 && !hc.opts.Private &&
		!cc.Has("public") && !cc.Has("s-maxage") && !cc.Has("must-revalidate") {
		return 0, 0, false
	}
	var found bool
	if !hc.opts.Private {
		lifetime, found = cc.Seconds("s-maxage")
	}
	if !found {
		lifetime, found = cc.Seconds("max-age")
	}
	if !found {
		if cc.Has("max-age") || cc.Has("s-maxage") && !hc.opts.Private {
			return 0, 0, false // present but malformed: not fresh
		}
		exp := h.Get("Expires")
		if exp == "" {
			return 0, 0, false // no explicit freshness: no heuristics
		}
		t, err := http.ParseTime(exp)
		if err != nil {
			return 0, 0, false // an invalid date means already expired
		}
		base := now
		if d, err := http.ParseTime(h.Get("Date")); err == nil {
			base = d
		}
		lifetime = t.Sub(base)
	}
	if v := h.Get("Age"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 && n < 1<<31 {
			age = time.Duration(n) * time.Second
		}
	}
	return lifetime, age, lifetime-age > 0
}

// storedHeader returns the fields of a response to store: h without the
// connection's fields, the Age and status fields the cache computes when
// it serves, and Content-Length, which it computes from the body, except
// for a response to HEAD, which has no body to count.
func (hc *httpCache) storedHeader(h http.Header, head bool) http.Header {
	out := h.Clone()
	for _, name := range header.Tokens(h.Values("Connection")) {
		delete(out, http.CanonicalHeaderKey(name))
	}
	for _, name := range hopByHop {
		delete(out, name)
	}
	delete(out, "Age")
	delete(out, hc.statusHeader)
	if !head {
		delete(out, "Content-Length")
	}
	for name, vs := range out {
		if len(vs) == 0 {
			delete(out, name)
		}
	}
	return out
}

// varyNames returns the canonical field names the Vary fields of h list,
// sorted and without duplicates.
func varyNames(h http.Header) []string {
	names := header.Tokens(h.Values("Vary"))
	if len(names) == 0 {
		return nil
	}
	for i, n := range names {
		names[i] = http.CanonicalHeaderKey(n)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// notModified reports whether the conditional fields of r (If-None-Match,
// else If-Modified-Since) hold for a response with the validators in h,
// so that a 304 answers r (RFC 9110 section 13.2.2). A malformed field is
// ignored, as the RFC asks.
func notModified(r *http.Request, h http.Header) bool {
	if inm := r.Header.Values("If-None-Match"); len(inm) > 0 {
		tags, any, ok := header.ParseETagList(strings.Join(inm, ","))
		if ok {
			if any {
				return true
			}
			etag, has := header.ParseETag(h.Get("ETag"))
			return has && slices.ContainsFunc(tags, func(t header.ETag) bool { return header.WeakMatch(t, etag) })
		}
	}
	ims, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	if err != nil {
		return false
	}
	lm, err := http.ParseTime(h.Get("Last-Modified"))
	return err == nil && !lm.After(ims)
}

// writeNotModified sends a 304 in place of a response whose fields w
// holds: the validators and caching fields stay, those describing the body
// go.
func writeNotModified(w http.ResponseWriter) {
	h := w.Header()
	for _, name := range [...]string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Language", "Content-Range", "Content-Disposition", "Transfer-Encoding"} {
		delete(h, name)
	}
	if h.Get("ETag") != "" {
		delete(h, "Last-Modified")
	}
	w.WriteHeader(http.StatusNotModified)
}

// bodyAllowed reports whether a response with status has a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
