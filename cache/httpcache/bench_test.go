package httpcache_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/keel-go/keel/cache/httpcache"
)

// benchWriter discards the response and keeps a header map the benchmark
// clears between requests.
type benchWriter struct{ h http.Header }

func (w benchWriter) Header() http.Header         { return w.h }
func (w benchWriter) WriteHeader(int)             {}
func (w benchWriter) Write(p []byte) (int, error) { return len(p), nil }

func benchHandler(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=3600")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})
}

func BenchmarkHit(b *testing.B) {
	for _, size := range []int{128, 16 << 10} {
		b.Run(strconv.Itoa(size)+"B", func(b *testing.B) {
			clock := newClock()
			h := newMiddleware(b, newMapCache(clock), httpcache.Options{Now: clock.Now})(benchHandler(strings.Repeat("x", size)))
			r := httptest.NewRequest(http.MethodGet, "/products?id=42", nil)
			w := benchWriter{h: http.Header{}}
			h.ServeHTTP(w, r)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
			if w.h.Get("X-Cache") != "HIT" {
				b.Fatalf("X-Cache %q, want HIT", w.h.Get("X-Cache"))
			}
		})
	}
}

func BenchmarkMissAndStore(b *testing.B) {
	clock := newClock()
	store := newMapCache(clock)
	h := newMiddleware(b, store, httpcache.Options{Now: clock.Now})(benchHandler(strings.Repeat("x", 1024)))
	r := httptest.NewRequest(http.MethodGet, "/products?id=42", nil)
	r.Header.Set("Cache-Control", "no-cache") // always refresh
	w := benchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func BenchmarkBypass(b *testing.B) {
	clock := newClock()
	h := newMiddleware(b, newMapCache(clock), httpcache.Options{Now: clock.Now})(benchHandler("{}"))
	r := httptest.NewRequest(http.MethodPost, "/products", nil)
	w := benchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}
