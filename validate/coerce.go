package validate

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Codes of the violations that coercing a text value reports, beside
// [CodeInvalidType], [CodeOutOfRange], [CodeInvalidValue] and the time
// codes.
const (
	CodeInvalidUUID      = "invalid_uuid"      // not a UUID in its canonical 8-4-4-4-12 form
	CodeRepeated         = "repeated"          // a parameter given more than once where one value is expected
	CodeMissingParameter = "missing_parameter" // no value where one is required
)

// CoerceError is the error [Coerce] returns when a text value does not fit
// its target. Code is one of the Code constants of this package, Message
// says what was expected without echoing the value ("must be an integer"),
// and Params holds the limits or the expected type, so that a caller can
// turn it into an [errors.Violation]. Use errors.As (or errors.AsType) to
// get it.
type CoerceError struct {
	Code    string
	Message string
	Params  map[string]any
}

// Error returns the message, prefixed by the package name.
func (e *CoerceError) Error() string {
	return "validate: value " + e.Message
}

// Coerce sets the value dst points to from its text form vals, the values
// of one query, path, header or form parameter:
//
//   - string (and named string types): the value as it is;
//   - bool: true, false (in any case), 1 or 0; "yes", "no", "on" and
//     "off" are refused, so that a client finds out at once that its
//     value means nothing here;
//   - int and uint of every size: decimal, with an error for a value the
//     type cannot hold (code "out_of_range", with min and max in Params);
//   - float32 and float64: decimal or exponent notation, finite;
//   - time.Time and [Time]: RFC 3339 with an offset; [Date]: YYYY-MM-DD;
//     [Duration] and time.Duration: Go ("1h30m") or ISO 8601 ("PT1H30M");
//   - uuid.UUID: the canonical 36-character form only;
//   - any other type whose pointer implements encoding.TextUnmarshaler;
//   - a pointer to any of these (allocated), or an [Optional] of any of
//     these (Set becomes true);
//   - a slice of any of these: one element per value.
//
// A scalar target takes exactly one value; more is an error coded
// "repeated", none is an error coded "missing_parameter". Leading and
// trailing spaces are kept for strings and refused for the other types.
// On failure dst is left unchanged and the error is a *[CoerceError]; a
// dst that is not a non-nil pointer, or whose type none of the above
// covers, is a plain error, a programming mistake.
func Coerce(dst any, vals ...string) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("validate: Coerce needs a non-nil pointer, got %T", dst)
	}
	t := rv.Elem().Type()
	if !coercible(t) {
		return fmt.Errorf("validate: Coerce cannot set a %s from text", t)
	}
	nv := reflect.New(t).Elem()
	if err := coerce(nv, vals); err != nil {
		return err
	}
	rv.Elem().Set(nv)
	return nil
}

var (
	uuidType        = reflect.TypeFor[uuid.UUID]()
	stdDurationType = reflect.TypeFor[time.Duration]()
)

// coercible reports whether coerce can set a value of type t.
func coercible(t reflect.Type) bool {
	switch {
	case t.Implements(optionalMarkerType):
		return coercible(t.Field(0).Type)
	case t.Kind() == reflect.Pointer:
		return coercibleScalar(t.Elem())
	case isMulti(t):
		return coercibleScalar(t.Elem())
	}
	return coercibleScalar(t)
}

