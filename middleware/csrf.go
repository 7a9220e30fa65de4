package middleware

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// Defaults of [CSRFOptions].
const (
	// DefaultCSRFCookieName is the cookie holding the token. The __Host-
	// prefix makes browsers accept it only when it is Secure, has Path=/
	// and no Domain, so a sibling subdomain cannot plant a token of its
	// own.
	DefaultCSRFCookieName = "__Host-csrf"
	// DefaultCSRFInsecureCookieName is the cookie name used with
	// [CSRFOptions].InsecureCookie, since the __Host- prefix requires a
	// Secure cookie.
	DefaultCSRFInsecureCookieName = "csrf"
	// DefaultCSRFHeader is the request header a script echoes the token in.
	DefaultCSRFHeader = "X-CSRF-Token"
	// DefaultCSRFFormField is the form field an HTML form carries the token
	// in.
	DefaultCSRFFormField = "csrf_token"
	// DefaultCSRFMaxAge is how long a token is valid.
	DefaultCSRFMaxAge = 12 * time.Hour
	// CSRFMinKeyLength is the shortest [CSRFOptions].Key accepted, in bytes.
	CSRFMinKeyLength = 32
)

// CodeCSRFRejected is the problem code of every response [CSRF] rejects,
// with status 403: a cross-origin request, or a request without a valid
// token.
const CodeCSRFRejected = "csrf_rejected"

// CSRFOptions configures [CSRF]. Key is required; every other zero field
// means its documented default.
type CSRFOptions struct {
	// Key signs the tokens with HMAC-SHA256. It must be at least
	// [CSRFMinKeyLength] random bytes, kept secret and shared by every
	// instance of the service; changing it invalidates the tokens issued
	// so far. It is copied. Required.
	Key []byte

	// TrustedOrigins lists the origins, other than the server's own, whose
	// browsers may send unsafe requests: "https://app.example.com". An
	// origin is a scheme, a host and an optional port, with nothing after
	// them, and matches the browser's Origin header exactly, so
	// "http://app.example.com" and "https://app.example.com" are two
	// origins. Scheme and host are lower-cased and a default port (":443"
	// for https, ":80" for http) is dropped, as browsers send them.
	// Default: none.
	TrustedOrigins []string

	// BypassPatterns lists [http.ServeMux] patterns ("POST /webhooks/",
	// "/api/v1/callback/{id}") whose requests are let through unchecked:
	// endpoints called by other servers, such as webhooks, which
	// authenticate in their own way. Only a direct match counts, not a
	// path ServeMux would redirect. Patterns must be valid and must not
	// conflict with each other. Default: none.
	BypassPatterns []string

	// CookieName is the name of the token cookie. It must be a valid
	// cookie name. Default: [DefaultCSRFCookieName], or
	// [DefaultCSRFInsecureCookieName] when InsecureCookie is set.
	CookieName string

	// HeaderName is the request header scripts send the token in. It must
	// be a valid header name. Default: [DefaultCSRFHeader].
	HeaderName string

	// FormField is the form field, of application/x-www-form-urlencoded or
	// multipart/form-data bodies, that carries the token when the header
	// is absent. Default: [DefaultCSRFFormField].
	FormField string

	// MaxAge is how long a token stays valid, and the cookie's Max-Age. A
	// request after that gets a new token. It must not be negative, and a
	// token lives at least a second. Default: [DefaultCSRFMaxAge].
	MaxAge time.Duration

	// SessionID returns the ID of the request's session, or "" when there
	// is none. When set, each token is bound to the session it was issued
	// in: it is rejected in any other session, so a token obtained in an
	// attacker's own session (and planted in a victim's browser) is
	// useless, and logging in yields a new token. The session middleware
	// must then run before CSRF. Default: nil, tokens are not bound.
	SessionID func(r *http.Request) string

	// HTTPOnlyCookie marks the cookie HttpOnly. Set it when only
	// server-rendered forms carry the token (see [CSRFToken]) and no script
	// needs to read the cookie. Default: false, scripts can read it.
	HTTPOnlyCookie bool

	// InsecureCookie drops the Secure attribute from the cookie, for
	// development over plain HTTP. CookieName must then not use the
	// __Host- or __Secure- prefix. Default: false.
	InsecureCookie bool

	// Now returns the current time; tests inject a clock. Default:
	// time.Now.
	Now func() time.Time
}

