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
//  7. Rules hook: the target's Validate(ctx) method, when it implements
//     [Validator].
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
// # Error codes
//
// Every violation carries a stable code: the Code constants of this
// package, which include the codes of package errors for an empty or cut
// body and malformed JSON.
package validate
