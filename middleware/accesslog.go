package middleware

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// redacted replaces the value of a secret query parameter in the log.
const redacted = "REDACTED"

// maxLoggedLen bounds the client-controlled strings an access log line
// copies (path, query, user agent), so that one request cannot write a
// megabyte line.
const maxLoggedLen = 1024

// DefaultRedactQuery returns the query parameter names whose values
// [AccessLog] redacts unless [AccessLogOptions.RedactQuery] says
// otherwise: access_token, api_key, apikey, auth, authorization,
// client_secret, id_token, key, password, passwd, refresh_token, secret,
// session, session_id, sessionid, sig, signature, token,
// x-amz-security-token and x-amz-signature. Each call returns a new slice,
// so a caller may append its own names:
//
//	opts.RedactQuery = append(middleware.DefaultRedactQuery(), "otp")
func DefaultRedactQuery() []string {
	return []string{
		"access_token", "api_key", "apikey", "auth", "authorization",
		"client_secret", "id_token", "key", "password", "passwd",
		"refresh_token", "secret", "session", "session_id", "sessionid",
		"sig", "signature", "token", "x-amz-security-token", "x-amz-signature",
	}
}

// StatusLevel returns the level [AccessLog] logs a response status at by
// default: error for 5xx, warn for 4xx (a client that went away, 499,
// included), info otherwise.
func StatusLevel(status int) zerolog.Level {
	switch {
	case status >= 500:
		return zerolog.ErrorLevel
	case status >= 400:
		return zerolog.WarnLevel
	default:
		return zerolog.InfoLevel
	}
}

// AccessLogOptions configures [AccessLog]. The zero value is ready to use
// but logs nothing unless the request carries a request logger (see
// [RequestID]): every zero field means its documented default.
type AccessLogOptions struct {
	// Logger writes the lines of requests that carry no request logger in
	// their [reqctx.Data]. Default: the zero zerolog.Logger, which writes
	// nothing.
	Logger zerolog.Logger

	// Level returns the level to log a response status at (0 when no
	// response was sent); a panic that passes through is always logged at
	// error level. Returning zerolog.Disabled drops the line. Default:
	// [StatusLevel].
	Level func(status int) zerolog.Level

	// SampleEvery keeps one in SampleEvery successful (status below 400)
	// requests, the first one included; failures are always logged. It
	// must not be negative, nor set together with Sample. Default: 0, every
	// request is logged.
	SampleEvery int

	// Sample reports whether to log a successful (status below 400)
	// request; failures are always logged. It is called after the handler
	// returns, concurrently. Use it to drop health checks, for example.
	// Default: nil, every request is logged (or SampleEvery applies).
	Sample func(r *http.Request, status int) bool

	// RedactQuery lists the query parameter names, matched without regard
	// to case after unescaping, whose values are logged as "REDACTED". A
	// nil slice means [DefaultRedactQuery]; an empty, non-nil slice turns
	// redaction off.
	RedactQuery []string

	// Now returns the current time, to measure durations. Default:
	// time.Now.
	Now func() time.Time
}

