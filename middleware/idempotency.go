package middleware

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// IdempotencyKeyHeader is the request header [Idempotency] reads, from the
// IETF httpapi Idempotency-Key header field draft.
const IdempotencyKeyHeader = "Idempotency-Key"

// IdempotentReplayedHeader is the response header, set to "true", that
// marks a response [Idempotency] replayed from its store rather than
// produced by the handler.
const IdempotentReplayedHeader = "Idempotent-Replayed"

// Defaults of [IdempotencyOptions] and [MemoryIdempotencyStoreOptions].
const (
	DefaultIdempotencyTTL              = 24 * time.Hour
	DefaultIdempotencyMaxKeyLength     = 255
	DefaultIdempotencyMaxBodyBytes     = 1 << 20
	DefaultIdempotencyMaxResponseBytes = 1 << 20
	DefaultIdempotencyMaxEntries       = 10_000
	DefaultIdempotencyMaxBytes         = 64 << 20
)

// Machine-readable codes of the problems [Idempotency] answers with.
const (
	// CodeIdempotencyKeyMissing: 400, the route requires an
	// Idempotency-Key and the request has none.
	CodeIdempotencyKeyMissing = "idempotency_key_missing"
	// CodeIdempotencyKeyInvalid: 400, the Idempotency-Key header is
	// malformed, repeated or too long.
	CodeIdempotencyKeyInvalid = "idempotency_key_invalid"
	// CodeIdempotencyKeyInUse: 409, a request with the same key is still
	// being processed.
	CodeIdempotencyKeyInUse = "idempotency_key_in_use"
	// CodeIdempotencyKeyReused: 422, the key was used before with a
	// different request.
	CodeIdempotencyKeyReused = "idempotency_key_reused"
)

// ErrIdempotencyStoreFull is returned by [MemoryIdempotencyStore.Start]
// when every entry belongs to a request still in flight, so that no
// completed record can make room for a new key.
var ErrIdempotencyStoreFull = errors.New("middleware: idempotency store full")

// IdempotencyRecord is what an [IdempotencyStore] keeps for one key: the
// fingerprint of the request that claimed it and, once that request has
// completed, the response to replay. Every field is exported so that a
// shared store can serialise it (as JSON, for example).
//
// A record handed to or returned by a store must be treated as read-only.
type IdempotencyRecord struct {
	// Fingerprint identifies the request that claimed the key: a hex
	// SHA-256 of its method, target and body.
	Fingerprint string
	// Completed reports that the response below is final. It is false
	// while the first request is still being processed.
	Completed bool
	// Status is the response status.
	Status int
	// Header holds the response headers the handler set, without the
	// hop-by-hop headers, Set-Cookie, Date and Content-Length.
	Header http.Header
	// Body is the response body.
	Body []byte
}

// IdempotencyStore keeps the records behind [Idempotency]. The default,
// [MemoryIdempotencyStore], keeps them in the process; a store shared by
// several instances of a service (Redis, for example) implements the same
// three calls.
//
// The contract for implementers:
//
//   - Start is one atomic step. If key has no live record it stores an
//     in-flight record (Completed false) holding fingerprint, set to
//     expire ttl from now, and returns (nil, true, nil): the caller owns
//     the key and will run the request. Otherwise it returns the live
//     record and false, and changes nothing. Two concurrent Starts for a
//     key, from any goroutines or processes, never both return true. In
//     Redis terms: SET key value NX PX ttl, and GET when that fails, in
//     one script.
//   - Complete stores rec, with Completed set, in place of the in-flight
//     record of key, keeping the expiry Start set (SET XX KEEPTTL): keys
//     expire ttl after the first request arrived. If key no longer exists
//     (it expired or was evicted) Complete may drop rec.
//   - Abandon removes the record of key only while it is in flight, so a
//     completed record cannot be deleted by a late Abandon. The key is
//     then free for a retry.
//   - Expiry uses the store's clock: the shared server's for a shared
//     store, so that instances agree; the memory store takes an injected
//     clock in its options.
//   - The caller never mutates a record it passed or received; a store
//     that keeps references needs no copies.
//   - An error means the store could not answer; [Idempotency] refuses the
//     request with 503 when Start fails, and logs failures of Complete
//     and Abandon. Complete and Abandon are called with a context that is
//     not canceled when the client goes away, since the request has run.
//
// A claim lives as long as the completed record would (ttl), which is far
// longer than any request takes, so a slow request cannot lose its claim
// to a retry. The price is paid only in a shared store when an instance
// dies mid-request: its claim answers 409 until it expires. A store that
// prefers to free such keys sooner may give in-flight records a shorter
// lease, extended by Complete.
type IdempotencyStore interface {
	Start(ctx context.Context, key, fingerprint string, ttl time.Duration) (existing *IdempotencyRecord, started bool, err error)
	Complete(ctx context.Context, key string, rec *IdempotencyRecord) error
	Abandon(ctx context.Context, key string) error
}

