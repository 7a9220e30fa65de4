package compress_test

import (
	"bufio"
	"bytes"
	stdgzip "compress/gzip"
	stdzlib "compress/zlib"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/header"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/middleware/compress"
	kgzip "github.com/klauspost/compress/gzip"
	kzlib "github.com/klauspost/compress/zlib"
)

// jsonBody returns a JSON array of n bytes or slightly fewer, shaped
// like an API listing.
func jsonBody(n int) []byte {
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

// serve starts a server for h and returns a client that leaves
// Accept-Encoding and the raw body alone.
func serve(tb testing.TB, h http.Handler) (*httptest.Server, *http.Client) {
	tb.Helper()
	ts := httptest.NewServer(h)
	tb.Cleanup(ts.Close)
	c := ts.Client()
	c.Transport.(*http.Transport).DisableCompression = true
	return ts, c
}

// do sends a request with the given header lines ("Name: value")
// and returns the response with its raw body read.
func do(tb testing.TB, c *http.Client, method, url string, lines ...string) (*http.Response, []byte) {
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

// decode returns body decoded from coding with the standard
// library's readers (brotli's for br).
func decode(tb testing.TB, coding string, body []byte) []byte {
	tb.Helper()
	var r io.Reader
	var err error
	switch coding {
	case "":
		return body
	case "gzip":
		r, err = stdgzip.NewReader(bytes.NewReader(body))
	case "deflate":
		r, err = stdzlib.NewReader(bytes.NewReader(body))
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	default:
		tb.Fatalf("unexpected Content-Encoding %q", coding)
	}
	if err != nil {
		tb.Fatalf("decoding %s: %v", coding, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		tb.Fatalf("decoding %s: %v", coding, err)
	}
	return out
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

func hasVary(resp *http.Response) bool {
	return header.HasToken(resp.Header.Values("Vary"), "Accept-Encoding")
}

func TestCompressCodings(t *testing.T) {
	body := jsonBody(4096)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Accept-Ranges", "bytes")
		w.Write(body)
	})
	ts, c := serve(t, compress.Middleware(compress.Options{})(h))
	for _, coding := range []string{"gzip", "br", "deflate"} {
		t.Run(coding, func(t *testing.T) {
			resp, raw := do(t, c, "GET", ts.URL, "Accept-Encoding: "+coding)
			if got := resp.Header.Get("Content-Encoding"); got != coding {
				t.Fatalf("Content-Encoding = %q, want %q", got, coding)
			}
			// The handler's Content-Length is gone; net/http may send the
			// compressed length.
			if got := resp.Header.Get("Content-Length"); got != "" && got != strconv.Itoa(len(raw)) {
				t.Errorf("Content-Length = %q, want none or %d", got, len(raw))
			}
			if got := resp.Header.Get("Accept-Ranges"); got != "" {
				t.Errorf("Accept-Ranges = %q, want none: ranges apply to the uncompressed body", got)
			}
			if !hasVary(resp) {
				t.Errorf("Vary = %q, want Accept-Encoding", resp.Header.Values("Vary"))
			}
			if len(raw) >= len(body)/2 {
				t.Errorf("compressed size = %d, want well under %d", len(raw), len(body))
			}
			if got := decode(t, coding, raw); !bytes.Equal(got, body) {
				t.Errorf("decoded body differs from the original (%d bytes, want %d)", len(got), len(body))
			}
		})
	}
}

func TestCompressNegotiation(t *testing.T) {
	body := jsonBody(2048)
	tests := []struct {
		accept string // "" sends no Accept-Encoding
		opts   compress.Options
		want   string // Content-Encoding, "" for none
	}{
		{accept: "", want: ""},
		{accept: "gzip", want: "gzip"},
		{accept: "GZIP", want: "gzip"},
		{accept: "br", want: "br"},
		{accept: "deflate", want: "deflate"},
		{accept: "gzip, deflate, br", want: "gzip"},
		{accept: "gzip, deflate, br", opts: compress.Options{Encodings: []string{"br", "gzip"}}, want: "br"},
		{accept: "gzip;q=0.5, br", want: "br"},
		{accept: "br;q=0, gzip", want: "gzip"},
		{accept: "deflate;q=0.9, gzip;q=0.8, identity;q=0.1", want: "deflate"},
		{accept: "br;q=0.2, gzip;q=0.1, identity;q=0.05", want: "br"},
		{accept: "*", want: "gzip"},
		{accept: "*;q=0.5, gzip;q=0", want: "br"},
		{accept: "identity", want: ""},
		{accept: "gzip;q=0.5, identity", want: ""},
		{accept: "gzip, identity;q=0", want: "gzip"},
		{accept: "compress, x-unknown", want: ""},
		{accept: "br", opts: compress.Options{Encodings: []string{"gzip"}}, want: ""},
		// Nothing acceptable, identity refused: sent as it is, not 406.
		{accept: "identity;q=0", want: ""},
		{accept: "*;q=0", want: ""},
		{accept: "x-unknown, identity;q=0", want: ""},
		{accept: "gzip;q=nonsense", want: ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q %v", tt.accept, tt.opts.Encodings), func(t *testing.T) {
			ts, c := serve(t, compress.Middleware(tt.opts)(bodyHandler("application/json", body)))
			var lines []string
			if tt.accept != "" {
				lines = append(lines, "Accept-Encoding: "+tt.accept)
			}
			resp, raw := do(t, c, "GET", ts.URL, lines...)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			got := resp.Header.Get("Content-Encoding")
			if got != tt.want {
				t.Fatalf("Accept-Encoding %q: Content-Encoding = %q, want %q", tt.accept, got, tt.want)
			}
			if !hasVary(resp) {
				t.Errorf("Vary = %q, want Accept-Encoding", resp.Header.Values("Vary"))
			}
			if decoded := decode(t, got, raw); !bytes.Equal(decoded, body) {
				t.Errorf("decoded body differs from the original")
			}
		})
	}
}

func TestCompressMinSize(t *testing.T) {
	tests := []struct {
		name    string
		minSize int
		writes  []int // sizes of successive writes
		want    bool  // compressed
	}{
		{"empty", 0, nil, false},
		{"one byte under the default", 0, []int{1023}, false},
		{"the default", 0, []int{1024}, true},
		{"small writes adding up", 0, []int{300, 300, 300, 300}, true},
		{"small writes staying under", 0, []int{300, 300, 300}, false},
		{"custom minimum reached", 100, []int{60, 60}, true},
		{"custom minimum missed", 100, []int{99}, false},
		{"minimum of one byte", 1, []int{1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []byte
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				for _, n := range tt.writes {
					w.Write(bytes.Repeat([]byte("a"), n))
				}
			})
			for _, n := range tt.writes {
				want = append(want, bytes.Repeat([]byte("a"), n)...)
			}
			ts, c := serve(t, compress.Middleware(compress.Options{MinSize: tt.minSize})(h))
			resp, raw := do(t, c, "GET", ts.URL, "Accept-Encoding: gzip")
			coding := resp.Header.Get("Content-Encoding")
			if got := coding == "gzip"; got != tt.want {
				t.Fatalf("compressed = %v, want %v (Content-Encoding %q)", got, tt.want, coding)
			}
			if !tt.want {
				if got, want := resp.Header.Get("Content-Length"), strconv.Itoa(len(want)); got != want {
					t.Errorf("Content-Length = %q, want %q", got, want)
				}
			}
			if len(want) > 0 && !hasVary(resp) {
				t.Errorf("Vary = %q, want Accept-Encoding on a compressible type of any size", resp.Header.Values("Vary"))
			}
			if got := decode(t, coding, raw); !bytes.Equal(got, want) {
				t.Errorf("decoded body = %d bytes, want %d", len(got), len(want))
			}
		})
	}
}

