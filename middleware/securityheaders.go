package middleware

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// OmitHeader is the value that, given to a string field of
// [SecurityHeadersOptions], stops [SecurityHeaders] from sending that
// header. An empty field means the default, so omission needs a value of
// its own; "-" is never a valid value of any of these headers.
const OmitHeader = "-"

// Defaults of [SecurityHeadersOptions], suited to a JSON API: nothing in a
// response may be framed, run, embedded by another origin or given a
// referrer.
const (
	// DefaultStrictTransportSecurity makes browsers use HTTPS for two years,
	// on subdomains too. It does not ask for preloading, which is hard to
	// undo and needs a submission of its own.
	DefaultStrictTransportSecurity = "max-age=63072000; includeSubDomains"
	// DefaultContentTypeOptions stops browsers from second-guessing
	// Content-Type.
	DefaultContentTypeOptions = "nosniff"
	// DefaultFrameOptions forbids framing the response anywhere.
	DefaultFrameOptions = "DENY"
	// DefaultContentSecurityPolicy forbids every kind of content. A
	// frame-ancestors directive matching the frame options is appended (see
	// [SecurityHeaders]), so the header sent by default is
	// "default-src 'none'; frame-ancestors 'none'".
	DefaultContentSecurityPolicy = "default-src 'none'"
	// DefaultReferrerPolicy sends no Referer from links in a response.
	DefaultReferrerPolicy = "no-referrer"
	// DefaultPermissionsPolicy denies the powerful browser features to the
	// response and everything it could embed.
	DefaultPermissionsPolicy = "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), " +
		"magnetometer=(), microphone=(), payment=(), usb=()"
	// DefaultCrossOriginOpenerPolicy isolates the browsing context from
	// cross-origin windows.
	DefaultCrossOriginOpenerPolicy = "same-origin"
	// DefaultCrossOriginResourcePolicy stops other origins from loading the
	// response as a subresource (an image, a script, a no-cors fetch).
	// CORS-enabled requests are not affected.
	DefaultCrossOriginResourcePolicy = "same-origin"
)

// SecurityHeadersOptions configures [SecurityHeaders]. The zero value is
// ready to use and sends every header with its API default. Each string
// field overrides one header's value; [OmitHeader] ("-") leaves the header
// out.
type SecurityHeadersOptions struct {
	// StrictTransportSecurity is the Strict-Transport-Security value. It is
	// sent only on requests that arrived over HTTPS (see
	// [SecurityHeaders]) and must contain a max-age directive. Default:
	// [DefaultStrictTransportSecurity].
	StrictTransportSecurity string

	// TrustedProxies lists the TLS-terminating proxies whose
	// X-Forwarded-Proto header is believed, in the syntax of
	// [RealIPOptions.TrustedProxies]; usually the same list. Default: none,
	// only a direct TLS connection counts as HTTPS.
	TrustedProxies []string

	// TrustedPrefixes lists more trusted proxies, already parsed; it is
	// merged with TrustedProxies. Default: none.
	TrustedPrefixes []netip.Prefix

	// ContentTypeOptions is the X-Content-Type-Options value; "nosniff" is
	// the only one defined. Default: [DefaultContentTypeOptions].
	ContentTypeOptions string

	// FrameOptions is the X-Frame-Options value: "DENY" or "SAMEORIGIN"
	// (ALLOW-FROM is obsolete; use a frame-ancestors directive in
	// ContentSecurityPolicy). Default: [DefaultFrameOptions].
	FrameOptions string

	// ContentSecurityPolicy is the Content-Security-Policy value. Unless it
	// has a frame-ancestors directive of its own, one matching FrameOptions
	// is appended. Default: [DefaultContentSecurityPolicy]. An HTML
	// application needs its own policy; the default blocks every script,
	// style and image.
	ContentSecurityPolicy string

	// ReferrerPolicy is the Referrer-Policy value: one policy token, or a
	// comma-separated list of them with the preferred last. Default:
	// [DefaultReferrerPolicy].
	ReferrerPolicy string

	// PermissionsPolicy is the Permissions-Policy value. Default:
	// [DefaultPermissionsPolicy].
	PermissionsPolicy string

	// CrossOriginOpenerPolicy is the Cross-Origin-Opener-Policy value:
	// "same-origin", "same-origin-allow-popups", "noopener-allow-popups"
	// or "unsafe-none". Default: [DefaultCrossOriginOpenerPolicy].
	CrossOriginOpenerPolicy string

	// CrossOriginResourcePolicy is the Cross-Origin-Resource-Policy value:
	// "same-origin", "same-site" or "cross-origin". An API serving images
	// or files to other sites sets "cross-origin". Default:
	// [DefaultCrossOriginResourcePolicy].
	CrossOriginResourcePolicy string
}

