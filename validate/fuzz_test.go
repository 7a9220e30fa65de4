package validate_test

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

type fuzzLine struct {
	SKU   string                  `json:"sku" validate:"pattern=[A-Z0-9-]{0\\,20}"`
	Qty   uint16                  `json:"qty" validate:"max=1000"`
	Price float32                 `json:"price" validate:"min=0"`
	Gift  validate.Optional[bool] `json:"gift"`
}

type fuzzTarget struct {
	Name   string                           `json:"name" validate:"max=64" normalize:"trim"`
	Small  int8                             `json:"small"`
	Big    int64                            `json:"big"`
	Ratio  float64                          `json:"ratio"`
	Nested struct{ City, Zip string }       `json:"nested"`
	Lines  []fuzzLine                       `json:"lines" validate:"max=20"`
	Labels map[string]uint8                 `json:"labels"`
	Note   validate.Optional[string]        `json:"note" validate:"email"`
	When   validate.Time                    `json:"when"`
	Day    validate.Optional[validate.Date] `json:"day"`
	Wait   *validate.Duration               `json:"wait"`
	Extra  any                              `json:"extra"`
	Count  int                              `json:"count,string"`
}

// FuzzDecode feeds arbitrary bodies through Decode: it never panics, and
// returns nil or a 4xx *errors.Error.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","small":1,"big":-9,"ratio":0.5,"nested":{"City":"x","Zip":"y"},"lines":[{"sku":"s","qty":2,"price":1.5,"gift":null}],"labels":{"a":1},"note":null,"when":"2026-11-27T10:00:00Z","day":"2026-11-27","wait":"PT1H","extra":[1,{"a":2}],"count":"3"}`,
		`{"small":128}`, `{"lines":[{},{"qty":-1}]}`, `{"Name":"x"}`, `{"name":"a","name":"b"}`, `{"when":"2026-11-27T10:00:00"}`,
		`{"day":"2026-02-30"}`, "{\"name\":\"\xff\"}", `{"note":"\ud800"}`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`, `{} x`, ``,
	} {
		f.Add([]byte(s))
	}
	d, err := validate.NewDecoder(validate.Options{MaxBodyBytes: 4 << 10, Normalize: validate.Normalize})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v fuzzTarget
		err := d.Decode(r, &v)
		check4xx(t, body, err)
		if e := errors.From(err); e != nil && len(e.Message()) > 400 {
			t.Errorf("Decode(%q) message is %d bytes long, want it short", body, len(e.Message()))
		}
	})
}

// FuzzDecodeXML feeds arbitrary XML bodies through Decode: it never
// panics, and returns nil or a 4xx *errors.Error.
func FuzzDecodeXML(f *testing.F) {
	for _, s := range []string{
		`<o id="1"><name>a</name><qty>3</qty><item><sku>s</sku><price>1.5</price></item><note>1</note><day>2026-11-27</day></o>`,
		`<o><qty>300</qty></o>`, `<o><colour/></o>`, `<o><a><b><c><d><e/></d></c></b></a></o>`, `<o><name>a</o>`,
		`<?xml version="1.0" encoding="latin1"?><o/>`, `<o/><o/>`, `<o xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><note xsi:nil="true"/></o>`, ``,
	} {
		f.Add([]byte(s))
	}
	d, err := validate.NewDecoder(validate.Options{MaxBodyBytes: 4 << 10, MaxDepth: 8, MaxArrayLen: 16, Normalize: validate.Normalize})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/xml")
		var v xmlOrder
		check4xx(t, body, d.Decode(r, &v))
	})
}

// FuzzDecodeForm feeds arbitrary urlencoded bodies through Decode: it
// never panics, and returns nil or a 4xx *errors.Error.
func FuzzDecodeForm(f *testing.F) {
	for _, s := range []string{
		`name=Ada&age=36&score=9.5&agree=true&tag=a&tag=b&lucky=7&born=1815-12-10&at=2026-11-27T10:00:00Z&nick=&ref=4`,
		`age=256`, `lucky=1&lucky=x`, `Name=a`, `name=%zz`, `tag=a&tag=b&tag=c&tag=d`, `born=2026-02-30`, `&&&=&`, ``,
	} {
		f.Add([]byte(s))
	}
	d := formDecoder(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var v signup
		check4xx(t, body, d.Decode(r, &v))
	})
}

func check4xx(tb testing.TB, body []byte, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	if _, ok := errors.AsType[*errors.Error](err); !ok {
		tb.Fatalf("Decode(%q) = %v (%T), want an *errors.Error", body, err, err)
	}
	if s := errors.From(err).StatusCode(); s < 400 || s > 499 {
		tb.Fatalf("Decode(%q) = %d %v, want a 4xx", body, s, err)
	}
}