func TestCompressContentTypes(t *testing.T) {
	html := []byte("<!DOCTYPE html><html><body>" + strings.Repeat("<p>hello</p>", 200) + "</body></html>")
	tests := []struct {
		name        string
		contentType string // "" sets none, to be sniffed
		body        []byte
		opts        compress.Options
		want        bool
		wantType    string // Content-Type received, when it differs
	}{
		{name: "json", contentType: "application/json", want: true},
		{name: "json with parameters", contentType: "application/json; charset=utf-8", want: true},
		{name: "problem", contentType: "application/problem+json", want: true},
		{name: "upper case", contentType: "TEXT/CSV", want: true},
		{name: "text wildcard", contentType: "text/event-stream", want: true},
		{name: "svg", contentType: "image/svg+xml", want: true},
		{name: "png", contentType: "image/png"},
		{name: "octet stream", contentType: "application/octet-stream"},
		{name: "malformed", contentType: "json"},
		{name: "sniffed html", body: html, want: true, wantType: "text/html; charset=utf-8"},
		{name: "sniffed binary", body: append([]byte("\x89PNG\x0d\x0a\x1a\x0a"), make([]byte, 2000)...), wantType: "image/png"},
		{name: "custom list", contentType: "application/x-custom",
			opts: compress.Options{ContentTypes: []string{"application/x-custom"}}, want: true},
		{name: "custom list excludes defaults", contentType: "application/json",
			opts: compress.Options{ContentTypes: []string{"application/x-custom"}}},
		{name: "any type", contentType: "image/png",
			opts: compress.Options{ContentTypes: []string{"*/*"}}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == nil {
				body = jsonBody(2048)
			}
			ts, c := serve(t, compress.Middleware(tt.opts)(bodyHandler(tt.contentType, body)))
			resp, raw := do(t, c, "GET", ts.URL, "Accept-Encoding: gzip")
			coding := resp.Header.Get("Content-Encoding")
			if got := coding == "gzip"; got != tt.want {
				t.Fatalf("Content-Type %q: compressed = %v, want %v", tt.contentType, got, tt.want)
			}
			if got := hasVary(resp); got != tt.want {
				t.Errorf("Vary has Accept-Encoding = %v, want %v", got, tt.want)
			}
			wantType := tt.contentType
			if tt.wantType != "" {
				wantType = tt.wantType
			}
			if got := resp.Header.Get("Content-Type"); got != wantType {
				t.Errorf("Content-Type = %q, want %q", got, wantType)
			}
			if got := decode(t, coding, raw); !bytes.Equal(got, body) {
				t.Errorf("decoded body differs from the original")
			}
		})
	}
}

