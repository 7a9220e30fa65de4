package header

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// CacheControl holds the directives of Cache-Control header values: each
// lower-cased directive name with its unquoted argument, "" for a directive
// without one.
type CacheControl map[string]string

// ParseCacheControl parses Cache-Control header values (RFC 9111 section
// 5.2). Malformed directives are skipped; when a directive appears twice
// the first wins.
func ParseCacheControl(values []string) CacheControl {
	cc := CacheControl{}
	for _, v := range values {
		for _, elem := range splitQuoted(v, ',') {
			name, arg, hasArg := strings.Cut(trimOWS(elem), "=")
			name = strings.ToLower(trimOWS(name))
			if !isToken(name) {
				continue
			}
			if _, dup := cc[name]; dup {
				continue
			}
			if hasArg {
				a, ok := unquote(trimOWS(arg))
				if !ok {
					continue
				}
				arg = a
			}
			cc[name] = arg
		}
	}
	return cc
}

// Has reports whether the directive is present.
func (cc CacheControl) Has(directive string) bool {
	_, ok := cc[directive]
	return ok
}

// Seconds returns the argument of a delta-seconds directive (max-age,
// s-maxage, stale-while-revalidate, ...) as a duration, and whether it is
// present and valid. Values too large to represent are capped, as RFC 9111
// section 1.2.2 asks.
func (cc CacheControl) Seconds(directive string) (time.Duration, bool) {
	v, ok := cc[directive]
	if !ok || v == "" {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > 1<<31 {
		n = 1 << 31
	}
	return time.Duration(n) * time.Second, true
}

// String formats the directives as one header value, in a stable order.
func (cc CacheControl) String() string {
	names := make([]string, 0, len(cc))
	for n := range cc {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n)
		if v := cc[n]; v != "" {
			b.WriteByte('=')
			if isToken(v) {
				b.WriteString(v)
			} else {
				b.WriteString(quote(v))
			}
		}
	}
	return b.String()
}

// quote makes an RFC 9110 quoted-string of s.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
