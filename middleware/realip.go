package middleware

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/textproto"
	"strings"

	"github.com/keel-go/keel/reqctx"
)

// DefaultRealIPHeader is the header [RealIP] reads unless
// [RealIPOptions.Header] names another.
const DefaultRealIPHeader = "X-Forwarded-For"

// RealIPOptions configures [RealIP]. The zero value is ready to use and
// trusts no proxy, so the client IP is the direct peer's address.
type RealIPOptions struct {
	// TrustedProxies lists the proxies whose forwarding header RealIP
	// believes, as CIDR prefixes ("10.0.0.0/8", "2001:db8::/32") or single
	// addresses ("192.0.2.7", "::1"). A prefix with host bits set is
	// masked ("10.1.2.3/8" means "10.0.0.0/8"); IPv4-mapped IPv6 entries
	// are converted to IPv4. Zoned addresses are rejected. Default: none.
	TrustedProxies []string

	// TrustedPrefixes lists more trusted proxies, already parsed. It is
	// merged with TrustedProxies, so configuration read as text and
	// prefixes built in code can be combined. Default: none.
	TrustedPrefixes []netip.Prefix

	// Header names the one header the trusted proxies rewrite:
	//
	//   - "Forwarded" (RFC 7239): the for= parameter of each element;
	//   - "X-Forwarded-For": a comma-separated list of addresses;
	//   - any other name, such as "X-Real-IP", "CF-Connecting-IP" or
	//     "True-Client-IP": a header that carries exactly one address.
	//
	// It must be a valid header field name. Default:
	// [DefaultRealIPHeader].
	Header string
}

// withDefaults returns opts with every zero field set to its default.
func (opts RealIPOptions) withDefaults() RealIPOptions {
	if opts.Header == "" {
		opts.Header = DefaultRealIPHeader
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts RealIPOptions) validate() error {
	if !isToken(opts.Header) {
		return fmt.Errorf("middleware: RealIPOptions.Header %q is not a valid header name", opts.Header)
	}
	_, err := realipParseTrusted("RealIPOptions", opts.TrustedProxies, opts.TrustedPrefixes)
	return err
}

// RealIP returns middleware that determines the client's IP address and
// stores it in [reqctx.Data].ClientIP, attaching the Data if the request
// has none. The access log, rate limiters, lockout and audit read it from
// there with [reqctx.ClientIP]. r.RemoteAddr is left as it is: it stays the
// address of the direct peer.
//
// # Trust
//
// A forwarding header is believed only when the direct peer (the host of
// r.RemoteAddr) is one of opts.TrustedProxies; from anyone else it is
// ignored, because any client can send one. With no trusted proxies, the
// default, the client IP is always the peer's address.
//
// Exactly one header is read, the one the deployment's proxy rewrites
// (opts.Header). RealIP never falls back from one header to another: a
// proxy that sets X-Forwarded-For passes a client's own Forwarded or
// X-Real-IP header through untouched, so reading those as well would let
// the client choose its address.
//
// # The walk
//
// Forwarded and X-Forwarded-For list one hop per element, each proxy
// appending the address it received the request from; several header lines
// form one list, in order. RealIP walks the list from the right, the end
// the trusted proxies wrote, and returns the first address that is not a
// trusted proxy: everything to its left was written by the client and
// cannot be believed. When every hop is a trusted proxy the left-most one
// is returned, and an empty list gives the peer's address.
//
// A hop that cannot be read stops the walk: a malformed element, an
// "unknown" or obfuscated ("_hidden") Forwarded node, or a Forwarded
// element without for=. Nothing beyond it can be attributed, and it gives
// no address to use, so the client IP is the peer's address, the one
// address RealIP knows to be true. A header that carries one address
// (X-Real-IP and the like) must hold exactly one well-formed address in
// one line; anything else is treated the same way.
//
// Addresses may carry a port ("192.0.2.1:4711", "[2001:db8::1]:4711"),
// which is dropped, as is an IPv6 zone. IPv4-mapped IPv6 addresses are
// unmapped, so "::ffff:192.0.2.1" matches the prefix "192.0.2.0/24" and
// is reported as 192.0.2.1. A peer address that is not an IP (a Unix
// socket) is never trusted and leaves ClientIP zero.
//
// # Placement
//
// RealIP belongs near the top of the chain, right inside [RequestID], so
// that everything after it — rate limits, authentication lockout, audit,
// and the access log, which reads the Data after the handler returns — sees
// the client's address rather than the proxy's.
//
// RealIP panics if opts is invalid; [NewRealIP] returns the error instead,
// for configuration read at run time.
func RealIP(opts RealIPOptions) Middleware {
	mw, err := NewRealIP(opts)
	if err != nil {
		panic(err.Error())
	}
	return mw
}

// NewRealIP is [RealIP] for configuration read at run time: it returns an
// error naming the invalid field instead of panicking.
func NewRealIP(opts RealIPOptions) (Middleware, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	trusted, _ := realipParseTrusted("RealIPOptions", opts.TrustedProxies, opts.TrustedPrefixes)
	res := &realipResolver{
		trusted: trusted,
		header:  textproto.CanonicalMIMEHeaderKey(opts.Header),
	}
	switch res.header {
	case "Forwarded":
		res.kind = realipForwarded
	case "X-Forwarded-For":
		res.kind = realipXFF
	default:
		res.kind = realipSingle
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, d := reqctx.Attach(r)
			d.ClientIP = res.clientIP(r)
			next.ServeHTTP(w, r)
		})
	}, nil
}

