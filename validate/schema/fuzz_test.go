package schema_test

import (
	"net/http"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate/schema"
)

// FuzzValidateJSON feeds arbitrary bytes to ValidateJSON: it never panics,
// and returns nil or a 4xx *errors.Error.
func FuzzValidateJSON(f *testing.F) {
	for _, s := range []string{
		`{"email":"ada@example.com","lines":[{"sku":"A1","qty":2}]}`,
		`{"email":"nope","lines":[{"sku":"","qty":0}],"x":1}`,
		`{"lines":[{"qty":1e400},{"qty":-0.5},{"qty":18446744073709551616}]}`,
		`{"a b":1,"c/d":[1,1],"e~f":{"":null}}`, `[1e100000000]`, `1 2`, `{`, ``, `"\ud800"`,
	} {
		f.Add([]byte(s))
	}
	s := mustCompile(f, `{
		"type": "object",
		"required": ["email", "lines"],
		"properties": {
			"email": {"type": "string", "format": "email"},
			"when": {"format": "date-time"},
			"id": {"format": "uuid"},
			"kind": {"enum": ["a", "b", 1, null]},
			"ratio": {"type": "number", "multipleOf": 0.01, "exclusiveMaximum": 1e20},
			"tags": {"type": "array", "uniqueItems": true, "maxItems": 5, "contains": {"type": "string"}},
			"lines": {"type": "array", "items": {"$ref": "#/$defs/line"}},
			"any": {"anyOf": [{"type": "integer"}, {"pattern": "^x"}]},
			"one": {"oneOf": [{"type": "integer"}, {"minimum": 0}]}
		},
		"patternProperties": {"^x-": {"type": "string"}},
		"additionalProperties": {"type": ["integer", "array", "object", "null"], "items": {"type": "integer"}},
		"dependentRequired": {"kind": ["id"]},
		"$defs": {"line": {"type": "object", "required": ["sku"], "properties": {
			"sku": {"type": "string", "minLength": 1, "maxLength": 8},
			"qty": {"type": "integer", "minimum": 1, "maximum": 18446744073709551615}
		}, "unevaluatedProperties": false}}
	}`, schema.Options{MaxViolations: 10})
	f.Fuzz(func(t *testing.T, raw []byte) {
		err := s.ValidateJSON(raw)
		if err == nil {
			return
		}
		e, ok := errors.AsType[*errors.Error](err)
		if !ok {
			t.Fatalf("ValidateJSON(%q) = %v (%T), want nil or an *errors.Error", raw, err, err)
		}
		if st := e.StatusCode(); st != http.StatusBadRequest && st != http.StatusUnprocessableEntity {
			t.Fatalf("ValidateJSON(%q) status = %d, want 400 or 422", raw, st)
		}
		if len(e.Violations()) > 10 {
			t.Fatalf("ValidateJSON(%q) has %d violations, want at most 10", raw, len(e.Violations()))
		}
	})
}
