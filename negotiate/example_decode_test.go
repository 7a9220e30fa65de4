package negotiate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/negotiate"
)

// Decode reads a request body with the codec of its Content-Type, and
// returns errors that keel's errors package answers with the right 4xx.
func ExampleDecode() {
	h := errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var b Book
		if err := negotiate.Decode(r, &b); err != nil {
			return err
		}
		return negotiate.Respond(w, r, http.StatusCreated, b)
	})
	for _, req := range []struct{ contentType, body string }{
		{"application/json", `{"title":"Emma","year":1815}`},
		{"application/xml", `<Book><title>Emma</title><year>1815</year></Book>`},
		{"application/json", `{"title":"Emma","year":"1815"}`},
		{"text/csv", `Emma,1815`},
	} {
		r := httptest.NewRequest(http.MethodPost, "/books", strings.NewReader(req.body))
		r.Header.Set("Content-Type", req.contentType)
		r.Header.Set("Accept", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body)
	}
	// Output:
	// 201 {"title":"Emma","year":1815}
	// 201 {"title":"Emma","year":1815}
	// 400 {"type":"about:blank","title":"Bad Request","status":400,"detail":"The request body has a value of the wrong type at /year: expected integer, got string.","code":"invalid_type","errors":[{"pointer":"/year","code":"type","message":"must be an integer","params":{"actual":"string","expected":"integer"}}]}
	// 415 {"type":"about:blank","title":"Unsupported Media Type","status":415,"detail":"The Content-Type \"text/csv\" is not supported; supported: application/json, application/xml, text/xml.","code":"unsupported_media_type","supported":["application/json","application/xml","text/xml"]}
}
