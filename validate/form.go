package validate

import (
	"bytes"
	"encoding"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keel-go/keel/errors"
)

// Media types of the form formats.
const (
	mediaForm      = "application/x-www-form-urlencoded"
	mediaMultipart = "multipart/form-data"
)

// CodeTooManyFields is the code of a form with more than
// Options.MaxFormFields fields.
const CodeTooManyFields = "too_many_fields"

// formTypeCache maps a struct reflect.Type to its []formField; see typeCache.
var formTypeCache sync.Map

// formField is one field of a form target, named by its `form:"name"` tag
// (or its Go name without a tag; `form:"-"` skips it).
type formField struct {
	name  string
	index []int
	t     reflect.Type
}

var (
	fileHeaderType  = reflect.TypeFor[*multipart.FileHeader]()
	fileHeadersType = reflect.TypeFor[[]*multipart.FileHeader]()
	stdTimeType     = reflect.TypeFor[time.Time]()
)

func formFieldsOf(t reflect.Type) []formField {
	if ff, ok := formTypeCache.Load(t); ok {
		return ff.([]formField)
	}
	var fields []formField
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("form"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields = append(fields, formField{name: name, index: sf.Index, t: sf.Type})
	}
	ff, _ := formTypeCache.LoadOrStore(t, fields)
	return ff.([]formField)
}

// decodeForm decodes an application/x-www-form-urlencoded body.
func (d *Decoder) decodeForm(data []byte, v any) error {
	if n := bytes.Count(data, []byte("&")) + 1; n > d.opts.MaxFormFields {
		return tooManyFields(d.opts.MaxFormFields)
	}
	values, err := url.ParseQuery(string(data))
	if err != nil {
		return errors.E(http.StatusBadRequest, CodeInvalidValue, "The request body is not a valid form.").WithCause(err)
	}
	return d.fillForm(values, nil, v)
}

// decodeMultipart decodes a multipart/form-data body. Files are kept in
// memory: the body is bounded by Options.MaxBodyBytes already.
func (d *Decoder) decodeMultipart(data []byte, boundary string, v any) error {
	if n := bytes.Count(data, []byte("--"+boundary)); n > d.opts.MaxFormFields+1 {
		return tooManyFields(d.opts.MaxFormFields)
	}
	form, err := multipart.NewReader(bytes.NewReader(data), boundary).ReadForm(d.opts.MaxBodyBytes + 1)
	if err != nil {
		return errors.E(http.StatusBadRequest, CodeInvalidValue, "The request body is not a valid multipart form.").WithCause(err)
	}
	return d.fillForm(form.Value, form.File, v)
}

func tooManyFields(max int) error {
	return errors.E(http.StatusBadRequest, CodeTooManyFields, "The form has more than %d fields.", max).
		WithViolations(errors.Violation{Code: CodeTooManyFields, Message: "has more than " + strconv.Itoa(max) + " fields",
			Params: map[string]any{"max": max}})
}

// fillForm sets the fields of the struct v points to from values and
// files.
func (d *Decoder) fillForm(values url.Values, files map[string][]*multipart.FileHeader, v any) error {
	rv := reflect.ValueOf(v).Elem()
	if rv.Kind() != reflect.Struct {
		return errors.E(http.StatusUnsupportedMediaType, errors.CodeUnsupportedMediaType,
			"This endpoint does not accept forms.")
	}
	fields := formFieldsOf(rv.Type())
	known := func(name string) bool {
		for _, f := range fields {
			if f.name == name {
				return true
			}
		}
		return false
	}
	for name := range values {
		if err := d.checkFormKey(name, known, fields); err != nil {
			return err
		}
	}
	for name := range files {
		if err := d.checkFormKey(name, known, fields); err != nil {
			return err
		}
	}
	for _, f := range fields {
		fv := rv.FieldByIndex(f.index)
		ptr := "/" + string(appendPointerToken(nil, f.name))
		switch f.t {
		case fileHeaderType:
			if fs := files[f.name]; len(fs) > 0 {
				if len(fs) > 1 {
					return formProblem(&scanError{code: CodeInvalidType, msg: "must be one file", pointer: ptr})
				}
				fv.Set(reflect.ValueOf(fs[0]))
			}
			continue
		case fileHeadersType:
			if fs := files[f.name]; len(fs) > 0 {
				fv.Set(reflect.ValueOf(fs))
			}
			continue
		}
		vals, ok := values[f.name]
		if !ok {
			continue
		}
		if len(vals) > d.opts.MaxArrayLen {
			return formProblem(&scanError{code: CodeArrayTooLong, pointer: ptr,
				msg: "has more than " + strconv.Itoa(d.opts.MaxArrayLen) + " values"})
		}
		for i, s := range vals {
			if len(s) > d.opts.MaxStringBytes {
				p := ptr
				if len(vals) > 1 {
					p += "/" + strconv.Itoa(i)
				}
				return formProblem(&scanError{code: CodeStringTooLong, pointer: p,
					msg: "is longer than " + strconv.Itoa(d.opts.MaxStringBytes) + " bytes"})
			}
		}
		if err := d.setForm(fv, vals, ptr); err != nil {
			return formProblem(err)
		}
	}
	return nil
}