// realipKind says how a forwarding header lists its hops.
type realipKind int

const (
	realipXFF       realipKind = iota // comma-separated addresses
	realipForwarded                   // RFC 7239 elements with for=
	realipSingle                      // exactly one address
)

// realipResolver computes the client IP of a request.
type realipResolver struct {
	trusted []netip.Prefix
	header  string // canonical
	kind    realipKind
}

// clientIP returns the client address of r as described on [RealIP].
func (res *realipResolver) clientIP(r *http.Request) netip.Addr {
	peer := realipPeer(r.RemoteAddr)
	if !realipIsTrusted(res.trusted, peer) {
		return peer
	}
	values := r.Header[res.header]
	if len(values) == 0 {
		return peer
	}
	if res.kind == realipSingle {
		if len(values) != 1 {
			return peer
		}
		a, ok := realipParseAddr(strings.Trim(values[0], " \t"))
		if !ok {
			return peer
		}
		return a
	}
	client := peer
	for hop := range realipHops(res.kind, values) {
		if !hop.ok {
			return peer
		}
		client = hop.addr
		if !realipIsTrusted(res.trusted, hop.addr) {
			return client
		}
	}
	// Every hop is a trusted proxy: the left-most one is the origin.
	return client
}

// realipHop is one element of a forwarding list: its address, or ok false
// when the element gives none (malformed, unknown or obfuscated).
type realipHop struct {
	addr netip.Addr
	ok   bool
}

// realipHops yields the hops of the list formed by values, right to left.
// kind is realipXFF or realipForwarded. Empty list elements are skipped, as
// RFC 9110 section 5.6.1 asks of recipients.
func realipHops(kind realipKind, values []string) func(yield func(realipHop) bool) {
	return func(yield func(realipHop) bool) {
		for i := len(values) - 1; i >= 0; i-- {
			if kind == realipXFF {
				// Addresses hold no commas or quotes, so the line can be
				// cut from the right without parsing what lies left.
				s := values[i]
				for {
					j := strings.LastIndexByte(s, ',')
					elem := strings.Trim(s[j+1:], " \t")
					if elem != "" {
						a, ok := realipParseAddr(elem)
						if !yield(realipHop{a, ok}) {
							return
						}
					}
					if j < 0 {
						break
					}
					s = s[:j]
				}
				continue
			}
			// Forwarded values may be quoted strings holding commas, so a
			// line is split from the left, outside quotes. Lines rarely
			// hold more elements than the buffer, which stays on the stack.
			var buf [16]string
			elems := buf[:0]
			for rest, more := values[i], true; more; {
				var elem string
				elem, rest, more = realipCutQuoted(rest, ',')
				elems = append(elems, elem)
			}
			for k := len(elems) - 1; k >= 0; k-- {
				elem := strings.Trim(elems[k], " \t")
				if elem == "" {
					continue
				}
				a, ok := realipForwardedFor(elem)
				if !yield(realipHop{a, ok}) {
					return
				}
			}
		}
	}
}

// realipForwardedFor returns the address in the for= parameter of one
// Forwarded element (RFC 7239 section 4). ok is false when the element is
// malformed, has no for= or more than one, or names an "unknown" or
// obfuscated node.
func realipForwardedFor(elem string) (addr netip.Addr, ok bool) {
	var node string
	found := false
	for rest, more := elem, true; more; {
		var pair string
		pair, rest, more = realipCutQuoted(rest, ';')
		pair = strings.Trim(pair, " \t")
		if pair == "" {
			continue
		}
		name, value, hasEq := strings.Cut(pair, "=")
		if !hasEq || !isToken(name) {
			return netip.Addr{}, false
		}
		value, ok = realipUnquote(value)
		if !ok {
			return netip.Addr{}, false
		}
		if strings.EqualFold(name, "for") {
			if found {
				return netip.Addr{}, false
			}
			node, found = value, true
		}
	}
	if !found {
		return netip.Addr{}, false
	}
	return realipParseNode(node)
}

