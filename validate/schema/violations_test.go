package schema_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate/schema"
)

// mustCompile compiles src for a test.
func mustCompile(tb testing.TB, src string, opts schema.Options) *schema.Schema {
	tb.Helper()
	s, err := schema.Compile("test.json", []byte(src), opts)
	if err != nil {
		tb.Fatalf("Compile(%s) = %v", src, err)
	}
	return s
}

// problemOf returns the *errors.Error err holds, failing unless it has the
// status want.
func problemOf(tb testing.TB, err error, status int) *errors.Error {
	tb.Helper()
	e, ok := errors.AsType[*errors.Error](err)
	if !ok {
		tb.Fatalf("error = %v (%T), want an *errors.Error", err, err)
	}
	if got := e.StatusCode(); got != status {
		tb.Fatalf("status = %d (%v), want %d", got, e, status)
	}
	return e
}

// violations returns the violations of the 422 problem s reports for doc.
func violations(tb testing.TB, s *schema.Schema, doc string) []errors.Violation {
	tb.Helper()
	e := problemOf(tb, s.ValidateJSON([]byte(doc)), http.StatusUnprocessableEntity)
	if e.Code() != schema.CodeValidationFailed {
		tb.Fatalf("code = %q, want %q", e.Code(), schema.CodeValidationFailed)
	}
	return e.Violations()
}

// v is a violation as a test expects it; a nil params is not compared,
// and a message of "" is not compared.
type v struct {
	pointer, code, message string
	params                 map[string]any
}