// withDefaults returns opts with every zero field set to its default.
func (opts AccessLogOptions) withDefaults() AccessLogOptions {
	if opts.Level == nil {
		opts.Level = StatusLevel
	}
	if opts.RedactQuery == nil {
		opts.RedactQuery = DefaultRedactQuery()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts AccessLogOptions) validate() error {
	if opts.SampleEvery < 0 {
		return fmt.Errorf("middleware: AccessLogOptions.SampleEvery %d is negative", opts.SampleEvery)
	}
	if opts.SampleEvery > 0 && opts.Sample != nil {
		return fmt.Errorf("middleware: AccessLogOptions.SampleEvery and AccessLogOptions.Sample are both set")
	}
	for _, name := range opts.RedactQuery {
		if name == "" {
			return fmt.Errorf("middleware: AccessLogOptions.RedactQuery holds an empty name")
		}
	}
	return nil
}

// AccessLog returns middleware that logs one line per request, after the
// handler returns, with these fields:
//
//   - method, and route: the matched route pattern ("GET /users/{id}")
//     from [reqctx.Pattern], or the [http.Request.Pattern] that a
//     ServeMux sets, or "" when nothing matched. Its cardinality is bounded
//     by the route table, so it is the field to group by.
//   - path, and query when there is one, with the values of secret
//     parameters replaced (see [AccessLogOptions.RedactQuery]).
//   - status, bytes (body bytes written), duration (measured from when
//     AccessLog received the request). The status is 0 when no response
//     was sent: the connection was hijacked or the response aborted.
//   - client_ip: [reqctx.ClientIP] when a real-IP middleware set it, else
//     the host of the request's RemoteAddr; user_agent.
//   - hijacked: true when the handler hijacked the connection; aborted:
//     true when the handler aborted the response by panicking with
//     [http.ErrAbortHandler] (as [Recover] does for a late panic, and
//     httputil.ReverseProxy when a copy fails); panic: true when any other
//     panic passed through, which is then logged at error level with
//     status 500. A panic is never swallowed: AccessLog logs it and lets
//     it continue.
//
// The line is written to the request logger that [RequestID] puts in
// reqctx, which already carries the request ID (and the trace ID when
// tracing is on); requests without one are logged to opts.Logger, with
// request_id and trace_id fields added from reqctx when they are known.
// Headers other than User-Agent are never logged, so Authorization, Cookie
// and Set-Cookie cannot leak.
//
// A client that went away before anything was written (the request
// context was canceled) is logged with status 499,
// [errors.StatusClientClosedRequest], at warn level rather than as a server
// error. A request whose handler wrote nothing is logged as 200, the status
// net/http sends for it.
//
// AccessLog belongs inside [RequestID] and outside [Recover], so that it
// has the request logger and sees the 500 that Recover writes. It reads
// the route after the handler returns, because the router fills reqctx in
// place. It panics if opts is invalid.
func AccessLog(opts AccessLogOptions) Middleware {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		panic(err.Error())
	}
	a := &accessLog{opts: opts, secret: make(map[string]struct{}, len(opts.RedactQuery))}
	for _, name := range opts.RedactQuery {
		a.secret[strings.ToLower(name)] = struct{}{}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := a.opts.Now()
			ww := WrapResponseWriter(w)
			returned := false
			defer func() {
				if returned {
					a.log(ww, r, start, outcomeReturned)
					return
				}
				// Recovering and panicking again in the same deferred call
				// keeps the original frames on the stack, so whoever
				// recovers further out still sees where the panic began.
				v := recover()
				switch {
				case v == nil: // runtime.Goexit, not a panic
					a.log(ww, r, start, outcomeReturned)
				case v == any(http.ErrAbortHandler):
					a.log(ww, r, start, outcomeAborted)
					panic(v)
				default:
					a.log(ww, r, start, outcomePanicked)
					panic(v)
				}
			}()
			next.ServeHTTP(ww, r)
			returned = true
		})
	}
}

// accessLog is the configuration and sampling state of one AccessLog.
type accessLog struct {
	opts   AccessLogOptions
	secret map[string]struct{}
	seen   atomic.Uint64 // successful requests, for SampleEvery
}

// outcome is how the handler ended.
type outcome int

const (
	outcomeReturned outcome = iota
	outcomeAborted          // panicked with http.ErrAbortHandler
	outcomePanicked         // panicked with anything else
)

