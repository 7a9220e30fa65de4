package validate_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

type xmlOrder struct {
	Name  string                 `xml:"name"`
	Qty   uint8                  `xml:"qty"`
	ID    string                 `xml:"id,attr"`
	Items []xmlItem              `xml:"item"`
	Note  validate.Optional[int] `xml:"note"`
	Day   validate.Date          `xml:"day"`
}

type xmlItem struct {
	SKU   string  `xml:"sku"`
	Price float32 `xml:"price"`
}

func decodeXML(tb testing.TB, d *validate.Decoder, body string, v any) error {
	tb.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/xml; charset=utf-8")
	return d.Decode(r, v)
}

func TestDecodeXML(t *testing.T) {
	d := newDecoder(t, validate.Options{MaxDepth: 4, MaxArrayLen: 3, MaxStringBytes: 16})
	var v xmlOrder
	in := `<?xml version="1.0"?><order id="7"><name>Ada</name><qty> 3 </qty><item><sku>a</sku></item><item><sku>b</sku><price>1.5</price></item><note>0</note><day>2026-11-27</day></order>`
	if err := decodeXML(t, d, in, &v); err != nil {
		t.Fatalf("Decode = %v", err)
	}
	if v.Name != "Ada" || v.Qty != 3 || v.ID != "7" || len(v.Items) != 2 || v.Items[1].Price != 1.5 || v.Note != validate.Some(0) || v.Day.Day != 27 {
		t.Errorf("Decode = %+v, want the input's values", v)
	}
}

func TestDecodeXMLViolations(t *testing.T) {
	d := newDecoder(t, validate.Options{MaxDepth: 4, MaxArrayLen: 3, MaxStringBytes: 16})
	tests := []struct {
		name, in    string
		code, point string
	}{
		{"unknown element", `<o><name>a</name><colour>red</colour></o>`, "unknown_field", "/colour"},
		{"unknown nested", `<o><item><sku>a</sku></item><item><cost>1</cost></item></o>`, "unknown_field", "/item/1/cost"},
		{"out of range", `<o><qty>300</qty></o>`, "out_of_range", "/qty"},
		{"not a number", `<o><item><price>cheap</price></item></o>`, "invalid_type", "/item/0/price"},
		{"bad date", `<o><day>2026-02-30</day></o>`, "invalid_value", "/day"},
		{"too deep", `<o><item><sku><a><b/></a></sku></item></o>`, "too_deep", "/item/0/sku/a"},
		{"too many children", `<o><item/><item/><item/><item/></o>`, "array_too_long", "/item"},
		{"text too long", `<o><name>` + strings.Repeat("x", 17) + `</name></o>`, "string_too_long", "/name"},
		{"attribute too long", `<o id="` + strings.Repeat("x", 17) + `"/>`, "string_too_long", ""},
		{"malformed", `<o><name>a</o>`, "malformed_xml", "/name"},
		{"second root", `<o/><o/>`, "trailing_data", ""},
		{"other encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><o/>`, "malformed_xml", ""},
		{"empty", ` `, "empty_body", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v xmlOrder
			err := decodeXML(t, d, tt.in, &v)
			if err == nil {
				t.Fatalf("Decode(%q) = nil, want %s", tt.in, tt.code)
			}
			if tt.code == "empty_body" {
				if e := errors.From(err); e.Code() != tt.code {
					t.Errorf("Decode(%q) = %v, want %s", tt.in, err, tt.code)
				}
				return
			}
			got := violation(t, err)
			if got.Code != tt.code || got.Pointer != tt.point {
				t.Errorf("Decode(%q) = %s at %q (%v), want %s at %q", tt.in, got.Code, got.Pointer, err, tt.code, tt.point)
			}
		})
	}
}

func TestDecodeXMLAllowUnknown(t *testing.T) {
	d := newDecoder(t, validate.Options{AllowUnknownFields: true})
	var v xmlOrder
	if err := decodeXML(t, d, `<o><name>a</name><colour>red</colour></o>`, &v); err != nil || v.Name != "a" {
		t.Errorf("Decode with an unknown element = %v (%+v), want nil", err, v)
	}
}