// withDefaults returns opts with every zero field set to its default.
func (opts SecurityHeadersOptions) withDefaults() SecurityHeadersOptions {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&opts.StrictTransportSecurity, DefaultStrictTransportSecurity)
	def(&opts.ContentTypeOptions, DefaultContentTypeOptions)
	def(&opts.FrameOptions, DefaultFrameOptions)
	def(&opts.ContentSecurityPolicy, DefaultContentSecurityPolicy)
	def(&opts.ReferrerPolicy, DefaultReferrerPolicy)
	def(&opts.PermissionsPolicy, DefaultPermissionsPolicy)
	def(&opts.CrossOriginOpenerPolicy, DefaultCrossOriginOpenerPolicy)
	def(&opts.CrossOriginResourcePolicy, DefaultCrossOriginResourcePolicy)
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts SecurityHeadersOptions) validate() error {
	fields := []struct {
		name, value string
		allowed     []string // nil: any valid field value
	}{
		{"StrictTransportSecurity", opts.StrictTransportSecurity, nil},
		{"ContentTypeOptions", opts.ContentTypeOptions, []string{"nosniff"}},
		// X-Frame-Options is the one header here whose values are
		// case-insensitive (RFC 7034); it is sent upper-cased.
		{"FrameOptions", strings.ToUpper(opts.FrameOptions), []string{"DENY", "SAMEORIGIN"}},
		{"ContentSecurityPolicy", opts.ContentSecurityPolicy, nil},
		{"ReferrerPolicy", opts.ReferrerPolicy, nil},
		{"PermissionsPolicy", opts.PermissionsPolicy, nil},
		{"CrossOriginOpenerPolicy", opts.CrossOriginOpenerPolicy,
			[]string{"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"}},
		{"CrossOriginResourcePolicy", opts.CrossOriginResourcePolicy,
			[]string{"same-origin", "same-site", "cross-origin"}},
	}
	for _, f := range fields {
		if f.value == OmitHeader {
			continue
		}
		if !shValidValue(f.value) {
			return fmt.Errorf("middleware: SecurityHeadersOptions.%s %q is not a valid header value", f.name, f.value)
		}
		if f.allowed != nil && !shOneOf(f.value, f.allowed) {
			return fmt.Errorf("middleware: SecurityHeadersOptions.%s %q is not one of %s", f.name, f.value, strings.Join(f.allowed, ", "))
		}
	}
	if v := opts.StrictTransportSecurity; v != OmitHeader && !shHasMaxAge(v) {
		return fmt.Errorf("middleware: SecurityHeadersOptions.StrictTransportSecurity %q has no valid max-age directive", v)
	}
	if v := opts.ReferrerPolicy; v != OmitHeader {
		for _, p := range strings.Split(v, ",") {
			if !shOneOf(strings.TrimSpace(p), shReferrerPolicies) {
				return fmt.Errorf("middleware: SecurityHeadersOptions.ReferrerPolicy %q: %q is not a referrer policy", v, strings.TrimSpace(p))
			}
		}
	}
	_, err := realipParseTrusted("SecurityHeadersOptions", opts.TrustedProxies, opts.TrustedPrefixes)
	return err
}

// SecurityHeaders returns middleware that adds the browser security
// headers every response of an API should carry:
//
//   - Strict-Transport-Security, on HTTPS requests only;
//   - X-Content-Type-Options: nosniff;
//   - X-Frame-Options: DENY;
//   - Content-Security-Policy: default-src 'none'; frame-ancestors 'none';
//   - Referrer-Policy: no-referrer;
//   - Permissions-Policy, denying powerful features;
//   - Cross-Origin-Opener-Policy: same-origin;
//   - Cross-Origin-Resource-Policy: same-origin.
//
// Each value can be replaced, or the header left out with [OmitHeader];
// see [SecurityHeadersOptions]. Values are checked and prepared once, here,
// so a request pays only for copying them into the header map.
//
// # HTTPS
//
// Browsers ignore Strict-Transport-Security received over plain HTTP and
// RFC 6797 asks servers not to send it there, so it is sent only when the
// request came over TLS (r.TLS is set) or when the direct peer is one of
// opts.TrustedProxies and its X-Forwarded-Proto header is exactly "https"
// (one value, case-insensitive). A proxy that appends to the header
// instead of replacing it, leaving a list, does not count. The trusted
// proxies are listed here as well as in [RealIPOptions] because the two
// middleware are independent: each works without the other.
//
// # Framing
//
// X-Frame-Options and the Content-Security-Policy directive frame-ancestors
// say the same thing to old and new browsers, and new browsers obey
// frame-ancestors alone when both are present. To keep them from
// disagreeing, the policy gets a frame-ancestors directive derived from
// FrameOptions — 'none' for DENY, 'self' for SAMEORIGIN — unless it has
// one already, in which case the policy's own directive is sent untouched.
// With FrameOptions omitted nothing is appended.
//
// # Order and overrides
//
// The headers are set before the next handler runs, so they are present
// on every response, including errors written by inner middleware and
// panics turned into 500s. A handler may still replace or delete any of
// them for its own response, for example a looser policy on an HTML page,
// by setting the header before writing. A header already present when
// SecurityHeaders runs, set by a middleware outside it, is left alone.
//
// SecurityHeaders belongs early in the chain, inside [RequestID] and
// [AccessLog] and outside [Recover], so that every response, rejected or
// not, carries the headers.
//
// SecurityHeaders panics if opts is invalid; [NewSecurityHeaders] returns
// the error instead, for configuration read at run time.
func SecurityHeaders(opts SecurityHeadersOptions) Middleware {
	mw, err := NewSecurityHeaders(opts)
	if err != nil {
		panic(err.Error())
	}
	return mw
}

