package bench_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keel-go/keel/bench"
)

// BenchmarkStack serves GET /users/42, a small JSON answer, through each
// middleware stack of bench.Stacks. The sub-benchmarks are named
// req=reused|fresh/stack=name so that benchstat can pivot on the stack
// (-col /stack). The request modes are the router benchmarks': reused
// serves the same *http.Request again and again, fresh a new shallow copy
// of a prepared one each time, and stack=baseline measures that copy with
// a no-op handler so that it can be subtracted.
func BenchmarkStack(b *testing.B) {
	for _, mode := range []string{"reused", "fresh"} {
		b.Run("req="+mode, func(b *testing.B) {
			if mode == "fresh" {
				b.Run("stack=baseline", func(b *testing.B) {
					benchStack(b, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), mode)
				})
			}
			for _, st := range bench.Stacks() {
				b.Run("stack="+st.Name, func(b *testing.B) {
					var p bench.Probe
					p.Reset()
					w := benchStack(b, st.New(io.Discard, &p), mode)
					if p.Route != 0 || p.Values[0] != bench.UserID || w.Code != http.StatusOK || w.Bytes != len(bench.UserBody) {
						b.Fatalf("GET %s reached route %d with id %q and answered %d with %d bytes, want route 0, id %q, 200 and %d bytes",
							bench.UserPath, p.Route, p.Values[0], w.Code, w.Bytes, bench.UserID, len(bench.UserBody))
					}
				})
			}
		})
	}
}

// newStackRequest returns the request of the stack benchmarks, never served
// yet: GET /users/42 from an allowed origin, with a User-Agent.
func newStackRequest() *http.Request {
	req := httptest.NewRequest("GET", bench.UserPath, nil)
	req.Header.Set("Origin", bench.AllowedOrigin)
	req.Header.Set("User-Agent", bench.UserAgent)
	return req
}

// serveStack serves req as the stack benchmarks do and returns w. It resets
// w first, so that headers added with Add (Vary) do not pile up, and
// afterwards removes X-Request-Id from the request's headers, which a
// fresh copy shares with its template: gin-contrib/requestid adds the ID it
// generates there, and would otherwise find it on every later request and
// never generate another.
func serveStack(w *bench.Writer, h http.Handler, req *http.Request) *bench.Writer {
	w.Reset()
	h.ServeHTTP(w, req)
	delete(req.Header, "X-Request-Id")
	return w
}

// serveFresh serves a new shallow copy of tmpl through serveStack.
func serveFresh(w *bench.Writer, h http.Handler, tmpl *http.Request) *bench.Writer {
	req := new(http.Request)
	*req = *tmpl
	return serveStack(w, h, req)
}

// benchStack runs the benchmark loop of one stack in the request mode
// (reused or fresh) and returns the writer of the last request.
func benchStack(b *testing.B, h http.Handler, mode string) *bench.Writer {
	w := bench.NewWriter()
	req := newStackRequest()
	serve := serveStack
	if mode == "fresh" {
		serve = serveFresh
		// Grow the heap to its steady state before timing, as the router
		// benchmarks do.
		for range freshWarmup {
			serve(w, h, req)
		}
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		serve(w, h, req)
	}
	return w
}
