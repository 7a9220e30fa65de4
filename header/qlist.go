package header

import "strings"

// QValue is one element of a quality list such as Accept-Encoding,
// Accept-Language or Accept-Charset.
type QValue struct {
	Value string  // lower-cased
	Q     float64 // 0 to 1; 1 when absent
}

// ParseQList parses the values of a quality list header (Accept-Encoding,
// Accept-Language, Accept-Charset, TE) into its elements, in order.
// Malformed elements are skipped.
func ParseQList(values []string) []QValue {
	var out []QValue
	for _, v := range values {
		for _, elem := range splitQuoted(v, ',') {
			parts := splitQuoted(elem, ';')
			val := strings.ToLower(trimOWS(parts[0]))
			if val == "" || !isToken(val) {
				continue
			}
			qv := QValue{Value: val, Q: 1}
			valid := true
			for _, p := range parts[1:] {
				k, v, _ := strings.Cut(trimOWS(p), "=")
				if strings.EqualFold(trimOWS(k), "q") {
					q, ok := ParseQ(trimOWS(v))
					if !ok {
						valid = false
					}
					qv.Q = q
					break
				}
			}
			if valid {
				out = append(out, qv)
			}
		}
	}
	return out
}

// qualityOf returns the quality the list headers values give value
// (lower-case): its own element's, or the "*" element's, or -1 when neither
// is listed. It reads the headers in place, without allocating, since
// compression middleware asks for every response.
func qualityOf(values []string, value string) float64 {
	star := -1.0
	for _, v := range values {
		for v != "" {
			var elem string
			elem, v = cutElem(v)
			name, params, _ := strings.Cut(elem, ";")
			name = trimOWS(name)
			isStar := name == "*"
			if !isStar && !strings.EqualFold(name, value) {
				continue
			}
			q, ok := elemQ(params)
			if !ok {
				continue
			}
			if !isStar {
				return q
			}
			star = q
		}
	}
	return star
}

// cutElem returns the first element of a comma-separated list and the rest.
// Quality lists carry no quoted strings that matter here: a comma inside
// one only splits an element that is then skipped as malformed.
func cutElem(v string) (elem, rest string) {
	if i := strings.IndexByte(v, ','); i >= 0 {
		return v[:i], v[i+1:]
	}
	return v, ""
}

// elemQ returns the quality in an element's parameters, 1 when absent.
func elemQ(params string) (float64, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, val, _ := strings.Cut(trimOWS(p), "=")
		if strings.EqualFold(trimOWS(k), "q") {
			return ParseQ(trimOWS(val))
		}
	}
	return 1, true
}

// NegotiateEncoding chooses the content coding for a response from the
// Accept-Encoding header values and the codings the server offers, in its
// order of preference ("br", "gzip", ...). It returns "identity" when no
// offer is acceptable or when identity is ranked higher than every
// acceptable offer, and ok false when even identity is refused
// ("identity;q=0", or "*;q=0" without an identity element) and no offer is
// acceptable: the case for a 406, or for sending identity anyway, at the
// server's choice. Identity that the header does not mention is acceptable
// but ranks below every listed coding, so "gzip;q=0.5" still gets gzip.
// Without an Accept-Encoding header it returns "identity": RFC 9110 allows
// any coding then, but an unannounced compressed body breaks clients.
// It does not allocate.
func NegotiateEncoding(acceptEncoding []string, offers []string) (coding string, ok bool) {
	if !hasContent(acceptEncoding) {
		return "identity", true
	}
	best, bestQ := "", 0.0
	for _, o := range offers {
		if q := qualityOf(acceptEncoding, o); q > bestQ {
			best, bestQ = o, q
		}
	}
	identityQ := qualityOf(acceptEncoding, "identity")
	if identityQ < 0 {
		identityQ = 0 // unlisted: acceptable, after every listed coding
		if best == "" {
			return "identity", true
		}
	}
	if best != "" && bestQ >= identityQ {
		return best, true
	}
	if identityQ > 0 {
		return "identity", true
	}
	return "", false
}

func hasContent(values []string) bool {
	for _, v := range values {
		if trimOWS(v) != "" {
			return true
		}
	}
	return false
}

// NegotiateLanguage chooses among available language tags (in the server's
// order of preference) the one the Accept-Language header values rank
// highest, with RFC 4647 lookup: a range matches a tag equal to it or a tag
// that begins with it followed by "-" ("en" matches "en-GB"), and a tag
// matches a range that begins with it ("en-GB" accepts "en" when nothing
// closer is available, at that range's quality). Without a usable header it
// returns the first available tag; ok is false when nothing is acceptable.
func NegotiateLanguage(acceptLanguage []string, available []string) (tag string, ok bool) {
	if len(available) == 0 {
		return "", false
	}
	list := ParseQList(acceptLanguage)
	if len(list) == 0 {
		return available[0], true
	}
	best, bestQ, bestSpec := "", 0.0, -1
	for _, a := range available {
		la := strings.ToLower(a)
		for _, r := range list {
			spec := languageMatch(r.Value, la)
			if spec < 0 {
				continue
			}
			if r.Q > bestQ || r.Q == bestQ && spec > bestSpec {
				best, bestQ, bestSpec = a, r.Q, spec
			}
		}
	}
	return best, bestQ > 0
}

// languageMatch returns how closely the range rng matches tag: -1 for no
// match, 0 for "*", then the length of the shared prefix.
func languageMatch(rng, tag string) int {
	switch {
	case rng == "*":
		return 0
	case rng == tag:
		return len(rng) + 1
	case strings.HasPrefix(tag, rng+"-"):
		return len(rng)
	case strings.HasPrefix(rng, tag+"-"):
		return len(tag)
	}
	return -1
}
