package middleware

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/header"
)

// DefaultConditionalMaxBodySize is the largest response body, in bytes,
// that [Conditional] buffers to compute an entity tag unless
// [ConditionalOptions.MaxBodySize] says otherwise.
const DefaultConditionalMaxBodySize = 1 << 20

// ConditionalOptions configures [Conditional]. The zero value is ready to
// use: every zero field means its documented default.
type ConditionalOptions struct {
	// MaxBodySize is the largest response body, in bytes, buffered to
	// compute an entity tag. A larger body is sent as it is produced,
	// without a generated ETag. It must not be negative. Default:
	// [DefaultConditionalMaxBodySize] (1 MiB).
	MaxBodySize int

	// Current, when set, returns the current validators of the resource
	// a request targets: its entity tag and its modification time, either
	// of which may be zero. It lets Conditional evaluate preconditions
	// before the handler runs: a 304 then skips the handler entirely, and
	// an unsafe request (PUT, PATCH, DELETE, POST) whose If-Match,
	// If-Unmodified-Since or If-None-Match fails gets its 412 before the
	// handler changes anything. It is called for every GET and HEAD
	// request and for other requests that carry a conditional header. It
	// returns the zero ETag and the zero time for a resource that does
	// not exist (If-Match: * then fails and If-None-Match: * holds), and
	// an error for a request it cannot answer, which is written with
	// [errors.Write] (errors.NotFound, say). A GET or HEAD for which it
	// returns no validators falls back to the buffered entity tag.
	// Current must agree with the validators the handler sends. Default:
	// nil, preconditions are evaluated on the response.
	Current func(*http.Request) (header.ETag, time.Time, error)
}

// withDefaults returns opts with every zero field set to its default.
func (opts ConditionalOptions) withDefaults() ConditionalOptions {
	if opts.MaxBodySize == 0 {
		opts.MaxBodySize = DefaultConditionalMaxBodySize
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts ConditionalOptions) validate() error {
	if opts.MaxBodySize < 0 {
		return fmt.Errorf("middleware: ConditionalOptions.MaxBodySize %d is negative", opts.MaxBodySize)
	}
	return nil
}

// Conditional returns middleware that gives GET and HEAD responses an
// entity tag and answers conditional requests (RFC 9110 section 13) with
// 304 Not Modified or 412 Precondition Failed.
//
// For a 200 response to GET or HEAD, the validators are:
//
//   - the ETag the handler set, if any; Conditional then decides as soon
//     as the handler writes the header and never buffers;
//   - otherwise a strong ETag computed from the body: a SHA-256 digest of
//     the Content-Type and the body, which Conditional buffers up to
//     [ConditionalOptions.MaxBodySize] bytes and sends with its
//     Content-Length. A larger body, or one the handler flushes (a
//     stream), goes out as it is produced, without an ETag. A HEAD
//     response whose handler writes no body gets no generated ETag;
//   - the Last-Modified the handler set, in either case.
//
// The preconditions are evaluated in the order of RFC 9110 section
// 13.2.2: If-Match (strong comparison; "*" matches any current
// representation), then If-Unmodified-Since when If-Match is absent, then
// If-None-Match (weak comparison, "*" or a list), then If-Modified-Since
// when If-None-Match is absent. A failed If-Match or If-Unmodified-Since
// gives a 412 problem written by [errors.Write]. A matching If-None-Match
// or an unchanged If-Modified-Since gives a 304 with no body, keeping
// ETag, Cache-Control, Vary, Expires, Date and Content-Location and
// removing Content-Type, Content-Length and the other metadata of the
// body (and Last-Modified when there is an ETag). Malformed conditional
// headers are ignored, as the RFC asks. Responses other than 200 pass
// through untouched: preconditions do not apply to them.
//
// # Unsafe methods
//
// For PUT, PATCH, DELETE and POST the current validators are those of
// the resource before the change, which only the application knows, and
// they must be checked before the change is made. Either set
// [ConditionalOptions.Current], so that Conditional checks them before
// the handler runs, or call [CheckPreconditions] in the handler after
// loading the resource. Without either, Conditional passes other methods
// through.
//
// # Chain order
//
// Conditional belongs inside compress.Middleware (package
// [github.com/keel-go/keel/middleware/compress]), so that the entity tag
// is computed on the uncompressed body and the compression middleware
// gives the compressed representation its own tag, and close to the
// handlers: per route or group, or just outside the router.
//
// Conditional panics if opts is invalid; [NewConditional] returns the
// error instead.
func Conditional(opts ConditionalOptions) Middleware {
	mw, err := NewConditional(opts)
	if err != nil {
		panic(err.Error())
	}
	return mw
}

// NewConditional is [Conditional] for configuration read at run time: it
// returns an error naming the invalid field instead of panicking.
func NewConditional(opts ConditionalOptions) (Middleware, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	c := &conditional{maxBody: opts.MaxBodySize, current: opts.Current}
	c.writers.New = func() any { return &condWriter{c: c, hash: sha256.New()} }
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.serve(next, w, r)
		})
	}, nil
}

