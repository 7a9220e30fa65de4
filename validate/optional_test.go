package validate_test

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/keel-go/keel/validate"
)

type patch struct {
	Name  validate.Optional[string] `json:"name" xml:"name"`
	Age   validate.Optional[int]    `json:"age" xml:"age"`
	Admin validate.Optional[bool]   `json:"admin" xml:"admin"`
}

func TestOptionalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want patch
	}{
		{`{}`, patch{}},
		{`{"name":null}`, patch{Name: validate.Null[string]()}},
		{`{"name":""}`, patch{Name: validate.Some("")}},
		{`{"age":0,"admin":false}`, patch{Age: validate.Some(0), Admin: validate.Some(false)}},
		{`{"name":"Ada","age":36}`, patch{Name: validate.Some("Ada"), Age: validate.Some(36)}},
	}
	d := newDecoder(t, validate.Options{})
	for _, tt := range tests {
		var got patch
		if err := d.DecodeJSON(t.Context(), []byte(tt.in), &got); err != nil {
			t.Fatalf("DecodeJSON(%s) = %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("DecodeJSON(%s) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestOptionalUnmarshalResets(t *testing.T) {
	o := validate.Some("old")
	if err := json.Unmarshal([]byte(`null`), &o); err != nil {
		t.Fatal(err)
	}
	if o != validate.Null[string]() {
		t.Errorf("Unmarshal(null) over a value = %+v, want null", o)
	}
	if err := json.Unmarshal([]byte(`"new"`), &o); err != nil {
		t.Fatal(err)
	}
	if o != validate.Some("new") {
		t.Errorf("Unmarshal(\"new\") over null = %+v, want a value", o)
	}
}

func TestOptionalGet(t *testing.T) {
	tests := []struct {
		o      validate.Optional[int]
		want   int
		wantOK bool
	}{
		{validate.Optional[int]{}, 0, false},
		{validate.Null[int](), 0, false},
		{validate.Some(0), 0, true},
		{validate.Some(7), 7, true},
	}
	for _, tt := range tests {
		if got, ok := tt.o.Get(); got != tt.want || ok != tt.wantOK {
			t.Errorf("%+v.Get() = %d, %t, want %d, %t", tt.o, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestOptionalMarshalJSON(t *testing.T) {
	type out struct {
		A validate.Optional[int] `json:"a,omitzero"`
		B validate.Optional[int] `json:"b,omitzero"`
		C validate.Optional[int] `json:"c"`
		D validate.Optional[int] `json:"d"`
	}
	b, err := json.Marshal(out{B: validate.Null[int](), C: validate.Some(0)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"b":null,"c":0,"d":null}`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
}

func TestOptionalXML(t *testing.T) {
	type doc struct {
		XMLName xml.Name `xml:"patch"`
		patch
	}
	in := `<patch xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><name xsi:nil="true"/><age>0</age></patch>`
	var got doc
	if err := xml.Unmarshal([]byte(in), &got); err != nil {
		t.Fatal(err)
	}
	if want := (patch{Name: validate.Null[string](), Age: validate.Some(0)}); got.patch != want {
		t.Errorf("xml.Unmarshal = %+v, want %+v", got.patch, want)
	}
	out, err := xml.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.Contains(s, `<age>0</age>`) || !strings.Contains(s, `xsi:nil="true"`) || strings.Contains(s, "admin") {
		t.Errorf("xml.Marshal = %s, want age 0, a nil name and no admin", s)
	}
}