// IdempotencyOptions configures [Idempotency]. The zero value is ready to
// use: POST and PATCH requests that carry an Idempotency-Key are
// deduplicated for 24 hours, in memory.
type IdempotencyOptions struct {
	// Methods are the request methods the middleware applies to; requests
	// with other methods pass through untouched. Default: POST and PATCH,
	// the methods that are not idempotent by definition.
	Methods []string

	// Required makes a request without an Idempotency-Key fail with 400
	// Bad Request. Default: false, such a request passes through
	// unprotected.
	Required bool

	// Scope returns the namespace of a request's keys, such as the
	// authenticated user's ID, so that two clients choosing the same key
	// never see each other's responses. When it returns ok == false the
	// request uses the shared, unnamed scope. Default: nil, every key is
	// in the shared scope — fine when keys are random UUIDs and responses
	// hold nothing private, otherwise set a Scope.
	Scope func(r *http.Request) (scope string, ok bool)

	// TTL is how long a key is remembered after the first request with
	// it arrived. It must be positive. Default: [DefaultIdempotencyTTL].
	TTL time.Duration

	// MaxKeyLength is the longest key accepted, in bytes; a longer one is
	// a 400. Default: [DefaultIdempotencyMaxKeyLength].
	MaxKeyLength int

	// MaxBodyBytes is the largest request body read to fingerprint the
	// request; a larger body is a 413. Default:
	// [DefaultIdempotencyMaxBodyBytes].
	MaxBodyBytes int64

	// MaxResponseBytes is the largest response body stored for replay. A
	// larger response reaches the client but is not stored: the key is
	// released and a warning logged, so a retry runs the handler again.
	// Default: [DefaultIdempotencyMaxResponseBytes].
	MaxResponseBytes int

	// Store keeps the records. Default: a [MemoryIdempotencyStore] with
	// default options and the clock Now, private to this middleware.
	Store IdempotencyStore

	// Now is the clock of the default store; it is unused when Store is
	// set. Default: time.Now.
	Now func() time.Time
}

