// Package middleware provides the middleware chain and keel's standard
// middleware. Every middleware is a plain func(http.Handler) http.Handler
// ([Middleware]), so these compose with the standard library, chi, gin's
// WrapH and any third-party middleware, and each is configured by an
// options struct whose zero value is the production default.
//
//	logger := zerolog.New(os.Stderr).With().Timestamp().Logger()
//
//	stack := middleware.Default(middleware.DefaultOptions{
//		Logger: logger,
//		RealIP: middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8"}},
//		CORS:   &middleware.CORSOptions{AllowedOrigins: []string{"https://app.example.com"}},
//	})
//	srv := &http.Server{
//		Addr:    ":8080",
//		Handler: stack(mux), // the router: keel's, or http.ServeMux
//	}
//
//	// Or pick and order pieces yourself:
//	stack = middleware.Chain(
//		middleware.RequestID(middleware.RequestIDOptions{Logger: logger}),
//		middleware.AccessLog(middleware.AccessLogOptions{}),
//		middleware.Recover(middleware.RecoverOptions{}),
//	)
//
// Handlers read what the middleware set up from [reqctx]: the request ID
// with reqctx.RequestID(ctx), and the request logger, which carries it,
// with reqctx.Logger(ctx).
//
// # Chain order
//
// [Chain](a, b, c) is a(b(c(h))): the first middleware is the outermost. It
// sees the request first and the response last:
//
//	request  ──▶ a ──▶ b ──▶ c ──▶ handler
//	response ◀── a ◀── b ◀── c ◀── handler
//
// Configuration is checked when the chain is built: a nil middleware, a nil
// handler or invalid options panic with a message starting "middleware: ",
// so a wiring mistake stops the server at start-up instead of failing a
// request.
//
// # The middleware
//
// Around every request, in [Default]'s order: [RequestID], [RealIP],
// [AccessLog], [SecurityHeaders], [Recover], [LoadShed], [CORS],
// [BodyLimit], [Timeout], and compression from the sub-package
// [github.com/keel-go/keel/middleware/compress], kept apart so that its
// codecs are linked only when used. On routes and groups: [RateLimit],
// [Idempotency], [CSRF], [Conditional] (with [CheckPreconditions]),
// [CacheControl] and [BodyLimitFor].
//
// # Recommended order
//
// [Default] builds the recommended stack and its documentation gives the
// reason for each position. In short:
//
//  1. [RequestID], outermost. It attaches the request's [reqctx.Data], which
//     everything inside fills in place, and sets the request ID and the
//     request logger that every later log line and error response carries.
//  2. [RealIP], before anything that logs or limits by client address.
//  3. [AccessLog]. Inside RequestID, so its line has the request ID; outside
//     everything else, so its duration covers the whole request and its
//     status is the one the client got, including Recover's 500. It reads the
//     matched route after the handler returns, when the router has filled
//     it in.
//  4. [SecurityHeaders], before anything can answer, so every response,
//     errors included, carries them.
//  5. [Recover]. Inside AccessLog, so the access log records the 500 rather
//     than a panic; outside the rest, where panics happen.
//  6. [LoadShed], [CORS], [BodyLimit] and [Timeout]: cheap refusals first,
//     then the limits on what a handler may read and how long it may take.
//  7. Compression, innermost, around what the handler writes.
//  8. The router, then the route's own middleware and handler: rate limits,
//     authentication, CSRF, idempotency, conditional requests and cache
//     policies, which depend on the route.
//
// Install the stack with the router's Use, which wraps everything the router
// answers, so 404s, 405s and preflights pass through it too.
//
// # Response writers
//
// Middleware that needs to know what the handler wrote wraps the writer
// with [WrapResponseWriter]. The [ResponseWriter] it returns records the
// status, the body size and whether the header was sent, keeps
// http.Flusher, http.Hijacker and io.ReaderFrom working (advertising Flusher
// and Hijacker only when the wrapped writer has them), and implements
// Unwrap for http.ResponseController. Wrapping a ResponseWriter again
// returns it unchanged, so AccessLog and Recover share one.
//
// # Logs and secrets
//
// Access log lines and panic entries are structured zerolog events written
// through the request logger. They never include request headers other
// than User-Agent, so Authorization, Cookie and Set-Cookie values cannot
// reach the logs, and AccessLog replaces the values of secret query
// parameters (tokens, keys, passwords, signatures; see
// [DefaultRedactQuery]) with "REDACTED". Error responses come from
// [errors.Write]: a 5xx body carries a generic message and the request ID,
// never a panic's text.
package middleware
