package middleware

import (
	"context"
	"fmt"
	"net/http"
	"reflect"

	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// Middleware wraps an [http.Handler] in another. It is an alias, not a
// defined type, so any func(http.Handler) http.Handler — from this package,
// the standard library or a third party — is a Middleware without
// conversion.
type Middleware = func(http.Handler) http.Handler

// Chain composes middleware into one. The first argument is the outermost:
// it sees the request first and the response last.
//
//	Chain(a, b, c)(h) == a(b(c(h)))
//
//	request  ──▶ a ──▶ b ──▶ c ──▶ h
//	response ◀── a ◀── b ◀── c ◀── h
//
// Chain with no arguments returns a Middleware that returns the handler
// unchanged. The result is itself a Middleware, so chains nest.
//
// A nil middleware is a programming error: Chain panics when given one, and
// the returned Middleware panics when given a nil handler or when one of the
// middleware returns nil, so the mistake surfaces when the server is wired,
// not on the first request.
func Chain(mw ...func(http.Handler) http.Handler) Middleware {
	for i, m := range mw {
		if m == nil {
			panic(fmt.Sprintf("middleware: Chain: middleware %d is nil", i))
		}
	}
	// Copy so that a caller reusing its slice cannot change the chain later.
	mw = append([]func(http.Handler) http.Handler(nil), mw...)
	return func(h http.Handler) http.Handler {
		if h == nil {
			panic("middleware: Chain: nil handler")
		}
		for i := len(mw) - 1; i >= 0; i-- {
			h = mw[i](h)
			if h == nil {
				panic(fmt.Sprintf("middleware: Chain: middleware %d returned a nil handler", i))
			}
		}
		return h
	}
}

// requestLogger returns the request logger carried by ctx when a
// middleware set one, and otherwise fallback. fromRequest reports which:
// the request logger already carries the request's fields (request ID,
// trace ID), so a caller adds them only to the fallback.
//
// A request logger whose request fields are still pending (see
// reqctx.Data.SetLogger) is returned as it stands with fromRequest false:
// a middleware that logs once adds the fields to its event, which is
// cheaper than building the logger.
func requestLogger(ctx context.Context, fallback *zerolog.Logger) (l *zerolog.Logger, fromRequest bool) {
	if d := reqctx.From(ctx); d != nil {
		if base, pending := d.BaseLogger(); isSet(base) {
			return base, pending == nil
		}
	}
	return fallback, false
}

// isSet reports whether l differs from the zero zerolog.Logger, which is
// how options and reqctx say "no logger". zerolog offers no other way to
// tell an unset logger from one configured to write, and an explicitly
// silent logger (zerolog.Nop) is not zero, so it is still honoured.
func isSet(l *zerolog.Logger) bool {
	return !reflect.ValueOf(l).Elem().IsZero()
}
