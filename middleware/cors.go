package middleware

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keel-go/keel/header"
)

// DefaultCORSMaxAge is how long browsers may cache a preflight answer
// unless [CORSOptions.MaxAge] says otherwise.
const DefaultCORSMaxAge = 10 * time.Minute

// DefaultCORSMethods returns the methods [CORS] allows unless
// [CORSOptions.AllowedMethods] says otherwise: GET, HEAD and POST.
func DefaultCORSMethods() []string {
	return []string{http.MethodGet, http.MethodHead, http.MethodPost}
}

// DefaultCORSHeaders returns the request headers [CORS] allows unless
// [CORSOptions.AllowedHeaders] says otherwise: Accept, Accept-Language,
// Content-Language and Content-Type, the CORS-safelisted names. Browsers
// send them without a preflight only with safelisted values; a JSON body's
// "Content-Type: application/json" needs the preflight to allow
// Content-Type.
func DefaultCORSHeaders() []string {
	return []string{"Accept", "Accept-Language", "Content-Language", "Content-Type"}
}

// CORSOptions configures [CORS]. Every zero field means its documented
// default, but the zero value itself is invalid: at least one origin must
// be allowed, through AllowedOrigins or AllowOriginFunc.
type CORSOptions struct {
	// AllowedOrigins lists the origins whose scripts may read responses,
	// each written as a browser sends it in the Origin header: a scheme,
	// a host and a port other than the scheme's default, without a path
	// ("https://app.example.com", "http://localhost:3000"). Origins are
	// compared without regard to case, and a default port written out
	// (":443" for https, ":80" for http) is ignored.
	//
	// "https://*.example.com" allows every subdomain of example.com, at any
	// depth (a.example.com, a.b.example.com), with that scheme and port
	// only: never example.com itself, http://a.example.com,
	// https://a.example.com:8443 or https://a.example.com.evil.com.
	//
	// "null" allows the opaque origin that browsers send from sandboxed
	// frames, file: pages and some redirects. Any page can put itself in
	// such a frame, so it is refused unless listed, and it cannot be
	// combined with AllowCredentials.
	//
	// "*", alone, allows every origin, "null" included: responses carry
	// "Access-Control-Allow-Origin: *" and do not vary by origin. It
	// suits public, unauthenticated APIs and cannot be combined with
	// other entries, AllowOriginFunc or AllowCredentials.
	//
	// Default: none.
	AllowedOrigins []string

	// AllowOriginFunc reports whether an origin that AllowedOrigins does
	// not list is allowed. It receives the Origin header as sent, and only
	// well-formed origins: never "null", never a malformed value. It is
	// called concurrently. Default: nil.
	AllowOriginFunc func(origin string) bool

	// AllowedMethods lists the methods cross-origin requests may use,
	// compared case-sensitively as browsers send them (the configured ones
	// are upper-cased). "*" allows every method. Default:
	// [DefaultCORSMethods].
	AllowedMethods []string

	// AllowedHeaders lists the request headers cross-origin requests may
	// set, compared without regard to case. "*" allows every header; it
	// cannot be combined with AllowCredentials, for which browsers read it
	// as a header named "*". Default: [DefaultCORSHeaders].
	AllowedHeaders []string

	// ExposedHeaders lists the response headers scripts may read besides
	// the CORS-safelisted ones (Cache-Control, Content-Language,
	// Content-Length, Content-Type, Expires, Last-Modified, Pragma), such
	// as ETag, Location or X-Request-Id. "*" exposes every header; it
	// cannot be combined with AllowCredentials. Default: none.
	ExposedHeaders []string

	// AllowCredentials lets browsers send cookies and HTTP authentication
	// with cross-origin requests and scripts read the responses to them
	// ("Access-Control-Allow-Credentials: true"). Only explicit origins
	// can be trusted so: it cannot be combined with "*" or "null" in
	// AllowedOrigins. Default: false.
	AllowCredentials bool

	// MaxAge is how long browsers may cache a preflight answer, in whole
	// seconds; browsers cap it (Chromium at two hours, Firefox at one day).
	// A negative value sends 0: no caching. Default: [DefaultCORSMaxAge].
	MaxAge time.Duration

	// AllowPrivateNetwork answers preflights that carry
	// "Access-Control-Request-Private-Network: true", which browsers
	// implementing Private Network Access send before a public page
	// reaches a server on a private network or the loopback address,
	// with "Access-Control-Allow-Private-Network: true". Default: false,
	// such requests are blocked by the browser.
	AllowPrivateNetwork bool
}

