package middleware

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// DefaultTimeout is how long [Timeout] lets a handler run before it
// answers 503, unless [TimeoutOptions.Timeout] says otherwise. It is half
// of keel's default server WriteTimeout (60s), so the 503 is sent before
// the server gives up on the connection.
const DefaultTimeout = 30 * time.Second

// CodeTimeout is the problem code of the 503 that [Timeout] writes for a
// handler that did not answer in time.
const CodeTimeout = "timeout"

// TimeoutOptions configures [Timeout]. The zero value is ready to use:
// every zero field means its documented default.
type TimeoutOptions struct {
	// Timeout is how long a handler may run before it must have started
	// its response. It must not be negative, and it must be shorter than
	// the server's WriteTimeout, or the server closes the connection
	// before the 503 can be sent. Default: [DefaultTimeout].
	Timeout time.Duration

	// RetryAfter, when positive, is sent with the 503 as a Retry-After
	// header, in whole seconds rounded up. It must not be negative.
	// Default: 0, no Retry-After.
	RetryAfter time.Duration

	// Skip reports whether a request is exempt: it runs with no deadline
	// added and no 503, for streaming routes such as server-sent events,
	// WebSocket upgrades and long downloads. It is called once per
	// request, before routing, so it decides from the request alone (its
	// path, its Accept or Upgrade header). Default: nil, no request is
	// exempt.
	Skip func(*http.Request) bool
}

// withDefaults returns opts with every zero field set to its default.
func (opts TimeoutOptions) withDefaults() TimeoutOptions {
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts TimeoutOptions) validate() error {
	if opts.Timeout < 0 {
		return fmt.Errorf("middleware: TimeoutOptions.Timeout %s is negative", opts.Timeout)
	}
	if opts.RetryAfter < 0 {
		return fmt.Errorf("middleware: TimeoutOptions.RetryAfter %s is negative", opts.RetryAfter)
	}
	return nil
}

// Timeout returns middleware that bounds how long a handler may take to
// start its response. It gives the request's context a deadline
// (opts.Timeout from now), and if the handler has written nothing when
// the deadline passes, it answers 503 Service Unavailable at once, with an
// [errors.Unavailable] problem of code [CodeTimeout] (and Retry-After when
// opts.RetryAfter is set).
//
// It belongs after [Recover] and the other middleware that answer early
// ([LoadShed], rate limits), so their answers are not delayed by it, and
// before the router and the expensive layers (authentication, body
// decoding), so that their time counts. Installed as route group
// middleware it bounds that group's routes; nested Timeouts answer once,
// at the earliest deadline. Its timeout must be shorter than the server's
// WriteTimeout: net/http's own timeout kills the connection without an
// answer.
//
// # Streaming
//
// Unlike [http.TimeoutHandler], Timeout does not buffer the response. The
// handler runs on the request's goroutine and writes through to the
// client; once it has written anything (a header, a byte of body, a
// Flush), the response is its own and Timeout never writes a 503, even
// after the deadline. The deadline still applies to the handler's work:
// its context is done, and a handler that streams should watch it. The
// handler's writer is an [http.Flusher] and an [http.Hijacker] exactly when
// the server's writer is, always an [io.ReaderFrom], and implements Unwrap
// for [http.ResponseController]. Hijacking the connection also disarms the
// 503; to keep a hijacked connection past the deadline, detach its context
// with context.WithoutCancel, or exempt the route with opts.Skip.
//
// # After the deadline
//
// The 503 is written from the timer's goroutine, under a lock that every
// write of the handler takes until the response starts. From then on the
// handler's output is discarded, without a data race and without a second
// header: Write, ReadFrom, Flush (through [http.ResponseController]) and
// Hijack return [http.ErrHandlerTimeout], WriteHeader does nothing, and
// [errors.Write] only logs. A handler that starts its response after the
// deadline, or returns without one, gets the same 503 even if the timer's
// goroutine has not run yet, so the outcome does not depend on
// scheduling. The 503 carries a Content-Length and is
// flushed, so the client has its whole answer while the handler is still
// running; on HTTP/1 it also says Connection: close, because the
// connection stays busy until the handler returns. Timeout cannot stop a
// handler that ignores its context: it waits for it to return, since
// net/http forbids using the request after ServeHTTP returns.
//
// Timeout panics if opts is invalid.
func Timeout(opts TimeoutOptions) Middleware {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		panic(err.Error())
	}
	problem := errors.Unavailable("handler did not start its response within %s", opts.Timeout).
		WithCode(CodeTimeout).
		WithDetail("The server did not answer in time.").
		WithRetryAfter(opts.RetryAfter)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if opts.Skip != nil && opts.Skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), opts.Timeout)
			defer cancel()
			ww, tw := newTimeoutWriter(ctx, w, r, problem)
			tw.stop = context.AfterFunc(ctx, tw.expire)
			returned := false
			defer func() { tw.finish(returned) }()
			next.ServeHTTP(ww, r.WithContext(ctx))
			returned = true
		})
	}
}