func TestKeywords(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		opts   schema.Options
		doc    string
		want   []v
	}{
		{
			name:   "type",
			schema: `{"properties":{"age":{"type":"integer"}}}`,
			doc:    `{"age":"ten"}`,
			want:   []v{{"/age", "type", "must be an integer", map[string]any{"expected": []any{"integer"}, "actual": "string"}}},
		},
		{
			name:   "type list",
			schema: `{"type":["string","null"]}`,
			doc:    `1.5`,
			want:   []v{{"", "type", "must be a string or null", map[string]any{"expected": []any{"string", "null"}, "actual": "number"}}},
		},
		{
			name:   "required points at the missing property",
			schema: `{"properties":{"address":{"type":"object","required":["city","zip","street"]}}}`,
			doc:    `{"address":{"zip":"75001"}}`,
			want: []v{
				{"/address/city", "required", "is required", map[string]any{"property": "city"}},
				{"/address/street", "required", "is required", map[string]any{"property": "street"}},
			},
		},
		{
			name:   "required name with a slash",
			schema: `{"required":["a/b","c~d"]}`,
			doc:    `{}`,
			want:   []v{{"/a~1b", "required", "", nil}, {"/c~0d", "required", "", nil}},
		},
		{
			name:   "minLength",
			schema: `{"properties":{"name":{"minLength":3}}}`,
			doc:    `{"name":"ab"}`,
			want:   []v{{"/name", "minLength", "must be at least 3 characters long", map[string]any{"min": float64(3)}}},
		},
		{
			name:   "maxLength counts characters",
			schema: `{"maxLength":1}`,
			doc:    `"éé"`,
			want:   []v{{"", "maxLength", "must be at most 1 character long", map[string]any{"max": float64(1)}}},
		},
		{
			name:   "minimum",
			schema: `{"minimum":1}`,
			doc:    `0`,
			want:   []v{{"", "minimum", "must be at least 1", map[string]any{"min": float64(1)}}},
		},
		{
			name:   "exclusiveMaximum",
			schema: `{"exclusiveMaximum":2.5}`,
			doc:    `2.5`,
			want:   []v{{"", "exclusiveMaximum", "must be less than 2.5", map[string]any{"max": 2.5, "exclusive": true}}},
		},
		{
			name:   "exclusiveMinimum",
			schema: `{"exclusiveMinimum":0}`,
			doc:    `0`,
			want:   []v{{"", "exclusiveMinimum", "must be greater than 0", nil}},
		},
		{
			name:   "maximum",
			schema: `{"maximum":10}`,
			doc:    `11`,
			want:   []v{{"", "maximum", "must be at most 10", map[string]any{"max": float64(10)}}},
		},
		{
			name:   "multipleOf is exact",
			schema: `{"multipleOf":0.01}`,
			doc:    `0.015`,
			want:   []v{{"", "multipleOf", "must be a multiple of 0.01", map[string]any{"multipleOf": 0.01}}},
		},
		{
			name:   "pattern",
			schema: `{"pattern":"^[a-z]+$"}`,
			doc:    `"ABC"`,
			want:   []v{{"", "pattern", "must match the pattern ^[a-z]+$", map[string]any{"pattern": "^[a-z]+$"}}},
		},
		{
			name:   "enum",
			schema: `{"enum":["red","green"]}`,
			doc:    `"blue"`,
			want:   []v{{"", "enum", "must be one of the allowed values", map[string]any{"allowed": []any{"red", "green"}}}},
		},
		{
			name:   "const",
			schema: `{"const":"yes"}`,
			doc:    `"no"`,
			want:   []v{{"", "const", "must be equal to the allowed value", map[string]any{"value": "yes"}}},
		},
		{
			name:   "format email",
			schema: `{"properties":{"email":{"format":"email"}}}`,
			doc:    `{"email":"not-an-address"}`,
			want:   []v{{"/email", "format", "must be a valid email", map[string]any{"format": "email"}}},
		},
		{
			name:   "format date-time",
			schema: `{"format":"date-time"}`,
			doc:    `"2026-11-27 10:00"`,
			want:   []v{{"", "format", "must be a valid date-time", nil}},
		},
		{
			name:   "format uuid",
			schema: `{"format":"uuid"}`,
			doc:    `"123e4567-e89b-12d3-a456"`,
			want:   []v{{"", "format", "must be a valid uuid", nil}},
		},
		{
			name:   "additionalProperties points at each extra property",
			schema: `{"properties":{"a":{}},"patternProperties":{"^x-":{}},"additionalProperties":false}`,
			doc:    `{"a":1,"x-ok":2,"b":3,"c/d":4}`,
			want:   []v{{"/b", "additionalProperties", "is not allowed", nil}, {"/c~1d", "additionalProperties", "is not allowed", nil}},
		},
		{
			name:   "additionalProperties schema",
			schema: `{"additionalProperties":{"type":"integer"}}`,
			doc:    `{"a":1,"b":"x"}`,
			want:   []v{{"/b", "type", "", nil}},
		},
		{
			name:   "nested arrays with indices",
			schema: `{"properties":{"lines":{"type":"array","items":{"type":"object","required":["sku"],"properties":{"qty":{"type":"integer","minimum":1}}}}}}`,
			doc:    `{"lines":[{"sku":"a","qty":1},{"qty":0},{"sku":"c","qty":2},{"sku":"d"},{"sku":"e"},{"sku":"f"},{"sku":"g"},{"sku":"h"},{"sku":"i"},{"sku":"j"},{"sku":"k","qty":-1}]}`,
			want:   []v{{"/lines/1/qty", "minimum", "", nil}, {"/lines/1/sku", "required", "", nil}, {"/lines/10/qty", "minimum", "", nil}},
		},
		{
			name:   "minItems",
			schema: `{"minItems":2}`,
			doc:    `[1]`,
			want:   []v{{"", "minItems", "must have at least 2 items", map[string]any{"min": float64(2)}}},
		},
		{
			name:   "maxItems",
			schema: `{"maxItems":1}`,
			doc:    `[1,2]`,
			want:   []v{{"", "maxItems", "must have at most 1 item", map[string]any{"max": float64(1)}}},
		},
		{
			name:   "uniqueItems",
			schema: `{"uniqueItems":true}`,
			doc:    `[1,2,1.0]`,
			want:   []v{{"", "uniqueItems", "must not hold the same item twice", map[string]any{"indexes": []any{float64(0), float64(2)}}}},
		},
		{
			name:   "minProperties",
			schema: `{"minProperties":1}`,
			doc:    `{}`,
			want:   []v{{"", "minProperties", "must have at least 1 property", nil}},
		},
		{
			name:   "maxProperties",
			schema: `{"maxProperties":1}`,
			doc:    `{"a":1,"b":2}`,
			want:   []v{{"", "maxProperties", "must have at most 1 property", nil}},
		},
		{
			name:   "dependentRequired",
			schema: `{"dependentRequired":{"card":["billing"]}}`,
			doc:    `{"card":"4111"}`,
			want:   []v{{"/billing", "dependentRequired", `is required when "card" is present`, map[string]any{"property": "billing", "dependency": "card"}}},
		},
		{
			name:   "contains",
			schema: `{"contains":{"const":"admin"}}`,
			doc:    `["user","guest"]`,
			want:   []v{{"", "contains", "must hold at least one matching item", nil}},
		},
		{
			name:   "minContains",
			schema: `{"contains":{"type":"integer"},"minContains":2}`,
			doc:    `[1,"a"]`,
			want:   []v{{"", "minContains", "must hold at least 2 matching items", nil}},
		},
		{
			name:   "anyOf is one violation",
			schema: `{"anyOf":[{"type":"string"},{"type":"integer"}]}`,
			doc:    `true`,
			want:   []v{{"", "anyOf", "must match at least one of the allowed schemas", nil}},
		},
		{
			name:   "oneOf matching two",
			schema: `{"oneOf":[{"type":"integer"},{"minimum":0}]}`,
			doc:    `1`,
			want:   []v{{"", "oneOf", "must match exactly one of the allowed schemas, and matches more than one", nil}},
		},
		{
			name:   "not",
			schema: `{"not":{"const":"root"}}`,
			doc:    `"root"`,
			want:   []v{{"", "not", "must not match the excluded schema", nil}},
		},
		{
			name:   "false schema",
			schema: `{"properties":{"admin":false}}`,
			doc:    `{"admin":true}`,
			want:   []v{{"/admin", "not_allowed", "is not allowed", nil}},
		},
		{
			name:   "unevaluatedProperties",
			schema: `{"allOf":[{"properties":{"a":{}}}],"unevaluatedProperties":false}`,
			doc:    `{"a":1,"b":2}`,
			want:   []v{{"/b", "unevaluatedProperties", "is not allowed", nil}},
		},
		{
			name:   "prefixItems and items false",
			schema: `{"prefixItems":[{"type":"string"}],"items":false}`,
			doc:    `["a",1]`,
			want:   []v{{"/1", "items", "is not allowed", nil}},
		},
		{
			name:   "if then",
			schema: `{"if":{"properties":{"country":{"const":"US"}},"required":["country"]},"then":{"required":["zip"]}}`,
			doc:    `{"country":"US"}`,
			want:   []v{{"/zip", "required", "", nil}},
		},
		{
			name:   "ref to defs",
			schema: `{"$defs":{"qty":{"type":"integer","maximum":99}},"properties":{"qty":{"$ref":"#/$defs/qty"}}}`,
			doc:    `{"qty":100}`,
			want:   []v{{"/qty", "maximum", "", nil}},
		},
		{
			name:   "keys needing escapes",
			schema: `{"properties":{"a b":{"type":"string"},"x~y":{"type":"string"},"p%q":{"type":"string"}}}`,
			doc:    `{"a b":1,"x~y":1,"p%q":1}`,
			want:   []v{{"/a b", "type", "", nil}, {"/p%q", "type", "", nil}, {"/x~0y", "type", "", nil}},
		},
		{
			name:   "several violations sorted and de-duplicated",
			schema: `{"allOf":[{"required":["a"]},{"required":["a"]}],"properties":{"b":{"type":"string","minLength":2}}}`,
			doc:    `{"b":1}`,
			want:   []v{{"/a", "required", "", nil}, {"/b", "type", "", nil}},
		},
		{
			name:   "draft 7 from $schema: tuple items",
			schema: `{"$schema":"http://json-schema.org/draft-07/schema#","items":[{"type":"string"}],"additionalItems":false}`,
			doc:    `["a",1]`,
			want:   []v{{"", "additionalItems", "must have at most 1 item", map[string]any{"max": float64(1)}}},
		},
		{
			name:   "draft 7 from $schema: format",
			schema: `{"$schema":"http://json-schema.org/draft-07/schema#","format":"email"}`,
			doc:    `"nope"`,
			want:   []v{{"", "format", "", nil}},
		},
		{
			name:   "draft 7 default: dependencies",
			schema: `{"dependencies":{"card":["billing"]}}`,
			opts:   schema.Options{Draft: schema.Draft7},
			doc:    `{"card":"4111"}`,
			want:   []v{{"/billing", "dependencies", "", map[string]any{"property": "billing", "dependency": "card"}}},
		},
		{
			name:   "draft 7 default: exclusiveMinimum",
			schema: `{"exclusiveMinimum":5}`,
			opts:   schema.Options{Draft: schema.Draft7},
			doc:    `5`,
			want:   []v{{"", "exclusiveMinimum", "", nil}},
		},
		{
			name:   "draft 7 asserts content",
			schema: `{"properties":{"a":{"contentEncoding":"base64"},"b":{"contentMediaType":"application/json"}}}`,
			opts:   schema.Options{Draft: schema.Draft7},
			doc:    `{"a":"%%%","b":"{"}`,
			want: []v{
				{"/a", "contentEncoding", "must be base64-encoded", map[string]any{"encoding": "base64"}},
				{"/b", "contentMediaType", "must hold application/json content", nil},
			},
		},
		{
			name:   "draft 7 contains",
			schema: `{"contains":{"const":1}}`,
			opts:   schema.Options{Draft: schema.Draft7},
			doc:    `[2]`,
			want:   []v{{"", "contains", "", nil}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustCompile(t, tt.schema, tt.opts)
			got := violations(t, s, tt.doc)
			if len(got) != len(tt.want) {
				t.Fatalf("ValidateJSON(%s) violations = %+v, want %+v", tt.doc, got, tt.want)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Pointer != w.pointer || g.Code != w.code || (w.message != "" && g.Message != w.message) {
					t.Errorf("violation %d = %q %q %q, want %q %q %q", i, g.Pointer, g.Code, g.Message, w.pointer, w.code, w.message)
				}
				if w.params != nil {
					if got := roundTrip(t, g.Params); !reflect.DeepEqual(got, w.params) {
						t.Errorf("violation %d params = %#v, want %#v", i, got, w.params)
					}
				}
			}
		})
	}
}

