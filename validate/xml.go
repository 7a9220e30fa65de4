package validate

import (
	"bytes"
	"encoding"
	"encoding/xml"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/keel-go/keel/errors"
)

// CodeMalformedXML is the code of a body that is not well-formed XML, or
// declares an encoding other than UTF-8.
const CodeMalformedXML = "malformed_xml"

// xmlTypeCache maps a reflect.Type to its *xmlInfo; see typeCache.
var xmlTypeCache sync.Map

// xmlInfo describes which child elements a Go type takes in XML.
type xmlInfo struct {
	kind   kind
	bits   int
	t      reflect.Type
	open   bool                 // children are not checked
	fields map[string]*xmlField // kStruct: element name → field
}

// xmlField is one element a struct takes: its type, and whether it
// repeats (a slice field).
type xmlField struct {
	info   *xmlInfo
	repeat bool
}

var xmlUnmarshalerType = reflect.TypeFor[xml.Unmarshaler]()

func xmlInfoOf(t reflect.Type) *xmlInfo {
	if xi, ok := xmlTypeCache.Load(t); ok {
		return xi.(*xmlInfo)
	}
	built := make(map[reflect.Type]*xmlInfo)
	xi := buildXMLInfo(t, built)
	for k, v := range built {
		xmlTypeCache.LoadOrStore(k, v)
	}
	return xi
}

func buildXMLInfo(t reflect.Type, built map[reflect.Type]*xmlInfo) *xmlInfo {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if xi, ok := built[t]; ok {
		return xi
	}
	xi := &xmlInfo{t: t}
	built[t] = xi
	switch {
	case t.Implements(optionalMarkerType):
		inner := buildXMLInfo(reflect.Zero(t).Interface().(optionalMarker).optionalElem(), built)
		*xi = *inner
		return xi
	case reflect.PointerTo(t).Implements(xmlUnmarshalerType):
		xi.kind, xi.open = kOpaque, true
		return xi
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		xi.kind = kText
		return xi
	}
	switch t.Kind() {
	case reflect.Struct:
		xi.kind = kStruct
		xi.fields = make(map[string]*xmlField)
		collectXMLFields(t, xi, built)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		xi.kind, xi.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		xi.kind, xi.bits = kUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		xi.kind, xi.bits = kFloat, t.Bits()
	case reflect.Bool:
		xi.kind = kBool
	case reflect.String:
		xi.kind = kString
	default:
		xi.kind, xi.open = kAny, true
	}
	return xi
}

func collectXMLFields(t reflect.Type, xi *xmlInfo, built map[reflect.Type]*xmlInfo) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("xml")
		if tag == "-" || sf.Name == "XMLName" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if _, local, ok := strings.Cut(name, " "); ok {
			name = local
		}
		ft := sf.Type
		if sf.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				collectXMLFields(et, xi, built)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		switch {
		case hasOption(opts, "attr"), hasOption(opts, "chardata"), hasOption(opts, "cdata"), hasOption(opts, "comment"):
			continue
		case hasOption(opts, "any"), hasOption(opts, "innerxml"):
			xi.open = true
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if first, _, ok := strings.Cut(name, ">"); ok {
			xi.fields[first] = &xmlField{info: &xmlInfo{kind: kAny, open: true}}
			continue
		}
		f := &xmlField{}
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8 {
			f.repeat = true
			ft = ft.Elem()
		}
		f.info = buildXMLInfo(ft, built)
		if _, ok := xi.fields[name]; !ok {
			xi.fields[name] = f
		}
	}
}

// xmlFrame is one open element.
type xmlFrame struct {
	name   string
	index  int // among the elements of a repeated field, or -1
	info   *xmlInfo
	text   []byte
	counts map[string]int // children seen, by name
}

// decodeXML checks data against the limits and the target's fields, then
// decodes it with encoding/xml.
func (d *Decoder) decodeXML(data []byte, v any) error {
	if err := d.checkXML(data, xmlInfoOf(reflect.TypeOf(v).Elem())); err != nil {
		return err
	}
	err := xml.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*errors.Error](err); ok {
		return e
	}
	return errors.E(http.StatusBadRequest, CodeInvalidValue, "The request body holds a value that cannot be decoded.").WithCause(err)
}

