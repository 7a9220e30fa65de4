package middleware

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
)

// ResponseWriter is an [http.ResponseWriter] that records what a handler
// did with the response: the final status, how many body bytes it wrote,
// whether the header was sent and whether the connection was hijacked.
// Middleware that reports on the response (access logs, metrics) or must
// not write a second header (panic recovery) wraps the writer with
// [WrapResponseWriter] and passes the result to the next handler.
//
// A ResponseWriter implements [http.Flusher] exactly when the writer it
// wraps does, and [http.Hijacker] exactly when the writer it wraps does, so
// a handler that probes w.(http.Flusher) to decide whether it can stream
// gets a truthful answer. It always implements [io.ReaderFrom] and
// [io.StringWriter], which only make copying cheaper and fall back to Write
// when the wrapped writer lacks them. Unwrap returns the wrapped writer, so
// [http.ResponseController] reaches capabilities of the writers beneath,
// such as deadlines and full duplex; a flush through a ResponseController is
// recorded too. HTTP/2 server push ([http.Pusher]) is not forwarded.
//
// ResponseWriter is an interface rather than a struct because one concrete
// type cannot implement Flusher and Hijacker conditionally: the value behind
// it is one of four small types, one per combination. The interface is
// implemented only by this package, so methods may be added to it.
//
// Like the writer it wraps, a ResponseWriter is meant for the goroutine
// serving the request and is not safe for concurrent use.
type ResponseWriter interface {
	http.ResponseWriter

	// Status returns the final status code sent: the first non-1xx code
	// passed to WriteHeader (101 Switching Protocols counts as final), or
	// 200 if the body was written or flushed before any WriteHeader. It
	// returns 0 while no final header has been sent.
	Status() int
	// BytesWritten returns the number of body bytes written so far.
	BytesWritten() int64
	// HeaderWritten reports whether the final header has been sent, after
	// which the status can no longer change.
	HeaderWritten() bool
	// Hijacked reports whether the handler hijacked the connection through
	// this writer's Hijack method.
	Hijacked() bool
	// Unwrap returns the wrapped writer, for [http.ResponseController].
	Unwrap() http.ResponseWriter

	isResponseWriter()
}

// WrapResponseWriter returns w wrapped in a [ResponseWriter]. If w already
// is one, it is returned unchanged, so middleware layered around one handler
// share a single record and pay for a single wrapper.
func WrapResponseWriter(w http.ResponseWriter) ResponseWriter {
	if rw, ok := w.(ResponseWriter); ok {
		return rw
	}
	_, canFlush := w.(http.Flusher)
	_, canHijack := w.(http.Hijacker)
	switch {
	case canFlush && canHijack:
		return &flushHijackWriter{responseWriter{w: w}}
	case canFlush:
		return &flushWriter{responseWriter{w: w}}
	case canHijack:
		return &hijackWriter{responseWriter{w: w}}
	default:
		return &responseWriter{w: w}
	}
}

// responseWriter holds the record and implements everything except Flush
// and Hijack; the types below add those when the wrapped writer has them.
type responseWriter struct {
	w           http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	hijacked    bool
}

var _ ResponseWriter = (*responseWriter)(nil)

func (rw *responseWriter) isResponseWriter() {}

// Header returns the wrapped writer's header map.
func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

// WriteHeader passes code to the wrapped writer and records it if it is the
// first final status. Later calls are passed on too, so the wrapped writer
// reports them as it would without the wrapper.
func (rw *responseWriter) WriteHeader(code int) {
	rw.w.WriteHeader(code)
	if rw.wroteHeader || rw.hijacked {
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		return // informational: the final header is still to come
	}
	rw.status = code
	rw.wroteHeader = true
}

// Write writes p to the wrapped writer. A Write before any WriteHeader is
// recorded as status 200; the wrapped writer is left to send that header
// itself, exactly as it would without the wrapper.
func (rw *responseWriter) Write(p []byte) (int, error) {
	rw.implicitOK()
	n, err := rw.w.Write(p)
	rw.bytes += int64(n)
	return n, err
}

