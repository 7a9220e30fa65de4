// Package header parses and builds the HTTP header fields that content
// negotiation, caching and cross-origin checks depend on. It is the one
// place in keel that knows their grammar (RFC 9110 and RFC 9111), so the
// errors package, the negotiation registry and the middleware agree on what
// a header means.
//
//	offer, ok := header.Negotiate(r.Header.Values("Accept"), []string{"application/json", "application/xml"})
//	if !ok {
//		// 406 Not Acceptable
//	}
//	coding, _ := header.NegotiateEncoding(r.Header.Values("Accept-Encoding"), []string{"br", "gzip"})
//	header.AddVary(w.Header(), "Accept", "Accept-Encoding")
//
//	if tags, any, ok := header.ParseETagList(r.Header.Get("If-None-Match")); ok { ... }
//	cc := header.ParseCacheControl(resp.Header.Values("Cache-Control"))
//	maxAge, _ := cc.Seconds("max-age")
//
// # Leniency
//
// The parsers skip malformed list elements rather than failing the whole
// header: a client's typo in one Accept element must not turn a request
// into an error. Qualities outside the grammar ("q=2", "q=0.1234") make
// their element malformed. Names are compared case-insensitively and
// returned lower-cased; quoted-string values are unquoted.
//
// The package imports only the standard library, so every other keel
// package may use it.
package header
