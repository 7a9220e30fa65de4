// Package negotiate is content negotiation for keel services, in one place:
// it picks the representation of a response from the Accept header, writes
// it with the matching [Codec], reads request bodies by their Content-Type,
// and picks a language from Accept-Language.
//
//	codecs := negotiate.Default() // JSON, then XML
//	codecs.Register(negotiate.JSON{}, "application/vnd.keel.v2+json")
//
//	mux.Handle("GET /users/{id}", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
//		u, err := users.Get(r.Context(), r.PathValue("id"))
//		if err != nil {
//			return err
//		}
//		return codecs.Respond(w, r, http.StatusOK, u) // JSON, XML or the vendor type
//	}))
//
//	mux.Handle("POST /users", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
//		var in NewUser
//		if err := codecs.Decode(r, &in); err != nil {
//			return err // 415, or a 400 naming what is wrong with the body
//		}
//		...
//	}))
//
// The package-level [Respond] and [Decode] use the default codecs.
//
// # Choosing a representation
//
// A [Registry] holds codecs under media types in the server's order of
// preference. [Registry.Respond] ranks them with the request's Accept
// header as RFC 9110 says: the most specific matching range gives each type
// its quality ("application/json;q=0.5, */*;q=0.1"), parameters must match
// ("application/json; version=2" accepts only a type registered with
// version=2; a charset parameter is ignored), the highest quality wins and
// ties go to the server's preference. A request without Accept, or whose Accept holds nothing
// readable, gets the first type. When every type is refused the client
// gets a 406 problem whose "available" member lists the types; the
// response always carries Vary: Accept.
//
// # Media types and codecs
//
// A codec names its own media types ([JSON]: application/json; [XML]:
// application/xml and text/xml), and [Registry.Register] can register it
// under others. A vendor type such as application/vnd.keel.v2+json is served
// only where registered, by the codec given: a registry never guesses that
// a client asking for someone else's +json type would read plain JSON.
// Request bodies are read more leniently: [Registry.Lookup] also maps a
// structured syntax suffix to its base type, so application/merge-patch+json
// is read by the JSON codec. Protocol Buffers live in the sub-package
// negotiate/protocodec, so that this package does not pull protobuf into
// every binary.
//
// # Failures
//
// [Registry.Respond] encodes into a pooled buffer before it writes
// anything, so a value that fails to encode becomes a 500 problem (through
// keel's errors package, logged once, its cause never shown) instead of a
// 200 with half a body. Decoding errors are 4xx: the codecs return errors
// that [errors.From] classifies as 400 problems naming the offset, the
// field or the reason, and a Content-Type no codec reads is a 415.
package negotiate