func coercibleScalar(t reflect.Type) bool {
	switch t {
	case timeType, dateType, durationType, stdTimeType, stdDurationType, uuidType:
		return true
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// isMulti reports whether a value of type t, which coercible accepts,
// takes any number of values.
func isMulti(t reflect.Type) bool {
	if t.Implements(optionalMarkerType) {
		t = t.Field(0).Type
	}
	return t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 && !coercibleScalar(t)
}

// coerce sets fv, whose type coercible accepts, from vals.
func coerce(fv reflect.Value, vals []string) *CoerceError {
	t := fv.Type()
	switch {
	case t.Implements(optionalMarkerType):
		if err := coerce(fv.Field(0), vals); err != nil {
			return err
		}
		fv.FieldByName("Set").SetBool(true)
		return nil
	case t.Kind() == reflect.Pointer:
		nv := reflect.New(t.Elem())
		if err := coerce(nv.Elem(), vals); err != nil {
			return err
		}
		fv.Set(nv)
		return nil
	case isMulti(t):
		sv := reflect.MakeSlice(t, len(vals), len(vals))
		for i, s := range vals {
			if err := coerceOne(sv.Index(i), s); err != nil {
				if err.Params == nil {
					err.Params = map[string]any{}
				}
				err.Params["index"] = i
				return err
			}
		}
		fv.Set(sv)
		return nil
	}
	switch len(vals) {
	case 0:
		return &CoerceError{Code: CodeMissingParameter, Message: "is missing"}
	case 1:
		return coerceOne(fv, vals[0])
	}
	return &CoerceError{Code: CodeRepeated, Message: "must be given once",
		Params: map[string]any{"count": len(vals)}}
}

// coerceOne sets fv, a scalar, from s.
func coerceOne(fv reflect.Value, s string) *CoerceError {
	t := fv.Type()
	switch t {
	case timeType, stdTimeType:
		tm, _, err := parseTime(s, nil)
		if err != nil {
			return &CoerceError{Code: CodeInvalidTime, Message: err.Error(), Params: map[string]any{"expected": "RFC 3339 time"}}
		}
		if t == timeType {
			fv.Set(reflect.ValueOf(Time{tm}))
		} else {
			fv.Set(reflect.ValueOf(tm))
		}
		return nil
	case dateType:
		d, err := ParseDate(s)
		if err != nil {
			return &CoerceError{Code: CodeInvalidDate, Message: err.Error(), Params: map[string]any{"expected": "YYYY-MM-DD"}}
		}
		fv.Set(reflect.ValueOf(d))
		return nil
	case durationType, stdDurationType:
		d, err := ParseDuration(s)
		if err != nil {
			return &CoerceError{Code: CodeInvalidDuration, Message: err.Error(), Params: map[string]any{"expected": "duration"}}
		}
		if t == durationType {
			fv.Set(reflect.ValueOf(d))
		} else {
			fv.SetInt(int64(d.Duration))
		}
		return nil
	case uuidType:
		// uuid.Parse also takes braces, a urn:uuid: prefix and 32 bare
		// hex digits; one spelling keeps caches and logs consistent.
		u, err := uuid.Parse(s)
		if err != nil || len(s) != 36 {
			return &CoerceError{Code: CodeInvalidUUID, Message: "must be a UUID such as 123e4567-e89b-12d3-a456-426614174000",
				Params: map[string]any{"expected": "uuid"}}
		}
		fv.Set(reflect.ValueOf(u))
		return nil
	}
	if tu, ok := fv.Addr().Interface().(encoding.TextUnmarshaler); ok {
		if err := tu.UnmarshalText([]byte(s)); err != nil {
			return &CoerceError{Code: CodeInvalidValue, Message: "is not a valid value"}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Bool:
		b, ok := parseBool(s)
		if !ok {
			return &CoerceError{Code: CodeInvalidType, Message: "must be true, false, 1 or 0", Params: map[string]any{"expected": "boolean"}}
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		n, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			if isRange(err) {
				lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
				return &CoerceError{Code: CodeOutOfRange,
					Message: "must be between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10),
					Params:  map[string]any{"min": lo, "max": hi}}
			}
			return &CoerceError{Code: CodeInvalidType, Message: "must be an integer", Params: map[string]any{"expected": "integer"}}
		}
		fv.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		bits := t.Bits()
		n, err := strconv.ParseUint(s, 10, bits)
		if err != nil {
			if isRange(err) || isNegativeInteger(s) {
				hi := uint64(1)<<(bits-1)<<1 - 1
				return &CoerceError{Code: CodeOutOfRange,
					Message: "must be between 0 and " + strconv.FormatUint(hi, 10),
					Params:  map[string]any{"min": 0, "max": hi}}
			}
			return &CoerceError{Code: CodeInvalidType, Message: "must be a non-negative integer", Params: map[string]any{"expected": "integer"}}
		}
		fv.SetUint(n)
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		f, err := strconv.ParseFloat(s, bits)
		if err != nil || !isDecimal(s) {
			if err != nil && isRange(err) {
				return &CoerceError{Code: CodeOutOfRange,
					Message: "is out of the range of a " + strconv.Itoa(bits) + "-bit floating-point number"}
			}
			return &CoerceError{Code: CodeInvalidType, Message: "must be a number", Params: map[string]any{"expected": "number"}}
		}
		fv.SetFloat(f)
	}
	return nil
}

// isNegativeInteger reports whether s is "-" followed by decimal digits.
func isNegativeInteger(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isDecimal reports whether s is written as a decimal number: strconv
// also takes "NaN", "Inf", hexadecimal floats and underscores, none of
// which a client means by a number.
func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+':
		case c == 'e' || c == 'E':
		default:
			return false
		}
	}
	return true
}

// parseBool reads the booleans every text input of this package accepts
// (query, path and header values, form fields, XML elements): true and
// false (also spelled TRUE, True, FALSE, False), 1 and 0: XML Schema's
// boolean and the spellings strconv.ParseBool shares with it, nothing
// looser, so that "yes" or "t" fails at once instead of meaning something.
func parseBool(s string) (value, ok bool) {
	switch s {
	case "1", "true", "TRUE", "True":
		return true, true
	case "0", "false", "FALSE", "False":
		return false, true
	}
	return false, false
}