// CheckPreconditions evaluates the conditional headers of r against the
// current validators of the resource it targets, in the order of RFC 9110
// section 13.2.2, and answers the request when they say so. A handler
// calls it after loading the resource and before acting on it:
//
//	doc, err := store.Get(ctx, id)
//	if err != nil {
//		return err
//	}
//	if middleware.CheckPreconditions(w, r, doc.ETag, doc.Updated) {
//		return nil // answered: 304 or 412
//	}
//	// apply the change, or render the document
//
// It reports whether it answered: with 304 Not Modified when a GET or
// HEAD names the current representation in If-None-Match or
// If-Modified-Since, or with a 412 problem written by [errors.Write]
// when If-Match or If-Unmodified-Since fails, or when If-None-Match
// matches on another method (a create-only PUT with If-None-Match: *).
// A 304 is not an error, which is why it answers rather than returning
// one. When it returns false the handler proceeds; for GET and HEAD it
// has then set ETag and Last-Modified from the non-zero validators.
//
// Pass the zero ETag and the zero time for a resource that does not
// exist: If-Match: * then fails and If-None-Match: * holds. A weak
// current ETag never satisfies If-Match, which compares strongly.
func CheckPreconditions(w http.ResponseWriter, r *http.Request, current header.ETag, lastModified time.Time) bool {
	hasETag := current != header.ETag{}
	outcome, err := condEvaluate(r, current, hasETag, lastModified, hasETag || !lastModified.IsZero())
	if condSafe(r.Method) {
		h := w.Header()
		if hasETag {
			h.Set("ETag", current.String())
		}
		if !lastModified.IsZero() {
			h.Set("Last-Modified", lastModified.UTC().Format(http.TimeFormat))
		}
	}
	switch outcome {
	case condNotModified:
		condWriteNotModified(w)
		return true
	case condFailed:
		errors.Write(w, r, err)
		return true
	}
	return false
}

// conditional is the configuration and the writer pool of one Conditional
// middleware.
type conditional struct {
	maxBody int
	current func(*http.Request) (header.ETag, time.Time, error)
	writers sync.Pool
}

// serve evaluates r's preconditions before the handler when Current
// allows, and otherwise on the handler's response.
func (c *conditional) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	safe := condSafe(r.Method)
	if c.current != nil && (safe || condHasPreconditions(r.Header)) {
		etag, mod, err := c.current(r)
		if err != nil {
			errors.Write(w, r, err)
			return
		}
		exists := etag != header.ETag{} || !mod.IsZero()
		if exists || !safe {
			if CheckPreconditions(w, r, etag, mod) {
				return
			}
			if exists {
				// The validators are on the response already: nothing
				// to buffer.
				next.ServeHTTP(w, r)
				return
			}
		}
	}
	if !safe {
		next.ServeHTTP(w, r)
		return
	}
	cw := c.writers.Get().(*condWriter)
	cw.w, cw.r = w, r
	_, cw.encodedBefore = w.Header()["Content-Encoding"]
	next.ServeHTTP(cw, r)
	cw.finish()
	cw.reset()
	c.writers.Put(cw)
}

