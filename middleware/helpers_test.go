package middleware_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The helpers in this file serve the conditional-request and cache tests:
// a server whose client sees raw bodies and headers, and handlers that
// answer fixed bodies. package middleware/compress keeps its own copy, so
// that each package's tests stand alone when the package is copied.

// listJSON returns a JSON array of n bytes or slightly fewer, shaped
// like an API listing.
func listJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; ; i++ {
		item := fmt.Sprintf(`{"id":%d,"name":"user %d","email":"user%d@example.com","active":%t,"score":%d},`,
			i, i, i*7919%1000, i%3 == 0, i*37%100)
		if b.Len()+len(item)+1 > n {
			break
		}
		b.WriteString(item)
	}
	out := b.Bytes()
	if out[len(out)-1] == ',' {
		out = out[:len(out)-1]
	}
	return append(out, ']')
}

// serveRaw starts a server for h and returns a client that leaves
// Accept-Encoding and the raw body alone.
func serveRaw(tb testing.TB, h http.Handler) (*httptest.Server, *http.Client) {
	tb.Helper()
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close)
	c := ts.Client()
	c.Transport.(*http.Transport).DisableCompression = true
	return ts, c
}

// doRaw sends a request with the given header lines ("Name: value")
// and returns the response with its raw body read.
func doRaw(tb testing.TB, c *http.Client, method, url string, lines ...string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, ":")
		req.Header.Add(k, strings.TrimSpace(v))
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, body
}

// bodyHandler returns a handler that sends body with the given
// Content-Type.
func bodyHandler(contentType string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.Write(body)
	})
}

// discardWriter is a ResponseWriter that discards the body and whose
// header map is cleared between requests, to measure the middleware
// alone.
type discardWriter struct{ h http.Header }

func (w discardWriter) Header() http.Header         { return w.h }
func (w discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w discardWriter) WriteHeader(int)             {}

// staticHandler returns a handler that sends body as JSON without
// allocating, so that allocation counts are the middleware's.
func staticHandler(body []byte) http.Handler {
	contentType := []string{"application/json"} // shared: never modified
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = contentType
		w.Write(body)
	})
}
