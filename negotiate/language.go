package negotiate

import (
	"net/http"

	"github.com/keel-go/keel/header"
)

// Language returns the language tag among available, in the server's order
// of preference, that the Accept-Language header of r ranks highest, with
// RFC 4647 lookup ("en" matches "en-GB", and "en-GB" falls back to "en"; see
// [header.NegotiateLanguage]). It returns the first available tag when the
// request has no usable Accept-Language header or accepts none of them, so
// that a response always has a language, and "" only when available is
// empty.
//
// A response whose content depends on the result must say so:
//
//	header.AddVary(w.Header(), "Accept-Language")
//	w.Header().Set("Content-Language", lang)
func Language(r *http.Request, available ...string) string {
	if len(available) == 0 {
		return ""
	}
	if tag, ok := header.NegotiateLanguage(r.Header.Values("Accept-Language"), available); ok {
		return tag
	}
	return available[0]
}