// WriteString writes s to the wrapped writer, without copying it to a
// []byte when the wrapped writer implements [io.StringWriter].
func (rw *responseWriter) WriteString(s string) (int, error) {
	rw.implicitOK()
	var n int
	var err error
	if sw, ok := rw.w.(io.StringWriter); ok {
		n, err = sw.WriteString(s)
	} else {
		n, err = rw.w.Write([]byte(s))
	}
	rw.bytes += int64(n)
	return n, err
}

// sniffLen mirrors net/http: the first bytes go through Write so that an
// empty source commits no header and the content type can be sniffed.
const sniffLen = 512

// ReadFrom copies src to the response, handing the copy to the wrapped
// writer's ReadFrom (which net/http turns into sendfile or splice) once
// the header is committed.
func (rw *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := rw.w.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{rw}, src)
	}
	var n0 int64
	if !rw.wroteHeader {
		var err error
		n0, err = io.Copy(writerOnly{rw}, io.LimitReader(src, sniffLen))
		if err != nil || n0 < sniffLen {
			return n0, err
		}
	}
	n, err := rf.ReadFrom(src)
	rw.bytes += n
	return n0 + n, err
}

// FlushError flushes the wrapped writer through [http.ResponseController]
// and records the implicit 200 a flush sends when no header was written.
// ResponseController prefers this method to Flush, so it returns
// [http.ErrNotSupported] when nothing beneath can flush.
func (rw *responseWriter) FlushError() error {
	err := http.NewResponseController(rw.w).Flush()
	if err == nil || !errors.Is(err, http.ErrNotSupported) {
		rw.implicitOK()
	}
	return err
}

// Unwrap returns the wrapped writer.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }

// Status returns the recorded final status, or 0.
func (rw *responseWriter) Status() int { return rw.status }

// BytesWritten returns the number of body bytes written.
func (rw *responseWriter) BytesWritten() int64 { return rw.bytes }

// HeaderWritten reports whether the final header has been sent.
func (rw *responseWriter) HeaderWritten() bool { return rw.wroteHeader }

// Hijacked reports whether the connection was hijacked through rw.
func (rw *responseWriter) Hijacked() bool { return rw.hijacked }

// implicitOK records the 200 that the wrapped writer sends on its own when
// the body is written or flushed before WriteHeader.
func (rw *responseWriter) implicitOK() {
	if !rw.wroteHeader && !rw.hijacked {
		rw.status = http.StatusOK
		rw.wroteHeader = true
	}
}

// hijack takes over the connection from the wrapped writer, which the
// caller has checked is an http.Hijacker.
func (rw *responseWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := rw.w.(http.Hijacker).Hijack()
	if err == nil {
		rw.hijacked = true
	}
	return conn, brw, err
}

// flushWriter is a ResponseWriter over an http.Flusher.
type flushWriter struct{ responseWriter }

// Flush sends any buffered data to the client.
func (rw *flushWriter) Flush() { _ = rw.FlushError() }

// hijackWriter is a ResponseWriter over an http.Hijacker.
type hijackWriter struct{ responseWriter }

// Hijack lets the handler take over the connection.
func (rw *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return rw.hijack() }

// flushHijackWriter is a ResponseWriter over a writer that is both an
// http.Flusher and an http.Hijacker, as net/http's HTTP/1 writer is.
type flushHijackWriter struct{ responseWriter }

// Flush sends any buffered data to the client.
func (rw *flushHijackWriter) Flush() { _ = rw.FlushError() }

// Hijack lets the handler take over the connection.
func (rw *flushHijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return rw.hijack() }

var (
	_ http.Flusher  = (*flushWriter)(nil)
	_ http.Hijacker = (*hijackWriter)(nil)
	_ http.Flusher  = (*flushHijackWriter)(nil)
	_ http.Hijacker = (*flushHijackWriter)(nil)
	_ io.ReaderFrom = (*responseWriter)(nil)
)

// writerOnly hides every method but Write, so io.Copy into it cannot call
// back into ReadFrom.
type writerOnly struct{ io.Writer }
