package keel_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/router"
)

// A router with the standard middleware and a handler that returns a typed
// error: the client gets a problem carrying the request ID, and the access
// log names the route.
func Example() {
	var logs bytes.Buffer
	logger := zerolog.New(&logs)

	r := router.New()
	r.Use(
		middleware.RequestID(middleware.RequestIDOptions{Logger: logger, Generate: func() string { return "req-1" }}),
		middleware.AccessLog(middleware.AccessLogOptions{}),
		middleware.Recover(middleware.RecoverOptions{}),
	)
	r.Get("/users/:id", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return errors.NotFound("no user %s", r.PathValue("id"))
	}))

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/users/7", nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Print(w.Body)
	fmt.Println(bytes.Contains(logs.Bytes(), []byte(`"route":"GET /users/{id}"`)))
	// Output:
	// 404 application/problem+json
	// {"type":"about:blank","title":"Not Found","status":404,"detail":"no user 7","code":"not_found","request_id":"req-1"}
	// true
}