// toWriter is the writer Timeout gives the handler: the concurrency
// design of the middleware lives here.
//
// Until the response starts, everything that touches the server's writer
// happens under mu: the handler's first write and the timer's 503 race
// for it, and the loser backs off. The handler gets a private header map
// meanwhile, because the timer's goroutine writes the 503's header into
// the server's map. Once the handler has started (committed), the timer
// never touches the writer again, so the handler's writes go straight
// through without the lock.
//
// ServeHTTP must not return while the timer's goroutine is writing, so
// finish takes mu before Timeout returns: a 503 in progress completes
// first, and a timer that fires later finds finished set and does
// nothing.
type toWriter struct {
	w       http.ResponseWriter
	ctx     context.Context // the request's context, with the deadline
	problem *errors.Error
	stop    func() bool // disarms the timer

	// What the 503 needs from the request and its reqctx.Data, copied
	// before the timer starts: the handler's goroutine may change them
	// while the timer's goroutine renders the 503.
	method     string
	path       string
	accept     []string
	protoMajor int
	parent     context.Context // the request's context without the deadline
	requestID  string
	traceID    string
	spanID     string
	logger     zerolog.Logger
	logWith    func(zerolog.Context, *reqctx.Data) zerolog.Context // pending request fields

	mu        sync.Mutex
	h         http.Header // the handler's header until committed; nil until asked for
	committed bool        // the handler started the response: pass through
	hijacked  bool
	timedOut  bool // the 503 is sent: discard the handler's output
	finished  bool // ServeHTTP is returning: the timer must not write
}

// newTimeoutWriter returns the writer for the handler, advertising the
// optional interfaces of w, and its shared state.
func newTimeoutWriter(ctx context.Context, w http.ResponseWriter, r *http.Request, problem *errors.Error) (http.ResponseWriter, *toWriter) {
	var ww http.ResponseWriter
	var tw *toWriter
	_, canFlush := w.(http.Flusher)
	_, canHijack := w.(http.Hijacker)
	switch {
	case canFlush && canHijack:
		x := &toFlushHijackWriter{}
		ww, tw = x, &x.toWriter
	case canFlush:
		x := &toFlushWriter{}
		ww, tw = x, &x.toWriter
	case canHijack:
		x := &toHijackWriter{}
		ww, tw = x, &x.toWriter
	default:
		tw = &toWriter{}
		ww = tw
	}
	tw.w, tw.ctx, tw.problem = w, ctx, problem
	tw.method, tw.path, tw.accept, tw.protoMajor = r.Method, r.URL.Path, r.Header["Accept"], r.ProtoMajor
	tw.parent = r.Context()
	if d := reqctx.From(r.Context()); d != nil {
		tw.requestID, tw.traceID, tw.spanID = d.RequestID, d.TraceID, d.SpanID
		base, with := d.BaseLogger()
		tw.logger, tw.logWith = *base, with
	}
	return ww, tw
}

// Header returns the header map the handler sets its response header in.
func (tw *toWriter) Header() http.Header {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.committed && !tw.hijacked {
		return tw.w.Header()
	}
	if tw.h == nil {
		tw.h = tw.w.Header().Clone()
		if tw.h == nil {
			tw.h = make(http.Header)
		}
	}
	return tw.h
}

