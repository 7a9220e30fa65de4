package schema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

// CodeValidationFailed is the code of the 422 problem a [Schema] returns
// when a document does not match it, the same as package validate's. Each
// of its violations carries a code of its own named for the keyword that
// failed; see the package documentation.
const CodeValidationFailed = validate.CodeValidationFailed

const (
	// codeNotAllowed is the code of a value a false schema refuses, where
	// the false schema is not the value of a keyword that names the
	// failure better (additionalProperties, items, ...).
	codeNotAllowed = "not_allowed"
	// maxParamBytes is the largest JSON encoding of a keyword's value
	// (an enum's list, a const, a pattern) copied into a violation's
	// params.
	maxParamBytes = 512
	// maxShown is the longest number or pattern written into a message.
	maxShown = 64
)

// falseKeywords are the keywords whose value, when the schema false,
// names the failure of a value it refuses.
var falseKeywords = []string{
	"additionalProperties", "unevaluatedProperties", "items", "additionalItems",
	"unevaluatedItems", "propertyNames", "contains",
}

// collapsed are the keywords reported as one violation rather than by the
// failures beneath them: the failures of every alternative of an anyOf
// would contradict one another.
var collapsed = []string{"anyOf", "oneOf", "minContains"}

// problem turns a validation error tree into one 422 problem.
func (s *Schema) problem(doc any, ve *jsonschema.ValidationError) *errors.Error {
	m := mapper{s: s, doc: doc, seen: map[string]bool{}}
	m.walk(ve)
	vs := m.out
	slices.SortStableFunc(vs, compareViolations)
	msg := "The request body does not match the schema."
	if n := len(vs); n > s.maxViolations {
		vs = vs[:s.maxViolations]
		msg = fmt.Sprintf("The request body does not match the schema: %d violations, the first %d listed.", n, s.maxViolations)
	}
	return errors.Unprocessable("%s", msg).WithCode(CodeValidationFailed).WithViolations(vs...)
}

// mapper flattens a validation error tree into violations.
type mapper struct {
	s    *Schema
	doc  any
	seen map[string]bool
	out  []errors.Violation
}

func (m *mapper) walk(ve *jsonschema.ValidationError) {
	if len(ve.Causes) > 0 && !slices.Contains(collapsed, lastToken(ve.KeywordLocation)) {
		for _, c := range ve.Causes {
			m.walk(c)
		}
		return
	}
	m.leaf(ve)
}

func (m *mapper) add(v errors.Violation) {
	key := v.Pointer + "\x00" + v.Code + "\x00" + v.Message
	if m.seen[key] {
		return
	}
	m.seen[key] = true
	m.out = append(m.out, v)
}

