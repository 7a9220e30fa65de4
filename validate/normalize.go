package validate

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/keel-go/keel/errors"
)

// CodeInvalidPhone is the code of the violation of a field tagged
// `normalize:"e164"` whose value is not a phone number.
const CodeInvalidPhone = "invalid_phone"

// ErrInvalidPhone is wrapped by the errors of [NormalizeE164]; test for it
// with errors.Is.
var ErrInvalidPhone = errors.New("validate: invalid phone number")

// maxNormalizeDepth bounds the nesting [Normalize] follows, so that a
// cyclic value is an error rather than a stack overflow.
const maxNormalizeDepth = 64

// Normalize rewrites the strings of the value v points to as the
// `normalize` and `sanitize` tags of its struct fields say, walking nested
// structs, pointers, slices, arrays, maps and [Optional] values; a tag on
// a field of type []string or map[string]string applies to each element.
// It fits Options.Normalize and BindOptions.Normalize:
//
//	type Signup struct {
//		Name  string   `json:"name"  normalize:"collapse,nfc" sanitize:"strip_control"`
//		Email string   `json:"email" normalize:"email"`
//		Phone string   `json:"phone" normalize:"e164=44"`
//		Bio   string   `json:"bio"   sanitize:"strip_tags"`
//		Tags  []string `json:"tags"  normalize:"trim,lower"`
//	}
//	dec, _ := validate.NewDecoder(validate.Options{Normalize: validate.Normalize})
//
// The normalize operations, applied in the order written:
//
//   - trim: remove leading and trailing white space (Unicode's);
//   - collapse: trim, and turn each inner run of white space into one
//     space;
//   - lower, upper: change the case (Unicode's simple case mapping);
//   - nfc: Unicode normalization form C, so that "é" written as e and a
//     combining accent equals the precomposed "é";
//   - email: trim, NFC and lower case. Mail providers treat the local part
//     without regard to case, though RFC 5321 lets a server do otherwise;
//     accounts keyed by email need one spelling;
//   - e164, e164=CC: a phone number in E.164 form, see [NormalizeE164];
//     CC is the default country calling code for national numbers.
//
// The sanitize operations (strip_control, strip_tags, html_escape; see
// [StripControl], [StripTags], [HTMLEscape]) run after the normalize ones,
// in the order written.
//
// A value that cannot be normalized (a phone number that is not one) is a
// violation; all of them are returned in one 422 problem coded
// "validation_failed", each with the JSON Pointer of the field: its json
// tag name (else its xml or form tag name, else its Go name), array
// indices and map keys, or /query/name, /path/name or /header/Name for a
// field bound by [Binder]. An unknown operation in a tag, or a v that is
// not a non-nil pointer, is a plain error: a programming mistake. Tags are
// parsed once per type.
func Normalize(ctx context.Context, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("validate: Normalize needs a non-nil pointer, got %T", v)
	}
	n := normalizer{}
	if err := n.walk(rv.Elem(), nil, "", 0); err != nil {
		return err
	}
	if len(n.violations) > 0 {
		return errors.Unprocessable("The request failed validation.").WithCode(CodeValidationFailed).
			WithViolations(n.violations...)
	}
	return nil
}

// NormalizeE164 returns the phone number s in E.164 form: "+" and 7 to 15
// digits, the first of them not 0, which the e164 rule accepts. Spaces, dashes, dots and parentheses
// are removed. A number that starts with "+" or "00" is international; any
// other is national, and needs defaultCC, the country calling code to put
// before it (such as "44" or "1"), after its trunk prefix "0" is removed:
// "020 7946 0958" with "44" is "+442079460958". Without defaultCC a
// national number is an error. Letters, extensions and a "+" elsewhere
// than at the start are errors. Errors wrap [ErrInvalidPhone]; a defaultCC
// that is not 1 to 3 digits is a plain error.
//
// This is the common case only: it checks the length that E.164 allows,
// not the numbering plan of each country, and it assumes a trunk prefix
// of "0" (right for most of Europe, Africa and Asia; in Italy the 0 is
// part of the number, and in North America the trunk prefix is 1). Full
// per-country validation and formatting need a port of Google's
// libphonenumber and its metadata, which would belong in a sub-package of
// its own so that its size is paid for only by those who import it.
func NormalizeE164(s, defaultCC string) (string, error) {
	if defaultCC != "" && !isCountryCode(defaultCC) {
		return "", fmt.Errorf("validate: the default country calling code %q is not 1 to 3 digits", defaultCC)
	}
	digits := make([]byte, 0, 16)
	plus := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == '+':
			if plus || len(digits) > 0 {
				return "", fmt.Errorf("%w: a + is allowed only at the start", ErrInvalidPhone)
			}
			plus = true
		case r == '-' || r == '.' || r == '(' || r == ')' || unicode.IsSpace(r):
		default:
			return "", fmt.Errorf("%w: only digits, spaces, dashes, dots, parentheses and a leading + are allowed", ErrInvalidPhone)
		}
		if len(digits) > 17 {
			return "", fmt.Errorf("%w: more than 15 digits", ErrInvalidPhone)
		}
	}
	var num []byte
	switch {
	case plus:
		num = digits
	case len(digits) >= 2 && digits[0] == '0' && digits[1] == '0':
		num = digits[2:]
	case defaultCC != "":
		national := digits
		if len(national) > 0 && national[0] == '0' {
			national = national[1:]
		}
		num = append([]byte(defaultCC), national...)
	default:
		return "", fmt.Errorf("%w: the country calling code is missing; start with + and the country code", ErrInvalidPhone)
	}
	switch {
	case len(num) == 0 || num[0] == '0':
		return "", fmt.Errorf("%w: a country calling code does not start with 0", ErrInvalidPhone)
	case len(num) < 7:
		return "", fmt.Errorf("%w: fewer than 7 digits", ErrInvalidPhone)
	case len(num) > 15:
		return "", fmt.Errorf("%w: more than 15 digits", ErrInvalidPhone)
	}
	return "+" + string(num), nil
}

