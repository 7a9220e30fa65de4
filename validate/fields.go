package validate

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Codes of the violations the typed check of a JSON body reports.
const (
	CodeUnknownField = "unknown_field" // a key no field of the target takes
	CodeCaseMismatch = "case_mismatch" // a key that matches a field only when case is ignored
	CodeOutOfRange   = "out_of_range"  // a number the target's type cannot hold
	CodeInvalidType  = "invalid_type"  // a value of the wrong JSON type for the target
	CodeInvalidValue = "invalid_value" // a value the target's own decoding method refuses
)

// typeCache maps a reflect.Type to its *typeInfo. Like encoding/json's own
// field cache it holds only facts derived from immutable types, so sharing
// it between decoders is safe and changes no behaviour.
var typeCache sync.Map

// kind is how the typed check treats a target type.
type kind uint8

const (
	kAny      kind = iota // anything goes: interface{}, unknown kinds
	kOpaque               // a json.Unmarshaler other than keel's own types
	kPtr                  // a pointer: check against elem
	kOptional             // Optional[T]: check against elem
	kStruct               // object with known keys
	kMap                  // object with any keys, values against elem
	kSlice                // array, elements against elem
	kBytes                // base64 string
	kString               // string
	kText                 // encoding.TextUnmarshaler: string
	kBool                 // true or false
	kInt                  // integer of bits
	kUint                 // unsigned integer of bits
	kFloat                // number of bits
	kTime                 // validate.Time
	kDate                 // validate.Date
	kDuration             // validate.Duration
	kQuoted               // a number or boolean inside a string (the ",string" option)
)

// typeInfo describes what JSON a Go type accepts, as far as encoding/json's
// decoding goes.
type typeInfo struct {
	kind   kind
	bits   int
	t      reflect.Type
	elem   *typeInfo
	fields map[string]*typeInfo // kStruct: JSON name → field type
	names  []string             // kStruct: JSON names, in field order
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	optionalMarkerType  = reflect.TypeFor[optionalMarker]()
	timeType            = reflect.TypeFor[Time]()
	dateType            = reflect.TypeFor[Date]()
	durationType        = reflect.TypeFor[Duration]()
	jsonNumberType      = reflect.TypeFor[json.Number]()
)

// anyInfo describes the value of an ignored unknown key. It is never
// modified.
var anyInfo = &typeInfo{kind: kAny}

// infoOf returns the cached description of t, building it on first use.
func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	built := make(map[reflect.Type]*typeInfo)
	ti := buildInfo(t, built)
	for k, v := range built {
		typeCache.LoadOrStore(k, v)
	}
	return ti
}

func buildInfo(t reflect.Type, built map[reflect.Type]*typeInfo) *typeInfo {
	if ti, ok := built[t]; ok {
		return ti
	}
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{t: t}
	built[t] = ti
	switch {
	case t == timeType:
		ti.kind = kTime
		return ti
	case t == dateType:
		ti.kind = kDate
		return ti
	case t == durationType:
		ti.kind = kDuration
		return ti
	case t == jsonNumberType:
		ti.kind = kAny // a number, or a string holding one
		return ti
	case t.Implements(optionalMarkerType):
		ti.kind = kOptional
		ti.elem = buildInfo(reflect.Zero(t).Interface().(optionalMarker).optionalElem(), built)
		return ti
	case t.Kind() != reflect.Pointer && (t.Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(jsonUnmarshalerType)):
		ti.kind = kOpaque
		return ti
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textUnmarshalerType):
		ti.kind = kText
		return ti
	}
	switch t.Kind() {
	case reflect.Pointer:
		ti.kind = kPtr
		ti.elem = buildInfo(t.Elem(), built)
	case reflect.Struct:
		ti.kind = kStruct
		ti.fields = make(map[string]*typeInfo)
		depth := make(map[string]int)
		collectFields(t, 0, ti, depth, built, map[reflect.Type]bool{})
	case reflect.Map:
		ti.kind = kMap
		ti.elem = buildInfo(t.Elem(), built)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(jsonUnmarshalerType) &&
			!reflect.PointerTo(t.Elem()).Implements(textUnmarshalerType) {
			ti.kind = kBytes // a base64 string, or an array of bytes
			ti.elem = buildInfo(t.Elem(), built)
			return ti
		}
		ti.kind = kSlice
		ti.elem = buildInfo(t.Elem(), built)
	case reflect.Array:
		ti.kind = kSlice
		ti.elem = buildInfo(t.Elem(), built)
	case reflect.String:
		ti.kind = kString
	case reflect.Bool:
		ti.kind = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		ti.kind, ti.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		ti.kind, ti.bits = kUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		ti.kind, ti.bits = kFloat, t.Bits()
	default:
		ti.kind = kAny
	}
	return ti
}