// NewSecurityHeaders is [SecurityHeaders] for configuration read at run
// time: it returns an error naming the invalid field instead of panicking.
func NewSecurityHeaders(opts SecurityHeadersOptions) (Middleware, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	trusted, _ := realipParseTrusted("SecurityHeadersOptions", opts.TrustedProxies, opts.TrustedPrefixes)

	frameOptions := strings.ToUpper(opts.FrameOptions)
	csp := opts.ContentSecurityPolicy
	if csp != OmitHeader && !shHasDirective(csp, "frame-ancestors") {
		switch frameOptions {
		case "DENY":
			csp = strings.TrimRight(csp, "; \t") + "; frame-ancestors 'none'"
		case "SAMEORIGIN":
			csp = strings.TrimRight(csp, "; \t") + "; frame-ancestors 'self'"
		}
	}
	var keys, values []string
	add := func(key, value string) {
		if value != OmitHeader {
			keys = append(keys, key)
			values = append(values, value)
		}
	}
	add("X-Content-Type-Options", opts.ContentTypeOptions)
	add("X-Frame-Options", frameOptions)
	add("Content-Security-Policy", csp)
	add("Referrer-Policy", opts.ReferrerPolicy)
	add("Permissions-Policy", opts.PermissionsPolicy)
	add("Cross-Origin-Opener-Policy", opts.CrossOriginOpenerPolicy)
	add("Cross-Origin-Resource-Policy", opts.CrossOriginResourcePolicy)
	// HSTS goes last so that it can be dropped by slicing.
	hsts := opts.StrictTransportSecurity != OmitHeader
	add("Strict-Transport-Security", opts.StrictTransportSecurity)

	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := len(keys)
			if hsts && !shIsHTTPS(r, trusted) {
				n--
			}
			// One backing array per request: the map must not share
			// slices across requests, as a handler may modify them in
			// place.
			vals := make([]string, n)
			copy(vals, values)
			h := w.Header()
			for i, k := range keys[:n] {
				if _, ok := h[k]; !ok {
					h[k] = vals[i : i+1 : i+1]
				}
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

// shReferrerPolicies are the values of Referrer-Policy defined by the W3C
// Referrer Policy specification.
var shReferrerPolicies = []string{
	"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
	"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
}

// shIsHTTPS reports whether r reached the server over HTTPS: directly over
// TLS, or through a trusted proxy that says so in X-Forwarded-Proto.
func shIsHTTPS(r *http.Request, trusted []netip.Prefix) bool {
	if r.TLS != nil {
		return true
	}
	if len(trusted) == 0 {
		return false
	}
	proto := r.Header["X-Forwarded-Proto"]
	if len(proto) != 1 || !strings.EqualFold(strings.Trim(proto[0], " \t"), "https") {
		return false
	}
	return realipIsTrusted(trusted, realipPeer(r.RemoteAddr))
}

// shValidValue reports whether v is a non-empty header field value made of
// visible ASCII characters, spaces and tabs.
func shValidValue(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c > '~' {
			return false
		}
	}
	return true
}

// shOneOf reports whether v is one of allowed. The comparison is exact:
// browsers match these tokens case-sensitively.
func shOneOf(v string, allowed []string) bool {
	return slices.Contains(allowed, v)
}

// shHasMaxAge reports whether an HSTS value has a max-age directive with a
// valid delta-seconds value (RFC 6797 section 6.1.1), quoted or not.
func shHasMaxAge(v string) bool {
	for _, d := range strings.Split(v, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(d), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "max-age") {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if value == "" {
			return false
		}
		for i := 0; i < len(value); i++ {
			if value[i] < '0' || value[i] > '9' {
				return false
			}
		}
		return true
	}
	return false
}

// shHasDirective reports whether the Content-Security-Policy csp (one or
// more comma-separated policies) has the named directive.
func shHasDirective(csp, name string) bool {
	for _, policy := range strings.Split(csp, ",") {
		for _, d := range strings.Split(policy, ";") {
			fields := strings.Fields(d)
			if len(fields) > 0 && strings.EqualFold(fields[0], name) {
				return true
			}
		}
	}
	return false
}
