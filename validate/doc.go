// Package validate decodes request bodies strictly and checks them: JSON
// (and XML and forms) read with limits, into Go values, with every problem
// reported as one 4xx problem whose violations point at the offending value
// with an RFC 6901 JSON Pointer.
//
//	type NewUser struct {
//		Name  string                     `json:"name"`
//		Age   uint8                      `json:"age"`
//		Email validate.Optional[string] `json:"email"`
//		Born  validate.Date              `json:"born"`
//	}
//
//	func (u *NewUser) Validate(ctx context.Context) error { ... } // optional
//
//	mux.Handle("POST /users", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
//		var in NewUser
//		if err := validate.Decode(r, &in); err != nil {
//			return err // 413, 415, 400 or 422, ready for errors.Write
//		}
//		...
//	}))
//
// [Decode] uses the default options; [NewDecoder] configures the limits,
// the accepted formats, unknown fields, the hooks and the time options.
//
// # The pipeline
//
// [Decoder.Decode] runs these steps in this order, and stops at the first
// that fails:
//
//  1. Size: a declared Content-Length over Options.MaxBodyBytes is a 413
//     at once; a body without one (chunked) is counted as it is read, and
//     is a 413 as soon as it passes the limit.
//  2. Content type: a missing Content-Type, or one the decoder does not
//     read, is a 415 whose "supported" member lists the types it reads. JSON
//     types (application/json, any +json type) are found as
//     [negotiate.Registry.Lookup] finds them, and so are XML types.
//  3. Strict scan (JSON): [Scan] checks the syntax and the limits.
//  4. Schema hook (JSON): Options.Schema, when set, sees the raw document.
//  5. Typed decode: the document is checked against the target's type
//     (exact key names, unknown keys, JSON types, number ranges, times),
//     then decoded by encoding/json, encoding/xml or the form decoder.
//  6. Normalization hook: Options.Normalize, when set.
//  7. Rules: the `validate` struct tags (see Rules below), then the
//     target's Validate(ctx) method, when it implements [Validator].
//
// Steps 4, 6 and 7 are the seams where schemas, normalization and struct
// rules plug in; a hook's *errors.Error is returned as it is, and any other
// error becomes a 422 problem that hides its text.
//
// # Why a strict scan
//
// encoding/json is lenient where an API should not be: of two equal keys it
// keeps the last (so two components reading the same body can see
// different values), it matches keys without regard to case ({"ADMIN":
// true} sets a field tagged "admin"), it replaces invalid UTF-8 and lone
// surrogate escapes with U+FFFD, and it follows any depth of nesting. [Scan]
// rejects all of these in one pass over the bytes that allocates nothing
// in the common case, and enforces limits on depth, string length and array
// length, so that what reaches encoding/json has one meaning only.
//
// # Keys and types
//
// After the scan, a second pass over the bytes walks the document beside
// the target's type (field names are cached per type): a key that matches a
// field only when case is ignored is rejected ("case_mismatch"), a key no
// field takes is rejected ("unknown_field") unless Options.AllowUnknownFields
// is set, and a value of the wrong JSON type ("invalid_type") or one its
// field cannot hold, such as 300 for a uint8 or 1e400 for a float64
// ("out_of_range"), is reported with its exact pointer, array indices
// included: /items/3/qty. Errors that encoding/json finds anyway are mapped
// back to a pointer through their byte offset by scanning the document
// again, which costs nothing on success.
//
// # Null and absent
//
// [Optional] tells a missing key, an explicit null and a value apart, as a
// PATCH needs. A present value is valid whatever it is: a "required" rule
// means present, so 0, false and "" are values unless a rule says otherwise.
//
// # Rules
//
// Struct rules come in two forms that share the same built-in rules,
// codes, messages and paths. Tags (`validate:"required,min=3,max=50"`),
// checked by [Check] and, in [Decoder.Decode], after Normalize and before
// the target's Validate method, suit the common case: the rules sit
// beside the field, are parsed once per type, and an OpenAPI generator can
// read them. The fluent API ([Struct], [Field], [OptionalField],
// [PtrField], [Items], [Rule]) is for what a tag cannot say well: rules
// that depend on other values or on the request (a uniqueness check
// through ctx), conditions in Go, compiled regexps, and typed rules the
// compiler checks (Min[uint8](18) on a uint8 field). A field's pointer
// comes from its json tag, found through the field's address.
//
//	return validate.Struct(ctx, u,
//		validate.Field(&u.Name, validate.Required[string](), validate.Length(3, 50)),
//		validate.Field(&u.State, validate.When(u.Country == "US", validate.Required[string]())))
//
// Required means present: an [Optional] that is Set and not null, a
// non-nil pointer, a non-nil slice or map (JSON [] is present). A plain
// field cannot tell a missing key from a zero value once decoded, so
// required on it means not zero; use Optional or a pointer where 0, false
// or "" are valid. Other rules skip absent optional and pointer fields,
// and run on plain fields unless `omitempty` is given and the value is
// zero. A field's rules stop at its first failure unless
// [RulesOptions.CollectAll] is set. Tag cross-field rules name a Go field
// (eqfield=Password, gtfield=Start, required_if=Country US).
//
// All violations of a request make one 422 problem coded
// "validation_failed", tag and Validate violations together, each with
// its pointer (/items/2/sku), code, message and parameters ({"min":3}).
// Messages come from a [Catalog] and never echo the value. A rule that
// returns an error other than a [Fail] one, such as a database error,
// stops validation and the error is returned as it is (a 5xx through
// errors.From), also through a Validate method. Custom tag rules and
// catalogues live in a [Rules] value the application builds; a malformed
// tag panics at first use, and [CheckTags] finds it in a test.
//
// # Times
//
// [Time] takes RFC 3339 with an offset (a time without one is ambiguous and
// rejected), [Date] takes YYYY-MM-DD and rejects days that do not exist,
// [Duration] takes Go durations ("1h30m") and ISO 8601 ones ("PT1H30M").
// Options.TimeLayouts and Options.TimeZone add layouts and convert times to
// UTC in JSON and form bodies.
//
// # Forms and XML
//
// XML bodies get the same limits (depth, text length, repetitions of an
// element) and the same unknown-element and number checks, with pointers
// built from element names below the root (/item/1/price). Forms (application/x-www-form-urlencoded and
// multipart/form-data) are opt-in through Options.Formats, and fill a
// struct through `form:"name"` tags: strings, numbers, booleans, times,
// TextUnmarshalers, slices of those, [Optional] of those, and uploaded files
// as *multipart.FileHeader or []*multipart.FileHeader fields.
//
// # Sanitizing
//
// [Normalize], which fits Options.Normalize and BindOptions.Normalize,
// rewrites strings as their fields' tags say before the rules run:
// `normalize:"trim,collapse,lower,nfc"`, `normalize:"email"`,
// `normalize:"e164=44"` for phone numbers ([NormalizeE164]), then
// `sanitize:"strip_control"` ([StripControl]), `sanitize:"strip_tags"`
// ([StripTags]) and `sanitize:"html_escape"` ([HTMLEscape]). Query, path
// and header parameters are bound into a struct by [Bind] through
// `query:"page"`, `path:"id"` and `header:"X-Tenant"` tags, converted as
// [Coerce] converts them.
//
// Sanitizing is for text that will be shown: control characters that
// corrupt logs and terminals, markup in a field a page renders. It is not
// a defence against injection into other languages. SQL injection is
// prevented by parameterized queries, which send values apart from the
// statement so that no value can change it; package rest's
// [github.com/keel-go/keel/rest.List.SQL] builds such queries for list
// endpoints, and database/sql and pgx take "$1" or "?" arguments. No
// string sanitizing can make a value safe to splice into SQL, a shell
// command or a URL, and trying (escaping quotes, removing keywords) breaks
// legitimate input such as the name O'Brien. Likewise, output escaping
// (html/template) is the defence against cross-site scripting; strip_tags
// and html_escape are for text that reaches HTML by another path.
//
// # Error codes
//
// Every violation carries a stable code: the Code constants of this
// package, which include the codes of package errors for an empty or cut
// body and malformed JSON.
package validate