// WriteHeader sends the handler's header, unless the 503 was sent.
func (tw *toWriter) WriteHeader(code int) {
	if tw.committed {
		tw.w.WriteHeader(code)
		return
	}
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if !tw.admitLocked() {
		return
	}
	tw.syncHeaderLocked()
	if code < 100 || code > 199 || code == http.StatusSwitchingProtocols {
		tw.committed = true
	}
	tw.w.WriteHeader(code)
}

// Write writes to the response, or returns http.ErrHandlerTimeout once the
// 503 was sent.
func (tw *toWriter) Write(p []byte) (int, error) {
	if err := tw.commit(); err != nil {
		return 0, err
	}
	return tw.w.Write(p)
}

// WriteString writes s to the response like Write, without a copy when
// the server's writer implements io.StringWriter.
func (tw *toWriter) WriteString(s string) (int, error) {
	if err := tw.commit(); err != nil {
		return 0, err
	}
	return io.WriteString(tw.w, s)
}

// ReadFrom copies src to the response with the server's writer's
// ReadFrom, which net/http turns into sendfile or splice.
func (tw *toWriter) ReadFrom(src io.Reader) (int64, error) {
	if err := tw.commit(); err != nil {
		return 0, err
	}
	if rf, ok := tw.w.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{tw.w}, src)
}

// FlushError flushes the response through [http.ResponseController], or
// returns http.ErrHandlerTimeout once the 503 was sent.
func (tw *toWriter) FlushError() error {
	if tw.committed {
		return http.NewResponseController(tw.w).Flush()
	}
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if !tw.admitLocked() {
		return http.ErrHandlerTimeout
	}
	tw.syncHeaderLocked()
	err := http.NewResponseController(tw.w).Flush()
	// A writer that cannot flush sent nothing: the 503 is still owed.
	if !errors.Is(err, http.ErrNotSupported) {
		tw.committed = true
	}
	return err
}

// Unwrap returns the server's writer, for [http.ResponseController].
func (tw *toWriter) Unwrap() http.ResponseWriter { return tw.w }

// HeaderWritten reports whether a header was sent, the handler's or the
// 503, so that [errors.Write] does not try to send a second one.
func (tw *toWriter) HeaderWritten() bool {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return tw.committed || tw.timedOut
}

// commit starts the handler's response, unless the 503 was sent.
func (tw *toWriter) commit() error {
	if tw.committed {
		return nil
	}
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if !tw.admitLocked() {
		return http.ErrHandlerTimeout
	}
	tw.syncHeaderLocked()
	tw.committed = true
	return nil
}

// admitLocked reports whether the handler may still start its response.
// A handler that starts it after the deadline, before the timer's
// goroutine got the lock, loses like one that starts it later: the answer
// does not depend on which goroutine ran first.
func (tw *toWriter) admitLocked() bool {
	if tw.timedOut {
		return false
	}
	if tw.ctx.Err() == context.DeadlineExceeded {
		tw.expireLocked()
		return false
	}
	return true
}

// syncHeaderLocked makes the server's header map what the handler set.
func (tw *toWriter) syncHeaderLocked() {
	if tw.h == nil {
		return
	}
	dst := tw.w.Header()
	for k := range dst {
		if _, ok := tw.h[k]; !ok {
			delete(dst, k)
		}
	}
	for k, v := range tw.h {
		dst[k] = v
	}
}

// hijack takes over the connection, which disarms the 503.
func (tw *toWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if !tw.committed && !tw.admitLocked() {
		return nil, nil, http.ErrHandlerTimeout
	}
	conn, brw, err := http.NewResponseController(tw.w).Hijack()
	if err == nil {
		tw.hijacked = true
		tw.committed = true
		tw.stop()
	}
	return conn, brw, err
}

// expire runs on the timer's goroutine when the context is done.
func (tw *toWriter) expire() {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.finished || tw.committed || tw.timedOut {
		return
	}
	if tw.ctx.Err() != context.DeadlineExceeded {
		return // the client went away: nobody to answer
	}
	tw.expireLocked()
}