// leaf maps one failed keyword to its violations.
func (m *mapper) leaf(ve *jsonschema.ValidationError) {
	ptr := toPointer(ve.InstanceLocation)
	sch, kw := m.s.find(ve.AbsoluteKeywordLocation)
	if sch == nil {
		m.add(errors.Violation{Pointer: ptr, Code: orDefault(lastToken(ve.KeywordLocation), codeNotAllowed), Message: "is invalid"})
		return
	}
	if kw == "" && (sch.Always == nil || *sch.Always) {
		// A keyword whose value is a schema, such as not, failed: its
		// location is the location of that schema.
		kw = lastToken(sch.Location)
	}
	keyword, rest, _ := strings.Cut(kw, "/")
	v := errors.Violation{Pointer: ptr, Code: keyword}
	switch keyword {
	case "":
		// The schema false refused the value.
		v.Code, v.Message = codeNotAllowed, "is not allowed"
		if k := lastToken(sch.Location); slices.Contains(falseKeywords, k) {
			v.Code = k
		}
	case "type":
		v.Message = "must be " + typeList(sch.Types)
		v.Params = map[string]any{"expected": sch.Types, "actual": jsonType(resolve(m.doc, ptr))}
	case "const":
		v.Message = "must be equal to the allowed value"
		if len(sch.Constant) > 0 {
			v.Params = smallParam("value", sch.Constant[0])
		}
	case "enum":
		v.Message = "must be one of the allowed values"
		v.Params = smallParam("allowed", sch.Enum)
	case "format":
		v.Message = "must be a valid " + sch.Format
		v.Params = map[string]any{"format": sch.Format}
	case "required":
		obj, _ := resolve(m.doc, ptr).(map[string]any)
		for _, p := range sch.Required {
			if _, ok := obj[p]; !ok {
				m.add(errors.Violation{Pointer: ptr + "/" + escapeToken(p), Code: "required", Message: "is required",
					Params: map[string]any{"property": p}})
			}
		}
		return
	case "dependentRequired", "dependencies":
		// kw is dependentRequired/<property>/<index>.
		d, idx, _ := strings.Cut(rest, "/")
		d = unescapeToken(d)
		i, _ := strconv.Atoi(idx)
		var list []string
		if keyword == "dependencies" {
			list, _ = sch.Dependencies[d].([]string)
		} else {
			list = sch.DependentRequired[d]
		}
		if i < 0 || i >= len(list) {
			v.Message = "is invalid"
			break
		}
		p := list[i]
		v.Pointer = ptr + "/" + escapeToken(p)
		v.Message = "is required when " + strconv.Quote(d) + " is present"
		v.Params = map[string]any{"property": p, "dependency": d}
	case "additionalProperties":
		obj, _ := resolve(m.doc, ptr).(map[string]any)
		for p := range obj {
			if !declared(sch, p) {
				m.add(errors.Violation{Pointer: ptr + "/" + escapeToken(p), Code: keyword, Message: "is not allowed"})
			}
		}
		return
	case "minProperties":
		v.Message = fmt.Sprintf("must have at least %d %s", sch.MinProperties, plural(sch.MinProperties, "property", "properties"))
		v.Params = map[string]any{"min": sch.MinProperties}
	case "maxProperties":
		v.Message = fmt.Sprintf("must have at most %d %s", sch.MaxProperties, plural(sch.MaxProperties, "property", "properties"))
		v.Params = map[string]any{"max": sch.MaxProperties}
	case "minItems":
		v.Message = fmt.Sprintf("must have at least %d %s", sch.MinItems, plural(sch.MinItems, "item", "items"))
		v.Params = map[string]any{"min": sch.MinItems}
	case "maxItems":
		v.Message = fmt.Sprintf("must have at most %d %s", sch.MaxItems, plural(sch.MaxItems, "item", "items"))
		v.Params = map[string]any{"max": sch.MaxItems}
	case "additionalItems":
		n := 0
		if items, ok := sch.Items.([]*jsonschema.Schema); ok {
			n = len(items)
		}
		v.Message = fmt.Sprintf("must have at most %d %s", n, plural(n, "item", "items"))
		v.Params = map[string]any{"max": n}
	case "uniqueItems":
		v.Message = "must not hold the same item twice"
		var i, j int
		if _, err := fmt.Sscanf(ve.Message, "items at index %d and %d are equal", &i, &j); err == nil {
			v.Params = map[string]any{"indexes": []int{i, j}}
		}
	case "minContains":
		if sch.MinContains == 1 {
			v.Code, v.Message = "contains", "must hold at least one matching item"
		} else {
			v.Message = fmt.Sprintf("must hold at least %d matching items", sch.MinContains)
		}
		v.Params = map[string]any{"min": sch.MinContains}
	case "maxContains":
		v.Message = fmt.Sprintf("must hold at most %d matching %s", sch.MaxContains, plural(sch.MaxContains, "item", "items"))
		v.Params = map[string]any{"max": sch.MaxContains}
	case "minLength":
		v.Message = fmt.Sprintf("must be at least %d %s long", sch.MinLength, plural(sch.MinLength, "character", "characters"))
		v.Params = map[string]any{"min": sch.MinLength}
	case "maxLength":
		v.Message = fmt.Sprintf("must be at most %d %s long", sch.MaxLength, plural(sch.MaxLength, "character", "characters"))
		v.Params = map[string]any{"max": sch.MaxLength}
	case "pattern":
		p := sch.Pattern.String()
		v.Message = "must match the required pattern"
		if len(p) <= maxShown {
			v.Message = "must match the pattern " + p
		}
		v.Params = smallParam("pattern", p)
	case "minimum":
		v.Message, v.Params = bound("must be at least ", "min", sch.Minimum, false)
	case "exclusiveMinimum":
		v.Message, v.Params = bound("must be greater than ", "min", sch.ExclusiveMinimum, true)
	case "maximum":
		v.Message, v.Params = bound("must be at most ", "max", sch.Maximum, false)
	case "exclusiveMaximum":
		v.Message, v.Params = bound("must be less than ", "max", sch.ExclusiveMaximum, true)
	case "multipleOf":
		v.Message, v.Params = bound("must be a multiple of ", "multipleOf", sch.MultipleOf, false)
	case "not":
		v.Message = "must not match the excluded schema"
	case "anyOf":
		v.Message = "must match at least one of the allowed schemas"
	case "oneOf":
		v.Message = "must match exactly one of the allowed schemas"
		var i, j int
		if _, err := fmt.Sscanf(ve.Message, "valid against schemas at indexes %d and %d", &i, &j); err == nil {
			v.Message += ", and matches more than one"
			v.Params = map[string]any{"matched": []int{i, j}}
		}
	case "contentEncoding":
		v.Message = "must be " + sch.ContentEncoding + "-encoded"
		v.Params = map[string]any{"encoding": sch.ContentEncoding}
	case "contentMediaType":
		v.Message = "must hold " + sch.ContentMediaType + " content"
		v.Params = map[string]any{"media_type": sch.ContentMediaType}
	default:
		v.Message = "is invalid"
	}
	m.add(v)
}

