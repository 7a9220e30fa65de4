package header

import "strings"

// ETag is an entity tag (RFC 9110 section 8.8.3).
type ETag struct {
	Weak bool
	Tag  string // the opaque tag, without quotes
}

// String formats the tag for a header: "xyz" or W/"xyz".
func (e ETag) String() string {
	if e.Weak {
		return `W/"` + e.Tag + `"`
	}
	return `"` + e.Tag + `"`
}

// ParseETag parses one entity tag.
func ParseETag(s string) (ETag, bool) {
	s = trimOWS(s)
	var e ETag
	if strings.HasPrefix(s, "W/") {
		e.Weak = true
		s = s[2:]
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return ETag{}, false
	}
	tag := s[1 : len(s)-1]
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; c == '"' || c < 0x21 || c == 0x7f {
			return ETag{}, false
		}
	}
	e.Tag = tag
	return e, true
}

// ParseETagList parses an If-Match or If-None-Match header value: "*"
// (any is true) or a comma-separated list of entity tags. ok is false when
// the value is malformed or empty; a server should then evaluate the
// request as if the header were absent.
func ParseETagList(value string) (tags []ETag, any bool, ok bool) {
	value = trimOWS(value)
	if value == "*" {
		return nil, true, true
	}
	for _, elem := range splitQuoted(value, ',') {
		if trimOWS(elem) == "" {
			continue
		}
		e, good := ParseETag(elem)
		if !good {
			return nil, false, false
		}
		tags = append(tags, e)
	}
	return tags, false, len(tags) > 0
}

// StrongMatch reports whether a and b match by strong comparison: both
// strong and the same tag (If-Match, Range).
func StrongMatch(a, b ETag) bool {
	return !a.Weak && !b.Weak && a.Tag == b.Tag
}

// WeakMatch reports whether a and b match by weak comparison: the same tag,
// weak or not (If-None-Match).
func WeakMatch(a, b ETag) bool {
	return a.Tag == b.Tag
}
