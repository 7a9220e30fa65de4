package validate_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/keel-go/keel/validate"
)

type signup struct {
	Name    string                    `form:"name"`
	Age     uint8                     `form:"age"`
	Score   float64                   `form:"score"`
	Agree   bool                      `form:"agree"`
	Tags    []string                  `form:"tag"`
	Lucky   []int16                   `form:"lucky"`
	Born    validate.Date             `form:"born"`
	At      validate.Time             `form:"at"`
	Nick    validate.Optional[string] `form:"nick"`
	Ref     *int                      `form:"ref"`
	Avatar  *multipart.FileHeader     `form:"avatar"`
	Photos  []*multipart.FileHeader   `form:"photo"`
	Ignored string                    `form:"-"`
}

func formDecoder(tb testing.TB) *validate.Decoder {
	return newDecoder(tb, validate.Options{
		Formats:       []validate.Format{validate.FormatForm, validate.FormatMultipart},
		MaxFormFields: 20, MaxArrayLen: 3, MaxStringBytes: 32,
	})
}

func decodeForm(tb testing.TB, d *validate.Decoder, body string, v any) error {
	tb.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return d.Decode(r, v)
}

func TestDecodeForm(t *testing.T) {
	var v signup
	body := url.Values{"name": {"Ada"}, "age": {"36"}, "score": {"9.5"}, "agree": {"true"}, "tag": {"a", "b"},
		"lucky": {"7", "-3"}, "born": {"1815-12-10"}, "at": {"2026-11-27T10:00:00Z"}, "nick": {""}, "ref": {"4"}}.Encode()
	if err := decodeForm(t, formDecoder(t), body, &v); err != nil {
		t.Fatalf("Decode = %v", err)
	}
	if v.Name != "Ada" || v.Age != 36 || v.Score != 9.5 || !v.Agree || strings.Join(v.Tags, ",") != "a,b" || v.Lucky[1] != -3 ||
		v.Born.Year != 1815 || v.At.Hour() != 10 || v.Nick != validate.Some("") || v.Ref == nil || *v.Ref != 4 {
		t.Errorf("Decode = %+v, want the form's values", v)
	}
}

func TestDecodeFormViolations(t *testing.T) {
	tests := []struct {
		name, in    string
		code, point string
	}{
		{"unknown", "name=a&colour=red", "unknown_field", "/colour"},
		{"ignored is unknown", "Ignored=x", "unknown_field", "/Ignored"},
		{"case mismatch", "Name=a", "case_mismatch", "/Name"},
		{"out of range", "age=256", "out_of_range", "/age"},
		{"slice element", "lucky=1&lucky=99999", "out_of_range", "/lucky/1"},
		{"not a number", "score=high", "invalid_type", "/score"},
		{"not a bool", "agree=maybe", "invalid_type", "/agree"},
		{"two values for one", "name=a&name=b", "invalid_type", "/name"},
		{"bad date", "born=2026-02-30", "invalid_date", "/born"},
		{"time without offset", "at=2026-11-27T10:00:00", "invalid_time", "/at"},
		{"too many values", "tag=a&tag=b&tag=c&tag=d", "array_too_long", "/tag"},
		{"too long", "name=" + strings.Repeat("x", 33), "string_too_long", "/name"},
		{"too many fields", strings.Repeat("tag=a&", 21), "too_many_fields", ""},
		{"bad escape", "name=%zz", "invalid_value", ""},
	}
	d := formDecoder(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v signup
			err := decodeForm(t, d, tt.in, &v)
			if err == nil {
				t.Fatalf("Decode(%q) = nil, want %s", tt.in, tt.code)
			}
			if tt.code == "invalid_value" {
				if got := err.Error(); !strings.Contains(got, "not a valid form") {
					t.Errorf("Decode(%q) = %v, want an invalid form", tt.in, err)
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

func TestDecodeMultipart(t *testing.T) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("name", "Ada")
	mw.WriteField("tag", "x")
	fw, _ := mw.CreateFormFile("avatar", "me.png")
	fw.Write([]byte("PNG..."))
	for _, n := range []string{"a.jpg", "b.jpg"} {
		fw, _ := mw.CreateFormFile("photo", n)
		fw.Write([]byte(n))
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	var v signup
	if err := formDecoder(t).Decode(r, &v); err != nil {
		t.Fatalf("Decode = %v", err)
	}
	if v.Name != "Ada" || v.Avatar == nil || v.Avatar.Filename != "me.png" || len(v.Photos) != 2 {
		t.Fatalf("Decode = %+v, want the name and three files", v)
	}
	f, err := v.Avatar.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b, _ := io.ReadAll(f); string(b) != "PNG..." {
		t.Errorf("avatar content = %q, want PNG...", b)
	}
}

func TestDecodeMultipartUnknownFile(t *testing.T) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("virus", "x.exe")
	fw.Write([]byte("MZ"))
	mw.Close()
	r := httptest.NewRequest("POST", "/", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	var v signup
	err := formDecoder(t).Decode(r, &v)
	if got := violation(t, err); got.Code != "unknown_field" || got.Pointer != "/virus" {
		t.Errorf("Decode(unknown file) = %s at %q, want unknown_field at /virus", got.Code, got.Pointer)
	}
}