func (d *Decoder) checkFormKey(name string, known func(string) bool, fields []formField) error {
	if known(name) {
		return nil
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			return formProblem(&scanError{code: CodeCaseMismatch, pointer: "/" + string(appendPointerToken(nil, name)),
				msg: "unknown field " + clipQuote(name) + ": names are case-sensitive and the field is " + clipQuote(f.name)})
		}
	}
	if d.opts.AllowUnknownFields {
		return nil
	}
	return formProblem(&scanError{code: CodeUnknownField, pointer: "/" + string(appendPointerToken(nil, name)),
		msg: "unknown field " + clipQuote(name)})
}

func formProblem(e *scanError) error {
	where := e.pointer
	if where == "" {
		where = "the form"
	}
	return errors.E(http.StatusBadRequest, e.code, "The form is invalid at %s: %s.", where, e.msg).
		WithViolations(errors.Violation{Pointer: e.pointer, Code: e.code, Message: e.msg, Params: e.params})
}

// setForm sets fv from the values of one form field.
func (d *Decoder) setForm(fv reflect.Value, vals []string, ptr string) *scanError {
	t := fv.Type()
	switch {
	case t.Implements(optionalMarkerType):
		fv.FieldByName("Set").SetBool(true)
		return d.setForm(fv.FieldByName("Value"), vals, ptr)
	case t.Kind() == reflect.Pointer:
		nv := reflect.New(t.Elem())
		if err := d.setForm(nv.Elem(), vals, ptr); err != nil {
			return err
		}
		fv.Set(nv)
		return nil
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		sv := reflect.MakeSlice(t, len(vals), len(vals))
		for i, s := range vals {
			if err := d.setFormValue(sv.Index(i), s, ptr+"/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
		fv.Set(sv)
		return nil
	}
	if len(vals) > 1 {
		return &scanError{code: CodeInvalidType, pointer: ptr, msg: "must be a single value",
			params: map[string]any{"expected": "single value", "actual": "list"}}
	}
	return d.setFormValue(fv, vals[0], ptr)
}

// setFormValue sets fv, a scalar, from the form value s.
func (d *Decoder) setFormValue(fv reflect.Value, s, ptr string) *scanError {
	t := fv.Type()
	switch t {
	case timeType, stdTimeType:
		tm, _, err := parseTime(s, d.opts.TimeLayouts)
		if err != nil {
			return &scanError{code: CodeInvalidTime, pointer: ptr, msg: err.Error()}
		}
		if d.opts.TimeZone == TimeZoneUTC {
			tm = tm.UTC()
		}
		if t == timeType {
			fv.Set(reflect.ValueOf(Time{tm}))
		} else {
			fv.Set(reflect.ValueOf(tm))
		}
		return nil
	case dateType:
		dt, err := ParseDate(s)
		if err != nil {
			return &scanError{code: CodeInvalidDate, pointer: ptr, msg: err.Error()}
		}
		fv.Set(reflect.ValueOf(dt))
		return nil
	case durationType:
		du, err := ParseDuration(s)
		if err != nil {
			return &scanError{code: CodeInvalidDuration, pointer: ptr, msg: err.Error()}
		}
		fv.Set(reflect.ValueOf(du))
		return nil
	}
	if tu, ok := fv.Addr().Interface().(encoding.TextUnmarshaler); ok {
		if err := tu.UnmarshalText([]byte(s)); err != nil {
			return &scanError{code: CodeInvalidValue, pointer: ptr, msg: "is not a valid value"}
		}
		return nil
	}
	k := kAny
	switch t.Kind() {
	case reflect.String:
		fv.SetString(s)
		return nil
	case reflect.Bool:
		k = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		k = kInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		k = kUint
	case reflect.Float32, reflect.Float64:
		k = kFloat
	default:
		return &scanError{code: CodeInvalidType, pointer: ptr, msg: "cannot be given in a form"}
	}
	s = strings.TrimSpace(s)
	bits := 0
	if k != kBool {
		bits = t.Bits()
	}
	if err := checkScalar(s, k, bits); err != nil {
		err.pointer = ptr
		return err
	}
	switch k {
	case kBool:
		b, _ := parseBool(s)
		fv.SetBool(b)
	case kInt:
		n, _ := strconv.ParseInt(s, 10, 64)
		fv.SetInt(n)
	case kUint:
		n, _ := strconv.ParseUint(s, 10, 64)
		fv.SetUint(n)
	case kFloat:
		f, _ := strconv.ParseFloat(s, 64)
		fv.SetFloat(f)
	}
	return nil
}
