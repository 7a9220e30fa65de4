// Package compress provides HTTP response compression middleware: gzip,
// br (brotli) and deflate, negotiated from the request's Accept-Encoding
// with its q-values.
//
//	stack := middleware.Chain(
//		middleware.RequestID(middleware.RequestIDOptions{Logger: logger}),
//		middleware.AccessLog(middleware.AccessLogOptions{}),
//		middleware.Recover(middleware.RecoverOptions{}),
//		compress.Middleware(compress.Options{}),
//		middleware.Conditional(middleware.ConditionalOptions{}),
//	)
//	srv := &http.Server{Addr: ":8080", Handler: stack(router)}
//
// [Middleware] compresses a response when the client accepts a coding,
// the media type is textual (see [DefaultTypes]) and the body reaches
// [DefaultMinSize] bytes; the zero [Options] are the production default.
// [New] returns an error for configuration read at run time, where
// Middleware panics.
//
// It lives in its own package, apart from
// [github.com/keel-go/keel/middleware], because it links brotli
// (github.com/andybalholm/brotli) and klauspost/compress: a program that
// does not compress responses does not carry them. Besides those two it
// imports only the standard library and [github.com/keel-go/keel/header],
// never middleware, so it can be copied with header alone.
//
// # Chain order
//
// The middleware belongs inside AccessLog and Recover, so that the access
// log counts the bytes sent on the wire and a panic while compressing is
// recovered, and outside Conditional and the router, so that entity tags
// are computed on the uncompressed body and suffixed once. CacheControl
// goes inside it, so that a no-transform directive it sets is seen.
//
// # Entity tags
//
// A compressed body is a different representation from the uncompressed
// one, and RFC 9110 section 8.8.3 gives different representations
// different strong entity tags. The middleware therefore suffixes a
// strong ETag the handler set with the coding: "abc" is sent as
// "abc-gzip". A weak ETag is left alone, since both representations are
// semantically the same. On the way in, an If-None-Match tag carrying the
// suffix of the coding chosen for the request, and an If-Match tag
// carrying the suffix of any offered coding, are rewritten back to the
// handler's tag, so that the handler — or Conditional inside the
// middleware — recognises the validator a client got from a compressed
// response. A 304 answering such a tag carries the suffixed ETag again. A
// handler's own ETag should therefore not end in "-gzip", "-br" or
// "-deflate".
//
// # Streaming
//
// A handler that flushes — server-sent events, a long JSON stream —
// gets its bytes to the client at each flush: Flush sends the held-back
// body whatever its size, flushes the encoder, then the connection. So
// text/event-stream is compressed and each event still arrives when the
// handler flushes it. Hijack passes through, and Unwrap returns the
// wrapped writer for [net/http.ResponseController].
//
// # Pools
//
// Encoders are expensive to create (a brotli writer holds hundreds of
// kilobytes of tables), so each middleware value keeps a pool of encoders
// per coding and a pool of response writers. A compressed 4 KiB response
// costs two small allocations, for its header values. Build the
// middleware once and share it across routes, rather than per request or
// per route.
//
// # Why gzip first
//
// The default preference, [DefaultEncodings], is gzip, br, deflate. At
// the default levels gzip costs about a fifth of brotli's CPU for output
// about a third larger, which is the better trade for bodies compressed
// per request. The server's order only breaks ties: a client that ranks
// br above gzip with q-values gets br. To prefer brotli, list it first in
// [Options.Encodings].
package compress
