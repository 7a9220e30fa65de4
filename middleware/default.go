package middleware

import (
	"net/http"

	"github.com/rs/zerolog"
)

// DefaultOptions configures [Default]. Each field holds the options of one
// middleware of the stack, and its zero value means that middleware's own
// defaults; the optional pieces are left out while their field is nil.
type DefaultOptions struct {
	// Logger is the service's logger. RequestID derives each request's
	// logger from it, and AccessLog and Recover fall back to it. It is
	// used where the corresponding options below leave their Logger zero.
	Logger zerolog.Logger

	RequestID       RequestIDOptions
	RealIP          RealIPOptions
	AccessLog       AccessLogOptions
	SecurityHeaders SecurityHeadersOptions
	Recover         RecoverOptions
	LoadShed        LoadShedOptions
	BodyLimit       BodyLimitOptions
	Timeout         TimeoutOptions

	// CORS, when not nil, adds the CORS middleware with these options.
	// Default nil: an API served to its own origin needs none.
	CORS *CORSOptions

	// Compress, when not nil, is the innermost middleware of the stack:
	// pass compress.Middleware(compress.Options{}) from
	// [github.com/keel-go/keel/middleware/compress]. It lives in its own
	// package so that its codecs are linked only into services that use
	// it. Default nil.
	Compress func(http.Handler) http.Handler
}

// Default returns keel's recommended production stack, in this order
// (outermost first), each for the reason given:
//
//  1. [RequestID] attaches the request's reqctx.Data, which every layer
//     below fills in place, and gives the request the ID and the logger
//     that every log line and error response below carries.
//  2. [RealIP] resolves the client address before anything logs or limits
//     by it.
//  3. [AccessLog] sees the request first and the response last, so its
//     duration is the whole request's and its status the one the client
//     got, whichever layer below answered.
//  4. [SecurityHeaders] sets its headers before anything below can answer,
//     so refusals, errors and Recover's 500 carry them too.
//  5. [Recover] turns a panic anywhere below, middleware included, into one
//     logged 500.
//  6. [LoadShed] refuses excess requests before they cost anything.
//  7. [CORS], when configured, answers preflights before the limits below,
//     and its headers reach the error responses of the layers below, which
//     browsers could not read otherwise.
//  8. [BodyLimit] caps what any handler can read.
//  9. [Timeout] bounds the handler and what is below it.
//  10. Compress, when given, wraps only what the handler writes.
//
// Per-route pieces are not part of it and go on router groups or routes:
// [RateLimit], [Idempotency] and [CSRF] after authentication, and
// [Conditional] and [CacheControl] on the routes whose responses they
// describe.
//
// Default panics on invalid options, as each middleware does.
func Default(opts DefaultOptions) Middleware {
	if isSet(&opts.Logger) {
		if !isSet(&opts.RequestID.Logger) {
			opts.RequestID.Logger = opts.Logger
		}
		if !isSet(&opts.AccessLog.Logger) {
			opts.AccessLog.Logger = opts.Logger
		}
		if !isSet(&opts.Recover.Logger) {
			opts.Recover.Logger = opts.Logger
		}
	}
	stack := []func(http.Handler) http.Handler{
		RequestID(opts.RequestID),
		RealIP(opts.RealIP),
		AccessLog(opts.AccessLog),
		SecurityHeaders(opts.SecurityHeaders),
		Recover(opts.Recover),
		LoadShed(opts.LoadShed),
	}
	if opts.CORS != nil {
		stack = append(stack, CORS(*opts.CORS))
	}
	stack = append(stack, BodyLimit(opts.BodyLimit), Timeout(opts.Timeout))
	if opts.Compress != nil {
		stack = append(stack, opts.Compress)
	}
	return Chain(stack...)
}