// withDefaults returns opts with every zero field set to its default.
func (opts CSRFOptions) withDefaults() CSRFOptions {
	if opts.CookieName == "" {
		opts.CookieName = DefaultCSRFCookieName
		if opts.InsecureCookie {
			opts.CookieName = DefaultCSRFInsecureCookieName
		}
	}
	if opts.HeaderName == "" {
		opts.HeaderName = DefaultCSRFHeader
	}
	if opts.FormField == "" {
		opts.FormField = DefaultCSRFFormField
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = DefaultCSRFMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts CSRFOptions) validate() error {
	if len(opts.Key) < CSRFMinKeyLength {
		return fmt.Errorf("middleware: CSRFOptions.Key has %d bytes, want at least %d", len(opts.Key), CSRFMinKeyLength)
	}
	if !isToken(opts.CookieName) {
		return fmt.Errorf("middleware: CSRFOptions.CookieName %q is not a valid cookie name", opts.CookieName)
	}
	if opts.InsecureCookie && (strings.HasPrefix(opts.CookieName, "__Host-") || strings.HasPrefix(opts.CookieName, "__Secure-")) {
		return fmt.Errorf("middleware: CSRFOptions.CookieName %q needs a Secure cookie, but InsecureCookie is set", opts.CookieName)
	}
	if !isToken(opts.HeaderName) {
		return fmt.Errorf("middleware: CSRFOptions.HeaderName %q is not a valid header name", opts.HeaderName)
	}
	if opts.MaxAge < time.Second {
		return fmt.Errorf("middleware: CSRFOptions.MaxAge %v is shorter than a second", opts.MaxAge)
	}
	for i, o := range opts.TrustedOrigins {
		if _, err := csrfNormalizeOrigin(o); err != nil {
			return fmt.Errorf("middleware: CSRFOptions.TrustedOrigins[%d]: %v", i, err)
		}
	}
	if _, err := csrfBypassMux(opts.BypassPatterns); err != nil {
		return err
	}
	return nil
}

// CSRF returns middleware that protects cookie-authenticated routes from
// cross-site request forgery, in two layers.
//
// # Origin check
//
// The first layer is the standard library's [http.CrossOriginProtection].
// GET, HEAD and OPTIONS are always allowed: they must not change state.
// Any other request a browser marks as cross-origin, with Sec-Fetch-Site
// or with an Origin whose host differs from Host, is rejected, unless its
// Origin is one of opts.TrustedOrigins or its route matches one of
// opts.BypassPatterns.
//
// # Token check
//
// A request that carries neither Origin nor Sec-Fetch-Site passes that
// layer: it comes from an old browser or from something that is not a
// browser at all. For those, CSRF falls back to a signed double-submit
// token. The token is random, carries its issue time, is signed with
// HMAC-SHA256 under opts.Key (and bound to the session when opts.SessionID
// is set), and lives in a cookie, Secure, SameSite=Lax, Path=/ and, by
// default, readable by scripts. An unsafe request without Origin or
// Sec-Fetch-Site must echo the token in the opts.HeaderName header
// (X-CSRF-Token), or in the opts.FormField form field (csrf_token), and
// the cookie must hold a valid, unexpired token equal to it; the two are
// compared in constant time. A cross-site attacker can make a browser send
// the cookie but can neither read it nor set the header. The signature
// means only this server's tokens count; the __Host- cookie prefix keeps a
// sibling subdomain from planting a cookie at all, and binding to the
// session makes a genuine token fetched in the attacker's own session
// useless in the victim's.
//
// Every request whose cookie holds no valid token — none yet, expired,
// tampered with, or from another session — gets a fresh token in a
// Set-Cookie header before the next handler runs, so a page served by a
// GET can always embed one. A script reads the cookie; a server-rendered
// form gets the token from [CSRFToken].
//
// Because of this layer, CSRF belongs on routes that authenticate with
// cookies. A route that authenticates with an Authorization header is not
// exposed to CSRF, and its non-browser clients would have to send a token
// they have no use for: leave such routes out, or list them in
// opts.BypassPatterns.
//
// # Rejections
//
// A rejected request gets a 403 problem with code [CodeCSRFRejected],
// written by [errors.Write]. A form body that cannot be parsed gets a 400,
// or a 413 when a body limit stops it.
//
// # Placement
//
// CSRF goes inside [RequestID], [AccessLog] and [Recover], after the body
// limit (it may read a form body) and after the session middleware when
// opts.SessionID reads the session, and before the router and the
// handlers that change state.
//
// CSRF panics if opts is invalid; [NewCSRF] returns the error instead, for
// a key or origins read at run time.
func CSRF(opts CSRFOptions) Middleware {
	mw, err := NewCSRF(opts)
	if err != nil {
		panic(err.Error())
	}
	return mw
}

// NewCSRF is [CSRF] for configuration read at run time: it returns an error
// naming the invalid field instead of panicking.
func NewCSRF(opts CSRFOptions) (Middleware, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range opts.TrustedOrigins {
		origin, _ := csrfNormalizeOrigin(o)
		if err := cop.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("middleware: CSRFOptions.TrustedOrigins: %v", err)
		}
	}
	// Bypassed requests are let through before the origin check, so the
	// patterns live in a mux of our own; CrossOriginProtection gets them
	// too so that its Check agrees if it is ever called on its own.
	bypass, _ := csrfBypassMux(opts.BypassPatterns)
	for _, p := range opts.BypassPatterns {
		cop.AddInsecureBypassPattern(p)
	}
	c := &csrf{
		opts:   opts,
		codec:  csrfCodec{key: append([]byte(nil), opts.Key...), maxAge: opts.MaxAge},
		cop:    cop,
		bypass: bypass,
		missing: errors.Forbidden("missing CSRF token: send the value of the %s cookie in the %s header",
			opts.CookieName, opts.HeaderName).WithCode(CodeCSRFRejected),
	}
	return c.middleware, nil
}