func TestCompressSkips(t *testing.T) {
	body := jsonBody(4096)
	preEncoded := func() []byte {
		var b bytes.Buffer
		zw := stdgzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
		return b.Bytes()
	}()
	tests := []struct {
		name    string
		method  string
		lines   []string
		handler http.HandlerFunc
		status  int
		want    []byte // the raw body expected
	}{
		{
			name: "already encoded",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(preEncoded)
			},
			status: 200, want: preEncoded,
		},
		{
			name: "no-transform",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Cache-Control", "public, No-Transform")
				w.Write(body)
			},
			status: 200, want: body,
		},
		{
			name:    "HEAD",
			method:  "HEAD",
			handler: bodyHandler("application/json", body).ServeHTTP,
			status:  200,
		},
		{
			name:  "range request",
			lines: []string{"Range: bytes=0-99"},
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.ServeContent(w, r, "x.json", time.Time{}, bytes.NewReader(body))
			},
			status: 206, want: body[:100],
		},
		{
			name: "204",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNoContent)
			},
			status: 204,
		},
		{
			name: "304",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ETag", `"v1"`)
				w.WriteHeader(http.StatusNotModified)
			},
			status: 304,
		},
		{
			name: "206 without a Range header",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-1999/%d", len(body)))
				w.WriteHeader(http.StatusPartialContent)
				w.Write(body[:2000])
			},
			status: 206, want: body[:2000],
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			ts, c := serve(t, compress.Middleware(compress.Options{})(tt.handler))
			resp, raw := do(t, c, method, ts.URL, append(tt.lines, "Accept-Encoding: gzip, br")...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.name != "already encoded" {
				if got := resp.Header.Get("Content-Encoding"); got != "" {
					t.Errorf("Content-Encoding = %q, want none", got)
				}
			}
			if hasVary(resp) {
				t.Errorf("Vary = %q, want no Accept-Encoding", resp.Header.Values("Vary"))
			}
			if !bytes.Equal(raw, tt.want) {
				t.Errorf("body = %d bytes, want the %d bytes the handler sent", len(raw), len(tt.want))
			}
		})
	}
}