// collectFields adds the JSON fields of struct t, found at embedding depth
// d, to ti. As in encoding/json, a field of a shallower depth hides one of
// the same name deeper down; of two at the same depth the first is kept.
func collectFields(t reflect.Type, d int, ti *typeInfo, depth map[string]int, built map[reflect.Type]*typeInfo, seen map[reflect.Type]bool) {
	if seen[t] {
		return
	}
	seen[t] = true
	var embedded []reflect.Type
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := sf.Type
		if sf.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				embedded = append(embedded, et)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if prev, ok := depth[name]; ok && prev <= d {
			continue
		}
		depth[name] = d
		var fi *typeInfo
		if hasOption(opts, "string") {
			fi = quotedInfo(ft, built)
		} else {
			fi = buildInfo(ft, built)
		}
		if _, ok := ti.fields[name]; !ok {
			ti.names = append(ti.names, name)
		}
		ti.fields[name] = fi
	}
	for _, et := range embedded {
		collectFields(et, d+1, ti, depth, built, seen)
	}
}

// quotedInfo describes a field with the ",string" option, which takes its
// number or boolean inside a JSON string.
func quotedInfo(t reflect.Type, built map[reflect.Type]*typeInfo) *typeInfo {
	inner := t
	if inner.Kind() == reflect.Pointer {
		inner = inner.Elem()
	}
	ei := buildInfo(inner, built)
	switch ei.kind {
	case kInt, kUint, kFloat, kBool:
		return &typeInfo{kind: kQuoted, t: t, elem: ei}
	}
	return &typeInfo{kind: kAny, t: t}
}

