package negotiate_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/negotiate"
)

// FuzzRespond checks that no Accept header makes Respond panic or answer
// anything but a 200 in a registered type or a 406 problem.
func FuzzRespond(f *testing.F) {
	for _, s := range []string{
		"",
		"*/*",
		"application/json",
		"application/xml;q=0.9, */*;q=0.1",
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"application/json;q=0, */*",
		"application/vnd.keel.v2+json; charset=\"utf-8\"",
		"application/json; version=\"2\\\"\", text/*",
		"*;q=.2",
		"application/xml;q=1.5, text/xml;q=-0, */*;q=NaN",
		"a/b;x=\"unterminated, application/json",
	} {
		f.Add(s)
	}
	g := vendorRegistry(f)
	offered := g.MediaTypes()
	f.Fuzz(func(t *testing.T, accept string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		if err := g.Respond(w, r, http.StatusOK, user{ID: 1, Name: "x"}); err != nil {
			t.Fatalf("Respond(Accept %q) = %v", accept, err)
		}
		ct := w.Header().Get("Content-Type")
		switch w.Code {
		case http.StatusOK:
			if !slices.Contains(offered, ct) {
				t.Fatalf("Respond(Accept %q) = 200 with Content-Type %q, want one of %q", accept, ct, offered)
			}
		case http.StatusNotAcceptable:
			if !strings.HasPrefix(ct, "application/problem+") {
				t.Fatalf("Respond(Accept %q) = 406 with Content-Type %q, want a problem", accept, ct)
			}
		default:
			t.Fatalf("Respond(Accept %q) = %d, want 200 or 406", accept, w.Code)
		}
	})
}

// FuzzDecode checks that no request body or Content-Type makes Decode
// panic or fail with anything but a 4xx.
func FuzzDecode(f *testing.F) {
	for _, s := range [][2]string{
		{"application/json", `{"id":1,"name":"a"}`},
		{"application/json", `{"id":"x"}`},
		{"application/json", `{"id":1}{}`},
		{"application/json; charset=utf-16", `{}`},
		{"application/xml", `<user><id>1</id></user>`},
		{"text/xml", `<?xml version="1.0" encoding="latin1"?><user/>`},
		{"application/xml", `<user><id>99999999999999999999</id></user>`},
		{"application/merge-patch+json", `null`},
		{"", ``},
		{"multipart/form-data; boundary=x", `--x--`},
	} {
		f.Add(s[0], s[1])
	}
	g := negotiate.Default()
	if err := g.Register(negotiate.JSON{DisallowUnknownFields: true}, "application/vnd.keel.strict+json"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		for _, v := range []any{&user{}, &event{}, &map[string]any{}} {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			r.Header.Set("Content-Type", contentType)
			if err := g.Decode(r, v); err != nil {
				if e := errors.From(err); e.StatusCode() >= 500 {
					t.Fatalf("Decode(%q, %q) into %T = %v, a %d; want a 4xx", contentType, body, v, err, e.StatusCode())
				}
			}
		}
	})
}
