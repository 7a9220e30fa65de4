package validate_test

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/keel-go/keel/validate"
)

var errEmpty = errors.New("empty")

// TestBooleansAgree checks that every text input (query binding, forms,
// XML) reads the same booleans the same way.
func TestBooleansAgree(t *testing.T) {
	dec, err := validate.NewDecoder(validate.Options{Formats: []validate.Format{validate.FormatJSON, validate.FormatXML, validate.FormatForm}})
	if err != nil {
		t.Fatal(err)
	}
	type target struct {
		On bool `json:"on" form:"on" xml:"on"`
	}
	for _, tt := range []struct {
		in   string
		want bool
		ok   bool
	}{
		{"true", true, true}, {"TRUE", true, true}, {"True", true, true}, {"1", true, true},
		{"false", false, true}, {"FALSE", false, true}, {"False", false, true}, {"0", false, true},
		{"t", false, false}, {"yes", false, false}, {"tRuE", false, false}, {"2", false, false}, {"", false, false},
	} {
		var q bool
		qerr := validate.Coerce(&q, tt.in)

		var f target
		r := httptest.NewRequest("POST", "/", strings.NewReader(url.Values{"on": {tt.in}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		ferr := dec.Decode(r, &f)

		var x target
		r = httptest.NewRequest("POST", "/", strings.NewReader("<target><on>"+tt.in+"</on></target>"))
		r.Header.Set("Content-Type", "application/xml")
		xerr := dec.Decode(r, &x)

		if tt.in == "" {
			// An empty XML element leaves the zero value, as encoding/xml
			// does for every scalar: it says nothing, it is not a value.
			if xerr != nil || x.On {
				t.Errorf("xml empty element = %v, %v; want false, nil", x.On, xerr)
			}
			xerr = errEmpty
		}
		for name, got := range map[string]struct {
			v   bool
			err error
		}{"query": {q, qerr}, "form": {f.On, ferr}, "xml": {x.On, xerr}} {
			if (got.err == nil) != tt.ok || tt.ok && got.v != tt.want {
				t.Errorf("%s %q = %v, %v; want %v, ok %v", name, tt.in, got.v, got.err, tt.want, tt.ok)
			}
		}
	}
}
