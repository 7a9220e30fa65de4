package errors

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"

	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// Write is the one way an error reaches a client. It classifies err with
// [From], writes the problem in the representation the request accepts
// (application/problem+json, or application/problem+xml for a client that
// accepts XML and not JSON), and logs err exactly once through the request
// logger, [reqctx.Logger]:
//
//   - a 5xx at error level, with err's full text (the cause included),
//     status and code;
//   - a 4xx at debug level, with the same fields: the client was told, and
//     the access log already records the status;
//   - a client that went away (err is context.Canceled and so is the
//     request's context) at debug level as "client closed request" with
//     status 499; nothing is written.
//
// The log entry has no headers, query string or body, so no credential
// reaches the logs through it. An err classified as 499 while the request's
// context is still live is an internal cancellation, not a departed client:
// it is answered as a 500.
//
// If the response header was already written by the time the handler
// returned err (Write detects it when w is, or wraps, the writer a
// [HandlerFunc] passes to its function), Write only logs: a second header
// cannot be sent. A nil err writes and logs nothing. r may be nil outside a
// request, in which case JSON is written and nothing is logged.
func Write(w http.ResponseWriter, r *http.Request, err error) {
	if err == nil {
		return
	}
	ctx := context.Background()
	if r != nil {
		ctx = r.Context()
	}
	e := From(err)
	clientGone := ctx.Err() == context.Canceled
	switch {
	case clientGone && Is(err, context.Canceled):
		if e.status != StatusClientClosedRequest {
			e = E(StatusClientClosedRequest, CodeClientClosedRequest, "client closed request").WithCause(err)
		}
	case e.status == StatusClientClosedRequest && !clientGone:
		e = Internal("canceled while the client was waiting").WithCause(err)
	}
	committed := headerWritten(w)
	logError(ctx, r, err, e, committed)
	if e.status == StatusClientClosedRequest || committed {
		return
	}
	render(w, r, e, reqctx.RequestID(ctx))
}

// logError writes the one log entry of [Write].
func logError(ctx context.Context, r *http.Request, err error, e *Error, committed bool) {
	l := reqctx.Logger(ctx)
	var ev *zerolog.Event
	msg := "request rejected"
	switch {
	case e.status == StatusClientClosedRequest:
		ev, msg = l.Debug(), "client closed request"
	case e.status >= 500:
		ev, msg = l.Error().Err(err), "request failed"
	default:
		ev = l.Debug().Err(err)
	}
	if ev == nil { // level disabled
		return
	}
	ev = ev.Int("status", e.status).Str("code", e.code)
	if r != nil {
		ev = ev.Str("method", r.Method)
		if r.URL != nil {
			ev = ev.Str("path", r.URL.Path)
		}
	}
	if p := reqctx.Pattern(ctx); p != "" {
		ev = ev.Str("route", p)
	}
	if committed {
		ev = ev.Bool("response_committed", true)
	}
	ev.Msg(msg)
}

// HandlerFunc is an http.Handler that returns an error: a handler says
//
//	return errors.NotFound("no user %q", id)
//
// and ServeHTTP passes the error to [Write], which renders and logs it once.
// A handler that returns nil has written its response itself.
//
// ServeHTTP gives the function a ResponseWriter that records whether the
// response header has been written, so that an error returned after the
// response started is logged without a second header. The recorder costs
// one small allocation per request; it keeps http.Flusher, http.Hijacker and
// io.ReaderFrom working and implements Unwrap, so http.ResponseController
// reaches the underlying writer's other features.
type HandlerFunc func(http.ResponseWriter, *http.Request) error

// ServeHTTP calls f(w, r) and writes the error it returns, if any, with
// [Write].
func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rw, ok := w.(*responseWriter)
	if !ok {
		rw = &responseWriter{ResponseWriter: w}
	}
	if err := f(rw, r); err != nil {
		Write(rw, r, err)
	}
}

// responseWriter records whether the response header was written.
type responseWriter struct {
	http.ResponseWriter
	written bool
}

var (
	_ http.Flusher  = (*responseWriter)(nil)
	_ http.Hijacker = (*responseWriter)(nil)
	_ io.ReaderFrom = (*responseWriter)(nil)
)

// WriteHeader records that the header is written, unless code is an
// informational status other than 101, which may be followed by the final
// header.
func (w *responseWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.written = true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write writes to the response, which writes the header first.
func (w *responseWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.ResponseWriter.Write(b)
}

// ReadFrom copies src to the response, with the underlying writer's
// ReadFrom when it has one (net/http's uses sendfile).
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	w.written = true
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

// Flush sends the buffered response, header included. It does nothing when
// the underlying writer cannot flush.
func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		w.written = true
		f.Flush()
		return
	}
	if http.NewResponseController(w.ResponseWriter).Flush() == nil {
		w.written = true
	}
}

// Hijack hands the connection over to the caller, or returns an error
// wrapping http.ErrNotSupported when the underlying writer cannot.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.written = true
	}
	return conn, rw, err
}

// Unwrap returns the underlying ResponseWriter, for
// http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writerOnly hides every method but Write, so that io.Copy does not call
// ReadFrom back.
type writerOnly struct{ io.Writer }

// headerWritten reports whether w, or a writer it wraps, is the recorder of
// a [HandlerFunc] that has seen the header written.
func headerWritten(w http.ResponseWriter) bool {
	for range 16 { // bounded, in case of an Unwrap cycle
		switch rw := w.(type) {
		case *responseWriter:
			return rw.written
		case interface{ HeaderWritten() bool }:
			// Recording wrappers from other packages, such as
			// middleware.ResponseWriter, know it too.
			return rw.HeaderWritten()
		case interface{ Unwrap() http.ResponseWriter }:
			w = rw.Unwrap()
		default:
			return false
		}
	}
	return false
}