// withDefaults returns opts with every zero field set to its default.
func (opts IdempotencyOptions) withDefaults() IdempotencyOptions {
	if opts.Methods == nil {
		opts.Methods = []string{http.MethodPost, http.MethodPatch}
	}
	if opts.TTL == 0 {
		opts.TTL = DefaultIdempotencyTTL
	}
	if opts.MaxKeyLength == 0 {
		opts.MaxKeyLength = DefaultIdempotencyMaxKeyLength
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = DefaultIdempotencyMaxBodyBytes
	}
	if opts.MaxResponseBytes == 0 {
		opts.MaxResponseBytes = DefaultIdempotencyMaxResponseBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Store == nil {
		opts.Store = NewMemoryIdempotencyStore(MemoryIdempotencyStoreOptions{Now: opts.Now})
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts IdempotencyOptions) validate() error {
	for _, m := range opts.Methods {
		if !isToken(m) {
			return fmt.Errorf("middleware: IdempotencyOptions.Methods: %q is not a valid method", m)
		}
	}
	switch {
	case opts.TTL < 0:
		return fmt.Errorf("middleware: IdempotencyOptions.TTL %v is negative", opts.TTL)
	case opts.MaxKeyLength < 0:
		return fmt.Errorf("middleware: IdempotencyOptions.MaxKeyLength %d is negative", opts.MaxKeyLength)
	case opts.MaxBodyBytes < 0:
		return fmt.Errorf("middleware: IdempotencyOptions.MaxBodyBytes %d is negative", opts.MaxBodyBytes)
	case opts.MaxResponseBytes < 0:
		return fmt.Errorf("middleware: IdempotencyOptions.MaxResponseBytes %d is negative", opts.MaxResponseBytes)
	}
	return nil
}

// Idempotency returns middleware that makes retries of unsafe requests
// safe, following the IETF httpapi Idempotency-Key header field draft. A
// client sends a unique key with a POST or PATCH:
//
//	Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"
//
// The first request with a key runs the handler, and its response is
// stored; a repeat of the same request with the same key gets the stored
// response again, marked with "Idempotent-Replayed: true", without running
// the handler. The rest are problems:
//
//   - a repeat while the first request is still running: 409 Conflict;
//   - the key used with a different request (another method, target or
//     body): 422 Unprocessable Content;
//   - no key where opts.Required: 400, and a malformed key: 400;
//   - a body over opts.MaxBodyBytes: 413;
//   - a store that cannot be reached: 503, as the request cannot be
//     protected.
//
// The key is the header's structured-field string, as the draft defines
// it; a bare token (Idempotency-Key: 8e03978e-...) is accepted too, for
// clients that do not quote, and names the same key as its quoted form.
// The header must appear once and the key must be 1 to opts.MaxKeyLength
// printable ASCII characters.
//
// A request is identified by its fingerprint: the SHA-256 of its method,
// its target (path and query) and its body. The body is read whole (up to
// opts.MaxBodyBytes) and handed to the handler unchanged.
//
// # What is stored
//
// Responses with a status below 500 are stored and replayed, 4xx included:
// the request was processed and failed, and repeating it would fail alike.
// A 5xx, a panic, a hijacked connection or a response body over
// opts.MaxResponseBytes releases the key instead, so a retry runs the
// handler again: the server failed, and the failure may be transient.
//
// The stored headers are those the handler (or middleware inside this one)
// set, less the hop-by-hop headers, Date and Content-Length, which belong
// to one transmission, and Set-Cookie, which is never replayed: a cookie
// often carries a session, and handing it to whoever presents the key
// would share that session. Headers set by middleware outside, such as the
// request ID, are produced afresh for the replay.
//
// # Where it goes
//
// After authentication, so that opts.Scope can name the principal, and
// after body limits and rate limits, which should refuse a request before
// it claims a key; directly around the handlers of the routes it protects.
// [Recover] belongs outside it: a panic releases the key and continues to
// Recover.
//
// Idempotency panics if opts is invalid.
func Idempotency(opts IdempotencyOptions) Middleware {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		panic(err.Error())
	}
	methods := make(map[string]bool, len(opts.Methods))
	for _, m := range opts.Methods {
		methods[m] = true
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !methods[r.Method] {
				next.ServeHTTP(w, r)
				return
			}
			values := r.Header.Values(IdempotencyKeyHeader)
			if len(values) == 0 {
				if opts.Required {
					errors.Write(w, r, errors.BadRequest("This request requires an %s header.", IdempotencyKeyHeader).
						WithCode(CodeIdempotencyKeyMissing))
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			key, reason := idemParseKey(values, opts.MaxKeyLength)
			if reason != "" {
				errors.Write(w, r, errors.BadRequest("The %s header %s.", IdempotencyKeyHeader, reason).
					WithCode(CodeIdempotencyKeyInvalid))
				return
			}
			body, err := idemReadBody(r, opts.MaxBodyBytes)
			if err != nil {
				errors.Write(w, r, err)
				return
			}
			fp := idemFingerprint(r, body)
			r.Body = io.NopCloser(bytes.NewReader(body))

			scope := ""
			if opts.Scope != nil {
				if s, ok := opts.Scope(r); ok {
					scope = s
				}
			}
			// The scope's length keeps any scope and key apart.
			storeKey := strconv.Itoa(len(scope)) + ":" + scope + key

			rec, started, err := opts.Store.Start(r.Context(), storeKey, fp, opts.TTL)
			if err != nil {
				errors.Write(w, r, errors.Unavailable("Idempotency keys cannot be checked right now.").WithCause(err))
				return
			}
			if !started {
				idemAnswerRepeat(w, r, rec, fp)
				return
			}
			idemRun(w, r, next, opts, storeKey, fp)
		})
	}
}

// idemAnswerRepeat answers a request whose key was already claimed.
func idemAnswerRepeat(w http.ResponseWriter, r *http.Request, rec *IdempotencyRecord, fp string) {
	switch {
	case rec != nil && rec.Fingerprint != fp:
		errors.Write(w, r, errors.Unprocessable("This %s was already used with a different request.", IdempotencyKeyHeader).
			WithCode(CodeIdempotencyKeyReused))
	case rec == nil || !rec.Completed:
		errors.Write(w, r, errors.Conflict("A request with this %s is still being processed.", IdempotencyKeyHeader).
			WithCode(CodeIdempotencyKeyInUse))
	default:
		h := w.Header()
		for k, v := range rec.Header {
			h[k] = slices.Clone(v)
		}
		h.Set(IdempotentReplayedHeader, "true")
		status := rec.Status
		if status < 200 || status > 999 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = w.Write(rec.Body)
	}
}

// idemRun runs the handler for the request that claimed storeKey, then
// stores its response or releases the key.
func idemRun(w http.ResponseWriter, r *http.Request, next http.Handler, opts IdempotencyOptions, storeKey, fp string) {
	iw := &idemWriter{w: w, before: w.Header().Clone(), max: opts.MaxResponseBytes}
	// The request has run by the time these calls are made, whether or
	// not the client is still there.
	ctx := context.WithoutCancel(r.Context())
	log := reqctx.Logger(r.Context())
	done := false
	defer func() {
		if done {
			return
		}
		// A panic (or runtime.Goexit) is passing through: release the key
		// and let the panic go on to Recover.
		if err := opts.Store.Abandon(ctx, storeKey); err != nil {
			log.Error().Err(err).Msg("idempotency: releasing the key after a panic failed")
		}
	}()
	next.ServeHTTP(idemWrap(iw), r)
	done = true

	if !iw.committed && !iw.hijacked {
		iw.commit(http.StatusOK) // net/http sends 200 for a handler that wrote nothing
	}
	var reason string
	switch {
	case iw.hijacked || iw.status == http.StatusSwitchingProtocols:
		reason = "hijacked"
	case iw.status >= 500:
		reason = "server error"
	case iw.overflow:
		log.Warn().Int("max_response_bytes", opts.MaxResponseBytes).
			Msg("idempotency: response too large to store; key released")
		reason = "too large"
	}
	if reason != "" {
		if err := opts.Store.Abandon(ctx, storeKey); err != nil {
			log.Error().Err(err).Str("reason", reason).Msg("idempotency: releasing the key failed")
		}
		return
	}
	rec := &IdempotencyRecord{Fingerprint: fp, Completed: true, Status: iw.status, Header: iw.header, Body: iw.buf}
	if err := opts.Store.Complete(ctx, storeKey, rec); err != nil {
		log.Error().Err(err).Msg("idempotency: storing the response failed")
	}
}

// idemParseKey returns the key carried by the Idempotency-Key field
// values, or the reason they are invalid, phrased to follow "The
// Idempotency-Key header".
func idemParseKey(values []string, maxLen int) (key, reason string) {
	if len(values) != 1 {
		return "", "must appear once"
	}
	v := strings.Trim(values[0], " \t")
	if v == "" {
		return "", "is empty"
	}
	if v[0] == '"' {
		var b strings.Builder
		closed := false
		for i := 1; i < len(v); i++ {
			c := v[i]
			switch {
			case closed:
				return "", "must hold only a quoted string"
			case c == '"':
				closed = true
			case c == '\\':
				i++
				if i == len(v) || (v[i] != '"' && v[i] != '\\') {
					return "", `has an invalid escape; only \" and \\ are allowed`
				}
				b.WriteByte(v[i])
			case c < 0x20 || c > 0x7e:
				return "", "must hold only printable ASCII characters"
			default:
				b.WriteByte(c)
			}
		}
		if !closed {
			return "", "has an unterminated string"
		}
		key = b.String()
	} else {
		if !isToken(v) {
			return "", "must be a quoted string or a token"
		}
		key = v
	}
	switch {
	case key == "":
		return "", "is empty"
	case len(key) > maxLen:
		return "", "is longer than " + strconv.Itoa(maxLen) + " bytes"
	}
	return key, ""
}

// idemReadBody reads r's body whole, up to max bytes.
func idemReadBody(r *http.Request, max int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > max {
		return nil, errors.RequestTooLarge("The request body exceeds the limit of %d bytes.", max)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, err // errors.From answers 413
		}
		return nil, errors.BadRequest("The request body could not be read.").WithCause(err)
	}
	if int64(len(body)) > max {
		return nil, errors.RequestTooLarge("The request body exceeds the limit of %d bytes.", max)
	}
	return body, nil
}