// condOutcome is the result of evaluating preconditions.
type condOutcome int

const (
	condProceed     condOutcome = iota // serve the request
	condNotModified                    // answer 304
	condFailed                         // answer 412
)

// condEvaluate evaluates r's conditional headers against the validators
// of the selected representation, as RFC 9110 section 13.2.2 orders
// them. hasETag says whether etag is known; exists whether there is a
// current representation at all, for "*". A failed outcome comes with the
// 412 error to write.
func condEvaluate(r *http.Request, etag header.ETag, hasETag bool, lastMod time.Time, exists bool) (condOutcome, error) {
	imPresent := false
	if v, ok := condList(r.Header, "If-Match"); ok {
		if tags, any, valid := header.ParseETagList(v); valid {
			imPresent = true
			if !(any && exists || hasETag && condMatch(tags, etag, header.StrongMatch)) {
				return condFailed, errors.PreconditionFailed("If-Match does not match the current entity tag of the resource")
			}
		}
	}
	if !imPresent && !lastMod.IsZero() {
		if t, ok := condDate(r.Header, "If-Unmodified-Since"); ok && lastMod.Unix() > t.Unix() {
			return condFailed, errors.PreconditionFailed("the resource was modified after the If-Unmodified-Since date")
		}
	}
	safe := condSafe(r.Method)
	if v, ok := condList(r.Header, "If-None-Match"); ok {
		if tags, any, valid := header.ParseETagList(v); valid {
			if any && exists || hasETag && condMatch(tags, etag, header.WeakMatch) {
				if safe {
					return condNotModified, nil
				}
				return condFailed, errors.PreconditionFailed("If-None-Match matches the current entity tag of the resource")
			}
			return condProceed, nil
		}
	}
	if safe && !lastMod.IsZero() {
		if t, ok := condDate(r.Header, "If-Modified-Since"); ok && lastMod.Unix() <= t.Unix() {
			return condNotModified, nil
		}
	}
	return condProceed, nil
}

// condWriteNotModified sends a 304 in place of the response whose header
// w holds: the validators and caching headers stay, the description of
// the body goes.
func condWriteNotModified(w http.ResponseWriter) {
	h := w.Header()
	delete(h, "Content-Type")
	delete(h, "Content-Length")
	delete(h, "Content-Encoding")
	delete(h, "Content-Language")
	delete(h, "Content-Range")
	delete(h, "Content-Disposition")
	delete(h, "Transfer-Encoding")
	if h.Get("ETag") != "" {
		delete(h, "Last-Modified")
	}
	w.WriteHeader(http.StatusNotModified)
}

// condWriter states, in the order a response goes through them.
const (
	condPending    = iota // no status yet
	condBuffering         // 200 recorded, body buffered to compute the ETag
	condPassing           // header sent, body passed through
	condDiscarding        // 304 or 412 sent in place of the response
	condHijacked          // the handler took the connection
)

// condWriter holds a 200 response to GET or HEAD back until its
// validators are known, then answers the preconditions. It implements
// Flush, Hijack, ReadFrom and Unwrap whatever the wrapped writer
// supports; Flush and Hijack report http.ErrNotSupported through
// [http.ResponseController] when the wrapped writer cannot.
type condWriter struct {
	c             *conditional
	w             http.ResponseWriter
	r             *http.Request
	state         int
	encodedBefore bool // Content-Encoding was set before the handler ran
	buf           []byte
	hash          hash.Hash
	scratch       []byte // input to and output of hash
}

var (
	_ http.Flusher  = (*condWriter)(nil)
	_ http.Hijacker = (*condWriter)(nil)
	_ io.ReaderFrom = (*condWriter)(nil)
)

// Header returns the wrapped writer's header map.
func (cw *condWriter) Header() http.Header { return cw.w.Header() }

