package httpcache

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keel-go/keel/header"
)

// missWriter states, in the order a response goes through them.
const (
	missPending     = iota // no status yet
	missPassing            // header sent, body passed through
	missNotModified        // 304 sent to a conditional request, body dropped
	missHijacked           // the handler took the connection
)

// missWriter is the writer a handler filling the cache writes to. The
// handler gets a header map of its own, so that the fields that middleware
// outside the cache set on the real writer (a request ID, say) are not
// stored and replayed. When the handler commits the status, missWriter
// decides whether the response may be stored, copies the handler's fields
// to the real writer and passes the body through to the client while it
// keeps a copy, up to the size limit.
//
// The handler sees the request without If-None-Match and If-Modified-Since
// so that it produces a full response to store; missWriter answers those
// fields for the client itself.
//
// It implements Flush, Hijack, ReadFrom and Unwrap whatever the wrapped
// writer supports; Flush and Hijack report http.ErrNotSupported through
// [http.ResponseController] when the wrapped writer cannot.
type missWriter struct {
	hc    *httpCache
	w     http.ResponseWriter
	r     *http.Request // the client's request, conditional fields included
	h     http.Header   // the handler's fields
	state int

	f        *flight // the requests waiting for this response; nil if none
	released bool    // f has been told the outcome

	// What is kept to store, while storing is true.
	storing  bool
	status   int
	snap     http.Header // the handler's fields when it committed the status
	now      time.Time   // when the status was committed
	lifetime time.Duration
	age      time.Duration
	body     []byte
	headLen  int64 // body bytes a handler wrote in answer to HEAD
}

var (
	_ http.Flusher  = (*missWriter)(nil)
	_ http.Hijacker = (*missWriter)(nil)
	_ io.ReaderFrom = (*missWriter)(nil)
)

// Header returns the handler's header map.
func (mw *missWriter) Header() http.Header { return mw.h }

// WriteHeader commits the status: informational statuses pass through, the
// final one decides whether the response is stored and sends the header.
func (mw *missWriter) WriteHeader(code int) {
	if mw.state != missPending {
		if mw.state == missPassing {
			mw.w.WriteHeader(code) // net/http reports the superfluous call
		}
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		copyHeader(mw.w.Header(), mw.h)
		mw.w.WriteHeader(code)
		return
	}
	mw.commit(code)
}

// commit records the final status and sends the header.
func (mw *missWriter) commit(code int) {
	mw.status = code
	mw.now = mw.hc.now()
	mw.lifetime, mw.age, mw.storing = mw.hc.freshness(mw.r, code, mw.h, mw.now)
	if mw.storing {
		mw.snap = mw.h.Clone()
	} else {
		mw.release(nil, "")
	}
	h := mw.w.Header()
	copyHeader(h, mw.h)
	mw.hc.setStatus(h, StatusMiss)
	if code == http.StatusOK && notModified(mw.r, mw.h) {
		writeNotModified(mw.w)
		mw.state = missNotModified
		return
	}
	mw.w.WriteHeader(code)
	mw.state = missPassing
}

// Write keeps a copy of p while the response may be stored and passes it
// to the client, unless a 304 answered the client.
func (mw *missWriter) Write(p []byte) (int, error) {
	if mw.state == missPending {
		mw.commit(http.StatusOK)
	}
	capturing := mw.storing && bodyAllowed(mw.status)
	switch {
	case !capturing:
	case mw.r.Method == http.MethodHead:
		mw.headLen += int64(len(p)) // net/http drops it, but counts it
		capturing = false
	case int64(len(mw.body))+int64(len(p)) > mw.hc.opts.MaxBodyBytes:
		mw.stopStoring() // too big: it streams through
		capturing = false
	default:
		mw.body = append(mw.body, p...)
	}
	switch mw.state {
	case missNotModified:
		return len(p), nil
	case missHijacked:
		return 0, http.ErrHijacked
	}
	n, err := mw.w.Write(p)
	if err != nil && capturing {
		mw.stopStoring() // the handler may stop short of the whole body
	}
	return n, err
}

// Flush sends the response so far. A response flushed before it ends is a
// stream, which is not stored.
func (mw *missWriter) Flush() { _ = mw.FlushError() }

