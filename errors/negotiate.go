package errors

import "github.com/keel-go/keel/header"

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
// specific media range that matches it has a q-value above zero
// (header.Quality).
func wantsXML(accept []string) bool {
	ranges := header.ParseAccept(accept)
	if len(ranges) == 0 {
		return false
	}
	for _, t := range jsonTypes {
		if header.Quality(ranges, t) > 0 {
			return false
		}
	}
	for _, t := range xmlTypes {
		if header.Quality(ranges, t) > 0 {
			return true
		}
	}
	return false
}