// CSRFToken returns the request's CSRF token, for a server-rendered form
// to send back in a hidden field named as [CSRFOptions].FormField:
//
//	<input type="hidden" name="csrf_token" value="{{.CSRFToken}}">
//
// Every call returns a different string, the token masked with a fresh
// random pad, so that a compressed page does not repeat a secret an
// attacker could recover by compression side channels (BREACH); [CSRF]
// accepts the masked and the plain form alike. It returns "" when [CSRF]
// did not handle the request.
func CSRFToken(r *http.Request) string {
	raw, ok := reqctx.Get(r.Context(), csrfTokenKey)
	if !ok || len(raw) != csrfTokenLen {
		return ""
	}
	return csrfMask(raw)
}

// csrfTokenKey holds the request's raw token, for CSRFToken.
var csrfTokenKey = reqctx.NewKey[[]byte]("middleware.csrf")

// csrf is a configured CSRF middleware.
type csrf struct {
	opts    CSRFOptions
	codec   csrfCodec
	cop     *http.CrossOriginProtection
	bypass  *http.ServeMux
	missing *errors.Error
}

var (
	csrfCrossOrigin = errors.Forbidden("cross-origin request rejected").WithCode(CodeCSRFRejected)
	csrfInvalid     = errors.Forbidden("invalid or expired CSRF token").WithCode(CodeCSRFRejected)
)

