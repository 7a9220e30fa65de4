package negotiate

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/header"
)

// CodeNotAcceptable is the code of the 406 problem [Registry.Respond]
// answers when the client accepts none of the registry's media types.
const CodeNotAcceptable = "not_acceptable"

// maxPooledBuffer is the capacity above which an encoding buffer is left to
// the garbage collector instead of returning to the pool, so that one large
// response does not keep megabytes alive for every small one after it.
const maxPooledBuffer = 64 << 10

// Registry holds codecs under the media types they serve, in the server's
// order of preference: the first registered type wins when the client likes
// several equally, and is the answer when the request has no Accept header.
//
// The zero value is an empty registry, ready for [Registry.Register]; [New]
// and [Default] return filled ones. A Registry is safe for concurrent use:
// Register may even run while requests are served, each of which sees the
// registrations as they were when it started. A Registry must not be copied
// after first use.
type Registry struct {
	mu  sync.Mutex // serialises Register
	set atomic.Pointer[codecSet]
}

// codecSet is an immutable snapshot of a registry's registrations.
type codecSet struct {
	entries   []entry
	available []string // the distinct essences, for the 406 problem
}

// entry is one media type a codec is registered under.
type entry struct {
	contentType string            // the Content-Type written, which is also the offer: "application/json; charset=utf-8"
	essence     string            // type/subtype, lower case: "application/json"
	key         string            // essence and params, lower case: what makes a registration unique
	params      map[string]string // the parameters other than charset
	charset     string            // the charset of a TextCodec, or ""
	codec       Codec
}

// New returns a registry holding codecs, each under its own media types,
// in the order given. It panics if a codec is nil or names an invalid or
// already registered media type: a programming mistake, caught when the
// server is wired. Use the zero Registry and [Registry.Register] to get an
// error instead.
func New(codecs ...Codec) *Registry {
	g := &Registry{}
	for _, c := range codecs {
		if err := g.Register(c); err != nil {
			panic(err.Error())
		}
	}
	return g
}

// Default returns a new registry with the standard codecs: [JSON]
// (application/json), then [XML] (application/xml, text/xml). JSON is
// served when the client has no preference. Each call returns a new
// registry, which the caller may extend.
func Default() *Registry {
	return New(JSON{}, XML{})
}

