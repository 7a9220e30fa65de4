package negotiate

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/keel-go/keel/errors"
)

// Codes of the problems the codecs return for request bodies they cannot
// read, beside those of package errors (malformed_json, invalid_type,
// empty_body, truncated_body), which the JSON codec's errors classify as.
const (
	CodeMalformedXML = "malformed_xml" // XML.Decode: not well-formed XML, or a value the target cannot hold
	CodeUnknownField = "unknown_field" // JSON.Decode with DisallowUnknownFields
	CodeInvalidValue = "invalid_value" // JSON.Decode: a value a field's UnmarshalJSON method refuses
)

// Codec encodes values to, and decodes them from, one data format such as
// JSON or XML.
//
// Implementations must be safe for concurrent use: a [Registry] calls one
// codec from every request at once.
//
// Encode writes the complete representation of v to w. [Registry.Respond]
// hands it a buffer, never the response itself, so an error from Encode
// means nothing has reached the client yet.
//
// Decode reads one value from r into v, which must be a non-nil pointer.
// Errors caused by the input — malformed data, a value of the wrong type,
// an empty body — must be, or wrap, errors that [errors.From] classifies as
// 4xx (an *errors.Error, or the encoding/json and io errors it knows), so
// that bad input never becomes a 500. An error returned by r itself (a body
// over its size limit, a client that went away) must be returned as it is.
type Codec interface {
	// MediaTypes returns the media types the codec reads and writes, the
	// one it prefers first: "application/json". [Registry.Register]
	// registers a codec under them unless told otherwise.
	MediaTypes() []string
	// Encode writes v to w.
	Encode(w io.Writer, v any) error
	// Decode reads one value from r into v.
	Decode(r io.Reader, v any) error
}

// TextCodec is a [Codec] whose output is text in one character encoding.
// The registry announces it in the charset parameter of every media type
// the codec is registered under ("application/json; charset=utf-8"), and
// refuses request bodies that declare another charset.
type TextCodec interface {
	Codec
	// Charset returns the IANA name of the encoding, lower case: "utf-8".
	Charset() string
}

// TypedCodec is a [Codec] that encodes only values of some types, such as
// the protobuf codec, which encodes only proto.Message values.
// [Registry.Respond] passes over it for the other values, as if it were not
// registered, so that one registry serves both kinds of handler: a client
// that prefers protobuf gets JSON from a handler whose value is not a
// message.
type TypedCodec interface {
	Codec
	// CanEncode reports whether Encode accepts v.
	CanEncode(v any) bool
}

// JSON is the [Codec] for application/json, built on encoding/json. The
// zero value is ready to use and writes compact JSON. A JSON value holds
// only configuration and is safe for concurrent use.
type JSON struct {
	// Indent, when not empty, is the indentation of each nesting level of
	// the output ("  "). Default: compact output.
	Indent string

	// DisableHTMLEscape leaves <, > and & in strings as they are. Default:
	// false, they are written as \u003c, \u003e and \u0026, as
	// encoding/json does, so that a body misread as HTML cannot run script.
	DisableHTMLEscape bool

	// DisallowUnknownFields makes Decode refuse an object member that the
	// target struct has no field for, with a 400 problem coded
	// [CodeUnknownField]. Default: false, unknown members are ignored.
	DisallowUnknownFields bool
}

var _ TextCodec = JSON{}

// MediaTypes returns application/json.
func (JSON) MediaTypes() []string { return []string{"application/json"} }

// Charset returns "utf-8", the only encoding JSON allows (RFC 8259).
func (JSON) Charset() string { return "utf-8" }

// Encode writes v as JSON followed by a newline.
func (c JSON) Encode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(!c.DisableHTMLEscape)
	if c.Indent != "" {
		enc.SetIndent("", c.Indent)
	}
	return enc.Encode(v)
}

