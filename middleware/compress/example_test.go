package compress_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/middleware/compress"
)

// The middleware goes inside Recover and outside Conditional and the
// router; CacheControl goes inside it, so that no-transform is seen.
func Example() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /report", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, strings.Repeat("2026-01-01,ada,42\n", 200))
	})
	mux.Handle("GET /raw", middleware.CacheControl(middleware.CachePolicy{NoTransform: true})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, strings.Repeat("sent as it is\n", 200))
		})))
	mux.HandleFunc("GET /small", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})

	h := middleware.Chain(
		middleware.Recover(middleware.RecoverOptions{}),
		compress.Middleware(compress.Options{}),
		middleware.Conditional(middleware.ConditionalOptions{}),
	)(mux)

	for _, path := range []string{"/report", "/raw", "/small"} {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Accept-Encoding", "br, gzip")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%-7s Content-Encoding %q\n", path, w.Header().Get("Content-Encoding"))
	}
	// Output:
	// /report Content-Encoding "gzip"
	// /raw    Content-Encoding ""
	// /small  Content-Encoding ""
}

func ExampleMiddleware() {
	body := "[" + strings.Repeat(`{"id":1,"name":"ada"},`, 100) + `{"id":2,"name":"grace"}]`
	h := compress.Middleware(compress.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", `"v42"`)
		io.WriteString(w, body)
	}))

	for _, accept := range []string{"gzip, br", "br;q=1, gzip;q=0.5", "identity", ""} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if accept != "" {
			r.Header.Set("Accept-Encoding", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%-20q -> Content-Encoding %-6q ETag %-12s Vary %s\n",
			accept, w.Header().Get("Content-Encoding"), w.Header().Get("ETag"), w.Header().Get("Vary"))
	}

	// The body decodes to what the handler wrote.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	sent := w.Body.Len()
	zr, _ := gzip.NewReader(w.Body)
	decoded, _ := io.ReadAll(zr)
	fmt.Printf("under a tenth of %d bytes sent: %t; intact: %t\n", len(body), sent < len(body)/10, string(decoded) == body)
	// Output:
	// "gzip, br"           -> Content-Encoding "gzip" ETag "v42-gzip"   Vary Accept-Encoding
	// "br;q=1, gzip;q=0.5" -> Content-Encoding "br"   ETag "v42-br"     Vary Accept-Encoding
	// "identity"           -> Content-Encoding ""     ETag "v42"        Vary Accept-Encoding
	// ""                   -> Content-Encoding ""     ETag "v42"        Vary Accept-Encoding
	// under a tenth of 2225 bytes sent: true; intact: true
}

// The middleware runs outside Conditional: the entity tag is computed on
// the uncompressed body, the compressed response carries it with the
// coding's suffix, and that suffixed tag revalidates to a 304.
func ExampleMiddleware_conditional() {
	body := strings.Repeat("All work and no play makes Jack a dull boy.\n", 50)
	h := middleware.Chain(
		compress.Middleware(compress.Options{}),
		middleware.Conditional(middleware.ConditionalOptions{}),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, body)
	}))

	get := func(ifNoneMatch string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		if ifNoneMatch != "" {
			r.Header.Set("If-None-Match", ifNoneMatch)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := get("")
	etag := first.Header().Get("ETag")
	fmt.Println(first.Code, first.Header().Get("Content-Encoding"), strings.HasSuffix(etag, `-gzip"`))

	again := get(etag)
	fmt.Println(again.Code, again.Header().Get("ETag") == etag, again.Body.Len())
	// Output:
	// 200 gzip true
	// 304 true 0
}

// New suits configuration read at run time: a bad value is an error
// naming the field, where Middleware would panic.
func ExampleNew() {
	_, err := compress.New(compress.Options{Encodings: []string{"zstd"}})
	fmt.Println(err)

	mw, err := compress.New(compress.Options{Encodings: []string{"br", "gzip"}, MinSize: 256})
	fmt.Println(mw != nil, err)
	// Output:
	// compress: Options.Encodings: unsupported coding "zstd" (want gzip, br or deflate)
	// true <nil>
}