func isCountryCode(cc string) bool {
	if len(cc) < 1 || len(cc) > 3 || cc[0] == '0' {
		return false
	}
	for i := 0; i < len(cc); i++ {
		if cc[i] < '0' || cc[i] > '9' {
			return false
		}
	}
	return true
}

// textOp is one operation of a normalize or sanitize tag.
type textOp struct {
	name string
	cc   string // e164: the default country calling code
}

// apply returns s after the operation, or a violation's code and message.
func (op textOp) apply(s string) (string, *CoerceError) {
	switch op.name {
	case "trim":
		return strings.TrimSpace(s), nil
	case "collapse":
		return strings.Join(strings.Fields(s), " "), nil
	case "lower":
		return strings.ToLower(s), nil
	case "upper":
		return strings.ToUpper(s), nil
	case "nfc":
		return norm.NFC.String(s), nil
	case "email":
		return strings.ToLower(norm.NFC.String(strings.TrimSpace(s))), nil
	case "e164":
		if s == "" {
			return s, nil // absence is for a required rule to judge
		}
		p, err := NormalizeE164(s, op.cc)
		if err != nil {
			return s, &CoerceError{Code: CodeInvalidPhone,
				Message: "must be a phone number in international form, such as +44 20 7946 0958",
				Params:  map[string]any{"expected": "E.164"}}
		}
		return p, nil
	case "strip_control":
		return StripControl(s), nil
	case "strip_tags":
		return StripTags(s), nil
	case "html_escape":
		return HTMLEscape(s), nil
	}
	return s, nil
}