func TestCompressKeepsVary(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Origin")
		w.Header().Set("Content-Type", "text/plain")
		w.Write(bytes.Repeat([]byte("x"), 2000))
	})
	ts, c := serve(t, compress.Middleware(compress.Options{})(h))
	resp, _ := do(t, c, "GET", ts.URL, "Accept-Encoding: gzip")
	if got, want := resp.Header.Values("Vary"), []string{"Origin", "Accept-Encoding"}; !slices.Equal(got, want) {
		t.Errorf("Vary = %q, want %q", got, want)
	}
}

// TestCompressFlushStreamsEvents proves that each flushed event reaches
// the client through the encoder before the handler writes the next: the
// handler waits for the client to have read an event, so a compressor
// that held output back would deadlock and time out.
func TestCompressFlushStreamsEvents(t *testing.T) {
	const events = 3
	for _, coding := range []string{"gzip", "br", "deflate"} {
		t.Run(coding, func(t *testing.T) {
			read := make(chan struct{})
			handlerErr := make(chan error, 1)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				handlerErr <- func() error {
					w.Header().Set("Content-Type", "text/event-stream")
					for i := range events {
						fmt.Fprintf(w, "data: event %d\n\n", i)
						if err := http.NewResponseController(w).Flush(); err != nil {
							return fmt.Errorf("flush: %v", err)
						}
						select {
						case <-read:
						case <-time.After(5 * time.Second):
							return fmt.Errorf("event %d was not read by the client: the compressor held it back", i)
						}
					}
					return nil
				}()
			})
			ts, c := serve(t, compress.Middleware(compress.Options{})(h))
			req, _ := http.NewRequest("GET", ts.URL, nil)
			req.Header.Set("Accept-Encoding", coding)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.Header.Get("Content-Encoding"); got != coding {
				t.Fatalf("Content-Encoding = %q, want %q", got, coding)
			}
			var dec io.Reader
			switch coding {
			case "gzip":
				dec, err = stdgzip.NewReader(resp.Body)
			case "deflate":
				dec, err = stdzlib.NewReader(resp.Body)
			case "br":
				dec = brotli.NewReader(resp.Body)
			}
			if err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewReader(dec)
			for i := range events {
				var event string
				for {
					line, err := lines.ReadString('\n')
					if err != nil {
						t.Fatalf("reading event %d: %v", i, err)
					}
					if line == "\n" {
						break
					}
					event += line
				}
				if want := fmt.Sprintf("data: event %d\n", i); event != want {
					t.Fatalf("event %d = %q, want %q", i, event, want)
				}
				read <- struct{}{}
			}
			if err := <-handlerErr; err != nil {
				t.Fatal(err)
			}
			if rest, err := io.ReadAll(lines); err != nil || len(rest) != 0 {
				t.Errorf("after the events: %q, %v; want a clean end of stream", rest, err)
			}
		})
	}
}

