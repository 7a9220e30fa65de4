package bench_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/keel-go/keel/bench"
)

// TestCompressors checks that every compressor really compresses the
// benchmark body in each coding it is compared in, that the body decodes
// to the original, and that a request accepting no coding gets the body
// as it is.
func TestCompressors(t *testing.T) {
	body := bench.JSONBody(compressBodySize)
	for _, c := range bench.Compressors() {
		h := c.New(body)
		for _, enc := range compressEncodings {
			if enc != "identity" && !slices.Contains(c.Encodings, enc) {
				continue
			}
			t.Run(c.Name+"/"+enc, func(t *testing.T) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, newCompressRequest(enc))
				res := rec.Result()
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200", res.StatusCode)
				}
				if got := res.Header.Get("Content-Encoding"); got != contentEncoding(enc) {
					t.Fatalf("Content-Encoding = %q, want %q", got, contentEncoding(enc))
				}
				wire := rec.Body.Bytes()
				if enc != "identity" && len(wire) >= len(body)/2 {
					t.Errorf("%s body is %d bytes, want less than half of %d", enc, len(wire), len(body))
				}
				got, err := decode(enc, wire)
				if err != nil {
					t.Fatalf("decoding the %s body: %v", enc, err)
				}
				if !bytes.Equal(got, body) {
					t.Errorf("decoded body = %d bytes %.40q..., want the %d-byte original", len(got), got, len(body))
				}
			})
		}
	}
}

// decode returns b decoded from the content coding enc.
func decode(enc string, b []byte) ([]byte, error) {
	switch enc {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "br":
		return io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
	default:
		return b, nil
	}
}

func TestJSONBody(t *testing.T) {
	for _, n := range []int{16, 100, 300, 1000, compressBodySize, 10000} {
		b := bench.JSONBody(n)
		if len(b) != n || !json.Valid(b) {
			t.Errorf("JSONBody(%d) = %d bytes, valid JSON %t, want %d bytes of valid JSON", n, len(b), json.Valid(b), n)
		}
		if again := bench.JSONBody(n); !bytes.Equal(again, b) {
			t.Errorf("JSONBody(%d) differs between calls", n)
		}
	}
}