// CORS returns middleware that implements Cross-Origin Resource Sharing as
// the Fetch standard describes it. It panics, with a message starting
// "middleware: CORS: ", if opts is invalid (see [NewCORS]); a CORS policy is
// written in code, so a mistake in it is found when the server is wired.
//
// A preflight — an OPTIONS request with Origin and
// Access-Control-Request-Method — is answered by the middleware itself,
// 204 No Content, without calling the next handler. When the origin, the
// method and every requested header are allowed, the answer carries
// Access-Control-Allow-Origin, -Allow-Methods (the requested method),
// -Allow-Headers (the requested headers, lower-cased, when there are any),
// -Max-Age, -Allow-Credentials and -Allow-Private-Network as configured.
// Otherwise it carries no CORS header at all, and the browser refuses the
// actual request: the answer tells a probing page nothing, and the
// application never sees a request that no browser will follow up. A
// preflight answer varies on Origin, Access-Control-Request-Method and
// -Request-Headers (and -Request-Private-Network with AllowPrivateNetwork).
//
// Any other request goes to the next handler. When its origin is allowed,
// the response carries Access-Control-Allow-Origin (the origin, or "*"),
// -Allow-Credentials and -Expose-Headers as configured; when it is not, or
// the request has no Origin, it carries none of them and the browser keeps
// the response from the page. Either way, unless AllowedOrigins is "*", the
// response gets "Vary: Origin", so that a cache never serves one origin's
// answer to another. CORS only decides what browsers let scripts read: the
// server still handles a request from a disallowed origin, so protect
// state-changing endpoints with [CSRF] or authentication as well.
//
// CORS belongs on the router itself (router.Use), which runs it for every
// request including unmatched paths and automatic OPTIONS answers, so it
// answers preflights for any route. Place it inside [RequestID],
// [AccessLog] and [Recover], so that preflights are logged with a request
// ID, and outside everything that may reject a request — authentication,
// rate limits, body limits — so that preflights, which carry no
// credentials, are not rejected and rejections carry the headers browsers
// need to show them to the page.
func CORS(opts CORSOptions) Middleware {
	mw, err := NewCORS(opts)
	if err != nil {
		panic(err.Error())
	}
	return mw
}

// NewCORS is [CORS] returning an error instead of panicking when opts is
// invalid: when no origin is allowed, an origin is malformed, "*" is
// combined with other origins, or "*" or "null" with credentials, a method
// or header name is not a valid token, or "*" is used for headers with
// credentials.
func NewCORS(opts CORSOptions) (Middleware, error) {
	p, err := newCORSPolicy(opts)
	if err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origins := r.Header.Values("Origin")
			if r.Method == http.MethodOptions && len(origins) > 0 && len(r.Header.Values("Access-Control-Request-Method")) > 0 {
				p.preflight(w, r, origins)
				return
			}
			p.actual(w.Header(), origins)
			next.ServeHTTP(w, r)
		})
	}, nil
}

// withDefaults returns opts with every zero field set to its default.
func (opts CORSOptions) withDefaults() CORSOptions {
	if opts.AllowedMethods == nil {
		opts.AllowedMethods = DefaultCORSMethods()
	}
	if opts.AllowedHeaders == nil {
		opts.AllowedHeaders = DefaultCORSHeaders()
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = DefaultCORSMaxAge
	}
	return opts
}