// Decode reads exactly one JSON value from r into v; anything but white
// space after it is an error. The errors encoding/json returns for bad input
// (syntax, a value of the wrong type, an empty or truncated body) are
// returned as they are: [errors.From] turns them into precise 400 problems.
// Content after the value, an unknown member with DisallowUnknownFields,
// and a value that a field's UnmarshalJSON method refuses (a malformed
// time, say) return a 400 *errors.Error; an *errors.Error returned by an
// UnmarshalJSON method is returned as it is.
func (c JSON) Decode(r io.Reader, v any) error {
	cr := &codecReader{r: r}
	dec := json.NewDecoder(cr)
	if c.DisallowUnknownFields {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		if cr.err != nil {
			return cr.err
		}
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return errors.E(http.StatusBadRequest, CodeUnknownField,
				"The request body has an unknown field %s.", clip(name)).WithCause(err)
		}
		return codecInputError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if cr.err != nil {
			return cr.err
		}
		return errors.E(http.StatusBadRequest, errors.CodeMalformedJSON,
			"The request body holds more than one JSON value.")
	}
	return nil
}

// XML is the [Codec] for application/xml and text/xml, built on
// encoding/xml. The zero value is ready to use and writes compact XML after
// an XML declaration. An XML value holds only configuration and is safe for
// concurrent use.
type XML struct {
	// Indent, when not empty, is the indentation of each nesting level of
	// the output ("  "). Default: compact output.
	Indent string
}

var _ TextCodec = XML{}

// MediaTypes returns application/xml and text/xml.
func (XML) MediaTypes() []string { return []string{"application/xml", "text/xml"} }

// Charset returns "utf-8", the encoding encoding/xml writes and reads.
func (XML) Charset() string { return "utf-8" }

// Encode writes the XML declaration, v as XML, and a newline. Values that
// encoding/xml cannot represent, such as maps, are an error.
func (c XML) Encode(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	if c.Indent != "" {
		enc.Indent("", c.Indent)
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Decode reads one XML element from r into v. An empty body returns io.EOF
// (a 400 "empty_body" under [errors.From]); a document that is not
// well-formed, declares an encoding other than UTF-8, or holds a value the
// target cannot take returns a 400 *errors.Error coded [CodeMalformedXML].
func (c XML) Decode(r io.Reader, v any) error {
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("negotiate: XML.Decode needs a non-nil pointer, got %T", v)
	}
	cr := &codecReader{r: r}
	err := xml.NewDecoder(cr).Decode(v)
	switch {
	case err == nil:
		return nil
	case cr.err != nil:
		return cr.err
	case err == io.EOF:
		return err
	}
	if e := errors.From(err); e.StatusCode() < 500 {
		return err // an UnmarshalXML method's own problem
	}
	msg := "The request body is not valid XML."
	if se, ok := errors.AsType[*xml.SyntaxError](err); ok {
		msg = "The request body is not valid XML: " + clip(se.Msg) + " (line " + strconv.Itoa(se.Line) + ")."
	}
	return errors.E(http.StatusBadRequest, CodeMalformedXML, "%s", msg).WithCause(err)
}

// codecInputError returns err when [errors.From] already classifies it as a
// client error or it reports a programming mistake (a target that is not a
// pointer), and otherwise a 400 problem coded [CodeInvalidValue] wrapping
// it: an error from a field's UnmarshalJSON method, such as time.Time's, is
// about the input.
func codecInputError(err error) error {
	if errors.From(err).StatusCode() < 500 {
		return err
	}
	if _, ok := errors.AsType[*json.InvalidUnmarshalError](err); ok {
		return err
	}
	return errors.E(http.StatusBadRequest, CodeInvalidValue,
		"The request body holds a value that cannot be decoded.").WithCause(err)
}

// maxEchoed bounds the length of a decoder message copied into a problem,
// which may quote element names taken from the body.
const maxEchoed = 120

// clip shortens s to at most maxEchoed bytes of valid UTF-8.
func clip(s string) string {
	if len(s) > maxEchoed {
		s = s[:maxEchoed] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// codecReader remembers the error its reader returned, so that a decoder's
// error can be told apart from the body's own (a size limit, a client that
// went away), which must reach the caller unchanged.
type codecReader struct {
	r   io.Reader
	err error
}

func (c *codecReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}