// WriteHeader records the status. A status other than 200 passes through;
// a 200 is answered at once when the handler set an ETag, and otherwise
// held back until the body gives one.
func (cw *condWriter) WriteHeader(code int) {
	if cw.state != condPending {
		if cw.state == condPassing {
			cw.w.WriteHeader(code) // net/http reports the superfluous call
		}
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		cw.w.WriteHeader(code)
		return
	}
	if code != http.StatusOK {
		cw.state = condPassing
		cw.w.WriteHeader(code)
		return
	}
	if tag, ok := header.ParseETag(cw.w.Header().Get("ETag")); ok {
		cw.commit(tag, true)
		return
	}
	cw.state = condBuffering
}

// Write buffers p while the entity tag is still to be computed, and
// otherwise passes it through or, after a 304 or 412, drops it.
func (cw *condWriter) Write(p []byte) (int, error) {
	if cw.state == condPending {
		cw.WriteHeader(http.StatusOK)
	}
	switch cw.state {
	case condPassing:
		return cw.w.Write(p)
	case condDiscarding:
		return len(p), nil
	case condHijacked:
		return 0, http.ErrHijacked
	}
	if len(cw.buf)+len(p) <= cw.c.maxBody {
		cw.buf = append(cw.buf, p...)
		return len(p), nil
	}
	if err := cw.commitUnhashed(); err != nil {
		return 0, err
	}
	if cw.state == condPassing {
		return cw.w.Write(p)
	}
	return len(p), nil
}

// Flush sends the response so far. A response flushed before it ends is a
// stream: it goes out without a generated entity tag.
func (cw *condWriter) Flush() { _ = cw.FlushError() }

// FlushError is Flush returning the error, for [http.ResponseController],
// which prefers it; the error wraps [http.ErrNotSupported] when the
// wrapped writer cannot flush.
func (cw *condWriter) FlushError() error {
	if cw.state == condHijacked {
		return http.ErrHijacked
	}
	if cw.state == condPending {
		cw.WriteHeader(http.StatusOK)
	}
	if cw.state == condBuffering {
		if err := cw.commitUnhashed(); err != nil {
			return err
		}
	}
	return http.NewResponseController(cw.w).Flush()
}

// Hijack lets the handler take over the connection, when the wrapped
// writer allows.
func (cw *condWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(cw.w).Hijack()
	if err == nil {
		cw.state = condHijacked
	}
	return conn, brw, err
}

// ReadFrom copies src to the response, handing the copy to the wrapped
// writer's ReadFrom once the body passes through.
func (cw *condWriter) ReadFrom(src io.Reader) (int64, error) {
	if rf, ok := cw.w.(io.ReaderFrom); ok && cw.state == condPassing {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{cw}, src)
}

// HeaderWritten reports whether the handler has sent the status, which
// [errors.Write] checks before writing a problem.
func (cw *condWriter) HeaderWritten() bool { return cw.state != condPending }

// Unwrap returns the wrapped writer, for [http.ResponseController].
func (cw *condWriter) Unwrap() http.ResponseWriter { return cw.w }

// commit answers the preconditions with the validators now known and
// sends the header: 304, 412 or the 200 itself.
func (cw *condWriter) commit(etag header.ETag, hasETag bool) {
	h := cw.w.Header()
	var lastMod time.Time
	if v := h.Get("Last-Modified"); v != "" {
		lastMod, _ = http.ParseTime(v) // a malformed date is no date
	}
	outcome, err := condEvaluate(cw.r, etag, hasETag, lastMod, true)
	switch outcome {
	case condNotModified:
		condWriteNotModified(cw.w)
		cw.state = condDiscarding
	case condFailed:
		if !cw.encodedBefore {
			delete(h, "Content-Encoding") // the handler's, for the body dropped
		}
		errors.Write(cw.w, cw.r, err)
		cw.state = condDiscarding
	default:
		cw.w.WriteHeader(http.StatusOK)
		cw.state = condPassing
	}
}

