package compress

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/keel-go/keel/header"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
)

// Defaults of [Options].
const (
	// DefaultMinSize is the smallest body, in bytes, that [Middleware]
	// compresses: below about a kilobyte the coding's framing and the CPU
	// spent outweigh the bytes saved.
	DefaultMinSize = 1024
	// DefaultGzipLevel is the gzip and deflate level: a middle ground
	// between speed and size for bodies compressed per request.
	DefaultGzipLevel = 5
	// DefaultBrotliLevel is the brotli level: the usual choice for
	// responses generated per request, smaller than gzip's for a few times
	// its CPU.
	DefaultBrotliLevel = 4
)

// DefaultEncodings returns the content codings [Middleware] offers unless
// [Options.Encodings] says otherwise, in its order of preference: gzip,
// br, deflate. gzip comes first because, at the default levels, it costs
// about a fifth of brotli's CPU for output about a third larger (a 4 KiB
// JSON body: 608 bytes against 446); a client that ranks br above gzip
// with q-values still gets br. Each call returns a new slice.
func DefaultEncodings() []string {
	return []string{"gzip", "br", "deflate"}
}

// DefaultTypes returns the media types [Middleware] compresses unless
// [Options.ContentTypes] says otherwise: every text/* type (HTML, CSS,
// CSV, plain text, server-sent events, ...) and the textual application,
// image and font types — JSON, problem details, JavaScript, XML, SVG,
// WebAssembly and the like. Formats that are compressed already (PNG,
// JPEG, WebP, WOFF2, ZIP, PDF, video) are not listed: compressing them
// again costs CPU and saves nothing. Each call returns a new slice, so a
// caller may append its own types.
func DefaultTypes() []string {
	return []string{
		"text/*",
		"application/json",
		"application/problem+json",
		"application/ld+json",
		"application/geo+json",
		"application/manifest+json",
		"application/vnd.api+json",
		"application/graphql-response+json",
		"application/x-ndjson",
		"application/javascript",
		"application/ecmascript",
		"application/xml",
		"application/problem+xml",
		"application/xhtml+xml",
		"application/atom+xml",
		"application/rss+xml",
		"application/wasm",
		"image/svg+xml",
		"image/bmp",
		"image/x-icon",
		"font/otf",
		"font/ttf",
	}
}

// Options configures [Middleware] and [New]. The zero value is ready to
// use: every zero field means its documented default.
type Options struct {
	// Encodings lists the content codings to offer — "gzip", "br" and
	// "deflate" — in the server's order of preference, which decides
	// between codings the client ranks equally. Default:
	// [DefaultEncodings] (gzip, br, deflate). To prefer brotli, list it
	// first.
	Encodings []string

	// GzipLevel is the compression level of gzip and deflate, from 1
	// (fastest) to 9 (smallest). Default: [DefaultGzipLevel].
	GzipLevel int

	// BrotliLevel is the compression level of br, from 1 (fastest) to 11
	// (smallest). Levels above 6 are meant for content compressed once
	// and stored, not per request. Default: [DefaultBrotliLevel].
	BrotliLevel int

	// MinSize is the smallest body, in bytes, worth compressing. The
	// middleware holds back up to MinSize bytes before deciding; a body
	// that ends smaller is sent as it is, with its Content-Length. It
	// must not be negative. Default: [DefaultMinSize].
	MinSize int

	// ContentTypes lists the media types to compress, matched without
	// parameters and case-insensitively against the response's
	// Content-Type: "type/subtype", or "type/*" for a whole top-level
	// type. Default: [DefaultTypes].
	ContentTypes []string
}

