package errors_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

func ExampleWrite() {
	r := httptest.NewRequest(http.MethodPost, "/users", nil)
	r = r.WithContext(reqctx.WithData(r.Context(), reqctx.Data{RequestID: "req-1"}))
	w := httptest.NewRecorder()

	err := errors.Unprocessable("The user is invalid.").WithViolations(errors.Violation{
		Pointer: "/age",
		Code:    "min",
		Message: "must be at least 18",
		Params:  map[string]any{"min": 18},
	})
	errors.Write(w, r, err)

	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Print(w.Body)
	// Output:
	// 422 application/problem+json
	// {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"The user is invalid.","code":"unprocessable","request_id":"req-1","errors":[{"pointer":"/age","code":"min","message":"must be at least 18","params":{"min":18}}]}
}

// A 5xx response never shows the message or the cause: the client gets a
// generic detail and the request ID, and the log gets the rest.
func ExampleWrite_internal() {
	r := httptest.NewRequest(http.MethodGet, "/orders", nil)
	r = r.WithContext(reqctx.WithData(r.Context(), reqctx.Data{RequestID: "req-2"}))
	w := httptest.NewRecorder()

	errors.Write(w, r, errors.Internal("query orders: %w", errors.New("pq: password authentication failed")))

	fmt.Println(w.Code)
	fmt.Print(w.Body)
	// Output:
	// 500
	// {"type":"about:blank","title":"Internal Server Error","status":500,"detail":"The server encountered an internal error. Quote the request ID when reporting the problem.","code":"internal","request_id":"req-2"}
}

// A client that accepts XML and not JSON gets application/problem+xml.
func ExampleWrite_xml() {
	r := httptest.NewRequest(http.MethodGet, "/users/7", nil)
	r.Header.Set("Accept", "application/xml")
	w := httptest.NewRecorder()

	errors.Write(w, r, errors.NotFound("no user 7"))

	fmt.Println(w.Header().Get("Content-Type"))
	fmt.Print(w.Body)
	// Output:
	// application/problem+xml
	// <?xml version="1.0" encoding="UTF-8"?>
	// <problem xmlns="urn:ietf:rfc:7807"><type>about:blank</type><title>Not Found</title><status>404</status><detail>no user 7</detail><code>not_found</code></problem>
}