// realipParseNode parses an RFC 7239 node: an IPv4 address or a bracketed
// IPv6 address, optionally followed by ":" and a port or obfuscated port.
// "unknown" and obfuscated identifiers ("_abc") give no address.
func realipParseNode(node string) (netip.Addr, bool) {
	var host, port string
	if strings.HasPrefix(node, "[") {
		end := strings.IndexByte(node, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		host, port = node[1:end], node[end+1:]
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
		if port != "" && (port[0] != ':' || !realipValidPort(port[1:])) {
			return netip.Addr{}, false
		}
		return realipNormalize(a), true
	}
	host, port, hasPort := strings.Cut(node, ":")
	if hasPort && !realipValidPort(port) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is4() {
		// Covers "unknown", obfuscated nodes and unbracketed IPv6.
		return netip.Addr{}, false
	}
	return a, true
}

// realipValidPort reports whether s is an RFC 7239 node-port: 1 to 5
// digits, or "_" followed by letters, digits, '.', '_' or '-'.
func realipValidPort(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '_' {
		if len(s) == 1 {
			return false
		}
		for i := 1; i < len(s); i++ {
			c := s[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
		return true
	}
	if len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// realipParseAddr parses one X-Forwarded-For element or X-Real-IP value:
// an IPv4 or IPv6 address, "IPv4:port", "[IPv6]" or "[IPv6]:port".
func realipParseAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return realipNormalize(a), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return realipNormalize(ap.Addr()), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return realipNormalize(a), true
		}
	}
	return netip.Addr{}, false
}

// realipPeer returns the address of a RemoteAddr ("host:port", or a bare
// address as some tests and servers set it), or the zero Addr when it holds
// no IP address.
func realipPeer(remoteAddr string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return realipNormalize(ap.Addr())
	}
	if a, err := netip.ParseAddr(remoteAddr); err == nil {
		return realipNormalize(a)
	}
	return netip.Addr{}
}

// realipNormalize unmaps IPv4-mapped IPv6 addresses and drops any zone:
// netip.Prefix.Contains never matches a zoned address, and a zone names an
// interface of some other host.
func realipNormalize(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}

// realipIsTrusted reports whether a lies in one of the trusted prefixes.
func realipIsTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// realipParseTrusted parses and merges trusted-proxy lists. owner names the
// options struct in error messages.
func realipParseTrusted(owner string, strs []string, prefixes []netip.Prefix) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(strs)+len(prefixes))
	for i, s := range strs {
		var p netip.Prefix
		if strings.Contains(s, "/") {
			var err error
			if p, err = netip.ParsePrefix(s); err != nil {
				return nil, fmt.Errorf("middleware: %s.TrustedProxies[%d] %q is not an IP address or CIDR prefix", owner, i, s)
			}
		} else {
			a, err := netip.ParseAddr(s)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("middleware: %s.TrustedProxies[%d] %q is not an IP address or CIDR prefix", owner, i, s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, realipNormalizePrefix(p))
	}
	for i, p := range prefixes {
		if !p.IsValid() || p.Addr().Zone() != "" {
			return nil, fmt.Errorf("middleware: %s.TrustedPrefixes[%d] %v is not a valid prefix", owner, i, p)
		}
		out = append(out, realipNormalizePrefix(p))
	}
	return out, nil
}

// realipNormalizePrefix masks p and turns an IPv4-mapped IPv6 prefix into
// the IPv4 prefix it covers, since addresses are unmapped before matching.
func realipNormalizePrefix(p netip.Prefix) netip.Prefix {
	p = p.Masked()
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// realipCutQuoted slices s around the first sep outside an RFC 9110
// quoted string, returning the text before and after it and whether a sep
// was found. An unterminated quote runs to the end of s, so the part stays
// malformed rather than being split.
func realipCutQuoted(s string, sep byte) (before, after string, found bool) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case c == sep && !inQuote:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// realipUnquote returns the value of a Forwarded parameter: a token as it
// is, or a quoted string without its quotes and escapes. ok is false for
// anything else.
func realipUnquote(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	if s[0] != '"' {
		return s, isToken(s)
	}
	if len(s) < 2 || s[len(s)-1] != '"' {
		return "", false
	}
	inner := s[1 : len(s)-1]
	if !strings.ContainsAny(inner, "\\\"") {
		return inner, true
	}
	var b strings.Builder
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		switch c {
		case '\\':
			i++
			if i == len(inner) {
				return "", false
			}
			c = inner[i]
		case '"':
			return "", false
		}
		b.WriteByte(c)
	}
	return b.String(), true
}