func TestCompressETag(t *testing.T) {
	body := jsonBody(4096)
	etagHandler := func(etag string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("ETag", etag)
			w.Write(body)
		})
	}
	tests := []struct {
		name, etag, accept, want string
	}{
		{"strong gzip", `"abc"`, "gzip", `"abc-gzip"`},
		{"strong br", `"abc"`, "br", `"abc-br"`},
		{"strong deflate", `"abc"`, "deflate", `"abc-deflate"`},
		{"strong identity", `"abc"`, "identity", `"abc"`},
		{"weak kept", `W/"abc"`, "gzip", `W/"abc"`},
		{"malformed kept", `abc`, "gzip", `abc`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, c := serve(t, compress.Middleware(compress.Options{})(etagHandler(tt.etag)))
			resp, _ := do(t, c, "GET", ts.URL, "Accept-Encoding: "+tt.accept)
			if got := resp.Header.Get("ETag"); got != tt.want {
				t.Errorf("ETag = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCompressConditionalRoundTrip checks that the validator a client
// gets from a compressed response works in If-None-Match, whether the
// ETag comes from Conditional or from the handler.
func TestCompressConditionalRoundTrip(t *testing.T) {
	body := jsonBody(4096)
	handlers := map[string]http.Handler{
		"generated by Conditional": middleware.Conditional(middleware.ConditionalOptions{})(bodyHandler("application/json", body)),
		"set by the handler": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if middleware.CheckPreconditions(w, r, header.ETag{Tag: "v7"}, time.Time{}) {
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}),
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			ts, c := serve(t, compress.Middleware(compress.Options{})(h))
			for _, coding := range []string{"gzip", "br"} {
				first, raw := do(t, c, "GET", ts.URL, "Accept-Encoding: "+coding)
				etag := first.Header.Get("ETag")
				if !strings.HasSuffix(etag, "-"+coding+`"`) {
					t.Fatalf("ETag = %q, want a strong tag suffixed -%s", etag, coding)
				}
				if got := decode(t, coding, raw); !bytes.Equal(got, body) {
					t.Fatal("decoded body differs from the original")
				}

				resp, raw := do(t, c, "GET", ts.URL, "Accept-Encoding: "+coding, "If-None-Match: "+etag)
				if resp.StatusCode != http.StatusNotModified {
					t.Fatalf("If-None-Match %s: status = %d, want 304", etag, resp.StatusCode)
				}
				if got := resp.Header.Get("ETag"); got != etag {
					t.Errorf("304 ETag = %q, want %q", got, etag)
				}
				if !hasVary(resp) {
					t.Errorf("304 Vary = %q, want Accept-Encoding", resp.Header.Values("Vary"))
				}
				if len(raw) != 0 || resp.Header.Get("Content-Encoding") != "" {
					t.Errorf("304 has body %q and Content-Encoding %q, want neither", raw, resp.Header.Get("Content-Encoding"))
				}

				// The tag may come on a line of its own.
				resp, _ = do(t, c, "GET", ts.URL, "Accept-Encoding: "+coding, `If-None-Match: "old"`, "If-None-Match: "+etag)
				if resp.StatusCode != http.StatusNotModified || resp.Header.Get("ETag") != etag {
					t.Errorf("If-None-Match on two lines: status %d, ETag %q; want 304 with %s", resp.StatusCode, resp.Header.Get("ETag"), etag)
				}

				// The tag of another representation, or a stale one, does not match.
				for _, other := range []string{`"v6-` + coding + `"`, strings.Replace(etag, "-"+coding, "-deflate", 1)} {
					resp, _ = do(t, c, "GET", ts.URL, "Accept-Encoding: "+coding, "If-None-Match: "+other)
					if resp.StatusCode != http.StatusOK {
						t.Errorf("If-None-Match %s: status = %d, want 200", other, resp.StatusCode)
					}
				}
			}

			// A client holding the uncompressed representation keeps it.
			first, _ := do(t, c, "GET", ts.URL)
			plain := first.Header.Get("ETag")
			resp, _ := do(t, c, "GET", ts.URL, "Accept-Encoding: gzip", "If-None-Match: "+plain)
			if resp.StatusCode != http.StatusNotModified || resp.Header.Get("ETag") != plain {
				t.Errorf("If-None-Match %s: status %d, ETag %q; want 304 with %s",
					plain, resp.StatusCode, resp.Header.Get("ETag"), plain)
			}
		})
	}
}

// TestCompressIfMatch checks that an unsafe request conditioned on the
// tag of a compressed response reaches the handler with the handler's own
// tag.
func TestCompressIfMatch(t *testing.T) {
	current := header.ETag{Tag: "v7"}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if middleware.CheckPreconditions(w, r, current, time.Time{}) {
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	ts, c := serve(t, compress.Middleware(compress.Options{})(h))
	tests := []struct {
		ifMatch string
		want    int
	}{
		{`"v7-gzip"`, 204},
		{`"v7-br"`, 204},
		{`"v7"`, 204},
		{`"v6-gzip", "v7-deflate"`, 204},
		{`"v6-gzip"`, 412},
		{`W/"v7-gzip"`, 412}, // If-Match compares strongly
	}
	for _, tt := range tests {
		resp, _ := do(t, c, "PUT", ts.URL, "Accept-Encoding: gzip", "If-Match: "+tt.ifMatch)
		if resp.StatusCode != tt.want {
			t.Errorf("If-Match %s: status = %d, want %d", tt.ifMatch, resp.StatusCode, tt.want)
		}
	}
}

func TestCompressReadFrom(t *testing.T) {
	for _, size := range []int{10, 5000, 100_000} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				if _, err := w.(io.ReaderFrom).ReadFrom(bytes.NewReader(body)); err != nil {
					t.Errorf("ReadFrom: %v", err)
				}
			})
			ts, c := serve(t, compress.Middleware(compress.Options{})(h))
			resp, raw := do(t, c, "GET", ts.URL, "Accept-Encoding: gzip")
			coding := resp.Header.Get("Content-Encoding")
			if want := size >= compress.DefaultMinSize; (coding == "gzip") != want {
				t.Errorf("Content-Encoding = %q, want compressed %v", coding, want)
			}
			if got := decode(t, coding, raw); !bytes.Equal(got, body) {
				t.Errorf("decoded body = %d bytes, want %d", len(got), len(body))
			}
		})
	}
}

