// Package schema checks JSON documents against JSON Schema (drafts 2020-12
// and 7), and reports every failure as one 422 problem whose violations
// point at the offending values with RFC 6901 JSON Pointers. It plugs into
// package validate as its schema hook, so that a request body is checked
// against the schema after the strict scan and before it is decoded into a
// struct; package validate itself does not depend on a schema library.
//
//	//go:embed schemas
//	var schemas embed.FS
//
//	src, _ := schemas.ReadFile("schemas/user.json")
//	userSchema := schema.MustCompile("schemas/user.json", src, schema.Options{FS: schemas})
//	dec, err := validate.NewDecoder(validate.Options{Schema: userSchema})
//	...
//	mux.Handle("POST /users", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
//		var in NewUser
//		if err := dec.Decode(r, &in); err != nil {
//			return err // a 422 listing every schema violation, among others
//		}
//		...
//	}))
//
// Compile schemas once, at start-up: a [Schema] is immutable and safe for
// concurrent use, and checking a document does not compile anything.
//
// # Drafts and assertions
//
// A schema is read in the draft its $schema names, 2020-12 or draft 7, or
// in Options.Draft when it has none. Other drafts are refused with
// [ErrUnsupportedDraft].
//
// The "format" keyword is asserted in both drafts (2020-12 makes it an
// annotation unless told otherwise): email, date-time, date, time, uuid,
// ipv4, ipv6, hostname, uri and the other formats of the specification
// are checked, and a format the checker does not know, such as OpenAPI's
// "int64", is left unchecked.
//
// The content keywords (contentEncoding, contentMediaType, contentSchema)
// are annotations under 2020-12, as the specification says, and are not
// asserted: asserting them would decode and parse documents nested in
// strings, out of reach of the decoder's limits. Under draft 7, which
// allowed asserting them, contentEncoding "base64" and contentMediaType
// "application/json" are asserted, with the codes "contentEncoding" and
// "contentMediaType".
//
// Numbers are compared exactly, as rationals, never through float64:
// 18446744073709551616 is over a "maximum" of 18446744073709551615. To keep
// that cheap, a number longer than 1,000 bytes or with an exponent past
// ±1,000 is refused with a 400 problem coded "out_of_range" before the
// schema is checked.
//
// # References
//
// No schema is ever fetched, neither over the network nor from the file
// system. A $ref (or a $schema) that leaves the schema must name one given
// in Options.Resources, by absolute URL or by name, or a file of
// Options.FS, by a path relative to the schema's name; any other
// reference fails at compile time with [ErrRemoteRef].
//
// # Violations
//
// A document that does not match gets one 422 *errors.Error coded
// [CodeValidationFailed], whose violations are the leaves of the
// validation: one per failed keyword and value, de-duplicated, ordered by
// pointer (array indices in numeric order), at most Options.MaxViolations.
// Each has:
//
//   - Pointer: where the value is in the document, as an RFC 6901 JSON
//     Pointer (/lines/1/qty), "" for the whole document. For "required",
//     "dependentRequired" and "dependencies", it points at the missing
//     property (/address/city), not at the object that lacks it: that is
//     the field a client highlights, and the form the other checks of
//     package validate use. For "additionalProperties" it points at each
//     property that is not allowed.
//   - Code: the name of the keyword that failed, spelled as in the schema:
//     "type", "required", "minLength", "maxLength", "pattern", "format",
//     "enum", "const", "minimum", "maximum", "exclusiveMinimum",
//     "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
//     "uniqueItems", "contains", "minContains", "maxContains",
//     "minProperties", "maxProperties", "additionalProperties",
//     "dependentRequired", "dependencies", "additionalItems", "not",
//     "anyOf", "oneOf". A value refused by a schema that is just false
//     gets the keyword holding that schema ("items",
//     "unevaluatedProperties", ...) or "not_allowed".
//   - Message: a sentence a client may show ("must be at least 3
//     characters long"). It never repeats the value that failed.
//   - Params: the keyword's value when it is small, such as {"min": 3},
//     {"max": 18446744073709551615} (exact), {"format": "email"},
//     {"allowed": ["red", "green"]}, {"property": "city"}.
//
// The failures of the alternatives of anyOf and oneOf would contradict one
// another, so each is reported as one violation coded "anyOf" or "oneOf";
// every other combination (allOf, $ref, if/then/else) is reported through
// the failures beneath it.
//
// A body that is not one JSON value gets the 400 problem package validate
// gives it ("malformed_json", "empty_body", "truncated_body",
// "trailing_data"); behind a validate decoder, the strict scan has
// rejected it already.
package schema
