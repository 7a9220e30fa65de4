package validate

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"reflect"
)

// Optional is a value that may be absent, explicitly null, or present, told
// apart as a PATCH request needs them: absent means "leave as is", null
// means "clear", a value means "set".
//
//	type PatchUser struct {
//		Name  validate.Optional[string] `json:"name"`
//		Email validate.Optional[string] `json:"email"`
//	}
//
//	// {"name": "Ada", "email": null}
//	// Name  = {Value: "Ada", Set: true}
//	// Email = {Set: true, Null: true}
//
// Set reports that the key was present, with a value or null; Null that it
// was null. A present value is valid whatever it is: 0, false and "" are
// values, not absences, so a "required" rule means Set (and, unless the
// rule says otherwise, not Null) and never "not zero".
//
// In JSON, Optional decodes the value as T would be decoded, after the
// strict checks of [Decoder] have run on it. In XML, an element with
// xsi:nil="true" is null, and a missing element is absent. It encodes as
// T, or as null when absent or null; add `json:",omitzero"` to leave absent
// values out.
//
// The zero value is absent. Optional is a plain value with no locking: it
// is as safe for concurrent use as T.
type Optional[T any] struct {
	// Value is the decoded value, the zero T when absent or null.
	Value T
	// Set is true when the key or element was present, even as null.
	Set bool
	// Null is true when the key or element was present and null.
	Null bool
}

// Some returns a present Optional holding v.
func Some[T any](v T) Optional[T] {
	return Optional[T]{Value: v, Set: true}
}

// Null returns a present, null Optional.
func Null[T any]() Optional[T] {
	return Optional[T]{Set: true, Null: true}
}

// Get returns the value and true when o is present and not null, and the
// zero T and false otherwise.
func (o Optional[T]) Get() (T, bool) {
	if !o.Set || o.Null {
		var zero T
		return zero, false
	}
	return o.Value, true
}

// IsZero reports whether o is absent, so that `json:",omitzero"` leaves it
// out of the output.
func (o Optional[T]) IsZero() bool { return !o.Set }

// MarshalJSON encodes the value as T does, or null when o is absent or null.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if !o.Set || o.Null {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// UnmarshalJSON records that the key was present and decodes data, which
// may be null, into Value.
func (o *Optional[T]) UnmarshalJSON(data []byte) error {
	var zero T
	o.Set = true
	o.Value = zero
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		o.Null = true
		return nil
	}
	o.Null = false
	return json.Unmarshal(data, &o.Value)
}

// xsiNamespace is the XML Schema instance namespace of the nil attribute.
const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// UnmarshalXML records that the element was present and decodes it into
// Value; an element with xsi:nil="true" is null.
func (o *Optional[T]) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var zero T
	o.Set = true
	o.Value = zero
	o.Null = false
	for _, a := range start.Attr {
		if a.Name.Local == "nil" && (a.Name.Space == xsiNamespace || a.Name.Space == "xsi") && a.Value == "true" {
			o.Null = true
			return d.Skip()
		}
	}
	return d.DecodeElement(&o.Value, &start)
}

// MarshalXML encodes the value as T does, or an empty element with
// xsi:nil="true" when o is null; an absent o writes nothing.
func (o Optional[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if !o.Set {
		return nil
	}
	if o.Null {
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "xsi:nil"}, Value: "true"},
			xml.Attr{Name: xml.Name{Local: "xmlns:xsi"}, Value: xsiNamespace})
		if err := e.EncodeToken(start); err != nil {
			return err
		}
		return e.EncodeToken(start.End())
	}
	return e.EncodeElement(o.Value, start)
}

// optionalMarker lets the decoder see through an Optional to its T.
type optionalMarker interface {
	optionalElem() reflect.Type
}

func (Optional[T]) optionalElem() reflect.Type { return reflect.TypeFor[T]() }

var (
	_ json.Unmarshaler = (*Optional[int])(nil)
	_ json.Marshaler   = Optional[int]{}
	_ xml.Unmarshaler  = (*Optional[int])(nil)
	_ xml.Marshaler    = Optional[int]{}
)