func TestCompressHijack(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		brw.Flush()
	})
	ts, c := serve(t, compress.Middleware(compress.Options{})(h))
	resp, raw := do(t, c, "GET", ts.URL, "Accept-Encoding: gzip")
	if string(raw) != "hijacked" || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("body %q, Content-Encoding %q; want the hijacker's raw response", raw, resp.Header.Get("Content-Encoding"))
	}
}

// TestCompressProblem checks that an error written through the
// middleware is a well-formed problem, and that errors.Write sees a
// status sent through the compressor as committed.
func TestCompressProblem(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("late") {
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("partial"))
		}
		errors.Write(w, r, errors.NotFound("no widget %s", strings.Repeat("w", 2000)))
	})
	ts, c := serve(t, compress.Middleware(compress.Options{})(h))

	resp, raw := do(t, c, "GET", ts.URL, "Accept-Encoding: gzip")
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q; want a gzip 404", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	if got := decode(t, "gzip", raw); !bytes.Contains(got, []byte(`"status":404`)) {
		t.Errorf("decoded problem = %.80q..., want a 404 problem", got)
	}

	resp, raw = do(t, c, "GET", ts.URL+"?late", "Accept-Encoding: gzip")
	if resp.StatusCode != http.StatusOK || string(raw) != "partial" {
		t.Errorf("status %d, body %q; want the 200 the handler started, untouched", resp.StatusCode, raw)
	}
}

func TestCompressInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts compress.Options
		want string
	}{
		{"unknown coding", compress.Options{Encodings: []string{"zstd"}}, `Encodings: unsupported coding "zstd"`},
		{"duplicate coding", compress.Options{Encodings: []string{"gzip", "GZIP"}}, `lists "GZIP" twice`},
		{"empty codings", compress.Options{Encodings: []string{}}, "Encodings is empty"},
		{"gzip level", compress.Options{GzipLevel: 10}, "GzipLevel 10"},
		{"negative gzip level", compress.Options{GzipLevel: -1}, "GzipLevel -1"},
		{"brotli level", compress.Options{BrotliLevel: 12}, "BrotliLevel 12"},
		{"negative minimum", compress.Options{MinSize: -1}, "MinSize -1"},
		{"empty types", compress.Options{ContentTypes: []string{}}, "ContentTypes is empty"},
		{"bad type", compress.Options{ContentTypes: []string{"json"}}, `"json" is not a media type`},
		{"bad wildcard", compress.Options{ContentTypes: []string{"*/json"}}, `"*/json" is not a media type`},
		{"parameters", compress.Options{ContentTypes: []string{"text/html; charset=utf-8"}}, "is not a media type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := compress.New(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) ||
				!strings.HasPrefix(err.Error(), "compress: ") {
				t.Errorf("New() error = %v, want a \"compress: \" error containing %q", err, tt.want)
			}
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, tt.want) {
					t.Errorf("Middleware() panic = %q, want it to contain %q", msg, tt.want)
				}
			}()
			compress.Middleware(tt.opts)
		})
	}
}

// nopWriter is a ResponseWriter that discards the body and whose
// header map is cleared between requests, to measure the middleware
// alone.
type nopWriter struct{ h http.Header }

func (w nopWriter) Header() http.Header         { return w.h }
func (w nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w nopWriter) WriteHeader(int)             {}

func TestCompressAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts are measured in full runs without the race detector")
	}
	body := jsonBody(4096)
	h := compress.Middleware(compress.Options{})(staticHandler(body))
	for _, tt := range []struct {
		coding string
		max    float64
	}{
		// Per response: the Vary and Content-Encoding header values.
		// Accept-Encoding is read without allocating, and writers and
		// encoders come from pools.
		{"gzip", 2},
		{"br", 2},
		{"identity", 1},
	} {
		t.Run(tt.coding, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Accept-Encoding", tt.coding)
			w := nopWriter{h: http.Header{}}
			allocs := testing.AllocsPerRun(200, func() {
				clear(w.h)
				h.ServeHTTP(w, r)
			})
			if allocs > tt.max {
				t.Errorf("allocations per compressed 4 KiB response = %v, want at most %v", allocs, tt.max)
			}
			t.Logf("%s: %v allocations per response", tt.coding, allocs)
		})
	}
}

// staticHandler returns a handler that sends body as JSON without
// allocating, so that allocation counts are the middleware's.
func staticHandler(body []byte) http.Handler {
	contentType := []string{"application/json"} // shared: never modified
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = contentType
		w.Write(body)
	})
}