// roundTrip returns params as a client reads them: encoded to JSON and
// decoded again.
func roundTrip(tb testing.TB, params map[string]any) map[string]any {
	tb.Helper()
	b, err := json.Marshal(params)
	if err != nil {
		tb.Fatalf("json.Marshal(%v) = %v", params, err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatalf("json.Unmarshal(%s) = %v", b, err)
	}
	return out
}

func TestValid(t *testing.T) {
	tests := []struct {
		name, schema, doc string
	}{
		{"object", `{"type":"object","required":["a"],"properties":{"a":{"type":"string","minLength":1}}}`, `{"a":"x"}`},
		{"format date-time", `{"format":"date-time"}`, `"2026-11-27T10:00:00Z"`},
		{"format email", `{"format":"email"}`, `"ada@example.com"`},
		{"format uuid", `{"format":"uuid"}`, `"123e4567-e89b-12d3-a456-426614174000"`},
		{"unknown format is not asserted", `{"format":"int64"}`, `"anything"`},
		{"content is an annotation", `{"contentEncoding":"base64","contentMediaType":"application/json"}`, `"%%% not base64"`},
		{"integer written with a fraction", `{"type":"integer"}`, `2.0`},
		{"big integer", `{"type":"integer"}`, `123456789012345678901234567890`},
		{"exponent in range", `{"maximum":1e300}`, `1e299`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustCompile(t, tt.schema, schema.Options{})
			if err := s.ValidateJSON([]byte(tt.doc)); err != nil {
				t.Errorf("ValidateJSON(%s) = %v, want nil", tt.doc, err)
			}
		})
	}
}