// validate reports the first invalid combination of fields of opts, after
// defaults. Each entry is checked as newCORSPolicy compiles it.
func (opts CORSOptions) validate() error {
	if len(opts.AllowedOrigins) == 0 && opts.AllowOriginFunc == nil {
		return fmt.Errorf("middleware: CORS: no origin is allowed: set CORSOptions.AllowedOrigins or AllowOriginFunc")
	}
	for _, o := range opts.AllowedOrigins {
		switch {
		case o == "*" && (len(opts.AllowedOrigins) > 1 || opts.AllowOriginFunc != nil):
			return fmt.Errorf("middleware: CORS: CORSOptions.AllowedOrigins holds \"*\" with other origins")
		case o == "*" && opts.AllowCredentials:
			return fmt.Errorf("middleware: CORS: CORSOptions.AllowCredentials with \"*\" in AllowedOrigins: credentials need explicit origins")
		case o == "null" && opts.AllowCredentials:
			return fmt.Errorf("middleware: CORS: CORSOptions.AllowCredentials with \"null\" in AllowedOrigins: any page can send the null origin")
		}
	}
	if opts.AllowCredentials {
		for _, list := range []struct {
			name   string
			values []string
		}{{"AllowedHeaders", opts.AllowedHeaders}, {"ExposedHeaders", opts.ExposedHeaders}} {
			for _, v := range list.values {
				if v == "*" {
					return fmt.Errorf("middleware: CORS: CORSOptions.%s holds \"*\" with AllowCredentials, where browsers read it as a header named \"*\"", list.name)
				}
			}
		}
	}
	return nil
}

// corsPolicy is a validated CORSOptions, compiled for matching.
type corsPolicy struct {
	allowAll      bool
	allowNull     bool
	exact         map[string]struct{} // normalised origins
	wildcards     []corsWildcard
	originFunc    func(string) bool
	anyMethod     bool
	methods       map[string]struct{}
	anyHeader     bool
	headers       map[string]struct{} // lower case
	exposed       string              // the Access-Control-Expose-Headers value, or ""
	exposedValue  []string            // exposed as a header value, shared by responses
	credentials   bool
	maxAge        string
	privateNet    bool
	preflightVary []string
}

// corsWildcard is an origin pattern "scheme://*.suffix[:port]".
type corsWildcard struct {
	scheme string
	suffix string // ".example.com"
	port   string // "" for the scheme's default
}

// newCORSPolicy validates opts and compiles it.
func newCORSPolicy(opts CORSOptions) (*corsPolicy, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	p := &corsPolicy{
		exact:       make(map[string]struct{}),
		originFunc:  opts.AllowOriginFunc,
		methods:     make(map[string]struct{}),
		headers:     make(map[string]struct{}),
		credentials: opts.AllowCredentials,
		privateNet:  opts.AllowPrivateNetwork,
	}
	for _, o := range opts.AllowedOrigins {
		switch o {
		case "*":
			p.allowAll = true
			continue
		case "null":
			p.allowNull = true
			continue
		}
		scheme, host, port, ok := corsParseOrigin(o, true)
		if !ok {
			return nil, fmt.Errorf("middleware: CORS: CORSOptions.AllowedOrigins: %q is not an origin (scheme://host[:port], host optionally starting \"*.\")", o)
		}
		if suffix, ok := strings.CutPrefix(host, "*"); ok {
			p.wildcards = append(p.wildcards, corsWildcard{scheme: scheme, suffix: suffix, port: port})
			continue
		}
		p.exact[corsJoin(scheme, host, port)] = struct{}{}
	}
	for _, m := range opts.AllowedMethods {
		if m == "*" {
			p.anyMethod = true
			continue
		}
		if !isToken(m) {
			return nil, fmt.Errorf("middleware: CORS: CORSOptions.AllowedMethods: %q is not a method name", m)
		}
		p.methods[strings.ToUpper(m)] = struct{}{}
	}
	for _, h := range opts.AllowedHeaders {
		if h == "*" {
			p.anyHeader = true
			continue
		}
		if !isToken(h) {
			return nil, fmt.Errorf("middleware: CORS: CORSOptions.AllowedHeaders: %q is not a header name", h)
		}
		p.headers[strings.ToLower(h)] = struct{}{}
	}
	for _, h := range opts.ExposedHeaders {
		if h != "*" && !isToken(h) {
			return nil, fmt.Errorf("middleware: CORS: CORSOptions.ExposedHeaders: %q is not a header name", h)
		}
	}
	p.exposed = strings.Join(opts.ExposedHeaders, ", ")
	p.exposedValue = []string{p.exposed}
	p.maxAge = "0"
	if opts.MaxAge > 0 {
		p.maxAge = strconv.FormatInt(int64((opts.MaxAge+time.Second-1)/time.Second), 10)
	}
	if !p.allowAll {
		p.preflightVary = append(p.preflightVary, "Origin")
	}
	p.preflightVary = append(p.preflightVary, "Access-Control-Request-Method", "Access-Control-Request-Headers")
	if p.privateNet {
		p.preflightVary = append(p.preflightVary, "Access-Control-Request-Private-Network")
	}
	return p, nil
}

