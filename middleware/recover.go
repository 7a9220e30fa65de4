package middleware

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// PanicError is the cause of the 500 error that [Recover] writes for a
// panic. It carries the value the handler panicked with; when that value is
// an error, Unwrap returns it, so [errors.Is] and [errors.As] see through.
// Its text reaches the log, never the client.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
}

var _ error = (*PanicError)(nil)

// Error returns "panic: " followed by the panic value.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value if it is an error, or nil.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// RecoverOptions configures [Recover]. The zero value is ready to use:
// every zero field means its documented default.
type RecoverOptions struct {
	// Logger logs panics of requests that carry no request logger in
	// their [reqctx.Data]. Default: the zero zerolog.Logger, which writes
	// nothing.
	Logger zerolog.Logger

	// DisableStack leaves the goroutine stack out of the log entry.
	// Default: false, the entry has a "stack" field.
	DisableStack bool
}

// Recover returns middleware that turns a panic in the handler into a 500
// response and one log entry, so that one bad request neither kills the
// connection silently nor leaks the panic text to the client.
//
// When the response has not started, the panic becomes a 500 problem
// written by [errors.Write], from an [errors.Internal] error whose cause is
// a [*PanicError] holding the panic value. The client sees a generic detail
// and the request ID, never the panic text. [errors.Write] logs the error
// once, at error level, through the request logger (or opts.Logger when the
// request has none); Recover adds the fields "panic": true and "stack" to
// that one entry.
//
// When the header was already sent, or the connection hijacked, a second
// header cannot be written. Recover then logs the same entry itself, with
// "response_committed": true, and panics with [http.ErrAbortHandler]:
// net/http closes the connection (or resets the HTTP/2 stream) without
// logging again, so the client sees a truncated response instead of a
// well-formed one that lies about its success.
//
// A panic with [http.ErrAbortHandler] itself is the handler's deliberate
// abort: Recover lets it through untouched, as net/http expects.
//
// Recover belongs inside [AccessLog], so that the access log records the
// 500, and outside the router and everything that may panic.
func Recover(opts RecoverOptions) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ww := WrapResponseWriter(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == any(http.ErrAbortHandler) {
					panic(v)
				}
				var stack []byte
				if !opts.DisableStack {
					stack = debug.Stack()
				}
				recovered(ww, r, &PanicError{Value: v}, stack, &opts.Logger)
			}()
			next.ServeHTTP(ww, r)
		})
	}
}

// recovered answers and logs a recovered panic, or aborts the response.
func recovered(ww ResponseWriter, r *http.Request, pe *PanicError, stack []byte, fallback *zerolog.Logger) {
	if ww.HeaderWritten() || ww.Hijacked() {
		logCommitted(ww, r, pe, stack, fallback)
		panic(http.ErrAbortHandler)
	}
	// errors.Write logs through the request logger. Lend it, for this one
	// call, a logger with the panic fields, so that the panic is logged
	// once, in the same shape as every other 5xx.
	r, d := reqctx.Attach(r)
	d.RequestLogger() // finish a pending logger, so the swap below is complete
	saved := d.Logger
	base, fromRequest := requestLogger(r.Context(), fallback)
	ctx := base.With()
	if !fromRequest && d.RequestID != "" {
		ctx = ctx.Str("request_id", d.RequestID)
	}
	ctx = ctx.Bool("panic", true)
	if stack != nil {
		ctx = ctx.Bytes("stack", stack)
	}
	d.Logger = ctx.Logger()
	defer func() { d.Logger = saved }()
	errors.Write(ww, r, errors.Internal("%w", pe))
}

// logCommitted logs a panic that happened after the response started, with
// the fields errors.Write would use.
func logCommitted(ww ResponseWriter, r *http.Request, pe *PanicError, stack []byte, fallback *zerolog.Logger) {
	logger, fromRequest := requestLogger(r.Context(), fallback)
	e := logger.Error()
	if e == nil {
		return
	}
	e.Err(pe).
		Int("status", ww.Status()).
		Str("code", errors.CodeInternal).
		Str("method", r.Method).
		Str("path", r.URL.Path)
	if p := route(r); p != "" {
		e.Str("route", p)
	}
	if !fromRequest {
		if id := reqctx.RequestID(r.Context()); id != "" {
			e.Str("request_id", id)
		}
	}
	e.Bool("response_committed", true).Bool("panic", true)
	if stack != nil {
		e.Bytes("stack", stack)
	}
	e.Msg("request failed")
}