// withDefaults returns opts with every zero field set to its default.
func (opts Options) withDefaults() Options {
	if opts.Encodings == nil {
		opts.Encodings = DefaultEncodings()
	}
	if opts.GzipLevel == 0 {
		opts.GzipLevel = DefaultGzipLevel
	}
	if opts.BrotliLevel == 0 {
		opts.BrotliLevel = DefaultBrotliLevel
	}
	if opts.MinSize == 0 {
		opts.MinSize = DefaultMinSize
	}
	if opts.ContentTypes == nil {
		opts.ContentTypes = DefaultTypes()
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts Options) validate() error {
	if len(opts.Encodings) == 0 {
		return fmt.Errorf("compress: Options.Encodings is empty; leave it nil for the default")
	}
	seen := make(map[string]bool, len(opts.Encodings))
	for _, e := range opts.Encodings {
		name := strings.ToLower(e)
		switch name {
		case "gzip", "br", "deflate":
		default:
			return fmt.Errorf("compress: Options.Encodings: unsupported coding %q (want gzip, br or deflate)", e)
		}
		if seen[name] {
			return fmt.Errorf("compress: Options.Encodings lists %q twice", e)
		}
		seen[name] = true
	}
	if opts.GzipLevel < gzip.BestSpeed || opts.GzipLevel > gzip.BestCompression {
		return fmt.Errorf("compress: Options.GzipLevel %d is out of range 1-9", opts.GzipLevel)
	}
	if opts.BrotliLevel < 1 || opts.BrotliLevel > brotli.BestCompression {
		return fmt.Errorf("compress: Options.BrotliLevel %d is out of range 1-11", opts.BrotliLevel)
	}
	if opts.MinSize < 0 {
		return fmt.Errorf("compress: Options.MinSize %d is negative", opts.MinSize)
	}
	if len(opts.ContentTypes) == 0 {
		return fmt.Errorf("compress: Options.ContentTypes is empty; leave it nil for the default")
	}
	for _, t := range opts.ContentTypes {
		typ, sub, ok := strings.Cut(t, "/")
		if !ok || !isToken(typ) || !isToken(sub) || typ == "*" && sub != "*" {
			return fmt.Errorf("compress: Options.ContentTypes: %q is not a media type (want type/subtype or type/*)", t)
		}
	}
	return nil
}

// Middleware returns middleware that compresses response bodies with the
// best content coding the client accepts, chosen from Accept-Encoding with
// its q-values by [header.NegotiateEncoding]: gzip, br (brotli) or deflate
// (the zlib format RFC 9110 names "deflate").
//
// A response is compressed when all of these hold:
//
//   - the client accepts one of the offered codings at least as much as
//     identity (no Accept-Encoding means identity, as clients that do not
//     send it may not decode anything else);
//   - the request is not HEAD and has no Range header, and the status is
//     not 1xx, 204, 206 or 304;
//   - the handler set no Content-Encoding (the body is encoded already)
//     and no Cache-Control: no-transform;
//   - the media type of Content-Type, sniffed from the body when the
//     handler set none, is in [Options.ContentTypes];
//   - the body reaches [Options.MinSize] bytes, or the handler flushes
//     before it does (a stream, whose size is unknown).
//
// When it compresses, the middleware sets Content-Encoding, removes
// Content-Length and Accept-Ranges (both describe the uncompressed body),
// suffixes a strong ETag with the coding (see the package documentation),
// and streams the body through an encoder taken from a pool. Every
// response whose status, type and headers make it eligible gets
// Vary: Accept-Encoding, compressed or not, so that caches key it by the
// request's Accept-Encoding. When identity is refused ("identity;q=0" or
// "*;q=0") and no offered coding is acceptable either, the body is sent
// uncompressed rather than answered with 406: RFC 9110 section 12.5.3
// allows both, and an uncompressed body is more useful to a client than
// an error.
//
// The writer the handler gets implements Flush (which flushes the
// encoder, then the connection), Hijack and ReadFrom, and Unwrap returns
// the wrapped writer for [http.ResponseController].
//
// Middleware panics if opts is invalid, with a message starting
// "compress: "; [New] returns the error instead. Encoders are pooled per
// middleware value, so build it once and share it across routes.
func Middleware(opts Options) func(http.Handler) http.Handler {
	mw, err := New(opts)
	if err != nil {
		panic(err.Error())
	}
	return mw
}

// New is [Middleware] for configuration read at run time: it returns an
// error naming the invalid field instead of panicking.
func New(opts Options) (func(http.Handler) http.Handler, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	c := &compressor{minSize: opts.MinSize}
	for _, e := range opts.Encodings {
		cc := &coding{name: strings.ToLower(e)}
		cc.suffix = "-" + cc.name
		var newEncoder func() encoder
		switch cc.name {
		case "gzip":
			level := opts.GzipLevel
			newEncoder = func() encoder {
				w, _ := gzip.NewWriterLevel(nil, level) // level is validated
				return w
			}
		case "br":
			level := opts.BrotliLevel
			newEncoder = func() encoder { return brotli.NewWriterLevel(nil, level) }
		case "deflate":
			level := opts.GzipLevel
			newEncoder = func() encoder {
				w, _ := zlib.NewWriterLevel(nil, level)
				return w
			}
		}
		cc.pool.New = func() any { return &pooled{enc: newEncoder()} }
		c.codings = append(c.codings, cc)
		c.offers = append(c.offers, cc.name)
		c.suffixes = append(c.suffixes, cc.suffix)
	}
	for _, t := range opts.ContentTypes {
		t = strings.ToLower(t)
		switch {
		case t == "*/*":
			c.anyType = true
		case strings.HasSuffix(t, "/*"):
			c.typePrefixes = append(c.typePrefixes, t[:len(t)-1])
		default:
			c.types = append(c.types, t)
		}
	}
	c.writers.New = func() any { return &responseWriter{c: c} }
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.serve(next, w, r)
		})
	}, nil
}

