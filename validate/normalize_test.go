package validate_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

func TestNormalizeE164(t *testing.T) {
	tests := []struct {
		in, cc string
		want   string // "" means an error
	}{
		{"+44 20 7946 0958", "", "+442079460958"},
		{"+44 (0)20 7946 0958", "", "+4402079460958"}, // the (0) is not removed: only a national number loses its trunk 0
		{"0044 20 7946 0958", "", "+442079460958"},
		{"020 7946 0958", "44", "+442079460958"},
		{"(020) 7946-0958", "44", "+442079460958"},
		{"20.7946.0958", "44", "+442079460958"},
		{"+1 (415) 555-2671", "44", "+14155552671"},
		{"415-555-2671", "1", "+14155552671"},
		{"06 12 34 56 78", "33", "+33612345678"},
		{"+49\u00a030\u00a0901820", "", "+4930901820"},
		{"020 7946 0958", "", ""},           // national without a default country
		{"+44 20 7946 0958 ext 12", "", ""}, // letters
		{"+44 20 +7946 0958", "", ""},       // a second +
		{"44+2079460958", "", ""},           // a + inside
		{"+0 123 456 789", "", ""},          // country code 0
		{"+44 123", "", ""},                 // too short
		{"+290 1234", "", "+2901234"},       // Saint Helena: 7 digits, the shortest in service
		{"+29 0123", "", ""},                // 6 digits
		{"+44 1234 5678 9012 34", "", ""},   // 16 digits
		{"+", "", ""},                       // no digits
		{"", "44", ""},                      // empty
		{"0", "44", ""},                     // only a trunk prefix
		{"+1234567890123456789012", "", ""}, // far too long
		{"+44 20 7946 0958\x00", "", ""},    // a control character
		{"１２３４５６７８９", "44", ""},             // full-width digits
		{"+44-20-7946-0958", "", "+442079460958"},
	}
	for _, tt := range tests {
		got, err := validate.NormalizeE164(tt.in, tt.cc)
		if tt.want == "" {
			if err == nil || !errors.Is(err, validate.ErrInvalidPhone) {
				t.Errorf("NormalizeE164(%q, %q) = %q, %v; want an ErrInvalidPhone", tt.in, tt.cc, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeE164(%q, %q) = %q, %v; want %q", tt.in, tt.cc, got, err, tt.want)
		}
	}
}

func TestNormalizeE164BadCountryCode(t *testing.T) {
	for _, cc := range []string{"0", "1234", "4a", "+44"} {
		_, err := validate.NormalizeE164("020 7946 0958", cc)
		if err == nil || errors.Is(err, validate.ErrInvalidPhone) {
			t.Errorf("NormalizeE164(_, %q) = %v, want a plain error", cc, err)
		}
	}
}

type contact struct {
	Name    string                    `json:"name" normalize:"collapse,nfc"`
	Email   string                    `json:"email" normalize:"email"`
	Phone   string                    `json:"phone" normalize:"e164=44"`
	Country string                    `json:"country" normalize:"trim,upper"`
	Tags    []string                  `json:"tags" normalize:"trim,lower"`
	Notes   *string                   `json:"notes" normalize:"trim"`
	Alias   validate.Optional[string] `json:"alias" normalize:"trim"`
	Labels  map[string]string         `json:"labels" normalize:"lower"`
	Untaged string                    `json:"untagged"`
}

type account struct {
	Owner    contact            `json:"owner"`
	Contacts []contact          `json:"contacts"`
	ByName   map[string]contact `json:"by_name"`
	Backup   *contact           `json:"backup"`
	Meta     `json:",inline"`
}

// Meta is embedded in account: its fields are promoted.
type Meta struct {
	Source string `json:"source" normalize:"trim"`
}

func TestNormalize(t *testing.T) {
	notes := "  hi  "
	in := account{
		Owner: contact{
			Name:    "  Zoe \t  Saldana\n",
			Email:   " Zoe@Example.COM ",
			Phone:   "020 7946 0958",
			Country: " gb ",
			Tags:    []string{" VIP ", "New"},
			Notes:   &notes,
			Alias:   validate.Some("  z "),
			Labels:  map[string]string{"Team": "SALES"},
			Untaged: "  as is  ",
		},
		Contacts: []contact{{Name: "cafe\u0301"}, {Email: "A@B.C", Phone: "+1 415 555 2671"}},
		ByName:   map[string]contact{"x": {Name: " a  b "}},
		Backup:   &contact{Country: "fr"},
		Meta:     Meta{Source: " web "},
	}
	if err := validate.Normalize(context.Background(), &in); err != nil {
		t.Fatalf("Normalize = %v, want nil", err)
	}
	notesWant := "hi"
	want := account{
		Owner: contact{
			Name:    "Zoe Saldana",
			Email:   "zoe@example.com",
			Phone:   "+442079460958",
			Country: "GB",
			Tags:    []string{"vip", "new"},
			Notes:   &notesWant,
			Alias:   validate.Some("z"),
			Labels:  map[string]string{"Team": "sales"},
			Untaged: "  as is  ",
		},
		Contacts: []contact{{Name: "caf\u00e9"}, {Email: "a@b.c", Phone: "+14155552671"}},
		ByName:   map[string]contact{"x": {Name: "a b"}},
		Backup:   &contact{Country: "FR"},
		Meta:     Meta{Source: "web"},
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("Normalize = %+v\nwant %+v", in, want)
	}
}

func TestNormalizeViolations(t *testing.T) {
	in := account{
		Owner:    contact{Phone: "not a phone"},
		Contacts: []contact{{}, {Phone: "12"}},
		ByName:   map[string]contact{"a/b": {Phone: "+0"}},
	}
	err := validate.Normalize(context.Background(), &in)
	e, ok := errors.AsType[*errors.Error](err)
	if !ok || e.StatusCode() != http.StatusUnprocessableEntity || e.Code() != validate.CodeValidationFailed {
		t.Fatalf("Normalize = %v, want a 422 validation_failed problem", err)
	}
	var got []string
	for _, v := range e.Violations() {
		got = append(got, v.Pointer+" "+v.Code)
	}
	want := []string{"/owner/phone invalid_phone", "/contacts/1/phone invalid_phone", "/by_name/a~1b/phone invalid_phone"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize violations = %q, want %q", got, want)
	}
	if in.Owner.Phone != "not a phone" {
		t.Errorf("Normalize changed a value it refused to %q", in.Owner.Phone)
	}
}

func TestNormalizePointers(t *testing.T) {
	type params struct {
		Phone string `query:"phone" normalize:"e164"`
		Other string `xml:"other>phone" normalize:"e164"`
		Plain string `normalize:"e164"`
	}
	err := validate.Normalize(context.Background(), &params{Phone: "x", Other: "x", Plain: "x"})
	e, _ := errors.AsType[*errors.Error](err)
	var got []string
	for _, v := range e.Violations() {
		got = append(got, v.Pointer)
	}
	want := []string{"/query/phone", "/other/phone", "/Plain"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize pointers = %q, want %q", got, want)
	}
}

func TestNormalizeProgrammingErrors(t *testing.T) {
	type badOp struct {
		S string `normalize:"shout"`
	}
	type badCC struct {
		S string `normalize:"e164=0"`
	}
	type badSanitize struct {
		S string `sanitize:"trim"`
	}
	type cyclic struct {
		Next *cyclic
		S    string `normalize:"trim"`
	}
	loop := &cyclic{}
	loop.Next = loop
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"unknown op", &badOp{}, "shout"},
		{"bad country code", &badCC{}, "e164=0"},
		{"normalize op in sanitize", &badSanitize{}, "trim"},
		{"not a pointer", badOp{}, "pointer"},
		{"cycle", loop, "deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate.Normalize(context.Background(), tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Normalize(%T) = %v, want an error mentioning %q", tt.v, err, tt.want)
			}
			if _, ok := errors.AsType[*errors.Error](err); ok {
				t.Errorf("Normalize(%T) = %v, want a plain error", tt.v, err)
			}
		})
	}
}

