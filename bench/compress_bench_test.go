package bench_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/keel-go/keel/bench"
)

// compressBodySize is the size of the JSON body the compression benchmarks
// serve: 4 KiB.
const compressBodySize = 4 << 10

// compressEncodings are the Accept-Encoding values the compression
// benchmarks request: each coding alone, and none at all, which measures
// what a middleware costs a response it leaves uncompressed.
var compressEncodings = []string{"gzip", "br", "identity"}

// BenchmarkCompress serves a 4 KiB JSON body through each compression
// middleware of bench.Compressors, with a request that accepts one coding.
// The sub-benchmarks are named enc=coding/mw=name so that benchstat can
// pivot on the middleware (-col /mw). Requests are reused: none of the
// middleware keeps state on the request, and a fresh copy would add the
// same 320-byte allocation to each. Besides the usual metrics it reports
// wire-B/op, the size of the (compressed) body sent.
func BenchmarkCompress(b *testing.B) {
	body := bench.JSONBody(compressBodySize)
	for _, enc := range compressEncodings {
		b.Run("enc="+enc, func(b *testing.B) {
			for _, c := range bench.Compressors() {
				if enc != "identity" && !slices.Contains(c.Encodings, enc) {
					continue
				}
				b.Run("mw="+c.Name, func(b *testing.B) {
					h := c.New(body)
					req := newCompressRequest(enc)
					w := bench.NewWriter()
					b.ReportAllocs()
					stop := reportCPU(b)
					for b.Loop() {
						w.Reset()
						h.ServeHTTP(w, req)
					}
					stop()
					b.ReportMetric(float64(w.Bytes), "wire-B/op")
					if got := w.Header().Get("Content-Encoding"); w.Code != http.StatusOK || got != contentEncoding(enc) {
						b.Fatalf("GET %s with Accept-Encoding %q answered %d with Content-Encoding %q, want 200 and %q",
							bench.CompressPath, enc, w.Code, got, contentEncoding(enc))
					}
				})
			}
		})
	}
}

// newCompressRequest returns a request for the compressed route accepting
// enc alone, or with no Accept-Encoding for "identity".
func newCompressRequest(enc string) *http.Request {
	req := httptest.NewRequest("GET", bench.CompressPath, nil)
	if enc != "identity" {
		req.Header.Set("Accept-Encoding", enc)
	}
	return req
}

// contentEncoding returns the Content-Encoding of a response in the coding
// enc: enc itself, or none for identity.
func contentEncoding(enc string) string {
	if enc == "identity" {
		return ""
	}
	return enc
}