// compressor is the configuration and the pools of one middleware value.
type compressor struct {
	codings      []*coding // in order of preference
	offers       []string  // the codings' names, for NegotiateEncoding
	suffixes     []string  // the codings' ETag suffixes
	minSize      int
	types        []string // lower-cased media types
	typePrefixes []string // "text/" for "text/*"
	anyType      bool     // "*/*" was listed
	writers      sync.Pool
}

// coding is one content coding and its pool of encoders, all at the
// configured level.
type coding struct {
	name   string
	suffix string // "-gzip", appended to strong ETags
	pool   sync.Pool
}

// pooled is an encoder in a pool with the writer it writes to. The
// indirection lets a pooled encoder drop its reference to a finished
// response by clearing dst.w, where a second Reset would cost as much as
// a small response's compression.
type pooled struct {
	enc encoder
	dst dst
}

// dst forwards an encoder's output to the response.
type dst struct{ w io.Writer }

// Write writes p to the response.
func (d *dst) Write(p []byte) (int, error) { return d.w.Write(p) }

// encoder is what the gzip, zlib and brotli writers have in common.
type encoder interface {
	io.WriteCloser
	Flush() error
	Reset(io.Writer)
}

var (
	_ encoder = (*gzip.Writer)(nil)
	_ encoder = (*zlib.Writer)(nil)
	_ encoder = (*brotli.Writer)(nil)
)

// serve runs next with a writer that compresses when the response allows.
func (c *compressor) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead || r.Header.Get("Range") != "" {
		// A HEAD response has no body to compress; a range applies to
		// the bytes of the uncompressed representation.
		next.ServeHTTP(w, r)
		return
	}
	var chosen *coding
	if name, ok := header.NegotiateEncoding(r.Header.Values("Accept-Encoding"), c.offers); ok {
		chosen = c.lookup(name)
	}
	cw := c.writers.Get().(*responseWriter)
	cw.w, cw.coding = w, chosen
	r = c.rewriteConditionals(cw, r)
	next.ServeHTTP(cw, r)
	cw.finish()
	cw.reset()
	c.writers.Put(cw)
}

// lookup returns the offered coding called name, or nil for identity.
func (c *compressor) lookup(name string) *coding {
	for _, cc := range c.codings {
		if cc.name == name {
			return cc
		}
	}
	return nil
}