// actual sets the CORS headers of a response to a request that is not a
// preflight, with the given Origin header values.
//
// Every response to a cross-origin request passes through here, so the
// header values are slices shared between responses (the request's own
// Origin value, or constants) rather than new ones: each has a capacity of
// one, so a later Header.Add copies instead of writing into it.
func (p *corsPolicy) actual(h http.Header, origins []string) {
	if p.allowAll {
		// The same headers whatever the origin, and none of them secret:
		// caches may share the response, so it does not vary.
		h["Access-Control-Allow-Origin"] = corsAnyOrigin
		if p.exposed != "" {
			h["Access-Control-Expose-Headers"] = p.exposedValue[:1:1]
		}
		return
	}
	if _, ok := h["Vary"]; ok {
		header.AddVary(h, "Origin")
	} else {
		h["Vary"] = corsVaryOrigin
	}
	if len(origins) != 1 || !p.originAllowed(origins[0]) {
		return
	}
	h["Access-Control-Allow-Origin"] = origins[:1:1]
	if p.credentials {
		h["Access-Control-Allow-Credentials"] = corsTrue
	}
	if p.exposed != "" {
		h["Access-Control-Expose-Headers"] = p.exposedValue[:1:1]
	}
}

// Header values shared by every response; see corsPolicy.actual.
var (
	corsAnyOrigin  = []string{"*"}
	corsVaryOrigin = []string{"Origin"}
	corsTrue       = []string{"true"}
)

// preflight answers a preflight request: 204, with the CORS headers when
// the origin, the method and every requested header are allowed and with
// none otherwise.
func (p *corsPolicy) preflight(w http.ResponseWriter, r *http.Request, origins []string) {
	h := w.Header()
	header.AddVary(h, p.preflightVary...)
	defer w.WriteHeader(http.StatusNoContent)

	if len(origins) != 1 || !p.allowAll && !p.originAllowed(origins[0]) {
		return
	}
	methods := r.Header.Values("Access-Control-Request-Method")
	if len(methods) != 1 || !isToken(methods[0]) {
		return
	}
	method := methods[0]
	if _, ok := p.methods[method]; !ok && !p.anyMethod {
		return
	}
	requested := header.Tokens(r.Header.Values("Access-Control-Request-Headers"))
	for i, name := range requested {
		if !isToken(name) {
			return
		}
		name = strings.ToLower(name)
		if _, ok := p.headers[name]; !ok && !p.anyHeader {
			return
		}
		requested[i] = name
	}

	if p.allowAll {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origins[0])
	}
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", method)
	if len(requested) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(requested, ", "))
	}
	h.Set("Access-Control-Max-Age", p.maxAge)
	if p.privateNet && r.Header.Get("Access-Control-Request-Private-Network") == "true" {
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
}