// middleware is the Middleware that NewCSRF returns.
func (c *csrf) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, d := reqctx.Attach(r)
		now := c.opts.Now()
		session := ""
		if c.opts.SessionID != nil {
			session = c.opts.SessionID(r)
		}

		var cookieToken []byte
		if ck, err := r.Cookie(c.opts.CookieName); err == nil {
			cookieToken, _ = c.codec.verify(ck.Value, now, session)
		}
		token := cookieToken
		if token == nil {
			token = c.codec.issue(now, session)
			http.SetCookie(w, &http.Cookie{
				Name:     c.opts.CookieName,
				Value:    csrfEncoding.EncodeToString(token),
				Path:     "/",
				MaxAge:   int(c.opts.MaxAge / time.Second),
				Secure:   !c.opts.InsecureCookie,
				HttpOnly: c.opts.HTTPOnlyCookie,
				SameSite: http.SameSiteLaxMode,
			})
		}
		reqctx.SetIn(d, csrfTokenKey, token)

		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if c.bypassed(r) {
			next.ServeHTTP(w, r)
			return
		}
		if err := c.cop.Check(r); err != nil {
			errors.Write(w, r, csrfCrossOrigin.WithCause(err))
			return
		}
		if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" {
			next.ServeHTTP(w, r)
			return
		}

		submitted := r.Header.Get(c.opts.HeaderName)
		if submitted == "" {
			v, parsed, err := c.formToken(r)
			if parsed && r.MultipartForm != nil {
				// The server removes the temporary files of the request it
				// created, not of this copy.
				defer r.MultipartForm.RemoveAll()
			}
			if err != nil {
				if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
					errors.Write(w, r, err)
					return
				}
				errors.Write(w, r, errors.BadRequest("malformed form body").WithCause(err))
				return
			}
			submitted = v
		}
		if submitted == "" {
			errors.Write(w, r, c.missing)
			return
		}
		got, ok := csrfUnmask(submitted)
		if !ok || cookieToken == nil || subtle.ConstantTimeCompare(got, cookieToken) != 1 {
			errors.Write(w, r, csrfInvalid)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bypassed reports whether r matches one of the bypass patterns.
func (c *csrf) bypassed(r *http.Request) bool {
	if c.bypass == nil {
		return false
	}
	h, _ := c.bypass.Handler(r)
	_, ok := h.(csrfBypassHandler)
	return ok
}

// formToken returns the token form field of a form body. parsed reports
// whether the body was parsed, which happens only for form content types.
func (c *csrf) formToken(r *http.Request) (v string, parsed bool, err error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	case "multipart/form-data":
		err = r.ParseMultipartForm(csrfMaxFormMemory)
	default:
		return "", false, nil
	}
	if err != nil {
		return "", true, err
	}
	return r.PostForm.Get(c.opts.FormField), true, nil
}

// csrfMaxFormMemory is how much of a multipart form is held in memory, as
// http.Request.FormValue does; the rest of the files go to disk.
const csrfMaxFormMemory = 32 << 20

// csrfBypassHandler marks the bypass patterns in the bypass mux.
type csrfBypassHandler struct{}

// ServeHTTP does nothing: the handler is only ever compared, never called.
func (csrfBypassHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

// csrfBypassMux returns a mux holding the bypass patterns, nil for none, or
// an error for an invalid or conflicting pattern (which ServeMux reports by
// panicking).
func csrfBypassMux(patterns []string) (mux *http.ServeMux, err error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	mux = http.NewServeMux()
	for i, p := range patterns {
		func() {
			defer func() {
				if v := recover(); v != nil {
					err = fmt.Errorf("middleware: CSRFOptions.BypassPatterns[%d] %q: %v", i, p, v)
				}
			}()
			mux.Handle(p, csrfBypassHandler{})
		}()
		if err != nil {
			return nil, err
		}
	}
	return mux, nil
}

// csrfNormalizeOrigin checks that s is an origin (scheme://host[:port])
// and returns it as browsers serialize it: scheme and host lower-case, no
// default port.
func csrfNormalizeOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%q is not an origin (scheme://host[:port])", s)
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("%q is not an origin: it has more than scheme://host[:port]", s)
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	}
	return scheme + "://" + host, nil
}

