package header

import (
	"strconv"
	"strings"
)

// Param is one parameter of a media type or media range: charset=utf-8.
type Param struct {
	Key   string // lower-cased
	Value string // unquoted
}

// MediaRange is one element of an Accept header: a media range with its
// parameters and quality.
type MediaRange struct {
	Type    string  // lower-cased; "*" for any
	Subtype string  // lower-cased; "*" for any
	Params  []Param // the parameters before q, if any
	Q       float64 // the quality, 0 to 1; 1 when absent
}

// String formats the range as it would appear in an Accept header, without
// its quality.
func (m MediaRange) String() string {
	var b strings.Builder
	b.WriteString(m.Type + "/" + m.Subtype)
	for _, p := range m.Params {
		b.WriteString(";" + p.Key + "=" + p.Value)
	}
	return b.String()
}

// ParseAccept parses Accept header values (RFC 9110 section 12.5.1) into
// media ranges, in the order given. Malformed elements are skipped, as are
// elements with an invalid quality: a client's typo must not make the whole
// header fail. Accept extensions after q are ignored.
func ParseAccept(values []string) []MediaRange {
	var out []MediaRange
	for _, v := range values {
		for _, elem := range splitQuoted(v, ',') {
			if m, ok := parseMediaRange(elem); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

func parseMediaRange(elem string) (MediaRange, bool) {
	parts := splitQuoted(elem, ';')
	full := strings.ToLower(trimOWS(parts[0]))
	if full == "*" {
		full = "*/*" // sent by some old clients (Java's "*; q=.2")
	}
	typ, sub, ok := strings.Cut(full, "/")
	if !ok || !isToken(typ) || !isToken(sub) || typ == "*" && sub != "*" {
		return MediaRange{}, false
	}
	m := MediaRange{Type: typ, Subtype: sub, Q: 1}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(trimOWS(p), "=")
		k = strings.ToLower(trimOWS(k))
		v = trimOWS(v)
		if !ok || !isToken(k) {
			return MediaRange{}, false
		}
		if k == "q" {
			q, ok := ParseQ(v)
			if !ok {
				return MediaRange{}, false
			}
			m.Q = q
			break // what follows q are accept extensions
		}
		uv, ok := unquote(v)
		if !ok {
			return MediaRange{}, false
		}
		if k == "charset" {
			// Clients put charset in Accept, where it narrows nothing the
			// server offers; Accept-Charset is the header for it.
			continue
		}
		m.Params = append(m.Params, Param{Key: k, Value: uv})
	}
	return m, true
}

// ParseQ parses a quality value: "0" to "1" with at most three decimals.
// A missing leading zero (".5", which old clients send) is accepted.
func ParseQ(s string) (float64, bool) {
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	if len(s) > 1 && s[1] != '.' {
		return 0, false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	q, err := strconv.ParseFloat(s, 64)
	if err != nil || q > 1 {
		return 0, false
	}
	return q, true
}

// match reports how specifically m matches the media type typ/sub with
// params: -1 for no match, 0 for */*, 1 for type/*, 2 for type/subtype, and
// 3 plus the number of parameters for a range with parameters, all of which
// the media type must carry.
func (m MediaRange) match(typ, sub string, params []Param) int {
	switch {
	case m.Type == "*":
		return 0
	case m.Type != typ:
		return -1
	case m.Subtype == "*":
		return 1
	case m.Subtype != sub:
		return -1
	case len(m.Params) == 0:
		return 2
	}
	for _, p := range m.Params {
		found := false
		for _, q := range params {
			if q.Key == p.Key && strings.EqualFold(q.Value, p.Value) {
				found = true
				break
			}
		}
		if !found {
			return -1
		}
	}
	return 3 + len(m.Params)
}

// Quality returns the quality the ranges give the media type mediaType
// (which may carry parameters: "text/html;level=1"): that of the most
// specific matching range, as RFC 9110 section 12.5.1 says, or 0 when no
// range matches; among equally specific ranges the highest quality wins. An
// empty ranges slice (no Accept header) accepts everything with quality 1.
func Quality(ranges []MediaRange, mediaType string) float64 {
	if len(ranges) == 0 {
		return 1
	}
	mt, ok := parseMediaRange(mediaType)
	if !ok {
		return 0
	}
	best, q := -1, 0.0
	for _, r := range ranges {
		s := r.match(mt.Type, mt.Subtype, mt.Params)
		if s > best || s == best && s >= 0 && r.Q > q {
			best, q = s, r.Q
		}
	}
	return q
}

// Negotiate chooses among offers, media types the server can produce in
// order of its preference, the one the Accept header values rank highest;
// ties go to the earlier offer. Without an Accept header it returns the
// first offer. It returns false when every offer is unacceptable (quality
// 0), the case for a 406 Not Acceptable answer.
func Negotiate(accept []string, offers []string) (string, bool) {
	if len(offers) == 0 {
		return "", false
	}
	ranges := ParseAccept(accept)
	if len(ranges) == 0 {
		// No Accept header, or one with no element we can read: a
		// client's typo must not turn into a 406.
		return offers[0], true
	}
	best, bestQ := "", 0.0
	for _, o := range offers {
		if q := Quality(ranges, o); q > bestQ {
			best, bestQ = o, q
		}
	}
	return best, bestQ > 0
}