// log writes the line for one request.
func (a *accessLog) log(ww ResponseWriter, r *http.Request, start time.Time, how outcome) {
	ctx := r.Context()
	status := ww.Status()
	switch {
	case ww.HeaderWritten(), ww.Hijacked():
	case ctx.Err() == context.Canceled:
		status = errors.StatusClientClosedRequest
	case how == outcomePanicked:
		status = http.StatusInternalServerError
	case how == outcomeAborted:
		// net/http drops the connection without a response: nothing was
		// sent, which the status 0 and the aborted field say.
	default:
		status = http.StatusOK
	}

	var level zerolog.Level
	if how == outcomePanicked {
		level = zerolog.ErrorLevel
	} else {
		level = a.opts.Level(status)
		if how == outcomeReturned && status < 400 && !a.sampled(r, status) {
			return
		}
	}
	logger, fromRequest := requestLogger(ctx, &a.opts.Logger)
	e := logger.WithLevel(level)
	if e == nil {
		return
	}
	if !fromRequest {
		// Where the request logger would have put them: first.
		if id := reqctx.RequestID(ctx); id != "" {
			e.Str("request_id", id)
		}
		if id := reqctx.TraceID(ctx); id != "" {
			e.Str("trace_id", id)
		}
	}
	e.Str("method", r.Method).
		Str("route", route(r)).
		Str("path", truncate(r.URL.Path))
	if r.URL.RawQuery != "" {
		e.Str("query", truncate(redactQuery(r.URL.RawQuery, a.secret)))
	}
	e.Int("status", status).
		Int64("bytes", ww.BytesWritten()).
		Dur("duration", a.opts.Now().Sub(start))
	e.Str("client_ip", clientIP(r)).
		Str("user_agent", truncate(r.UserAgent()))
	if ww.Hijacked() {
		e.Bool("hijacked", true)
	}
	switch how {
	case outcomeAborted:
		e.Bool("aborted", true)
	case outcomePanicked:
		e.Bool("panic", true)
	}
	e.Msg("request")
}

// sampled reports whether a successful request is to be logged.
func (a *accessLog) sampled(r *http.Request, status int) bool {
	switch {
	case a.opts.Sample != nil:
		return a.opts.Sample(r, status)
	case a.opts.SampleEvery > 1:
		return (a.seen.Add(1)-1)%uint64(a.opts.SampleEvery) == 0
	default:
		return true
	}
}

// route returns the pattern of the route that served r, or "".
func route(r *http.Request) string {
	if p := reqctx.Pattern(r.Context()); p != "" {
		return p
	}
	return r.Pattern
}

// clientIP returns the client address set by a real-IP middleware, or
// else the host part of r.RemoteAddr.
func clientIP(r *http.Request) string {
	if ip := reqctx.ClientIP(r.Context()); ip.IsValid() {
		return ip.String()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// truncate shortens s to maxLoggedLen bytes, marking the cut.
func truncate(s string) string {
	if len(s) <= maxLoggedLen {
		return s
	}
	return s[:maxLoggedLen] + "..."
}

// redactQuery returns the raw query q with the value of every parameter
// named in secret (lower-case names) replaced by "REDACTED". Parameters
// are split on '&' and also on ';', which some servers still accept as a
// separator, so a secret cannot hide behind it. A name that cannot be
// unescaped is treated as secret. When nothing is redacted, q is returned
// without allocating.
func redactQuery(q string, secret map[string]struct{}) string {
	if len(secret) == 0 {
		return q
	}
	var b []byte // nil until the first redaction
	for pos := 0; pos <= len(q); {
		end := strings.IndexAny(q[pos:], "&;")
		if end < 0 {
			end = len(q)
		} else {
			end += pos
		}
		pair := q[pos:end]
		name, value, hasValue := strings.Cut(pair, "=")
		if hasValue && value != "" && isSecretParam(name, secret) {
			if b == nil {
				b = make([]byte, 0, len(q)+len(redacted))
				b = append(b, q[:pos]...)
			}
			b = append(b, name...)
			b = append(b, '=')
			b = append(b, redacted...)
		} else if b != nil {
			b = append(b, pair...)
		}
		if end < len(q) && b != nil {
			b = append(b, q[end])
		}
		pos = end + 1
	}
	if b == nil {
		return q
	}
	return string(b)
}

// isSecretParam reports whether the raw parameter name names a secret.
func isSecretParam(name string, secret map[string]struct{}) bool {
	unescaped, err := url.QueryUnescape(name)
	if err != nil {
		return true
	}
	_, ok := secret[strings.ToLower(unescaped)]
	return ok
}