// TestNormalizeHook checks that Normalize fits Options.Normalize.
func TestNormalizeHook(t *testing.T) {
	dec, err := validate.NewDecoder(validate.Options{Normalize: validate.Normalize})
	if err != nil {
		t.Fatal(err)
	}
	var c contact
	ctx := context.Background()
	if err := dec.DecodeJSON(ctx, []byte(`{"email":" Ada@Example.org ","tags":[" X "]}`), &c); err != nil {
		t.Fatalf("DecodeJSON = %v, want nil", err)
	}
	if c.Email != "ada@example.org" || c.Tags[0] != "x" {
		t.Errorf("DecodeJSON = %+v, want a normalized email and tags", c)
	}
	err = dec.DecodeJSON(ctx, []byte(`{"phone":"call me"}`), &c)
	if e, ok := errors.AsType[*errors.Error](err); !ok || e.StatusCode() != http.StatusUnprocessableEntity ||
		len(e.Violations()) != 1 || e.Violations()[0].Pointer != "/phone" {
		t.Errorf("DecodeJSON(bad phone) = %v, want a 422 with a /phone violation", err)
	}
}

func TestNormalizeAllocsNothingWithoutTags(t *testing.T) {
	type plain struct {
		A, B string
		N    []int
	}
	v := &plain{A: "x", N: []int{1, 2}}
	ctx := context.Background()
	_ = validate.Normalize(ctx, v) // warm the caches
	if n := testing.AllocsPerRun(100, func() { _ = validate.Normalize(ctx, v) }); n > 0 {
		t.Errorf("Normalize of a struct without tags allocates %v times, want 0", n)
	}
}
