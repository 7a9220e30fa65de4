package errors

import (
	"strconv"
	"strings"
)

// Media types of a problem, by RFC 9457.
const (
	contentTypeJSON = "application/problem+json"
	contentTypeXML  = "application/problem+xml"
)

// Media types whose acceptance makes the JSON or the XML problem
// acceptable. A client that asks for application/json reads
// application/problem+json.
var (
	jsonTypes = [...]string{contentTypeJSON, "application/json"}
	xmlTypes  = [...]string{contentTypeXML, "application/xml", "text/xml"}
)

// wantsXML reports whether the problem should be rendered as XML for a
// request with the given Accept header values: when the client accepts an
// XML type and no JSON type. JSON is the preferred representation: a
// missing Accept header, */*, application/* or any acceptable JSON type
// selects it, whatever its q-value, as RFC 9110 lets the server choose
// among acceptable representations. A type is acceptable when the most
// specific media range that matches it has a q-value above zero.
func wantsXML(accept []string) bool {
	if len(accept) == 0 {
		return false
	}
	for _, t := range jsonTypes {
		if acceptQ(accept, t) > 0 {
			return false
		}
	}
	for _, t := range xmlTypes {
		if acceptQ(accept, t) > 0 {
			return true
		}
	}
	return false
}

// acceptQ returns the q-value that the Accept header values give to the
// media type mediaType (lower case, without parameters): the q-value of the
// most specific matching media range, the highest one when several ranges
// are equally specific, or 0 when no range matches. Malformed ranges are
// skipped.
func acceptQ(accept []string, mediaType string) float64 {
	typ, sub, _ := strings.Cut(mediaType, "/")
	best, bestQ := 0, 0.0
	for _, header := range accept {
		for header != "" {
			var elem string
			elem, header = cutUnquoted(header, ',')
			rng, q, ok := parseMediaRange(elem)
			if !ok {
				continue
			}
			rt, rs, _ := strings.Cut(rng, "/")
			spec := 0
			switch {
			case rt == "*" && rs == "*":
				spec = 1
			case strings.EqualFold(rt, typ) && rs == "*":
				spec = 2
			case strings.EqualFold(rt, typ) && strings.EqualFold(rs, sub):
				spec = 3
			}
			if spec == 0 {
				continue
			}
			if spec > best || (spec == best && q > bestQ) {
				best, bestQ = spec, q
			}
		}
	}
	return bestQ
}

// cutUnquoted splits s around the first sep that is not inside a quoted
// string, as Accept elements and parameters are separated. An unterminated
// quote is malformed; it is ignored rather than allowed to swallow the rest
// of the header.
func cutUnquoted(s string, sep byte) (before, after string) {
	quoted, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			return s[:i], s[i+1:]
		}
	}
	if quoted {
		before, after, _ = strings.Cut(s, string(sep))
		return before, after
	}
	return s, ""
}

// parseMediaRange parses one Accept element, "type/subtype;p=v;q=0.5", into
// its media range and q-value (1 when absent). A bare "*", which some
// clients send, is read as "*/*". It reports false for an empty or
// malformed element.
func parseMediaRange(elem string) (rng string, q float64, ok bool) {
	rng, params, _ := strings.Cut(elem, ";")
	rng = strings.TrimSpace(rng)
	if rng == "*" {
		rng = "*/*"
	}
	t, s, found := strings.Cut(rng, "/")
	if !found || t == "" || s == "" || (t == "*" && s != "*") {
		return "", 0, false
	}
	q = 1
	for params != "" {
		var p string
		p, params = cutUnquoted(params, ';')
		name, value, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || !(v >= 0 && v <= 1) {
			return "", 0, false
		}
		// Parameters after q are accept extensions, which do not matter.
		return rng, v, true
	}
	return rng, q, true
}