// commitUnhashed commits a response that outgrew the buffer or is being
// streamed, with the validators the handler set, and sends the buffer.
func (cw *condWriter) commitUnhashed() error {
	tag, ok := header.ParseETag(cw.w.Header().Get("ETag"))
	cw.commit(tag, ok)
	if cw.state == condPassing && len(cw.buf) > 0 {
		_, err := cw.w.Write(cw.buf)
		return err
	}
	return nil
}

// finish completes a buffered response after the handler returned: it
// computes the entity tag, answers the preconditions and sends the body
// with its Content-Length.
func (cw *condWriter) finish() {
	if cw.state != condBuffering {
		return
	}
	h := cw.w.Header()
	tag, ok := header.ParseETag(h.Get("ETag"))
	headWithoutBody := cw.r.Method == http.MethodHead && len(cw.buf) == 0
	if !headWithoutBody {
		// One backing array for both header values; the capacity of one
		// keeps an Add to either from writing into the other.
		values := make([]string, 2)
		if !ok {
			values[0] = cw.entityTag(h.Get("Content-Type"))
			h["Etag"] = values[0:1:1]
			tag, ok = header.ETag{Tag: values[0][1 : len(values[0])-1]}, true
		}
		if _, set := h["Content-Length"]; !set {
			values[1] = strconv.Itoa(len(cw.buf))
			h["Content-Length"] = values[1:2:2]
		}
	}
	cw.commit(tag, ok)
	if cw.state == condPassing && len(cw.buf) > 0 {
		_, _ = cw.w.Write(cw.buf) // the client went away; nobody to tell
	}
}

// entityTag returns the strong entity tag, quoted, of the buffered body
// served as contentType: 128 bits of the SHA-256 digest of both,
// base64url-encoded.
func (cw *condWriter) entityTag(contentType string) string {
	cw.hash.Reset()
	cw.scratch = append(append(cw.scratch[:0], contentType...), 0)
	_, _ = cw.hash.Write(cw.scratch)
	_, _ = cw.hash.Write(cw.buf)
	sum := cw.hash.Sum(cw.scratch[:0])
	var tag [24]byte // '"', 22 characters for 16 bytes, '"'
	tag[0], tag[23] = '"', '"'
	base64.RawURLEncoding.Encode(tag[1:23], sum[:16])
	cw.scratch = sum[:0]
	return string(tag[:])
}

// condMaxPooledBuffer caps the buffer kept with a pooled writer, so that
// one large response does not pin its memory for good.
const condMaxPooledBuffer = 64 << 10

// reset returns cw to the state its pool expects.
func (cw *condWriter) reset() {
	buf := cw.buf[:0]
	if cap(buf) > condMaxPooledBuffer {
		buf = nil
	}
	*cw = condWriter{c: cw.c, hash: cw.hash, scratch: cw.scratch[:0], buf: buf}
}

// condSafe reports whether method is GET or HEAD, the methods a 304
// answers.
func condSafe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// condHasPreconditions reports whether h has a conditional header that
// Conditional evaluates.
func condHasPreconditions(h http.Header) bool {
	for _, k := range [...]string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if len(h[k]) > 0 {
			return true
		}
	}
	return false
}

// condList returns the value of the list header name, its lines joined,
// and whether it is present.
func condList(h http.Header, name string) (string, bool) {
	switch vs := h[name]; len(vs) {
	case 0:
		return "", false
	case 1:
		return vs[0], true
	default:
		return strings.Join(vs, ","), true
	}
}

// condDate returns the date in the header name, which RFC 9110 says to
// ignore unless it is a single valid HTTP-date.
func condDate(h http.Header, name string) (time.Time, bool) {
	vs := h[name]
	if len(vs) != 1 {
		return time.Time{}, false
	}
	t, err := http.ParseTime(vs[0])
	return t, err == nil
}

// condMatch reports whether any of tags matches etag by the comparison
// match.
func condMatch(tags []header.ETag, etag header.ETag, match func(a, b header.ETag) bool) bool {
	for _, t := range tags {
		if match(t, etag) {
			return true
		}
	}
	return false
}