// finish runs on the request's goroutine when the handler returns or
// panics, before Timeout returns.
func (tw *toWriter) finish(returned bool) {
	tw.stop()
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if returned && !tw.committed && !tw.timedOut {
		if tw.ctx.Err() == context.DeadlineExceeded {
			// The handler gave up at the deadline without answering,
			// before the timer's goroutine could.
			tw.expireLocked()
		} else {
			// net/http sends the implicit header from the server's map.
			tw.syncHeaderLocked()
		}
	}
	if returned && tw.committed && !tw.hijacked && tw.h != nil {
		// Trailers set in the header map the handler kept from before the
		// response started.
		dst := tw.w.Header()
		for k, v := range tw.h {
			if _, ok := dst[k]; !ok {
				dst[k] = v
			}
		}
	}
	tw.finished = true
}

// expireLocked sends the 503 and marks the handler's output as discarded.
func (tw *toWriter) expireLocked() {
	tw.timedOut = true
	if o := toOuter(tw.w); o != nil && o.ctx.Err() == context.DeadlineExceeded {
		// An outer Timeout's deadline has passed too: it answers for
		// both, so that the 503 is logged once.
		return
	}
	if hw, ok := tw.w.(interface{ HeaderWritten() bool }); ok && hw.HeaderWritten() {
		return
	}
	data := reqctx.Data{RequestID: tw.requestID, TraceID: tw.traceID, SpanID: tw.spanID}
	data.SetLogger(tw.logger, tw.logWith)
	ctx := reqctx.WithData(context.WithoutCancel(tw.parent), data)
	r := (&http.Request{
		Method: tw.method,
		URL:    &url.URL{Path: tw.path},
		Header: http.Header{"Accept": tw.accept},
	}).WithContext(ctx)
	rec := toRecorder{h: tw.w.Header()}
	errors.Write(&rec, r, tw.problem)
	h := tw.w.Header()
	if tw.method != http.MethodHead {
		h.Set("Content-Length", strconv.Itoa(rec.body.Len()))
	}
	if tw.protoMajor == 1 {
		h.Set("Connection", "close")
	}
	tw.w.WriteHeader(rec.code)
	_, _ = tw.w.Write(rec.body.Bytes())
	_ = http.NewResponseController(tw.w).Flush()
}

// timeoutState returns tw, for toOuter.
func (tw *toWriter) timeoutState() *toWriter { return tw }

// toOuter returns the state of the nearest Timeout writer in w's Unwrap
// chain, or nil.
func toOuter(w http.ResponseWriter) *toWriter {
	for range 16 { // bounded, in case of an Unwrap cycle
		switch x := w.(type) {
		case interface{ timeoutState() *toWriter }:
			return x.timeoutState()
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return nil
		}
	}
	return nil
}

// toRecorder captures the 503 that errors.Write renders, so that it can be
// sent with a Content-Length. Its header map is the server's.
type toRecorder struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (rec *toRecorder) Header() http.Header         { return rec.h }
func (rec *toRecorder) WriteHeader(code int)        { rec.code = code }
func (rec *toRecorder) Write(p []byte) (int, error) { return rec.body.Write(p) }

// toFlushWriter is a toWriter over an http.Flusher.
type toFlushWriter struct{ toWriter }

// Flush flushes the response; after the 503 it does nothing.
func (tw *toFlushWriter) Flush() { _ = tw.FlushError() }

// toHijackWriter is a toWriter over an http.Hijacker.
type toHijackWriter struct{ toWriter }

// Hijack takes over the connection, unless the 503 was sent.
func (tw *toHijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return tw.hijack() }

// toFlushHijackWriter is a toWriter over a writer that is both an
// http.Flusher and an http.Hijacker, as net/http's HTTP/1 writer is.
type toFlushHijackWriter struct{ toWriter }

// Flush flushes the response; after the 503 it does nothing.
func (tw *toFlushHijackWriter) Flush() { _ = tw.FlushError() }

// Hijack takes over the connection, unless the 503 was sent.
func (tw *toFlushHijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return tw.hijack() }

var (
	_ http.Flusher        = (*toFlushWriter)(nil)
	_ http.Hijacker       = (*toHijackWriter)(nil)
	_ http.Flusher        = (*toFlushHijackWriter)(nil)
	_ http.Hijacker       = (*toFlushHijackWriter)(nil)
	_ io.ReaderFrom       = (*toWriter)(nil)
	_ io.StringWriter     = (*toWriter)(nil)
	_ http.ResponseWriter = (*toRecorder)(nil)
)
