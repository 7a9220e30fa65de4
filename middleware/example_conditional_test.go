package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/keel-go/keel/header"
	"github.com/keel-go/keel/middleware"
)

func ExampleConditional() {
	h := middleware.Conditional(middleware.ConditionalOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":1,"name":"ada"}`)
	}))

	get := func(ifNoneMatch string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/users/1", nil)
		if ifNoneMatch != "" {
			r.Header.Set("If-None-Match", ifNoneMatch)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	first := get("")
	etag := first.Header().Get("ETag")
	fmt.Println(first.Code, etag, first.Header().Get("Content-Length"))

	again := get(etag)
	fmt.Printf("%d %q %q\n", again.Code, again.Body.String(), again.Header().Get("Content-Type"))
	// Output:
	// 200 "ucHE-9JoCB58n98K5g-S7Q" 21
	// 304 "" ""
}

// A handler that changes a resource checks the client's precondition
// against the stored version before it writes: a client that read version
// 3 cannot overwrite version 4.
func ExampleCheckPreconditions() {
	version := 4
	updated := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		current := header.ETag{Tag: fmt.Sprintf("v%d", version)}
		if middleware.CheckPreconditions(w, r, current, updated) {
			return // answered: 304 or 412
		}
		version++
		w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, version))
		w.WriteHeader(http.StatusNoContent)
	})

	for _, ifMatch := range []string{`"v3"`, `"v4"`} {
		r := httptest.NewRequest(http.MethodPut, "/docs/7", strings.NewReader(`{"title":"new"}`))
		r.Header.Set("If-Match", ifMatch)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("If-Match %s -> %d Content-Type %q ETag %q\n", ifMatch, w.Code, w.Header().Get("Content-Type"), w.Header().Get("ETag"))
	}
	// Output:
	// If-Match "v3" -> 412 Content-Type "application/problem+json" ETag ""
	// If-Match "v4" -> 204 Content-Type "" ETag "\"v5\""
}

// With Current, Conditional checks preconditions before the handler runs:
// a revalidation costs a version lookup, not a render, and a stale update
// is refused before the handler changes anything.
func ExampleConditional_current() {
	versions := map[string]int{"/docs/7": 4}
	h := middleware.Conditional(middleware.ConditionalOptions{
		Current: func(r *http.Request) (header.ETag, time.Time, error) {
			v, ok := versions[r.URL.Path]
			if !ok {
				return header.ETag{}, time.Time{}, nil // no such document
			}
			return header.ETag{Tag: fmt.Sprintf("v%d", v)}, time.Time{}, nil
		},
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("  handler runs for", r.Method)
		io.WriteString(w, "document")
	}))

	for _, req := range []struct{ method, name, value string }{
		{http.MethodGet, "If-None-Match", `"v4"`},
		{http.MethodGet, "If-None-Match", `"v3"`},
		{http.MethodPut, "If-Match", `"v3"`},
		{http.MethodPut, "If-Match", `"v4"`},
	} {
		r := httptest.NewRequest(req.method, "/docs/7", nil)
		r.Header.Set(req.name, req.value)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(req.method, req.name, req.value, "->", w.Code)
	}
	// Output:
	// GET If-None-Match "v4" -> 304
	//   handler runs for GET
	// GET If-None-Match "v3" -> 200
	// PUT If-Match "v3" -> 412
	//   handler runs for PUT
	// PUT If-Match "v4" -> 200
}