// BenchmarkCompress measures a 4 KiB JSON response through the
// middleware for each coding, and for identity, where it only adds Vary.
func BenchmarkCompress(b *testing.B) {
	body := jsonBody(4096)
	h := compress.Middleware(compress.Options{})(staticHandler(body))
	for _, coding := range []string{"gzip", "br", "deflate", "identity"} {
		b.Run(coding, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Accept-Encoding", coding)
			w := nopWriter{h: http.Header{}}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}

// BenchmarkCompressEncoders compares the standard library's gzip and
// zlib writers with klauspost/compress's on a 4 KiB JSON body at the
// default level. The middleware uses klauspost/compress, which measured two to
// three times faster for the same output size.
func BenchmarkCompressEncoders(b *testing.B) {
	body := jsonBody(4096)
	type encoder interface {
		io.WriteCloser
		Reset(io.Writer)
	}
	encoders := []struct {
		name string
		new  func() encoder
	}{
		{"gzip/stdlib", func() encoder { w, _ := stdgzip.NewWriterLevel(io.Discard, compress.DefaultGzipLevel); return w }},
		{"gzip/klauspost", func() encoder { w, _ := kgzip.NewWriterLevel(io.Discard, compress.DefaultGzipLevel); return w }},
		{"deflate/stdlib", func() encoder { w, _ := stdzlib.NewWriterLevel(io.Discard, compress.DefaultGzipLevel); return w }},
		{"deflate/klauspost", func() encoder { w, _ := kzlib.NewWriterLevel(io.Discard, compress.DefaultGzipLevel); return w }},
		{"br/andybalholm", func() encoder { return brotli.NewWriterLevel(io.Discard, compress.DefaultBrotliLevel) }},
	}
	for _, e := range encoders {
		b.Run(e.name, func(b *testing.B) {
			enc := e.new()
			var out bytes.Buffer
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				enc.Reset(&out)
				enc.Write(body)
				enc.Close()
			}
			b.ReportMetric(float64(out.Len()), "out-bytes")
		})
	}
}

// FuzzCompress checks that whatever the request's Accept-Encoding and
// If-None-Match and the response's type, ETag and body, the middleware in
// front of Conditional answers 200 with a body that decodes to the
// handler's, or 304 without one, and never panics.
func FuzzCompress(f *testing.F) {
	f.Add("gzip", "application/json", "", `"abc"`, []byte(`{"a":1}`))
	f.Add("br;q=0.9, gzip;q=0.8, identity;q=0", "text/html; charset=utf-8", `"abc-br"`, `"abc"`, bytes.Repeat([]byte("<p>x</p>"), 10))
	f.Add("deflate, *;q=0", "", `W/"x-deflate", "y"`, `W/"x"`, []byte("plain text body, long enough to pass the minimum"))
	f.Add("*", "TEXT/PLAIN", "*", "", []byte{})
	f.Add(",;q=,gzip;q=2", "image/png", `"unterminated`, `nonsense`, []byte{0x89, 'P', 'N', 'G'})
	// One middleware for all inputs, as in a server: its pools carry
	// encoders from one response to the next.
	mw := middleware.Chain(
		compress.Middleware(compress.Options{MinSize: 16}),
		middleware.Conditional(middleware.ConditionalOptions{}),
	)
	f.Fuzz(func(t *testing.T, accept, contentType, ifNoneMatch, etag string, body []byte) {
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if contentType != "" {
				w.Header()["Content-Type"] = []string{contentType}
			}
			if etag != "" {
				w.Header()["Etag"] = []string{etag}
			}
			// Two writes, so that the held-back prefix and the rest meet.
			half := len(body) / 2
			w.Write(body[:half])
			w.Write(body[half:])
		}))
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Accept-Encoding"] = []string{accept}
		if ifNoneMatch != "" {
			r.Header["If-None-Match"] = []string{ifNoneMatch}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		coding := w.Header().Get("Content-Encoding")
		switch w.Code {
		case http.StatusOK:
			if got := decode(t, coding, w.Body.Bytes()); !bytes.Equal(got, body) {
				t.Fatalf("decoded %s body = %q, want %q", coding, got, body)
			}
			if coding != "" {
				if tag, ok := header.ParseETag(w.Header().Get("ETag")); ok && !tag.Weak && !strings.HasSuffix(tag.Tag, "-"+coding) {
					t.Fatalf("compressed with %s, ETag = %q, want the coding's suffix", coding, w.Header().Get("ETag"))
				}
			}
		case http.StatusNotModified:
			if w.Body.Len() != 0 || coding != "" {
				t.Fatalf("304 with body %q and Content-Encoding %q", w.Body.Bytes(), coding)
			}
		default:
			t.Fatalf("status = %d, want 200 or 304", w.Code)
		}
	})
}