// Register adds c to the registry under mediaTypes, or under
// c.MediaTypes() when none are given, after every type registered before:
// earlier registrations are preferred.
//
// This is how one codec serves several types. A vendor media type is
// served by the codec of its syntax when registered under it:
//
//	g.Register(negotiate.JSON{}, "application/vnd.keel.v2+json")
//
// A media type may carry parameters ("application/json; version=2"); a
// client asking for a parameter then gets only a type registered with it.
// The charset parameter of a [TextCodec] is added from its Charset method;
// a charset in Accept is ignored, as [header.ParseAccept] ignores it.
// Media types are never served implicitly: a codec registered under
// application/json does not answer a request that accepts only
// application/vnd.other+json, whose document structure it cannot know.
// Reading request bodies is more lenient (see [Registry.Lookup]).
//
// Register returns an error, and changes nothing, when c is nil or a media
// type is malformed, a wildcard, carries a q parameter or is registered
// already with the same parameters.
func (g *Registry) Register(c Codec, mediaTypes ...string) error {
	if c == nil {
		return fmt.Errorf("negotiate: Register: nil codec")
	}
	if len(mediaTypes) == 0 {
		mediaTypes = c.MediaTypes()
		if len(mediaTypes) == 0 {
			return fmt.Errorf("negotiate: Register: codec %T has no media type", c)
		}
	}
	charset := ""
	if tc, ok := c.(TextCodec); ok {
		charset = strings.ToLower(tc.Charset())
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.set.Load()
	next := &codecSet{}
	if old != nil {
		next.entries = append(next.entries, old.entries...)
	}
	for _, mt := range mediaTypes {
		e, err := newEntry(c, mt, charset)
		if err != nil {
			return err
		}
		for _, prev := range next.entries {
			if prev.key == e.key {
				return fmt.Errorf("negotiate: Register: media type %q is already registered", mt)
			}
		}
		next.entries = append(next.entries, e)
	}
	for _, e := range next.entries {
		if !containsFold(next.available, e.essence) {
			next.available = append(next.available, e.essence)
		}
	}
	g.set.Store(next)
	return nil
}

// MediaTypes returns the Content-Type of every registration, in order of
// preference: "application/json; charset=utf-8", "application/xml;
// charset=utf-8", ...
func (g *Registry) MediaTypes() []string {
	set := g.load()
	out := make([]string, len(set.entries))
	for i, e := range set.entries {
		out[i] = e.contentType
	}
	return out
}

// Negotiate chooses the codec and the Content-Type for the response to r
// from its Accept header (q-values, wildcards, parameters and specificity
// as RFC 9110 section 12.5.1 says; see [header.Negotiate]). Without an
// Accept header, or with one that holds no readable element, the first
// registration is chosen. When every registered type is unacceptable it
// returns a 406 *errors.Error coded [CodeNotAcceptable] that lists the
// available types in its "available" extension member.
//
// Use it to stream a response that [Registry.Respond] would buffer; the
// response then depends on Accept, so add it to Vary ([header.AddVary]).
func (g *Registry) Negotiate(r *http.Request) (c Codec, contentType string, err error) {
	set := g.load()
	e, ok := set.choose(r.Header.Values("Accept"), nil)
	if !ok {
		return nil, "", set.notAcceptable(nil)
	}
	return e.codec, e.contentType, nil
}

// Respond writes v as the response to r with the given status, in the
// representation r prefers (see [Registry.Negotiate]) among those whose
// codec can encode v (every codec but a [TypedCodec] that refuses v):
//
//   - it encodes v with the chosen codec into a pooled buffer, and only
//     then sets Content-Type (with its charset), Content-Length and
//     Vary: Accept and writes the status and the body, so that a value that
//     fails to encode never leaves a 200 with half a body behind;
//   - a HEAD request gets the same headers and no body;
//   - a status that allows no body (1xx, 204, 304) is written with
//     Vary: Accept alone, and v is ignored.
//
// Every failure Respond can still answer, it answers through
// [errors.Write], which also logs it once: a 406 problem listing the
// available types when the client accepts none of them, the problem of an
// *errors.Error that v's encoding returned, a 500 problem for any other
// encoding error, and a 500 problem for a status outside 100–599 or an
// empty registry, which are programming mistakes. Respond then returns
// nil: the client has its answer.
//
// Respond returns an error only when the response could not be delivered:
// writing the body failed, because the client went away. Nobody is left to
// tell, so the caller just stops; in an [errors.HandlerFunc],
//
//	return negotiate.Respond(w, r, http.StatusOK, user)
//
// logs it once. The whole body is held in memory while it is written; a
// response too large for that is streamed with [Registry.Negotiate] and the
// codec instead.
func (g *Registry) Respond(w http.ResponseWriter, r *http.Request, status int, v any) error {
	set := g.load()
	h := w.Header()
	switch {
	case status < 100 || status > 599:
		errors.Write(w, r, errors.Internal("negotiate: Respond called with invalid status %d", status))
		return nil
	case len(set.entries) == 0:
		errors.Write(w, r, errors.Internal("negotiate: Respond called on an empty registry"))
		return nil
	}
	header.AddVary(h, "Accept")
	if !bodyAllowed(status) {
		w.WriteHeader(status)
		return nil
	}
	canEncode := func(c Codec) bool {
		tc, ok := c.(TypedCodec)
		return !ok || tc.CanEncode(v)
	}
	e, ok := set.choose(r.Header.Values("Accept"), canEncode)
	if !ok {
		errors.Write(w, r, set.notAcceptable(canEncode))
		return nil
	}

	buf := bufferPool.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	buf.Reset()
	if err := e.codec.Encode(buf, v); err != nil {
		if _, ok := errors.AsType[*errors.Error](err); !ok {
			err = errors.Internal("negotiate: encode the response as %s", e.essence).WithCause(err)
		}
		errors.Write(w, r, err)
		return nil
	}
	h.Set("Content-Type", e.contentType)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Lookup returns the codec that reads a request body of the given
// Content-Type header value. It tries, in order: a registration with the
// same type/subtype whose parameters (charset aside) the content type all
// carries; any registration with the same type/subtype; and, for a type
// with a structured syntax suffix (RFC 6839), the registration of the
// suffix's own type, so that application/merge-patch+json or
// application/vnd.acme+json is read by the codec of application/json and
// application/atom+xml by that of application/xml. A charset parameter
// other than the [TextCodec]'s own charset matches nothing, nor does a
// malformed or empty content type.
func (g *Registry) Lookup(contentType string) (Codec, bool) {
	essence, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, false
	}
	set := g.load()
	if e := set.lookup(essence, params); e != nil {
		return e.codec, true
	}
	if i, slash := strings.LastIndexByte(essence, '+'), strings.IndexByte(essence, '/'); slash >= 0 && i > slash {
		if e := set.lookup("application/"+essence[i+1:], params); e != nil {
			return e.codec, true
		}
	}
	return nil, false
}

// Decode reads the body of r into v with the codec [Registry.Lookup] finds
// for its Content-Type. A missing or unsupported Content-Type returns a 415
// *errors.Error naming the supported types; the codec's errors are returned
// as they are (see [Codec]), so a handler returns them for [errors.Write]
// to answer. Decode does not limit the body's size: put a body limit in
// front of it.
func (g *Registry) Decode(r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	c, ok := g.Lookup(ct)
	if !ok {
		set := g.load()
		list := strings.Join(set.available, ", ")
		if ct == "" {
			return errors.UnsupportedMediaType("The request has no Content-Type; supported: %s.", list).
				WithExtension("supported", set.available)
		}
		return errors.UnsupportedMediaType("The Content-Type %q is not supported; supported: %s.", clip(ct), list).
			WithExtension("supported", set.available)
	}
	if r.Body == nil {
		return errors.E(http.StatusBadRequest, errors.CodeEmptyBody, "The request body is empty.")
	}
	return c.Decode(r.Body, v)
}

// defaultRegistry serves the package-level functions. It is never
// modified: Default returns a registry of its own to each caller that wants
// to register more.
var defaultRegistry = Default()

// Respond writes v as the response to r with the default codecs (JSON, then
// XML); see [Registry.Respond].
func Respond(w http.ResponseWriter, r *http.Request, status int, v any) error {
	return defaultRegistry.Respond(w, r, status, v)
}

// Decode reads the body of r into v with the default codecs (JSON, XML),
// chosen by its Content-Type; see [Registry.Decode].
func Decode(r *http.Request, v any) error {
	return defaultRegistry.Decode(r, v)
}

// load returns the current registrations, empty for the zero Registry.
func (g *Registry) load() *codecSet {
	if s := g.set.Load(); s != nil {
		return s
	}
	return &codecSet{}
}

// choose returns the registration the Accept header values rank highest,
// the earliest among equals, and false when none is acceptable. Only the
// registrations whose codec usable accepts are candidates; a nil usable
// accepts all.
func (s *codecSet) choose(accept []string, usable func(Codec) bool) (*entry, bool) {
	ranges := header.ParseAccept(accept)
	best, bestQ := -1, 0.0
	for i := range s.entries {
		if usable != nil && !usable(s.entries[i].codec) {
			continue
		}
		if len(ranges) == 0 {
			// No Accept header, or none of its elements readable: a
			// client's typo must not become a 406.
			return &s.entries[i], true
		}
		if q := header.Quality(ranges, s.entries[i].contentType); q > bestQ {
			best, bestQ = i, q
		}
	}
	if best < 0 {
		return nil, false
	}
	return &s.entries[best], true
}

// notAcceptable returns the 406 problem listing the available types: those
// whose codec usable accepts, or all of them when usable is nil.
func (s *codecSet) notAcceptable(usable func(Codec) bool) *errors.Error {
	available := s.available
	if usable != nil {
		available = nil
		for _, e := range s.entries {
			if usable(e.codec) && !containsFold(available, e.essence) {
				available = append(available, e.essence)
			}
		}
	}
	return errors.E(http.StatusNotAcceptable, CodeNotAcceptable,
		"None of the available media types is acceptable: %s.", strings.Join(available, ", ")).
		WithExtension("available", available)
}

// lookup returns the registration for reading a body of type essence with
// params, or nil: among those of the same essence, the earliest of those
// with the most parameters, all of which params carries, or else the
// earliest.
func (s *codecSet) lookup(essence string, params map[string]string) *entry {
	var first, best *entry
	for i := range s.entries {
		e := &s.entries[i]
		if e.essence != essence {
			continue
		}
		if cs, ok := params["charset"]; ok && e.charset != "" && !strings.EqualFold(cs, e.charset) {
			continue
		}
		if first == nil {
			first = e
		}
		if paramsIn(e.params, params) && (best == nil || len(e.params) > len(best.params)) {
			best = e
		}
	}
	if best != nil {
		return best
	}
	return first
}

// newEntry checks and normalises the media type mt for codec c.
func newEntry(c Codec, mt, charset string) (entry, error) {
	essence, params, err := mime.ParseMediaType(mt)
	if err != nil {
		return entry{}, fmt.Errorf("negotiate: Register: invalid media type %q: %v", mt, err)
	}
	typ, sub, ok := strings.Cut(essence, "/")
	if !ok || typ == "" || sub == "" || strings.Contains(sub, "/") {
		return entry{}, fmt.Errorf("negotiate: Register: invalid media type %q: not type/subtype", mt)
	}
	if typ == "*" || sub == "*" {
		return entry{}, fmt.Errorf("negotiate: Register: media type %q is a wildcard", mt)
	}
	if _, ok := params["q"]; ok {
		return entry{}, fmt.Errorf("negotiate: Register: media type %q has a q parameter", mt)
	}
	if cs, ok := params["charset"]; ok && charset != "" && !strings.EqualFold(cs, charset) {
		return entry{}, fmt.Errorf("negotiate: Register: media type %q has a charset other than the codec's %q", mt, charset)
	}
	e := entry{essence: essence, charset: charset, codec: c}
	for k, v := range params {
		if k == "charset" {
			continue
		}
		if e.params == nil {
			e.params = make(map[string]string, len(params))
		}
		e.params[k] = v
	}
	e.key = strings.ToLower(mime.FormatMediaType(essence, e.params))
	if charset != "" {
		params["charset"] = charset
	}
	e.contentType = mime.FormatMediaType(essence, params)
	if e.contentType == "" {
		return entry{}, fmt.Errorf("negotiate: Register: invalid media type %q", mt)
	}
	return e, nil
}

// paramsIn reports whether every parameter of want is in have, values
// compared without regard to case.
func paramsIn(want, have map[string]string) bool {
	for k, v := range want {
		if hv, ok := have[k]; !ok || !strings.EqualFold(hv, v) {
			return false
		}
	}
	return true
}

// containsFold reports whether list holds s, compared without regard to
// case.
func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// bodyAllowed reports whether a response with status may have a body
// (RFC 9110 sections 15.2, 15.3.5 and 15.4.5).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// bufferPool recycles the buffers responses are encoded into.
var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuffer returns buf to the pool unless it grew too large to keep.
func putBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= maxPooledBuffer {
		bufferPool.Put(buf)
	}
}