// originAllowed reports whether the Origin header value origin is allowed
// by the listed origins, the wildcard patterns or the predicate ("*" is
// handled by the callers).
func (p *corsPolicy) originAllowed(origin string) bool {
	if origin == "null" {
		return p.allowNull
	}
	scheme, host, port, ok := corsParseOrigin(origin, false)
	if !ok {
		return false
	}
	if len(p.exact) > 0 {
		if _, ok := p.exact[corsJoin(scheme, host, port)]; ok {
			return true
		}
	}
	for _, wc := range p.wildcards {
		// corsParseOrigin refuses empty labels, so what precedes the
		// suffix is one or more whole labels.
		if wc.scheme == scheme && wc.port == port && len(host) > len(wc.suffix) && strings.HasSuffix(host, wc.suffix) {
			return true
		}
	}
	return p.originFunc != nil && p.originFunc(origin)
}

// corsMaxOrigin bounds the length of an origin worth parsing: a scheme, a
// 253-byte host name and a port fit well within it.
const corsMaxOrigin = 300

// corsParseOrigin splits a serialised origin, scheme "://" host [":" port],
// and normalises it: scheme and host lower-cased, the scheme's default port
// dropped. The host is a DNS name of non-empty labels (letters, digits, '-'
// and '_') or an IP literal ("1.2.3.4", "[::1]"). With pattern, the host
// may start with "*." followed by at least one label; the returned host
// then keeps the "*". It reports false for anything else, paths, user
// information and trailing dots included.
func corsParseOrigin(s string, pattern bool) (scheme, host, port string, ok bool) {
	if len(s) > corsMaxOrigin {
		return "", "", "", false
	}
	scheme, rest, found := strings.Cut(s, "://")
	if !found || !corsValidScheme(scheme) {
		return "", "", "", false
	}
	scheme = strings.ToLower(scheme)
	host = rest
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", "", "", false
		}
		host, rest = rest[:end+1], rest[end+1:]
		if !corsValidIPv6(host[1 : len(host)-1]) {
			return "", "", "", false
		}
		if rest != "" {
			if rest[0] != ':' {
				return "", "", "", false
			}
			port = rest[1:]
			if !corsValidPort(port) {
				return "", "", "", false
			}
		}
	} else {
		if i := strings.LastIndexByte(rest, ':'); i >= 0 {
			host, port = rest[:i], rest[i+1:]
			if !corsValidPort(port) {
				return "", "", "", false
			}
		}
		name := host
		if pattern {
			name = strings.TrimPrefix(host, "*.")
		}
		if !corsValidHost(name) {
			return "", "", "", false
		}
	}
	host = strings.ToLower(host)
	if scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		port = ""
	}
	return scheme, host, port, true
}

// corsJoin serialises a normalised origin.
func corsJoin(scheme, host, port string) string {
	if port == "" {
		return scheme + "://" + host
	}
	return scheme + "://" + host + ":" + port
}

// corsValidScheme reports whether s is a URL scheme: a letter followed by
// letters, digits, '+', '-' and '.'.
func corsValidScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20 // lower-case letters; other bytes stay invalid or become so
		switch {
		case 'a' <= c && c <= 'z':
		case i > 0 && ('0' <= s[i] && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.'):
		default:
			return false
		}
	}
	return true
}

// corsValidHost reports whether s is a host name of non-empty labels of
// letters, digits, '-' and '_' separated by dots; IPv4 addresses are such
// names.
func corsValidHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			label++
		case c == '.' && label > 0:
			label = 0
		default:
			return false
		}
	}
	return label > 0
}

// corsValidIPv6 reports whether s, the inside of an IP literal, holds only
// the characters of an IPv6 address. The browser serialised it; the check
// only keeps other bytes out of the response headers.
func corsValidIPv6(s string) bool {
	if s == "" || strings.IndexByte(s, ':') < 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}

// corsValidPort reports whether s is a port number, 1 to 65535, without
// leading zeros.
func corsValidPort(s string) bool {
	if s == "" || len(s) > 5 || s[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= 65535
}