// The token: version, issue time in Unix seconds, random nonce, and the
// HMAC-SHA256 of all three and the session ID. Clients treat it as opaque;
// the version byte lets the format change without misreading old tokens.
const (
	csrfVersion     = 1
	csrfNonceLen    = 16
	csrfPayloadLen  = 1 + 8 + csrfNonceLen
	csrfTokenLen    = csrfPayloadLen + sha256.Size
	csrfMaskedLen   = 2 * csrfTokenLen
	csrfMACContext  = "keel-csrf-v1\x00"
	csrfFutureSkew  = time.Minute // clock difference tolerated between instances
	csrfMaxEncoding = 2 * csrfMaskedLen
)

// csrfEncoding encodes tokens for cookies, headers and form fields. Strict
// decoding gives every token exactly one accepted spelling.
var csrfEncoding = base64.RawURLEncoding.Strict()

// csrfCodec issues and verifies signed tokens.
type csrfCodec struct {
	key    []byte
	maxAge time.Duration
}

// issue returns a new raw token issued at now for session.
func (c *csrfCodec) issue(now time.Time, session string) []byte {
	tok := make([]byte, csrfTokenLen)
	tok[0] = csrfVersion
	binary.BigEndian.PutUint64(tok[1:9], uint64(now.Unix()))
	rand.Read(tok[9:csrfPayloadLen])
	c.sign(tok[:csrfPayloadLen], session, tok[csrfPayloadLen:csrfPayloadLen])
	return tok
}

// sign appends to dst the MAC of payload and session.
func (c *csrfCodec) sign(payload []byte, session string, dst []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(csrfMACContext))
	m.Write(payload)
	m.Write([]byte(session))
	return m.Sum(dst)
}

// verify decodes an encoded token and returns it raw if its signature is
// valid for session and it is neither expired nor issued in the future.
func (c *csrfCodec) verify(encoded string, now time.Time, session string) ([]byte, bool) {
	if len(encoded) > csrfMaxEncoding {
		return nil, false
	}
	tok, err := csrfEncoding.DecodeString(encoded)
	if err != nil || len(tok) != csrfTokenLen || tok[0] != csrfVersion {
		return nil, false
	}
	var mac [sha256.Size]byte
	if !hmac.Equal(c.sign(tok[:csrfPayloadLen], session, mac[:0]), tok[csrfPayloadLen:]) {
		return nil, false
	}
	issued := binary.BigEndian.Uint64(tok[1:9])
	if issued > 1<<62 { // far beyond any clock; keeps the conversion below exact
		return nil, false
	}
	age := now.Sub(time.Unix(int64(issued), 0))
	if age >= c.maxAge || age < -csrfFutureSkew {
		return nil, false
	}
	return tok, true
}

// csrfMask returns raw masked with a fresh random pad: pad followed by raw
// XOR pad, encoded.
func csrfMask(raw []byte) string {
	buf := make([]byte, 2*len(raw))
	pad, masked := buf[:len(raw)], buf[len(raw):]
	rand.Read(pad)
	subtle.XORBytes(masked, raw, pad)
	return csrfEncoding.EncodeToString(buf)
}

// csrfUnmask decodes a submitted token, masked or plain, and returns it
// raw. It checks only the shape; the caller compares it with the cookie's
// verified token.
func csrfUnmask(s string) ([]byte, bool) {
	if len(s) > csrfMaxEncoding {
		return nil, false
	}
	b, err := csrfEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	switch len(b) {
	case csrfTokenLen:
		return b, true
	case csrfMaskedLen:
		raw := make([]byte, csrfTokenLen)
		subtle.XORBytes(raw, b[csrfTokenLen:], b[:csrfTokenLen])
		return raw, true
	}
	return nil, false
}