func (d *Decoder) checkXML(data []byte, root *xmlInfo) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []xmlFrame
	rootDone := false
	pointer := func(extra ...string) string {
		var b []byte
		for i, f := range stack {
			if i == 0 {
				continue // the root element is the document itself
			}
			b = append(b, '/')
			b = appendPointerToken(b, f.name)
			if f.index >= 0 {
				b = append(b, '/')
				b = strconv.AppendInt(b, int64(f.index), 10)
			}
		}
		for _, e := range extra {
			b = append(b, '/')
			b = appendPointerToken(b, e)
		}
		return string(b)
	}
	fail := func(code, msg string, extra ...string) error {
		return (&scanError{code: code, msg: msg, pointer: pointer(extra...), offset: int(dec.InputOffset())}).problem()
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if !rootDone {
				return errors.E(http.StatusBadRequest, errors.CodeEmptyBody, "The request body holds no XML element.")
			}
			return nil
		}
		if err != nil {
			msg := "not well-formed XML"
			if se, ok := errors.AsType[*xml.SyntaxError](err); ok {
				msg = "not well-formed XML (line " + strconv.Itoa(se.Line) + ")"
			}
			return (&scanError{code: CodeMalformedXML, msg: msg, pointer: pointer(), offset: int(dec.InputOffset())}).problem().WithCause(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rootDone {
				return fail(CodeTrailingData, "unexpected element after the root element")
			}
			if len(stack) >= d.opts.MaxDepth {
				return fail(CodeTooDeep, "elements nest deeper than "+strconv.Itoa(d.opts.MaxDepth)+" levels")
			}
			for _, a := range t.Attr {
				if len(a.Value) > d.opts.MaxStringBytes {
					return fail(CodeStringTooLong, "an attribute value is longer than "+strconv.Itoa(d.opts.MaxStringBytes)+" bytes")
				}
			}
			f := xmlFrame{name: t.Name.Local, index: -1, info: &xmlInfo{kind: kAny, open: true}}
			if len(stack) == 0 {
				f.info = root
			} else {
				p := &stack[len(stack)-1]
				if p.counts == nil {
					p.counts = make(map[string]int)
				}
				seen := p.counts[f.name]
				if seen >= d.opts.MaxArrayLen {
					return fail(CodeArrayTooLong, "an element repeats more than "+strconv.Itoa(d.opts.MaxArrayLen)+" times", f.name)
				}
				p.counts[f.name] = seen + 1
				if p.info.kind == kStruct && !p.info.open {
					field, ok := p.info.fields[t.Name.Local]
					switch {
					case ok:
						f.info = field.info
						if field.repeat {
							f.index = seen
						}
					case !d.opts.AllowUnknownFields:
						return fail(CodeUnknownField, "unknown element "+clipQuote(t.Name.Local), t.Name.Local)
					}
				}
			}
			stack = append(stack, f)
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			f := &stack[len(stack)-1]
			if len(f.text)+len(t) > d.opts.MaxStringBytes {
				return fail(CodeStringTooLong, "a text is longer than "+strconv.Itoa(d.opts.MaxStringBytes)+" bytes")
			}
			if f.info.kind != kStruct && f.info.kind != kAny && f.info.kind != kOpaque {
				f.text = append(f.text, t...)
			}
		case xml.EndElement:
			f := &stack[len(stack)-1]
			if err := checkXMLText(f); err != nil {
				return fail(err.code, err.msg)
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				rootDone = true
			}
		}
	}
}

// checkXMLText checks the text of a leaf element against its type, as
// encoding/xml will read it.
func checkXMLText(f *xmlFrame) *scanError {
	s := strings.TrimSpace(string(f.text))
	switch f.info.kind {
	case kInt, kUint, kFloat, kBool:
		if s == "" {
			return nil // encoding/xml leaves the zero value
		}
		return checkScalar(s, f.info.kind, f.info.bits)
	case kText:
		tu := reflect.New(f.info.t).Interface().(encoding.TextUnmarshaler)
		if err := tu.UnmarshalText(f.text); err != nil {
			return &scanError{code: CodeInvalidValue, msg: "is not a valid value"}
		}
	}
	return nil
}

// checkScalar checks the text s of a form value or XML element against a
// number or boolean kind.
func checkScalar(s string, k kind, bits int) *scanError {
	switch k {
	case kBool:
		if _, ok := parseBool(s); !ok {
			return &scanError{code: CodeInvalidType, msg: "must be true, false, 1 or 0", params: map[string]any{"expected": "boolean"}}
		}
	case kInt:
		if _, err := strconv.ParseInt(s, 10, bits); err != nil {
			if isRange(err) {
				lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
				return &scanError{code: CodeOutOfRange, msg: "must be between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10)}
			}
			return &scanError{code: CodeInvalidType, msg: "must be an integer", params: map[string]any{"expected": "integer"}}
		}
	case kUint:
		if _, err := strconv.ParseUint(s, 10, bits); err != nil {
			if isRange(err) || strings.HasPrefix(s, "-") {
				return &scanError{code: CodeOutOfRange, msg: "must be between 0 and " + strconv.FormatUint(1<<bits-1, 10)}
			}
			return &scanError{code: CodeInvalidType, msg: "must be an integer", params: map[string]any{"expected": "integer"}}
		}
	case kFloat:
		if _, err := strconv.ParseFloat(s, bits); err != nil {
			if isRange(err) {
				return &scanError{code: CodeOutOfRange, msg: "is out of the range of a " + strconv.Itoa(bits) + "-bit floating-point number"}
			}
			return &scanError{code: CodeInvalidType, msg: "must be a number", params: map[string]any{"expected": "number"}}
		}
	}
	return nil
}

func isRange(err error) bool {
	ne, ok := errors.AsType[*strconv.NumError](err)
	return ok && ne.Err == strconv.ErrRange
}