// parseOps parses the tag value of kind ("normalize" or "sanitize").
func parseOps(kind, tag string) ([]textOp, error) {
	var ops []textOp
	for item := range strings.SplitSeq(tag, ",") {
		name, arg, hasArg := strings.Cut(strings.TrimSpace(item), "=")
		op := textOp{name: name}
		known := false
		switch kind {
		case "normalize":
			switch name {
			case "trim", "collapse", "lower", "upper", "nfc", "email":
				known = !hasArg
			case "e164":
				known = !hasArg || isCountryCode(arg)
				op.cc = arg
			}
		case "sanitize":
			switch name {
			case "strip_control", "strip_tags", "html_escape":
				known = !hasArg
			}
		}
		if !known {
			return nil, fmt.Errorf("unknown %s operation %q", kind, item)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// cleanCache maps a struct reflect.Type to its *cleanPlan; like typeCache
// it holds only facts derived from immutable types.
var cleanCache sync.Map

// cleanPlan is what normalizing a struct type takes.
type cleanPlan struct {
	fields []cleanField
	err    error
}

// cleanField is one exported field of a struct.
type cleanField struct {
	index []int
	seg   string // the pointer segments the field adds, "" for an embedded struct
	ops   []textOp
}

func cleanPlanOf(t reflect.Type) *cleanPlan {
	if p, ok := cleanCache.Load(t); ok {
		return p.(*cleanPlan)
	}
	p := &cleanPlan{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() && !sf.Anonymous {
			continue
		}
		f := cleanField{index: sf.Index, seg: pointerSegment(sf)}
		for _, kind := range [...]string{"normalize", "sanitize"} {
			tag, ok := sf.Tag.Lookup(kind)
			if !ok {
				continue
			}
			ops, err := parseOps(kind, tag)
			if err != nil {
				p.err = fmt.Errorf("validate: field %s.%s: %w", t, sf.Name, err)
				break
			}
			f.ops = append(f.ops, ops...)
		}
		if p.err != nil {
			break
		}
		if !sf.IsExported() && len(f.ops) > 0 {
			p.err = fmt.Errorf("validate: field %s.%s has a normalize or sanitize tag but is not exported", t, sf.Name)
			break
		}
		if !sf.IsExported() && sf.Type.Kind() != reflect.Struct {
			continue
		}
		p.fields = append(p.fields, f)
	}
	got, _ := cleanCache.LoadOrStore(t, p)
	return got.(*cleanPlan)
}

// pointerSegment returns the pointer segments of the field sf, escaped.
func pointerSegment(sf reflect.StructField) string {
	for _, src := range [...]string{sourceQuery, sourcePath, sourceHeader} {
		if tag, ok := sf.Tag.Lookup(src); ok {
			if name, _, _ := strings.Cut(tag, ","); name != "" && name != "-" {
				return "/" + src + "/" + string(appendPointerToken(nil, name))
			}
		}
	}
	for _, key := range [...]string{"json", "xml", "form"} {
		if name, _, _ := strings.Cut(sf.Tag.Get(key), ","); name != "" && name != "-" {
			if key == "xml" {
				// "a>b" nests elements.
				name = strings.ReplaceAll(name, ">", "/")
				return "/" + name
			}
			return "/" + string(appendPointerToken(nil, name))
		}
	}
	if sf.Anonymous {
		return ""
	}
	return "/" + string(appendPointerToken(nil, sf.Name))
}

// normalizer walks a value and collects the violations.
type normalizer struct {
	violations []errors.Violation
}

// walk applies ops to the strings of v, which is at pointer path, and the
// tags of the structs below it.
func (n *normalizer) walk(v reflect.Value, ops []textOp, path string, depth int) error {
	if depth > maxNormalizeDepth {
		return fmt.Errorf("validate: Normalize found values nested deeper than %d at %s: a cycle?", maxNormalizeDepth, path)
	}
	switch v.Kind() {
	case reflect.String:
		if len(ops) == 0 || !v.CanSet() {
			return nil
		}
		s := v.String()
		for _, op := range ops {
			var verr *CoerceError
			if s, verr = op.apply(s); verr != nil {
				n.violations = append(n.violations, errors.Violation{Pointer: path, Code: verr.Code,
					Message: verr.Message, Params: verr.Params})
				return nil
			}
		}
		v.SetString(s)
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		e := v.Elem()
		if v.Kind() == reflect.Interface && e.Kind() != reflect.Pointer {
			return nil // not settable
		}
		return n.walk(e, ops, path, depth+1)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return nil
		}
		for i := range v.Len() {
			if err := n.walk(v.Index(i), ops, path+"/"+strconv.Itoa(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.IsNil() || !needsWork(v.Type().Elem(), len(ops) > 0) {
			return nil
		}
		keys := v.MapKeys()
		for _, k := range keys {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			seg := fmt.Sprint(k.Interface())
			if err := n.walk(e, ops, path+"/"+string(appendPointerToken(nil, seg)), depth+1); err != nil {
				return err
			}
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		t := v.Type()
		if t.Implements(optionalMarkerType) {
			if !v.Field(1).Bool() { // Set
				return nil
			}
			return n.walk(v.Field(0), ops, path, depth+1)
		}
		p := cleanPlanOf(t)
		if p.err != nil {
			return p.err
		}
		for _, f := range p.fields {
			fv := v.FieldByIndex(f.index)
			if !needsWork(fv.Type(), len(f.ops) > 0) {
				continue
			}
			if err := n.walk(fv, f.ops, path+f.seg, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// needsWork reports whether a value of type t can hold a string that ops
// apply to (hasOps) or a struct field with a tag, so that values without
// either are not walked.
func needsWork(t reflect.Type, hasOps bool) bool {
	key := needsKey{t, hasOps}
	if b, ok := needsCache.Load(key); ok {
		return b.(bool)
	}
	// Only the answer for the outermost type is cached: inside, a type met
	// again counts as holding nothing, which is right only as seen from
	// the outermost one.
	b := typeNeedsWork(t, hasOps, map[reflect.Type]bool{})
	needsCache.Store(key, b)
	return b
}

// needsCache maps a needsKey to the bool needsWork returns for it.
var needsCache sync.Map

type needsKey struct {
	t      reflect.Type
	hasOps bool
}

func typeNeedsWork(t reflect.Type, hasOps bool, seen map[reflect.Type]bool) bool {
	switch t.Kind() {
	case reflect.String:
		return hasOps
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return false
		}
		return typeNeedsWork(t.Elem(), hasOps, seen)
	case reflect.Struct:
		if t.Implements(optionalMarkerType) {
			return typeNeedsWork(t.Field(0).Type, hasOps, seen)
		}
		if seen[t] {
			return false // already being looked at higher up
		}
		seen[t] = true
		p := cleanPlanOf(t)
		if p.err != nil {
			return true // walk it, to report the error
		}
		for _, f := range p.fields {
			if typeNeedsWork(t.Field(f.index[0]).Type, len(f.ops) > 0, seen) {
				return true
			}
		}
	}
	return false
}