// FlushError is Flush returning the error, for [http.ResponseController],
// which prefers it; the error wraps [http.ErrNotSupported] when the
// wrapped writer cannot flush.
func (mw *missWriter) FlushError() error {
	if mw.state == missHijacked {
		return http.ErrHijacked
	}
	if mw.state == missPending {
		mw.commit(http.StatusOK)
	}
	mw.stopStoring()
	return http.NewResponseController(mw.w).Flush()
}

// Hijack lets the handler take over the connection, when the wrapped
// writer allows.
func (mw *missWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(mw.w).Hijack()
	if err == nil {
		mw.state = missHijacked
		mw.stopStoring()
	}
	return conn, brw, err
}

// ReadFrom copies src to the response, handing the copy to the wrapped
// writer's ReadFrom once nothing needs a copy of the body.
func (mw *missWriter) ReadFrom(src io.Reader) (int64, error) {
	if rf, ok := mw.w.(io.ReaderFrom); ok && mw.state == missPassing && !mw.storing {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{mw}, src)
}

// HeaderWritten reports whether the handler has sent the status, which
// keel's errors.Write checks before writing a problem.
func (mw *missWriter) HeaderWritten() bool { return mw.state != missPending }

// Unwrap returns the wrapped writer, for [http.ResponseController].
func (mw *missWriter) Unwrap() http.ResponseWriter { return mw.w }

// stopStoring gives up storing the response and lets the requests waiting
// for it go their own way.
func (mw *missWriter) stopStoring() {
	mw.storing = false
	mw.body = nil
	mw.release(nil, "")
}

// release tells the waiting requests the outcome, once: the record to
// serve, with the variant key it was stored under, or nil when each must
// run the handler itself.
func (mw *missWriter) release(rec *record, variant string) {
	if mw.f == nil || mw.released {
		return
	}
	mw.released = true
	mw.hc.flights.release(mw.f, rec, variant)
}

// finish completes the response after the handler returned and returns
// the record to store, or nil.
func (mw *missWriter) finish() *record {
	if mw.state == missPending {
		mw.commit(http.StatusOK) // the handler wrote nothing: an empty 200
	}
	if mw.state == missPassing {
		mw.passTrailers()
	}
	if !mw.storing {
		return nil
	}
	head := mw.r.Method == http.MethodHead
	if !head {
		if v := mw.snap.Get("Content-Length"); v != "" && v != strconv.Itoa(len(mw.body)) {
			return nil // the body is not the one the handler announced
		}
	}
	rec := &record{
		kind:    kindResponse,
		head:    head,
		status:  mw.status,
		header:  mw.hc.storedHeader(mw.snap, head),
		body:    mw.body,
		stored:  mw.now.Add(-mw.age),
		expires: mw.now.Add(mw.lifetime - mw.age),
	}
	if _, ok := rec.header["Content-Length"]; head && !ok && mw.headLen > 0 && bodyAllowed(mw.status) {
		// What net/http announces for a HEAD handler that wrote a body.
		rec.header["Content-Length"] = []string{strconv.FormatInt(mw.headLen, 10)}
	}
	if _, ok := rec.header["Date"]; !ok {
		// Hits carry the time the response was generated, with their Age.
		rec.header["Date"] = []string{mw.now.UTC().Format(http.TimeFormat)}
	}
	return rec
}

// passTrailers copies the trailers the handler set after the body to the
// real writer, where net/http looks for them once the handler returns:
// those it declared in a Trailer field, and those named with
// [http.TrailerPrefix].
func (mw *missWriter) passTrailers() {
	dst := mw.w.Header()
	for _, name := range header.Tokens(mw.h.Values("Trailer")) {
		name = http.CanonicalHeaderKey(name)
		if vs, ok := mw.h[name]; ok {
			dst[name] = vs
		}
	}
	for name, vs := range mw.h {
		if strings.HasPrefix(name, http.TrailerPrefix) {
			dst[name] = vs
		}
	}
}

// copyHeader sets the fields of src on dst, replacing those dst has under
// the same names, except Vary, whose names are added to those dst lists.
// The values are shared with src, clipped, so that appending to one in
// dst never writes into src: a stored record is served to many requests.
func copyHeader(dst, src http.Header) {
	for name, vs := range src {
		if name == "Vary" && len(dst["Vary"]) > 0 {
			header.AddVary(dst, header.Tokens(vs)...)
			continue
		}
		dst[name] = slices.Clip(vs)
	}
}

// writerOnly hides every method but Write, so io.Copy into it cannot call
// back into ReadFrom.
type writerOnly struct{ io.Writer }