// idemFingerprint returns the hex SHA-256 of r's method, target and body.
func idemFingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, r.Method)
	h.Write([]byte{0})
	io.WriteString(h, r.URL.RequestURI())
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// idemSkipHeader reports whether the response header named k (in
// canonical form) is left out of a stored record.
func idemSkipHeader(k string) bool {
	switch k {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade",
		"Set-Cookie", "Date", "Content-Length", IdempotentReplayedHeader:
		return true
	}
	return strings.HasPrefix(k, http.TrailerPrefix)
}

// idemRecordHeader returns the headers of now that are not in before with
// the same values — those set inside the middleware — less the ones never
// stored and those the Connection header names.
func idemRecordHeader(before, now http.Header) http.Header {
	var out http.Header
	conn := now.Values("Connection")
	for k, v := range now {
		if idemSkipHeader(k) || len(v) == 0 {
			continue
		}
		if b, ok := before[k]; ok && slices.Equal(b, v) {
			continue
		}
		if len(conn) > 0 && idemNamedIn(conn, k) {
			continue
		}
		if out == nil {
			out = make(http.Header)
		}
		out[k] = slices.Clone(v)
	}
	return out
}

// idemNamedIn reports whether the Connection header values name k.
func idemNamedIn(conn []string, k string) bool {
	for _, v := range conn {
		for name := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(name), k) {
				return true
			}
		}
	}
	return false
}

