package header

import (
	"net/http"
	"net/textproto"
	"strings"
)

// Tokens splits comma-separated list headers (Vary, Connection,
// Access-Control-Request-Headers, ...) into their elements, trimmed of
// white space, skipping empty elements, in order. Multiple header lines are
// one list, as RFC 9110 section 5.3 says.
func Tokens(values []string) []string {
	var out []string
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			if elem = trimOWS(elem); elem != "" {
				out = append(out, elem)
			}
		}
	}
	return out
}

// HasToken reports whether the comma-separated list headers values contain
// token, compared case-insensitively.
func HasToken(values []string, token string) bool {
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(trimOWS(elem), token) {
				return true
			}
		}
	}
	return false
}

// AddVary adds names to the Vary header of h, skipping names already
// listed (compared case-insensitively) and adding nothing once Vary is "*".
// Middleware that makes a response depend on a request header calls it, so
// caches key the response correctly without Vary growing duplicates.
func AddVary(h http.Header, names ...string) {
	existing := h.Values("Vary")
	if HasToken(existing, "*") {
		return
	}
	for _, n := range names {
		if n == "*" {
			h.Del("Vary")
			h.Set("Vary", "*")
			return
		}
		if !HasToken(existing, n) {
			canon := textproto.CanonicalMIMEHeaderKey(n)
			h.Add("Vary", canon)
			existing = append(existing, canon)
		}
	}
}

// trimOWS trims optional white space (spaces and tabs) from both ends.
func trimOWS(s string) string {
	return strings.Trim(s, " \t")
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// splitQuoted splits s at each sep that is not inside a quoted string.
func splitQuoted(s string, sep byte) []string {
	var out []string
	start, inQuote, escaped := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case inQuote && c == '\\':
			escaped = true
		case c == '"':
			inQuote = !inQuote
		case c == sep && !inQuote:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// unquote returns the value of a quoted string, or s itself when it is not
// quoted; ok is false for a malformed quoted string.
func unquote(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' {
		if strings.IndexByte(s, '"') >= 0 {
			return "", false
		}
		return s, true
	}
	if s[len(s)-1] != '"' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		if c == '\\' {
			i++
			if i == len(s)-1 {
				return "", false
			}
			c = s[i]
		} else if c == '"' {
			return "", false
		}
		b.WriteByte(c)
	}
	return b.String(), true
}
