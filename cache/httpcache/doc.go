// Package httpcache is HTTP response caching middleware: a shared cache in
// front of a handler, as RFC 9111 describes one, that stores responses in
// any [cache.Cache] of bytes — in the process, or in Redis so that every
// instance of a service shares them.
//
//	// Any cache.Cache[[]byte]: rediscache shares the entries between instances.
//	store, err := rediscache.New(client, rediscache.Options[[]byte]{Codec: cache.Raw{}})
//	if err != nil {
//		return err
//	}
//	mw, err := httpcache.New(store, httpcache.Options{})
//	if err != nil {
//		return err
//	}
//	r := router.New()
//	r.With(mw).Get("/products/:id", showProduct)
//
//	// The handler says what may be cached, and for how long.
//	func showProduct(w http.ResponseWriter, r *http.Request) {
//		w.Header().Set("Cache-Control", "public, max-age=60")
//		w.Header().Set("ETag", `"v42"`)
//		...
//	}
//
// The handler decides what is cached, and for how long, with its
// Cache-Control field, as it would for a CDN; the middleware adds nothing
// to responses but Age and its status field (X-Cache: HIT, MISS or
// BYPASS, see [Options.StatusHeader]).
//
// # What is stored
//
// Responses to GET and HEAD with explicit freshness: s-maxage, else
// max-age, else Expires (there are no heuristics: a response without any
// of them is not stored), and a status RFC 9110 calls cacheable by default
// (200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501). Not stored:
//
//   - no-store, and private unless [Options.Private] makes the cache
//     private;
//   - no-cache: the cache does not revalidate with the handler, so a
//     response that must be revalidated before each use is not stored;
//   - a response with Set-Cookie, which belongs to one client, or with
//     trailers, or with Vary: *;
//   - a body larger than [Options.MaxBodyBytes], and a response the
//     handler flushes before it ends (a stream): both go out as the
//     handler writes them, uncached.
//
// Requests bypass the cache altogether when they carry Authorization
// (unless [Options.AllowAuthorized]), Range, If-Match,
// If-Unmodified-Since or Upgrade, or Cache-Control: no-store. A request
// with Cache-Control: no-cache (or Pragma: no-cache) or a max-age smaller
// than the stored response's age runs the handler and refreshes the
// stored response; [Options.IgnoreRequestCacheControl] turns this off.
// The other request directives (max-stale, min-fresh, only-if-cached) are
// ignored: the cache never serves a stale response.
//
// # Keys and Vary
//
// A response is stored under its method, the request's host and its path
// and query, without the scheme; [Options.SortQuery] makes the order of
// the query parameters irrelevant. A HEAD request is answered from the
// stored response to GET when there is one, and otherwise from a stored
// response to HEAD.
//
// A response with a Vary field is stored as two records: under the URL's
// key, the list of request fields it varies on; under a second key that
// adds those fields' values, the response itself. A lookup reads the first
// to compute the second, so each variant (each Accept-Language, each
// Accept-Encoding, ...) is its own entry. A response that depends on a
// request field must say so with Vary, or with Cache-Control: private;
// the cache cannot know otherwise.
//
// # Hits, conditional requests and HEAD
//
// A hit carries the stored fields, an Age field counting the seconds since
// the response was generated (with [Options.Now] as the clock) and the
// status field. A conditional GET or HEAD is answered with 304 Not
// Modified when its If-None-Match matches the stored ETag (or, without
// If-None-Match, its If-Modified-Since is not older than Last-Modified) —
// on a hit and on a miss alike: the handler filling the cache always sees
// the request without those fields, so that it produces a full response to
// store. HEAD gets the fields and the Content-Length of the stored
// response, without its body.
//
// # Concurrent misses
//
// Concurrent requests that miss the same key run the handler once: the
// first runs it, the others wait and are served the response it produced,
// as hits. When the response turns out not to be storable, the waiting
// requests are released as soon as that is known (at the status, or when
// the body outgrows the limit, or on a flush) and each runs the handler
// itself: their responses may differ, and one client must not get
// another's uncacheable response. A waiting request whose context ends
// stops waiting and is not answered.
//
// # Failures
//
// A cache that fails is a slower service, never a broken one. A backend
// error is logged through the request logger ([reqctx.Logger]) and the
// handler serves the request. A stored record that cannot be decoded (a
// corrupt value, or one written by another program under the same prefix)
// is logged, treated as a miss and replaced by the new response, or
// deleted when that response is not stored.
//
// # Chain order
//
// Put the cache inside request ID, access log and recover middleware, so
// that hits are logged, and inside authentication only with
// AllowAuthorized. Middleware between the cache and the handler is cached
// with the handler's response: compress.Middleware there stores each
// encoding as its own variant (it sends Vary: Accept-Encoding); outside,
// it compresses each hit again. Fields that middleware outside the cache
// sets before calling it (a request ID) are never stored.
package httpcache