// idemWriter passes a response through to the client while recording
// what a replay needs: the status and headers when the header is sent, and
// the body up to max bytes.
type idemWriter struct {
	w         http.ResponseWriter
	before    http.Header
	header    http.Header
	status    int
	buf       []byte
	max       int
	overflow  bool
	committed bool
	hijacked  bool
}

// idemWrap returns iw as an http.ResponseWriter that implements
// http.Flusher and http.Hijacker exactly when the writer it wraps does.
func idemWrap(iw *idemWriter) http.ResponseWriter {
	_, canFlush := iw.w.(http.Flusher)
	_, canHijack := iw.w.(http.Hijacker)
	switch {
	case canFlush && canHijack:
		return idemFlushHijackWriter{iw}
	case canFlush:
		return idemFlushWriter{iw}
	case canHijack:
		return idemHijackWriter{iw}
	default:
		return iw
	}
}

// Header returns the wrapped writer's header map.
func (iw *idemWriter) Header() http.Header { return iw.w.Header() }

// WriteHeader records the first final status and the headers sent with
// it, and passes code on.
func (iw *idemWriter) WriteHeader(code int) {
	if !iw.committed && !iw.hijacked && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		iw.commit(code)
	}
	iw.w.WriteHeader(code)
}

// Write records p, up to the limit, and writes it to the client.
func (iw *idemWriter) Write(p []byte) (int, error) {
	if !iw.committed && !iw.hijacked {
		iw.commit(http.StatusOK)
	}
	if !iw.overflow {
		if len(iw.buf)+len(p) > iw.max {
			iw.overflow, iw.buf = true, nil
		} else {
			iw.buf = append(iw.buf, p...)
		}
	}
	return iw.w.Write(p)
}