func TestExactNumbers(t *testing.T) {
	// Both bodies are the same float64: only exact comparison tells them
	// apart.
	s := mustCompile(t, `{"maximum":18446744073709551615}`, schema.Options{})
	if err := s.ValidateJSON([]byte(`18446744073709551615`)); err != nil {
		t.Errorf("ValidateJSON(2^64-1) = %v, want nil", err)
	}
	got := violations(t, s, `18446744073709551616`)
	if len(got) != 1 || got[0].Code != "maximum" {
		t.Fatalf("ValidateJSON(2^64) violations = %+v, want one maximum", got)
	}
	if max := got[0].Params["max"]; max != json.Number("18446744073709551615") {
		t.Errorf("params max = %#v, want the exact bound", max)
	}

	s = mustCompile(t, `{"multipleOf":0.1}`, schema.Options{})
	if err := s.ValidateJSON([]byte(`0.3`)); err != nil {
		t.Errorf("ValidateJSON(0.3) against multipleOf 0.1 = %v, want nil", err)
	}
}

func TestBadDocuments(t *testing.T) {
	s := mustCompile(t, `{"type":"integer","maximum":5}`, schema.Options{})
	tests := []struct {
		name, doc, code, pointer string
	}{
		{"malformed", `{"a":`, "truncated_body", ""},
		{"syntax", `{"a" 1}`, "malformed_json", ""},
		{"empty", ` `, "empty_body", ""},
		{"trailing", `1 2`, "trailing_data", ""},
		{"huge exponent", `1e100000000`, "out_of_range", ""},
		{"huge exponent with zeros", `[1e-00000000000000001000000]`, "out_of_range", "/0"},
		{"long number", `{"a":[` + "1" + strings.Repeat("0", 1000) + `]}`, "out_of_range", "/a/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := problemOf(t, s.ValidateJSON([]byte(tt.doc)), http.StatusBadRequest)
			if e.Code() != tt.code {
				t.Errorf("ValidateJSON(%.40q) code = %q, want %q", tt.doc, e.Code(), tt.code)
			}
			if vs := e.Violations(); len(vs) > 0 && vs[0].Pointer != tt.pointer {
				t.Errorf("ValidateJSON(%.40q) pointer = %q, want %q", tt.doc, vs[0].Pointer, tt.pointer)
			}
		})
	}
}