func hasOption(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// seg is one step of the path of the value a walker is at.
type seg struct {
	isIndex  bool
	index    int
	keyStart int
	keyEnd   int
	keyEsc   bool
}

// edit replaces data[start:end] by text before the typed decode.
type edit struct {
	start, end int
	text       string
}

// walker checks a JSON document that passed the scan against a target
// type, in one pass over the bytes and without reflection on values: keys
// must match the target's JSON field names exactly, and every value must
// have a JSON type and a range the field can take. It also collects the
// rewrites of times that the decoder's time options ask for.
type walker struct {
	data  []byte
	opts  *Options
	path  []seg
	edits []edit
	// verify, set only after encoding/json failed, makes the walker run
	// the UnmarshalJSON and UnmarshalText methods of opaque targets on
	// fresh values to find the one that refuses its input.
	verify bool
	buf    []byte
	segArr [16]seg
}

func (w *walker) fail(code, msg string, offset int, params map[string]any) *scanError {
	return &scanError{code: code, msg: msg, pointer: w.pointer(), offset: offset, params: params}
}

func (w *walker) pointer() string {
	var b []byte
	for _, s := range w.path {
		b = append(b, '/')
		if s.isIndex {
			b = strconv.AppendInt(b, int64(s.index), 10)
			continue
		}
		raw := w.data[s.keyStart:s.keyEnd]
		if s.keyEsc {
			raw = appendUnescaped(nil, raw)
		}
		b = appendPointerToken(b, string(raw))
	}
	return string(b)
}

func (w *walker) typeError(i int, want string) *scanError {
	got := jsonTypeAt(w.data[i])
	return w.fail(CodeInvalidType, "must be "+article(want)+" "+want+", not "+article(got)+" "+got, i,
		map[string]any{"expected": want, "actual": got})
}

// check walks the value at data[i] against ti and returns the offset after it.
func (w *walker) value(i int, ti *typeInfo) (int, *scanError) {
	d := w.data
	c := d[i]
	if c == 'n' { // encoding/json leaves the target as it is on null
		if ti.kind == kOpaque && w.verify {
			if err := w.verifyOpaque(i, i+4, ti); err != nil {
				return i, err
			}
		}
		return i + 4, nil
	}
	switch ti.kind {
	case kPtr, kOptional:
		return w.value(i, ti.elem)
	case kAny:
		return skipValue(d, i), nil
	case kOpaque:
		end := skipValue(d, i)
		if w.verify {
			return end, w.verifyOpaque(i, end, ti)
		}
		return end, nil
	case kStruct:
		if c != '{' {
			return i, w.typeError(i, "object")
		}
		return w.object(i, ti)
	case kMap:
		if c != '{' {
			return i, w.typeError(i, "object")
		}
		return w.object(i, ti)
	case kBytes:
		if c == '[' {
			return w.array(i, ti)
		}
	case kSlice:
		if c != '[' {
			return i, w.typeError(i, "array")
		}
		return w.array(i, ti)
	case kBool:
		if c != 't' && c != 'f' {
			return i, w.typeError(i, "boolean")
		}
		return skipValue(d, i), nil
	case kInt, kUint, kFloat:
		if c != '-' && !isDigit(c) {
			want := "number"
			if ti.kind != kFloat {
				want = "integer"
			}
			return i, w.typeError(i, want)
		}
		return w.number(i, ti)
	}
	// The rest take a string.
	if c != '"' {
		return i, w.typeError(i, "string")
	}
	end := skipString(d, i)
	switch ti.kind {
	case kBytes:
		raw := d[i+1 : end-1]
		var err error
		w.buf, err = base64.StdEncoding.AppendDecode(w.buf[:0], w.unescape(raw))
		if err != nil {
			return i, w.fail(CodeInvalidValue, "must be base64-encoded bytes", i, nil)
		}
	case kText:
		if w.verify {
			tu := reflect.New(ti.t).Interface().(encoding.TextUnmarshaler)
			if tu.UnmarshalText(w.unescape(d[i+1:end-1])) != nil {
				return i, w.fail(CodeInvalidValue, "is not a valid value", i, nil)
			}
		}
	case kTime, kDate, kDuration:
		if err := w.timeValue(i, end, ti.kind); err != nil {
			return i, err
		}
	case kQuoted:
		if err := checkScalar(string(w.unescape(d[i+1:end-1])), ti.elem.kind, ti.elem.bits); err != nil {
			return i, w.fail(err.code, err.msg+" inside a string", i, err.params)
		}
	}
	return end, nil
}

// unescape returns the decoded text of the raw string body raw, in w.buf
// when it has escapes.
func (w *walker) unescape(raw []byte) []byte {
	if !containsByte(raw, '\\') {
		return raw
	}
	w.buf = appendUnescaped(w.buf[:0], raw)
	return w.buf
}

func (w *walker) verifyOpaque(i, end int, ti *typeInfo) *scanError {
	u, ok := reflect.New(ti.t).Interface().(json.Unmarshaler)
	if !ok {
		return nil
	}
	if err := u.UnmarshalJSON(w.data[i:end]); err != nil {
		return w.fail(CodeInvalidValue, "is not a valid value", i, nil)
	}
	return nil
}

func (w *walker) number(i int, ti *typeInfo) (int, *scanError) {
	d := w.data
	end := i
	integer := true
	for end < len(d) && (isDigit(d[end]) || d[end] == '-' || d[end] == '+' || d[end] == '.' || d[end] == 'e' || d[end] == 'E') {
		if d[end] == '.' || d[end] == 'e' || d[end] == 'E' {
			integer = false
		}
		end++
	}
	num := string(d[i:end]) // does not escape: the strconv functions copy on error
	switch ti.kind {
	case kInt:
		if !integer {
			return i, w.typeError2(i, "integer", "a number with a fraction or an exponent")
		}
		if _, err := strconv.ParseInt(num, 10, ti.bits); err != nil {
			lo, hi := int64(-1)<<(ti.bits-1), int64(1)<<(ti.bits-1)-1
			return i, w.rangeError(i, strconv.FormatInt(lo, 10), strconv.FormatInt(hi, 10))
		}
	case kUint:
		if !integer {
			return i, w.typeError2(i, "integer", "a number with a fraction or an exponent")
		}
		if _, err := strconv.ParseUint(num, 10, ti.bits); err != nil {
			return i, w.rangeError(i, "0", strconv.FormatUint(math.MaxUint64>>(64-ti.bits), 10))
		}
	case kFloat:
		if _, err := strconv.ParseFloat(num, ti.bits); err != nil {
			return i, w.fail(CodeOutOfRange, "is out of the range of a "+strconv.Itoa(ti.bits)+"-bit floating-point number", i,
				map[string]any{"bits": ti.bits})
		}
	}
	return end, nil
}

func (w *walker) typeError2(i int, want, got string) *scanError {
	return w.fail(CodeInvalidType, "must be "+article(want)+" "+want+", not "+got, i,
		map[string]any{"expected": want, "actual": "number"})
}

func (w *walker) rangeError(i int, lo, hi string) *scanError {
	return w.fail(CodeOutOfRange, "must be between "+lo+" and "+hi, i, map[string]any{"min": lo, "max": hi})
}

func (w *walker) object(i int, ti *typeInfo) (int, *scanError) {
	d := w.data
	i = skipWS(d, i+1)
	if d[i] == '}' {
		return i + 1, nil
	}
	w.path = append(w.path, seg{})
	top := len(w.path) - 1
	for {
		end := skipString(d, i)
		raw := d[i+1 : end-1]
		esc := containsByte(raw, '\\')
		w.path[top] = seg{keyStart: i + 1, keyEnd: end - 1, keyEsc: esc}
		keyAt := i
		i = skipWS(d, skipWS(d, end)+1)
		elem := ti.elem
		if ti.kind == kStruct {
			key := raw
			if esc {
				key = appendUnescaped(nil, raw)
			}
			fi, ok := ti.fields[string(key)]
			if !ok {
				if name, folded := foldMatch(ti.names, string(key)); folded {
					return keyAt, w.fail(CodeCaseMismatch, "unknown key "+clipQuote(string(key))+": keys are case-sensitive and the field is "+clipQuote(name), keyAt,
						map[string]any{"field": name})
				}
				if !w.opts.AllowUnknownFields {
					return keyAt, w.fail(CodeUnknownField, "unknown key "+clipQuote(string(key)), keyAt, nil)
				}
				fi = anyInfo
			}
			elem = fi
		}
		var err *scanError
		if i, err = w.value(i, elem); err != nil {
			return i, err
		}
		i = skipWS(d, i)
		if d[i] == '}' {
			w.path = w.path[:top]
			return i + 1, nil
		}
		i = skipWS(d, i+1) // the comma
	}
}

func (w *walker) array(i int, ti *typeInfo) (int, *scanError) {
	d := w.data
	i = skipWS(d, i+1)
	if d[i] == ']' {
		return i + 1, nil
	}
	w.path = append(w.path, seg{isIndex: true})
	top := len(w.path) - 1
	for n := 0; ; n++ {
		w.path[top].index = n
		var err *scanError
		if i, err = w.value(i, ti.elem); err != nil {
			return i, err
		}
		i = skipWS(d, i)
		if d[i] == ']' {
			w.path = w.path[:top]
			return i + 1, nil
		}
		i = skipWS(d, i+1)
	}
}

// timeValue checks the string data[i:end] against a time kind, and
// records a rewrite when the decoder's time options change its text.
func (w *walker) timeValue(i, end int, k kind) *scanError {
	text := string(w.unescape(w.data[i+1 : end-1]))
	switch k {
	case kDate:
		if _, err := ParseDate(text); err != nil {
			return w.fail(CodeInvalidDate, err.Error(), i, nil)
		}
	case kDuration:
		if _, err := ParseDuration(text); err != nil {
			return w.fail(CodeInvalidDuration, err.Error(), i, nil)
		}
	case kTime:
		t, custom, err := parseTime(text, w.opts.TimeLayouts)
		if err != nil {
			return w.fail(CodeInvalidTime, err.Error(), i, map[string]any{"layouts": w.opts.timeLayoutNames()})
		}
		utc := w.opts.TimeZone == TimeZoneUTC && t.Location() != time.UTC
		if custom || utc {
			if w.opts.TimeZone == TimeZoneUTC {
				t = t.UTC()
			}
			w.edits = append(w.edits, edit{start: i, end: end, text: strconv.Quote(t.Format(time.RFC3339Nano))})
		}
	}
	return nil
}

// applyEdits returns data with the walker's rewrites applied.
func applyEdits(data []byte, edits []edit) []byte {
	out := make([]byte, 0, len(data)+16*len(edits))
	last := 0
	for _, e := range edits {
		out = append(out, data[last:e.start]...)
		out = append(out, e.text...)
		last = e.end
	}
	return append(out, data[last:]...)
}

// foldMatch returns the name in names equal to key under Unicode case
// folding, the way encoding/json matches keys.
func foldMatch(names []string, key string) (string, bool) {
	for _, n := range names {
		if strings.EqualFold(n, key) {
			return n, true
		}
	}
	return "", false
}

// skipValue returns the offset after the valid JSON value at d[i].
func skipValue(d []byte, i int) int {
	switch d[i] {
	case '"':
		return skipString(d, i)
	case '{', '[':
		depth := 0
		for ; i < len(d); i++ {
			switch d[i] {
			case '"':
				i = skipString(d, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(d) && isWordByte(d[i]) || i < len(d) && (d[i] == '-' || d[i] == '+' || d[i] == '.') {
		i++
	}
	return i
}

// skipString returns the offset after the valid JSON string at d[i].
func skipString(d []byte, i int) int {
	for i++; i < len(d); i++ {
		switch d[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

func jsonTypeAt(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
