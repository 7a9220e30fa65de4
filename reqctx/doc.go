// Package reqctx holds the request-scoped data every layer of a keel service
// shares: request ID, trace and span IDs, start time, client IP, the matched
// route with its metadata and parameters, the authenticated principal, the
// request logger and small typed values.
//
//	// The outermost middleware attaches the data once:
//	func outer(next http.Handler) http.Handler {
//		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//			r, d := reqctx.Attach(r)
//			d.RequestID = newID()
//			next.ServeHTTP(w, r)
//			log.Printf("%s %s", d.RequestID, reqctx.Pattern(r.Context())) // filled by the router
//		})
//	}
//
//	// Everything inside reads it, or fills it in place:
//	func handler(w http.ResponseWriter, r *http.Request) {
//		reqctx.Logger(r.Context()).Info().Msg("hello") // carries request_id
//	}
//
// # One struct, filled in place
//
// A request's [Data] is one struct attached to the context once, by the
// outermost middleware ([Attach]). The layers inside it do not derive new
// contexts to add values: they write to the same struct. That costs one
// allocation for the whole request instead of a context node and a request
// copy per value, and it lets a middleware outside the router see what the
// router found after the handler returns: an access log reads the matched
// route pattern, an auth middleware reads the route's required permissions,
// all from the same struct.
//
// Attaching costs at most two allocations: the context node, which holds the
// Data inline, and the request copy made by http.Request.WithContext. The
// router fills the route and up to eight parameters without allocating.
//
// # Reading without a Data
//
// Every getter works on any context. On a context without a Data it returns
// the zero value ("" for IDs, nil for the route, a disabled logger), so code
// that reads request data never needs to know whether the middleware ran.
// [WithData] builds a context with chosen values for tests and background
// jobs.
//
// # Typed values
//
// [NewKey], [Set] and [Get] store small request-scoped values under keys
// typed by their value, so a value cannot be read back as the wrong type.
//
// # Concurrency
//
// A Data belongs to the goroutine serving its request. Goroutines a handler
// starts must copy what they need: the struct is not safe for concurrent
// mutation, and it must not be used after the request's handler returns.
package reqctx