// find returns the subschema whose keyword failed at the absolute keyword
// location loc, and the keyword path below it: the longest prefix of loc,
// cut at a slash, that locates a subschema.
func (s *Schema) find(loc string) (*jsonschema.Schema, string) {
	for i := len(loc); i > 0; i = strings.LastIndexByte(loc[:i], '/') {
		if sch, ok := s.locs[loc[:i]]; ok {
			return sch, strings.TrimPrefix(loc[i:], "/")
		}
	}
	return nil, ""
}

// declared reports whether the property p is one of sch's properties or
// matches one of its patternProperties, as additionalProperties counts.
func declared(sch *jsonschema.Schema, p string) bool {
	if _, ok := sch.Properties[p]; ok {
		return true
	}
	for re := range sch.PatternProperties {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}

// bound returns the message and params of a numeric keyword of value r.
func bound(prefix, param string, r *big.Rat, exclusive bool) (string, map[string]any) {
	n := ratNumber(r)
	shown := string(n)
	if len(shown) > maxShown {
		f, _ := r.Float64()
		shown = strconv.FormatFloat(f, 'g', 6, 64)
	}
	p := map[string]any{param: n}
	if exclusive {
		p["exclusive"] = true
	}
	return prefix + shown, p
}

// ratNumber writes r exactly as a JSON number. The rationals of a schema
// come from decimal literals, so their denominators divide a power of ten.
func ratNumber(r *big.Rat) json.Number {
	if r.IsInt() {
		return json.Number(r.Num().String())
	}
	d := new(big.Int).Set(r.Denom())
	digits := 0
	ten, two, five, zero := big.NewInt(10), big.NewInt(2), big.NewInt(5), new(big.Int)
	for d.Cmp(big.NewInt(1)) != 0 {
		mod := new(big.Int)
		switch {
		case mod.Mod(d, ten).Cmp(zero) == 0:
			d.Quo(d, ten)
		case mod.Mod(d, two).Cmp(zero) == 0:
			d.Quo(d, two)
		case mod.Mod(d, five).Cmp(zero) == 0:
			d.Quo(d, five)
		default:
			f, _ := r.Float64()
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
		digits++
	}
	return json.Number(r.FloatString(digits))
}

// smallParam returns {name: v} when v encodes to a short JSON text, else
// nil: params repeat the schema, not the body, but stay small.
func smallParam(name string, v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil || len(b) > maxParamBytes {
		return nil
	}
	return map[string]any{name: v}
}

// typeList writes JSON Schema type names as a phrase: "a string",
// "an integer or null".
func typeList(types []string) string {
	parts := make([]string, len(types))
	for i, t := range types {
		switch t {
		case "null":
			parts[i] = "null"
		case "integer", "object", "array":
			parts[i] = "an " + t
		default:
			parts[i] = "a " + t
		}
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			return "number"
		}
		return "integer"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// toPointer turns a location of the schema library, whose tokens are
// escaped as RFC 6901 says and then as URL paths are, into an RFC 6901
// JSON Pointer.
func toPointer(loc string) string {
	if loc == "" {
		return ""
	}
	toks := strings.Split(loc, "/")
	for i, t := range toks {
		if u, err := url.PathUnescape(t); err == nil {
			toks[i] = u
		}
	}
	return strings.Join(toks, "/")
}

// lastToken returns the last token of a location, unescaped.
func lastToken(loc string) string {
	i := strings.LastIndexByte(loc, '/')
	if i < 0 {
		return ""
	}
	return unescapeToken(loc[i+1:])
}

// unescapeToken undoes the URL and RFC 6901 escaping of one token.
func unescapeToken(t string) string {
	if u, err := url.PathUnescape(t); err == nil {
		t = u
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

// escapeToken escapes a property name as an RFC 6901 token.
func escapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}

// joinPointer joins escaped tokens into a JSON Pointer.
func joinPointer(toks []string) string {
	if len(toks) == 0 {
		return ""
	}
	return "/" + strings.Join(toks, "/")
}

// resolve returns the value the JSON Pointer ptr locates in doc, or nil.
func resolve(doc any, ptr string) any {
	if ptr == "" {
		return doc
	}
	for t := range strings.SplitSeq(ptr[1:], "/") {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		switch v := doc.(type) {
		case map[string]any:
			doc = v[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			doc = v[i]
		default:
			return nil
		}
	}
	return doc
}

// describe names a pointer in a sentence.
func describe(ptr string) string {
	if ptr == "" {
		return "the document root"
	}
	if len(ptr) > 2*maxShown {
		return strings.ToValidUTF8(ptr[:2*maxShown], "") + "…"
	}
	return ptr
}

// compareViolations orders violations by pointer, array indices compared
// as numbers, then by code and message.
func compareViolations(a, b errors.Violation) int {
	if c := comparePointers(a.Pointer, b.Pointer); c != 0 {
		return c
	}
	if c := strings.Compare(a.Code, b.Code); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}

func comparePointers(a, b string) int {
	for a != "" && b != "" {
		var ta, tb string
		ta, a = nextToken(a)
		tb, b = nextToken(b)
		if ta == tb {
			continue
		}
		na, ea := strconv.ParseUint(ta, 10, 64)
		nb, eb := strconv.ParseUint(tb, 10, 64)
		if ea == nil && eb == nil && na != nb {
			if na < nb {
				return -1
			}
			return 1
		}
		return strings.Compare(ta, tb)
	}
	return strings.Compare(a, b)
}

// nextToken splits the first token off the pointer p ("/a/b" gives "a",
// "/b").
func nextToken(p string) (string, string) {
	p = p[1:]
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}