// rewriteConditionals returns r with the coding suffixes the middleware
// adds to entity tags removed from If-None-Match (the chosen coding's
// suffix) and If-Match (any offered coding's), so that the handler sees
// its own tags. It records the original If-None-Match tags in cw, to
// restore the suffix on a 304. r itself is not modified: a rewritten
// request is a shallow copy with its own header map.
func (c *compressor) rewriteConditionals(cw *responseWriter, r *http.Request) *http.Request {
	var inm, im string
	var inmTags []header.ETag
	if cw.coding != nil {
		if v := listValue(r.Header, "If-None-Match"); strings.Contains(v, cw.coding.suffix) {
			var tags []header.ETag
			if inm, tags = stripSuffixes(v, cw.coding.suffix); inm != "" {
				inmTags = tags
			}
		}
	}
	if v := listValue(r.Header, "If-Match"); strings.Contains(v, "-") {
		im, _ = stripSuffixes(v, c.suffixes...)
	}
	if inm == "" && im == "" {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = r.Header.Clone()
	if inm != "" {
		r2.Header.Set("If-None-Match", inm)
		cw.inm = inmTags
	}
	if im != "" {
		r2.Header.Set("If-Match", im)
	}
	return r2
}

// typeAllowed reports whether the media type of the Content-Type value ct
// is one to compress.
func (c *compressor) typeAllowed(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.Trim(mt, " \t")
	if !strings.Contains(mt, "/") {
		return false
	}
	if c.anyType {
		return true
	}
	for _, t := range c.types {
		if strings.EqualFold(mt, t) {
			return true
		}
	}
	for _, p := range c.typePrefixes {
		if len(mt) > len(p) && strings.EqualFold(mt[:len(p)], p) {
			return true
		}
	}
	return false
}

// responseWriter states, in the order a response goes through them.
const (
	statePending   = iota // no status yet
	stateBuffering        // status recorded, body held back until the decision
	statePlain            // header sent, body passed through
	stateEncoding         // header sent, body compressed
	stateHijacked         // the handler took the connection
)

// responseWriter holds the body back until it can decide whether to
// compress, then passes it through or through an encoder. It implements
// Flush, Hijack, ReadFrom and Unwrap whatever the wrapped writer
// supports; Flush and Hijack report http.ErrNotSupported through
// [http.ResponseController] when the wrapped writer cannot.
type responseWriter struct {
	c      *compressor
	w      http.ResponseWriter
	coding *coding       // nil: identity
	inm    []header.ETag // If-None-Match as sent, when it was rewritten
	state  int
	status int
	buf    []byte // held-back body, fewer than minSize bytes
	enc    encoder
	pooled *pooled // holds enc
}

var (
	_ http.Flusher  = (*responseWriter)(nil)
	_ http.Hijacker = (*responseWriter)(nil)
	_ io.ReaderFrom = (*responseWriter)(nil)
)

// Header returns the wrapped writer's header map.
func (cw *responseWriter) Header() http.Header { return cw.w.Header() }

// WriteHeader records the status. Informational statuses pass through at
// once; statuses whose responses are never compressed commit the header;
// the others wait for the body, which decides.
func (cw *responseWriter) WriteHeader(code int) {
	if cw.state != statePending {
		if cw.state == statePlain || cw.state == stateEncoding {
			cw.w.WriteHeader(code) // net/http reports the superfluous call
		}
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		cw.w.WriteHeader(code)
		return
	}
	cw.status = code
	switch {
	case code == http.StatusNotModified:
		cw.restoreETag()
		cw.commitPlain()
	case code < 200 || code == http.StatusNoContent || code == http.StatusPartialContent:
		cw.commitPlain()
	default:
		cw.state = stateBuffering
	}
}

// Write holds p back while the decision is pending, then writes it
// through the encoder or as it is.
func (cw *responseWriter) Write(p []byte) (int, error) {
	if cw.state == statePending {
		cw.WriteHeader(http.StatusOK)
	}
	switch cw.state {
	case statePlain:
		return cw.w.Write(p)
	case stateEncoding:
		return cw.enc.Write(p)
	case stateHijacked:
		return 0, http.ErrHijacked
	}
	if cw.coding != nil && len(cw.buf)+len(p) < cw.c.minSize {
		cw.buf = append(cw.buf, p...)
		return len(p), nil
	}
	if err := cw.decide(p, false); err != nil {
		return 0, err
	}
	if cw.state == stateEncoding {
		return cw.enc.Write(p)
	}
	return cw.w.Write(p)
}

// Flush sends what the handler wrote so far: the held-back body (a
// flushed response is a stream and is compressed whatever its size), the
// encoder's pending output, then the wrapped writer's buffer.
func (cw *responseWriter) Flush() { _ = cw.FlushError() }

// FlushError is Flush returning the error, for [http.ResponseController],
// which prefers it; the error wraps [http.ErrNotSupported] when the
// wrapped writer cannot flush.
func (cw *responseWriter) FlushError() error {
	if cw.state == stateHijacked {
		return http.ErrHijacked
	}
	if cw.state == statePending {
		cw.WriteHeader(http.StatusOK)
	}
	if cw.state == stateBuffering {
		if err := cw.decide(nil, true); err != nil {
			return err
		}
	}
	if cw.state == stateEncoding {
		if err := cw.enc.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(cw.w).Flush()
}

// Hijack lets the handler take over the connection, when the wrapped
// writer allows.
func (cw *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(cw.w).Hijack()
	if err == nil {
		cw.state = stateHijacked
	}
	return conn, brw, err
}

// ReadFrom copies src to the response. Once the body is known to go out
// uncompressed, the copy is handed to the wrapped writer's ReadFrom, which
// net/http turns into sendfile.
func (cw *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	var n int64
	if cw.state == statePending || cw.state == stateBuffering {
		// The first bytes go through Write, which decides.
		n0, err := io.Copy(writerOnly{cw}, io.LimitReader(src, int64(cw.c.minSize)+1))
		n += n0
		if err != nil || cw.state == statePending || cw.state == stateBuffering {
			return n, err
		}
	}
	if rf, ok := cw.w.(io.ReaderFrom); ok && cw.state == statePlain {
		m, err := rf.ReadFrom(src)
		return n + m, err
	}
	m, err := io.Copy(writerOnly{cw}, src)
	return n + m, err
}

// HeaderWritten reports whether the handler has sent the status, which
// keel's errors.Write checks before writing a problem. The header may
// still be held back, but its status can no longer change.
func (cw *responseWriter) HeaderWritten() bool { return cw.state != statePending }

// Unwrap returns the wrapped writer, for [http.ResponseController].
func (cw *responseWriter) Unwrap() http.ResponseWriter { return cw.w }

// decide chooses between compressing and passing through, with the body
// held back so far and next, the bytes about to be written, and commits
// the header. stream says the handler flushed, which waives the minimum
// size. The held-back body is written before decide returns.
func (cw *responseWriter) decide(next []byte, stream bool) error {
	h := cw.w.Header()
	eligible := cw.eligible(h, next)
	if eligible {
		header.AddVary(h, "Accept-Encoding")
	}
	if !eligible || cw.coding == nil || !stream && len(cw.buf)+len(next) < cw.c.minSize {
		cw.commitPlain()
		if len(cw.buf) > 0 {
			if _, err := cw.w.Write(cw.buf); err != nil {
				return err
			}
		}
		return nil
	}
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	h.Set("Content-Encoding", cw.coding.name)
	if tag, ok := header.ParseETag(h.Get("ETag")); ok && !tag.Weak {
		h.Set("ETag", `"`+tag.Tag+cw.coding.suffix+`"`)
	}
	cw.w.WriteHeader(cw.status)
	cw.pooled = cw.coding.pool.Get().(*pooled)
	cw.pooled.dst.w = cw.w
	cw.enc = cw.pooled.enc
	cw.enc.Reset(&cw.pooled.dst)
	cw.state = stateEncoding
	if len(cw.buf) > 0 {
		if _, err := cw.enc.Write(cw.buf); err != nil {
			return err
		}
	}
	return nil
}

// eligible reports whether the response's headers allow compressing it.
// When the handler set no Content-Type, it is sniffed from the body, as
// net/http would, since net/http cannot sniff a compressed body.
func (cw *responseWriter) eligible(h http.Header, next []byte) bool {
	if h.Get("Content-Encoding") != "" {
		return false
	}
	if cc := h.Values("Cache-Control"); len(cc) > 0 && containsFold(cc, "no-transform") &&
		header.ParseCacheControl(cc).Has("no-transform") {
		return false
	}
	ct, set := h["Content-Type"]
	if !set {
		sample := cw.buf
		if len(sample) < sniffLen && len(next) > 0 {
			sample = append(sample[:len(sample):len(sample)], next[:min(len(next), sniffLen-len(sample))]...)
		}
		if len(sample) == 0 {
			return false // net/http sniffs the first write later
		}
		t := http.DetectContentType(sample)
		h.Set("Content-Type", t)
		return cw.c.typeAllowed(t)
	}
	return len(ct) > 0 && cw.c.typeAllowed(ct[0])
}

// commitPlain sends the header for a body passed through as it is.
func (cw *responseWriter) commitPlain() {
	cw.w.WriteHeader(cw.status)
	cw.state = statePlain
}

// restoreETag puts back on a 304 the suffix that the client's
// If-None-Match tag carried, so that the client's cache freshens the
// compressed response it holds.
func (cw *responseWriter) restoreETag() {
	if cw.inm == nil {
		return
	}
	h := cw.w.Header()
	tag, ok := header.ParseETag(h.Get("ETag"))
	if !ok || tag.Weak {
		return
	}
	want := tag.Tag + cw.coding.suffix
	for _, t := range cw.inm {
		if t.Tag == want {
			h.Set("ETag", `"`+want+`"`)
			header.AddVary(h, "Accept-Encoding")
			return
		}
	}
}

// finish completes the response after the handler returned: it sends a
// held-back body, with its Content-Length, and closes the encoder.
func (cw *responseWriter) finish() {
	switch cw.state {
	case stateBuffering:
		h := cw.w.Header()
		if _, set := h["Content-Length"]; !set {
			h.Set("Content-Length", strconv.Itoa(len(cw.buf)))
		}
		_ = cw.decide(nil, false) // the client went away; nobody to tell
	case stateEncoding:
		_ = cw.enc.Close()
	}
}

// reset returns cw to the state its pool expects, the encoder to its
// pool, and keeps the buffer's memory.
func (cw *responseWriter) reset() {
	if cw.pooled != nil {
		cw.pooled.dst.w = nil // drop the reference to the finished response
		cw.coding.pool.Put(cw.pooled)
	}
	*cw = responseWriter{c: cw.c, buf: cw.buf[:0]}
}

// sniffLen mirrors net/http: http.DetectContentType reads at most this
// many bytes.
const sniffLen = 512

// writerOnly hides every method but Write, so io.Copy into it cannot call
// back into ReadFrom.
type writerOnly struct{ io.Writer }

// listValue returns the value of the list header name with its lines
// joined by commas, as RFC 9110 section 5.3 allows, or "" when absent.
func listValue(h http.Header, name string) string {
	switch vs := h[name]; len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	default:
		return strings.Join(vs, ",")
	}
}

// stripSuffixes parses the entity tag list v and removes the first
// matching suffix from each tag that ends with one of suffixes. It
// returns the rewritten list, or "" when v is "*", malformed or has no
// suffixed tag, and the tags as parsed.
func stripSuffixes(v string, suffixes ...string) (string, []header.ETag) {
	tags, any, ok := header.ParseETagList(v)
	if any || !ok {
		return "", nil
	}
	var b strings.Builder
	changed := false
	for i, t := range tags {
		for _, s := range suffixes {
			if len(t.Tag) > len(s) && strings.HasSuffix(t.Tag, s) {
				t.Tag = t.Tag[:len(t.Tag)-len(s)]
				changed = true
				break
			}
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.String())
	}
	if !changed {
		return "", nil
	}
	return b.String(), tags
}

// containsFold reports whether any of values contains sub, ASCII
// case-insensitively: a cheap test before parsing.
func containsFold(values []string, sub string) bool {
	for _, v := range values {
		for i := 0; i+len(sub) <= len(v); i++ {
			if strings.EqualFold(v[i:i+len(sub)], sub) {
				return true
			}
		}
	}
	return false
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