// FlushError flushes the wrapped writer; a flush sends the header, with
// status 200 unless one was written.
func (iw *idemWriter) FlushError() error {
	err := http.NewResponseController(iw.w).Flush()
	if err == nil && !iw.committed && !iw.hijacked {
		iw.commit(http.StatusOK)
	}
	return err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (iw *idemWriter) Unwrap() http.ResponseWriter { return iw.w }

// HeaderWritten reports whether the final header has been sent, so that
// errors.Write never writes a second one.
func (iw *idemWriter) HeaderWritten() bool { return iw.committed }

// commit records the status and the headers that go with it.
func (iw *idemWriter) commit(code int) {
	iw.committed = true
	iw.status = code
	iw.header = idemRecordHeader(iw.before, iw.w.Header())
}

// hijack takes over the connection; the key is then released.
func (iw *idemWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := iw.w.(http.Hijacker).Hijack()
	if err == nil {
		iw.hijacked = true
	}
	return conn, brw, err
}

type idemFlushWriter struct{ *idemWriter }

// Flush sends buffered data to the client.
func (w idemFlushWriter) Flush() { _ = w.FlushError() }

type idemHijackWriter struct{ *idemWriter }

// Hijack lets the handler take over the connection.
func (w idemHijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }

type idemFlushHijackWriter struct{ *idemWriter }

// Flush sends buffered data to the client.
func (w idemFlushHijackWriter) Flush() { _ = w.FlushError() }

// Hijack lets the handler take over the connection.
func (w idemFlushHijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }

var (
	_ http.Flusher  = idemFlushWriter{}
	_ http.Hijacker = idemHijackWriter{}
	_ http.Flusher  = idemFlushHijackWriter{}
	_ http.Hijacker = idemFlushHijackWriter{}
)

// MemoryIdempotencyStoreOptions configures [NewMemoryIdempotencyStore].
// The zero value is ready to use.
type MemoryIdempotencyStoreOptions struct {
	// MaxEntries bounds the number of keys held. When the store is full, a
	// new key evicts the oldest completed record; when every entry is in
	// flight, Start returns [ErrIdempotencyStoreFull]. Default:
	// [DefaultIdempotencyMaxEntries].
	MaxEntries int

	// MaxBytes bounds the total size of the stored responses (bodies,
	// headers and keys, approximately). Completing a record beyond it
	// evicts the oldest completed records; a record larger than MaxBytes
	// on its own is not kept, and its key is released. Default:
	// [DefaultIdempotencyMaxBytes].
	MaxBytes int64

	// Now returns the current time, for expiry. Default: time.Now.
	Now func() time.Time
}

// MemoryIdempotencyStore is an [IdempotencyStore] that keeps records in
// the process: the default store of [Idempotency]. It suits a service run
// as one instance; several instances behind a load balancer need a shared
// store, or a retry reaching another instance runs again.
//
// Its size is bounded by MaxEntries and MaxBytes. Expired records are dropped lazily,
// oldest first, on each Start, and a full store evicts its oldest
// completed record; no goroutine runs in the background, so there is
// nothing to close.
//
// Create one with [NewMemoryIdempotencyStore]; the zero value is not
// usable. It is safe for concurrent use.
type MemoryIdempotencyStore struct {
	now      func() time.Time
	max      int
	maxBytes int64

	mu         sync.Mutex
	m          map[string]*idemEntry
	head, tail *idemEntry // in order of creation, oldest at head
	bytes      int64      // total size of the entries
}

var _ IdempotencyStore = (*MemoryIdempotencyStore)(nil)

// idemEntry is one key's record, linked in creation order.
type idemEntry struct {
	key        string
	rec        *IdempotencyRecord
	size       int64
	expires    time.Time
	prev, next *idemEntry
}

// NewMemoryIdempotencyStore returns an empty store. It panics if
// opts.MaxEntries or opts.MaxBytes is negative.
func NewMemoryIdempotencyStore(opts MemoryIdempotencyStoreOptions) *MemoryIdempotencyStore {
	if opts.MaxEntries < 0 {
		panic(fmt.Sprintf("middleware: MemoryIdempotencyStoreOptions.MaxEntries %d is negative", opts.MaxEntries))
	}
	if opts.MaxBytes < 0 {
		panic(fmt.Sprintf("middleware: MemoryIdempotencyStoreOptions.MaxBytes %d is negative", opts.MaxBytes))
	}
	if opts.MaxEntries == 0 {
		opts.MaxEntries = DefaultIdempotencyMaxEntries
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = DefaultIdempotencyMaxBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &MemoryIdempotencyStore{now: opts.Now, max: opts.MaxEntries, maxBytes: opts.MaxBytes, m: make(map[string]*idemEntry)}
}

// Start claims key for a request with fingerprint, or returns the live
// record that holds it; see [IdempotencyStore].
func (s *MemoryIdempotencyStore) Start(_ context.Context, key, fingerprint string, ttl time.Duration) (*IdempotencyRecord, bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.head != nil && !now.Before(s.head.expires) {
		s.remove(s.head)
	}
	if e := s.m[key]; e != nil {
		if now.Before(e.expires) {
			return e.rec, false, nil
		}
		s.remove(e)
	}
	if len(s.m) >= s.max {
		for e := s.head; e != nil; e = e.next {
			if e.rec.Completed {
				s.remove(e)
				break
			}
		}
		if len(s.m) >= s.max {
			return nil, false, ErrIdempotencyStoreFull
		}
	}
	e := &idemEntry{key: key, rec: &IdempotencyRecord{Fingerprint: fingerprint}, expires: now.Add(ttl), prev: s.tail}
	e.size = idemSize(key, e.rec)
	s.bytes += e.size
	if s.tail != nil {
		s.tail.next = e
	} else {
		s.head = e
	}
	s.tail = e
	s.m[key] = e
	return nil, true, nil
}

// Complete stores rec as the response for the in-flight key, keeping its
// expiry. It does nothing if key is gone or already completed.
func (s *MemoryIdempotencyStore) Complete(_ context.Context, key string, rec *IdempotencyRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	if e == nil || e.rec.Completed {
		return nil
	}
	c := *rec
	c.Fingerprint = e.rec.Fingerprint
	c.Completed = true
	e.rec = &c
	s.bytes -= e.size
	e.size = idemSize(key, e.rec)
	s.bytes += e.size
	if e.size > s.maxBytes {
		s.remove(e) // too large to keep even alone
		return nil
	}
	for o := s.head; o != nil && s.bytes > s.maxBytes; {
		next := o.next
		if o != e && o.rec.Completed {
			s.remove(o)
		}
		o = next
	}
	return nil
}

// Abandon releases key if its request is still in flight.
func (s *MemoryIdempotencyStore) Abandon(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m[key]; e != nil && !e.rec.Completed {
		s.remove(e)
	}
	return nil
}

// Len returns the number of keys held, expired ones not yet dropped
// included.
func (s *MemoryIdempotencyStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// remove unlinks e and deletes it from the map.
func (s *MemoryIdempotencyStore) remove(e *idemEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		s.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = nil, nil
	delete(s.m, e.key)
	s.bytes -= e.size
}

// idemSize approximates the memory a record for key holds.
func idemSize(key string, rec *IdempotencyRecord) int64 {
	n := len(key) + len(rec.Fingerprint) + len(rec.Body) + 64
	for k, vs := range rec.Header {
		n += len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	return int64(n)
}