func TestMaxViolations(t *testing.T) {
	s := mustCompile(t, `{"items":{"type":"string"}}`, schema.Options{MaxViolations: 3})
	e := problemOf(t, s.ValidateJSON([]byte(`[1,2,3,4,5,6,7,8,9,10,11]`)), http.StatusUnprocessableEntity)
	vs := e.Violations()
	var ptrs []string
	for _, v := range vs {
		ptrs = append(ptrs, v.Pointer)
	}
	if want := []string{"/0", "/1", "/2"}; !reflect.DeepEqual(ptrs, want) {
		t.Errorf("pointers = %q, want %q", ptrs, want)
	}
	if want := "The request body does not match the schema: 11 violations, the first 3 listed."; e.Message() != want {
		t.Errorf("message = %q, want %q", e.Message(), want)
	}
}

// TestMessagesDoNotEcho checks that no violation repeats the value that
// failed.
func TestMessagesDoNotEcho(t *testing.T) {
	s := mustCompile(t, `{"properties":{"a":{"format":"email","maxLength":5,"enum":["x"],"pattern":"^x$"}}}`, schema.Options{})
	secret := "topsecret-" + strings.Repeat("z", 100)
	for _, v := range violations(t, s, `{"a":"`+secret+`"}`) {
		b, _ := json.Marshal(v)
		if strings.Contains(string(b), "topsecret") {
			t.Errorf("violation %s echoes the value", b)
		}
	}
}
