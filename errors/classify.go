package errors

import (
	"context"
	"encoding"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// StatusCoder is implemented by errors that know their HTTP status. A
// domain error implements it to choose a status without importing net/http
// or this package:
//
//	func (e *QuotaError) StatusCode() int { return 429 }
//
// [From] takes the status at its word (a status outside 400–599 is
// ignored) and shows the status text, never the error's own text. Beware of
// client libraries whose errors report an upstream response's status this
// way: wrap such an error with [Internal] or [Unavailable] unless the
// upstream status is also the right answer to your client.
type StatusCoder interface {
	StatusCode() int
}

// Problemer is implemented by errors that build their own *Error, to
// control every member of the problem: code, public message, violations,
// headers.
//
//	func (e *QuotaError) Problem() *errors.Error {
//		return errors.TooManyRequests("quota of %d exceeded", e.Limit).WithRetryAfter(e.Reset)
//	}
//
// A nil result is ignored. When the result has no cause, [From] sets the
// original error as its cause, so that it is logged.
type Problemer interface {
	Problem() *Error
}

// From classifies err: it returns the *Error that describes err to an HTTP
// client. It is the one place where errors map to statuses, and the first
// rule that matches wins:
//
//   - nil → nil.
//   - An *Error anywhere in err's tree (found with [As]) → that *Error.
//   - A [Problemer] in the tree → its Problem().
//   - A [StatusCoder] in the tree with a status in 400–599 → that status,
//     with the status text as its only public text.
//   - context.Canceled → 499 [StatusClientClosedRequest]: the client went
//     away ([Write] writes nothing).
//   - context.DeadlineExceeded → 504 Gateway Timeout.
//   - *http.MaxBytesError → 413, naming the limit.
//   - *json.SyntaxError → 400 "malformed_json", naming the byte offset.
//   - *json.UnmarshalTypeError → 400 "invalid_type", with a violation that
//     points at the field (as a JSON Pointer) and names the expected type.
//   - io.EOF → 400 "empty_body"; io.ErrUnexpectedEOF → 400
//     "truncated_body" (what a JSON decoder returns for an empty or cut
//     request body).
//   - Anything else → 500 with a generic message.
//
// Except for an *Error found in the tree, which is returned as it is, the
// result has err as its cause, so err's text reaches the logs and never the
// client.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := AsType[*Error](err); ok && e != nil {
		return e
	}
	var p Problemer
	if As(err, &p) {
		if e := p.Problem(); e != nil {
			if e.cause == nil {
				e = e.WithCause(err)
			}
			return e
		}
	}
	var sc StatusCoder
	if As(err, &sc) {
		if s := sc.StatusCode(); s >= 400 && s <= 599 {
			return E(s, "", "").WithCause(err)
		}
	}
	switch {
	case Is(err, context.Canceled):
		return E(StatusClientClosedRequest, CodeClientClosedRequest, "client closed request").WithCause(err)
	case Is(err, context.DeadlineExceeded):
		return GatewayTimeout("deadline exceeded").WithCause(err)
	}
	if mb, ok := AsType[*http.MaxBytesError](err); ok {
		return RequestTooLarge("The request body exceeds the limit of %d bytes.", mb.Limit).WithCause(err)
	}
	if se, ok := AsType[*json.SyntaxError](err); ok {
		return E(http.StatusBadRequest, CodeMalformedJSON,
			"The request body is not valid JSON: %s (at byte offset %d).", se.Error(), se.Offset).WithCause(err)
	}
	if te, ok := AsType[*json.UnmarshalTypeError](err); ok {
		return fromTypeError(te).WithCause(err)
	}
	switch {
	case Is(err, io.EOF):
		return E(http.StatusBadRequest, CodeEmptyBody, "The request body is empty.").WithCause(err)
	case Is(err, io.ErrUnexpectedEOF):
		return E(http.StatusBadRequest, CodeTruncatedBody, "The request body ended unexpectedly.").WithCause(err)
	}
	return Internal("unclassified error").WithCause(err)
}

// fromTypeError describes a JSON value of the wrong type.
func fromTypeError(te *json.UnmarshalTypeError) *Error {
	pointer := fieldPointer(te.Field)
	want := jsonType(te.Type)
	// Value is "string", "number 12", "object", ...: keep the kind only, so
	// that no client data is echoed.
	got, _, _ := strings.Cut(te.Value, " ")
	where := pointer
	if where == "" {
		where = "the document root"
	}
	e := E(http.StatusBadRequest, CodeInvalidType,
		"The request body has a value of the wrong type at %s: expected %s, got %s.", where, want, got)
	return e.WithViolations(Violation{
		Pointer: pointer,
		Code:    "type",
		Message: "must be " + article(want) + " " + want,
		Params:  map[string]any{"expected": want, "actual": got},
	})
}

// fieldPointer turns encoding/json's dotted field path into a JSON Pointer.
// The path holds object keys only (no array indices) and, for fields
// promoted from an embedded struct, the Go name of that struct: the pointer
// is as precise as the decoder lets it be.
func fieldPointer(field string) string {
	if field == "" {
		return ""
	}
	var b strings.Builder
	for seg := range strings.SplitSeq(field, ".") {
		b.WriteByte('/')
		b.WriteString(escapePointer(seg))
	}
	return b.String()
}

// escapePointer escapes one JSON Pointer reference token (RFC 6901).
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// jsonType names the JSON type a Go type decodes from.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return "string"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string" // []byte is base64
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "value"
}

// article returns the indefinite article for word.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
