package validate_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/keel-go/keel/validate"
)

// FuzzTags checks that any tag is either accepted or rejected with a
// "validate: " error, never a panic, and that an accepted one checks.
func FuzzTags(f *testing.F) {
	for _, s := range []string{"required,min=3,max=50", "pattern=[a-z]\\,x", "oneof=a b", "eqfield=B", "required_if=B x", ",,", "min=", "\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		typ := reflect.StructOf([]reflect.StructField{
			{Name: "A", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`json:"a" validate:` + strconv.Quote(tag))},
			{Name: "B", Type: reflect.TypeFor[string]()},
		})
		r, err := validate.NewRules(validate.RulesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.CheckType(typ); err != nil {
			if !strings.HasPrefix(err.Error(), "validate: ") {
				t.Fatalf("CheckType(%q) = %v, want a validate: error", tag, err)
			}
			return
		}
		_ = r.Check(t.Context(), reflect.New(typ).Interface())
	})
}
