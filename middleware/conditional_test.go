package middleware_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/header"
	"github.com/keel-go/keel/middleware"
)

var (
	condModified = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	condBefore   = condModified.Add(-time.Hour).Format(http.TimeFormat)
	condSame     = condModified.Format(http.TimeFormat)
	condAfter    = condModified.Add(time.Hour).Format(http.TimeFormat)
)

// condResource returns a handler that serves body as JSON with the given
// validators ("" for none) and counts its calls.
func condResource(body, etag string, lastModified time.Time, calls *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls != nil {
			calls.Add(1)
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "max-age=60")
		if etag != "" {
			h.Set("ETag", etag)
		}
		if !lastModified.IsZero() {
			h.Set("Last-Modified", lastModified.Format(http.TimeFormat))
		}
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		w.Write([]byte(body))
	})
}

func TestConditionalGeneratesETag(t *testing.T) {
	serve := func(contentType, body string) (*httptest.Server, *http.Client) {
		return serveRaw(t, middleware.Conditional(middleware.ConditionalOptions{})(bodyHandler(contentType, []byte(body))))
	}
	ts, c := serve("application/json", `{"a":1}`)
	resp, body := doRaw(t, c, "GET", ts.URL)
	etag := resp.Header.Get("ETag")
	tag, ok := header.ParseETag(etag)
	if !ok || tag.Weak {
		t.Fatalf("ETag = %q, want a strong entity tag", etag)
	}
	if string(body) != `{"a":1}` || resp.Header.Get("Content-Length") != "7" {
		t.Errorf("body %q, Content-Length %q; want the handler's body and its length", body, resp.Header.Get("Content-Length"))
	}
	if again, _ := doRaw(t, c, "GET", ts.URL); again.Header.Get("ETag") != etag {
		t.Errorf("second ETag = %q, want the same %q", again.Header.Get("ETag"), etag)
	}
	head, headBody := doRaw(t, c, "HEAD", ts.URL)
	if head.Header.Get("ETag") != etag || len(headBody) != 0 {
		t.Errorf("HEAD: ETag %q, body %q; want %q and no body", head.Header.Get("ETag"), headBody, etag)
	}

	for _, other := range []struct{ contentType, body string }{
		{"application/json", `{"a":2}`},
		{"text/plain", `{"a":1}`},
	} {
		ts, c := serve(other.contentType, other.body)
		if resp, _ := doRaw(t, c, "GET", ts.URL); resp.Header.Get("ETag") == etag {
			t.Errorf("%s %s has the ETag of another representation", other.contentType, other.body)
		}
	}
}

func TestConditionalHeadWithoutBody(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			w.Write([]byte(`{"a":1}`))
		}
	})
	ts, c := serveRaw(t, middleware.Conditional(middleware.ConditionalOptions{})(h))
	resp, _ := doRaw(t, c, "HEAD", ts.URL)
	if got := resp.Header.Get("ETag"); got != "" {
		t.Errorf("ETag = %q for a HEAD whose handler wrote no body, want none", got)
	}
}

func TestConditionalPreconditions(t *testing.T) {
	const body = `{"id":1}`
	tests := []struct {
		name    string
		method  string
		etag    string    // set by the handler
		lastMod time.Time // set by the handler
		lines   []string
		want    int
	}{
		{name: "no conditions", etag: `"v1"`, want: 200},
		{name: "If-None-Match matches", etag: `"v1"`, lines: []string{`If-None-Match: "v1"`}, want: 304},
		{name: "If-None-Match in a list", etag: `"v1"`, lines: []string{`If-None-Match: "v0", "v1"`}, want: 304},
		{name: "If-None-Match on two lines", etag: `"v1"`, lines: []string{`If-None-Match: "v0"`, `If-None-Match: "v1"`}, want: 304},
		{name: "If-None-Match weak comparison", etag: `"v1"`, lines: []string{`If-None-Match: W/"v1"`}, want: 304},
		{name: "If-None-Match weak current", etag: `W/"v1"`, lines: []string{`If-None-Match: "v1"`}, want: 304},
		{name: "If-None-Match star", etag: `"v1"`, lines: []string{`If-None-Match: *`}, want: 304},
		{name: "If-None-Match differs", etag: `"v1"`, lines: []string{`If-None-Match: "v0"`}, want: 200},
		{name: "If-None-Match malformed", etag: `"v1"`, lines: []string{`If-None-Match: v1`}, want: 200},
		{name: "If-None-Match on HEAD", method: "HEAD", etag: `"v1"`, lines: []string{`If-None-Match: "v1"`}, want: 304},
		{name: "If-Modified-Since same", lastMod: condModified, lines: []string{"If-Modified-Since: " + condSame}, want: 304},
		{name: "If-Modified-Since later", lastMod: condModified, lines: []string{"If-Modified-Since: " + condAfter}, want: 304},
		{name: "If-Modified-Since earlier", lastMod: condModified, lines: []string{"If-Modified-Since: " + condBefore}, want: 200},
		{name: "If-Modified-Since malformed", lastMod: condModified, lines: []string{"If-Modified-Since: yesterday"}, want: 200},
		{name: "If-Modified-Since without Last-Modified", etag: `"v1"`, lines: []string{"If-Modified-Since: " + condAfter}, want: 200},
		{name: "If-None-Match takes precedence", etag: `"v1"`, lastMod: condModified,
			lines: []string{`If-None-Match: "v0"`, "If-Modified-Since: " + condAfter}, want: 200},
		{name: "If-Match matches", etag: `"v1"`, lines: []string{`If-Match: "v1"`}, want: 200},
		{name: "If-Match star", etag: `"v1"`, lines: []string{`If-Match: *`}, want: 200},
		{name: "If-Match differs", etag: `"v1"`, lines: []string{`If-Match: "v0"`}, want: 412},
		{name: "If-Match strong comparison", etag: `"v1"`, lines: []string{`If-Match: W/"v1"`}, want: 412},
		{name: "If-Match weak current", etag: `W/"v1"`, lines: []string{`If-Match: "v1"`}, want: 412},
		{name: "If-Match before If-None-Match", etag: `"v1"`, lines: []string{`If-Match: "v0"`, `If-None-Match: "v1"`}, want: 412},
		{name: "If-Unmodified-Since earlier", lastMod: condModified, lines: []string{"If-Unmodified-Since: " + condBefore}, want: 412},
		{name: "If-Unmodified-Since same", lastMod: condModified, lines: []string{"If-Unmodified-Since: " + condSame}, want: 200},
		{name: "If-Unmodified-Since ignored with If-Match", etag: `"v1"`, lastMod: condModified,
			lines: []string{`If-Match: "v1"`, "If-Unmodified-Since: " + condBefore}, want: 200},
		{name: "generated ETag with If-Match star", lines: []string{`If-Match: *`}, want: 200},
		{name: "generated ETag with If-None-Match star", lines: []string{`If-None-Match: *`}, want: 304},
		{name: "other methods pass through", method: "POST", etag: `"v1"`, lines: []string{`If-None-Match: *`}, want: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			h := middleware.Conditional(middleware.ConditionalOptions{})(condResource(body, tt.etag, tt.lastMod, nil))
			ts, c := serveRaw(t, h)
			resp, raw := doRaw(t, c, method, ts.URL, tt.lines...)
			if resp.StatusCode != tt.want {
				t.Fatalf("%s with %q: status = %d, want %d", method, tt.lines, resp.StatusCode, tt.want)
			}
			switch {
			case tt.want == 304 && len(raw) != 0:
				t.Errorf("304 body = %q, want none", raw)
			case tt.want == 412 && resp.Header.Get("Content-Type") != "application/problem+json":
				t.Errorf("412 Content-Type = %q, want application/problem+json", resp.Header.Get("Content-Type"))
			case (tt.want == 200 || tt.want == 201) && method != "HEAD" && string(raw) != body:
				t.Errorf("body = %q, want %q", raw, body)
			}
		})
	}
}

func TestConditionalNotModifiedHeaders(t *testing.T) {
	tests := []struct {
		name    string
		etag    string
		lastMod time.Time
		line    string
		maxBody int
		keep    []string
		drop    []string
	}{
		{
			name: "with an ETag", etag: `"v1"`, lastMod: condModified, line: `If-None-Match: "v1"`,
			keep: []string{"ETag", "Cache-Control", "Vary", "Expires", "Date", "Content-Location"},
			drop: []string{"Content-Type", "Content-Length", "Content-Language", "Last-Modified"},
		},
		{
			// A body over MaxBodySize gets no generated ETag.
			name: "with Last-Modified only", lastMod: condModified, line: "If-Modified-Since: " + condSame, maxBody: 1,
			keep: []string{"Last-Modified", "Cache-Control", "Vary", "Expires", "Date", "Content-Location"},
			drop: []string{"Content-Type", "Content-Length", "Content-Language", "ETag"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h := w.Header()
				h.Set("Content-Type", "application/json")
				h.Set("Content-Language", "en")
				h.Set("Cache-Control", "max-age=60")
				h.Set("Vary", "Accept")
				h.Set("Expires", condAfter)
				h.Set("Content-Location", "/things/1.json")
				if tt.etag != "" {
					h.Set("ETag", tt.etag)
				}
				h.Set("Last-Modified", tt.lastMod.Format(http.TimeFormat))
				w.Write([]byte(`{"id":1}`))
			})
			ts, c := serveRaw(t, middleware.Conditional(middleware.ConditionalOptions{MaxBodySize: tt.maxBody})(h))
			resp, raw := doRaw(t, c, "GET", ts.URL, tt.line)
			if resp.StatusCode != http.StatusNotModified || len(raw) != 0 {
				t.Fatalf("status %d, body %q; want 304 without a body", resp.StatusCode, raw)
			}
			for _, k := range tt.keep {
				if resp.Header.Get(k) == "" {
					t.Errorf("304 lacks %s", k)
				}
			}
			for _, k := range tt.drop {
				if v := resp.Header.Get(k); v != "" {
					t.Errorf("304 has %s: %q, want none", k, v)
				}
			}
		})
	}
}

func TestConditionalPreconditionFailedProblem(t *testing.T) {
	h := middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{}),
		middleware.Conditional(middleware.ConditionalOptions{}),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Encoding", "gzip") // a pre-encoded body the problem replaces
		w.Header().Set("ETag", `"v1"`)
		w.Write([]byte("not really gzip"))
	}))
	ts, c := serveRaw(t, h)
	resp, raw := doRaw(t, c, "GET", ts.URL, `If-Match: "v0"`, "X-Request-Id: req-42")
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("status = %d, want 412", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("Content-Encoding = %q, want none on the problem", got)
	}
	var p struct {
		Status    int    `json:"status"`
		Code      string `json:"code"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("body %q: %v", raw, err)
	}
	if p.Status != 412 || p.Code != "precondition_failed" || p.RequestID != "req-42" {
		t.Errorf("problem = %+v, want status 412, code precondition_failed, request_id req-42", p)
	}
}

func TestConditionalLeavesOtherStatusesAlone(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		errors.Write(w, r, errors.NotFound("no thing"))
	})
	ts, c := serveRaw(t, middleware.Conditional(middleware.ConditionalOptions{})(h))
	for _, line := range []string{`If-None-Match: *`, `If-Match: "v0"`} {
		if resp, _ := doRaw(t, c, "GET", ts.URL, line); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status = %d, want the handler's 404", line, resp.StatusCode)
		}
	}
}

func TestConditionalUnbufferedResponses(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 2000)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"larger than MaxBodySize", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Last-Modified", condSame)
			w.Write(big[:600])
			w.Write(big[600:])
		}},
		{"flushed", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Last-Modified", condSame)
			w.Write(big[:10])
			w.(http.Flusher).Flush()
			w.Write(big[10:])
		}},
		{"copied with ReadFrom", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Last-Modified", condSame)
			w.(io.ReaderFrom).ReadFrom(bytes.NewReader(big))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := middleware.Conditional(middleware.ConditionalOptions{MaxBodySize: 1000})(tt.handler)
			ts, c := serveRaw(t, h)
			resp, raw := doRaw(t, c, "GET", ts.URL)
			if got := resp.Header.Get("ETag"); got != "" {
				t.Errorf("ETag = %q, want none for an unbuffered body", got)
			}
			if !bytes.Equal(raw, big) {
				t.Errorf("body = %d bytes, want %d", len(raw), len(big))
			}
			// Last-Modified still answers If-Modified-Since.
			resp, raw = doRaw(t, c, "GET", ts.URL, "If-Modified-Since: "+condSame)
			if resp.StatusCode != http.StatusNotModified || len(raw) != 0 {
				t.Errorf("If-Modified-Since: status %d with %d bytes, want 304 without a body", resp.StatusCode, len(raw))
			}
		})
	}
}

func TestConditionalCurrent(t *testing.T) {
	current := func(r *http.Request) (header.ETag, time.Time, error) {
		switch r.URL.Path {
		case "/doc":
			return header.ETag{Tag: "v2"}, condModified, nil
		case "/missing":
			return header.ETag{}, time.Time{}, nil
		case "/broken":
			return header.ETag{}, time.Time{}, fmt.Errorf("database down")
		case "/gone":
			return header.ETag{}, time.Time{}, errors.Gone("document deleted")
		}
		return header.ETag{}, time.Time{}, errors.NotFound("no document")
	}
	tests := []struct {
		name      string
		method    string
		path      string
		lines     []string
		want      int
		wantCalls int32
	}{
		{name: "GET answered 304 without the handler", method: "GET", path: "/doc", lines: []string{`If-None-Match: "v2"`}, want: 304},
		{name: "GET by date answered 304", method: "GET", path: "/doc", lines: []string{"If-Modified-Since: " + condSame}, want: 304},
		{name: "GET stale copy", method: "GET", path: "/doc", lines: []string{`If-None-Match: "v1"`}, want: 200, wantCalls: 1},
		{name: "GET unconditional", method: "GET", path: "/doc", want: 200, wantCalls: 1},
		{name: "GET current error", method: "GET", path: "/gone", want: 410},
		{name: "GET internal error", method: "GET", path: "/broken", want: 500},
		{name: "PUT If-Match current", method: "PUT", path: "/doc", lines: []string{`If-Match: "v2"`}, want: 200, wantCalls: 1},
		{name: "PUT If-Match stale", method: "PUT", path: "/doc", lines: []string{`If-Match: "v1"`}, want: 412},
		{name: "PUT If-Unmodified-Since stale", method: "PUT", path: "/doc", lines: []string{"If-Unmodified-Since: " + condBefore}, want: 412},
		{name: "PUT If-Unmodified-Since current", method: "PUT", path: "/doc", lines: []string{"If-Unmodified-Since: " + condSame}, want: 200, wantCalls: 1},
		{name: "PUT create-only on existing", method: "PUT", path: "/doc", lines: []string{`If-None-Match: *`}, want: 412},
		{name: "PUT create-only on missing", method: "PUT", path: "/missing", lines: []string{`If-None-Match: *`}, want: 200, wantCalls: 1},
		{name: "PUT If-Match star on missing", method: "PUT", path: "/missing", lines: []string{`If-Match: *`}, want: 412},
		{name: "DELETE If-Match on unknown", method: "DELETE", path: "/unknown", lines: []string{`If-Match: "v1"`}, want: 404},
		{name: "PUT unconditional skips Current", method: "PUT", path: "/unknown", want: 200, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			h := middleware.Conditional(middleware.ConditionalOptions{Current: current})(condResource(`{"v":2}`, "", time.Time{}, &calls))
			ts, c := serveRaw(t, h)
			resp, raw := doRaw(t, c, tt.method, ts.URL+tt.path, tt.lines...)
			if resp.StatusCode != tt.want {
				t.Fatalf("%s %s %q: status = %d, want %d (body %q)", tt.method, tt.path, tt.lines, resp.StatusCode, tt.want, raw)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("handler calls = %d, want %d", got, tt.wantCalls)
			}
			if tt.path == "/doc" && (tt.method == "GET") && resp.StatusCode != 500 {
				if got := resp.Header.Get("ETag"); got != `"v2"` {
					t.Errorf("ETag = %q, want Current's \"v2\"", got)
				}
			}
		})
	}
}

func TestConditionalCurrentFallsBackToBody(t *testing.T) {
	h := middleware.Conditional(middleware.ConditionalOptions{
		Current: func(*http.Request) (header.ETag, time.Time, error) { return header.ETag{}, time.Time{}, nil },
	})(bodyHandler("text/plain", []byte("hello")))
	ts, c := serveRaw(t, h)
	resp, _ := doRaw(t, c, "GET", ts.URL)
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag, want one computed from the body when Current knows none")
	}
	if resp, _ := doRaw(t, c, "GET", ts.URL, "If-None-Match: "+etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("status = %d, want 304", resp.StatusCode)
	}
}

func TestCheckPreconditions(t *testing.T) {
	etag := header.ETag{Tag: "v3"}
	tests := []struct {
		name     string
		method   string
		current  header.ETag
		lastMod  time.Time
		lines    []string
		want     int // 0: the handler proceeds
		wantETag string
	}{
		{name: "GET proceeds", method: "GET", current: etag, lastMod: condModified, wantETag: `"v3"`},
		{name: "GET not modified", method: "GET", current: etag, lines: []string{`If-None-Match: "v3"`}, want: 304, wantETag: `"v3"`},
		{name: "GET not modified by date", method: "GET", lastMod: condModified, lines: []string{"If-Modified-Since: " + condSame}, want: 304},
		{name: "HEAD not modified", method: "HEAD", current: etag, lines: []string{`If-None-Match: W/"v3"`}, want: 304, wantETag: `"v3"`},
		{name: "GET If-Match fails", method: "GET", current: etag, lines: []string{`If-Match: "v2"`}, want: 412},
		{name: "PUT If-Match holds", method: "PUT", current: etag, lines: []string{`If-Match: "v3"`}},
		{name: "PUT If-Match fails", method: "PUT", current: etag, lines: []string{`If-Match: "v2"`}, want: 412},
		{name: "PUT If-Match weak current", method: "PUT", current: header.ETag{Weak: true, Tag: "v3"}, lines: []string{`If-Match: "v3"`}, want: 412},
		{name: "PATCH If-Unmodified-Since fails", method: "PATCH", lastMod: condModified, lines: []string{"If-Unmodified-Since: " + condBefore}, want: 412},
		{name: "PATCH If-Unmodified-Since holds", method: "PATCH", lastMod: condModified, lines: []string{"If-Unmodified-Since: " + condAfter}},
		{name: "PATCH If-Unmodified-Since without a date", method: "PATCH", current: etag, lines: []string{"If-Unmodified-Since: " + condBefore}},
		{name: "DELETE If-None-Match matches", method: "DELETE", current: etag, lines: []string{`If-None-Match: "v3"`}, want: 412},
		{name: "DELETE If-Modified-Since ignored", method: "DELETE", lastMod: condModified, lines: []string{"If-Modified-Since: " + condAfter}},
		{name: "PUT create-only, exists", method: "PUT", current: etag, lines: []string{`If-None-Match: *`}, want: 412},
		{name: "PUT create-only, absent", method: "PUT", lines: []string{`If-None-Match: *`}},
		{name: "PUT If-Match star, absent", method: "PUT", lines: []string{`If-Match: *`}, want: 412},
		{name: "PUT malformed If-Match ignored", method: "PUT", current: etag, lines: []string{`If-Match: v2`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var answered bool
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				answered = middleware.CheckPreconditions(w, r, tt.current, tt.lastMod)
				if !answered {
					w.WriteHeader(http.StatusTeapot) // stands for the handler's work
				}
			})
			ts, c := serveRaw(t, h)
			resp, _ := doRaw(t, c, tt.method, ts.URL, tt.lines...)
			want := tt.want
			if want == 0 {
				want = http.StatusTeapot
			}
			if resp.StatusCode != want || answered != (tt.want != 0) {
				t.Fatalf("CheckPreconditions(%s %q) = %v with status %d, want %v with %d",
					tt.method, tt.lines, answered, resp.StatusCode, tt.want != 0, want)
			}
			if got := resp.Header.Get("ETag"); tt.wantETag != "" && got != tt.wantETag {
				t.Errorf("ETag = %q, want %q", got, tt.wantETag)
			}
			if want == http.StatusPreconditionFailed && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("412 Content-Type = %q, want application/problem+json", resp.Header.Get("Content-Type"))
			}
		})
	}
}

func TestConditionalInvalidOptions(t *testing.T) {
	const want = "middleware: ConditionalOptions.MaxBodySize -1 is negative"
	if _, err := middleware.NewConditional(middleware.ConditionalOptions{MaxBodySize: -1}); err == nil || err.Error() != want {
		t.Errorf("NewConditional() error = %v, want %q", err, want)
	}
	defer func() {
		if msg, _ := recover().(string); msg != want {
			t.Errorf("Conditional() panic = %q, want %q", msg, want)
		}
	}()
	middleware.Conditional(middleware.ConditionalOptions{MaxBodySize: -1})
}

func TestConditionalAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts are measured in full runs without the race detector")
	}
	body := listJSON(4096)
	h := middleware.Conditional(middleware.ConditionalOptions{})(staticHandler(body))
	r := httptest.NewRequest("GET", "/", nil)
	w := discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		h.ServeHTTP(w, r)
	})
	// The ETag and Content-Length strings and one array for both header
	// values; the writer and its buffer come from a pool.
	if allocs > 3 {
		t.Errorf("allocations per 4 KiB response = %v, want at most 3", allocs)
	}
	t.Logf("%v allocations per response", allocs)
}

// BenchmarkConditional measures a 4 KiB JSON response through
// Conditional: hashed and sent (200), or hashed and answered 304.
func BenchmarkConditional(b *testing.B) {
	body := listJSON(4096)
	h := middleware.Conditional(middleware.ConditionalOptions{})(staticHandler(body))
	for _, bc := range []struct{ name, inm string }{{"200", ""}, {"304", "match"}} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/", nil)
			w := discardWriter{h: http.Header{}}
			if bc.inm != "" {
				h.ServeHTTP(w, r)
				r.Header.Set("If-None-Match", w.h.Get("ETag"))
			}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}

// FuzzConditional checks that any combination of conditional headers and
// validators yields 200 with the body, 304 without one, or 412, and
// never a panic.
func FuzzConditional(f *testing.F) {
	f.Add("GET", `"v1"`, "", "", "", "", `"v1"`, condSame, []byte("hello"))
	f.Add("GET", `W/"v1", "v2"`, "", condSame, "", "", `W/"v1"`, condSame, []byte("hello"))
	f.Add("GET", "*", `"v1"`, "", "", "", "", "", []byte{})
	f.Add("HEAD", "", "", condAfter, "", "", "", condSame, []byte("x"))
	f.Add("PUT", `"v1"`, "*", "", condBefore, `"v1"`, `"v1"`, condSame, []byte("{}"))
	f.Add("GET", `"unterminated`, `,,`, "Sun, 06 Nov 1994 08:49:37 GMT", "garbage", `"a-gzip"`, `"a"`, "not a date", []byte("x"))
	f.Fuzz(func(t *testing.T, method, inm, im, ims, ius, current, etag, lastMod string, body []byte) {
		switch method {
		case "GET", "HEAD", "PUT", "DELETE":
		default:
			method = "GET"
		}
		r := httptest.NewRequest(method, "/", nil)
		for k, v := range map[string]string{"If-None-Match": inm, "If-Match": im, "If-Modified-Since": ims, "If-Unmodified-Since": ius} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		cur, _ := header.ParseETag(current)
		lm, _ := http.ParseTime(lastMod)
		h := middleware.Conditional(middleware.ConditionalOptions{
			MaxBodySize: 64,
			Current: func(r *http.Request) (header.ETag, time.Time, error) {
				if r.Method == "GET" {
					return header.ETag{}, time.Time{}, nil // fall back to the response
				}
				return cur, lm, nil
			},
		})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if etag != "" {
				w.Header()["ETag"] = []string{etag}
			}
			if lastMod != "" {
				w.Header()["Last-Modified"] = []string{lastMod}
			}
			w.Write(body)
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case 200:
			if method != "HEAD" && !bytes.Equal(w.Body.Bytes(), body) {
				t.Fatalf("200 body = %q, want %q", w.Body.Bytes(), body)
			}
		case 304:
			if w.Body.Len() != 0 || method != "GET" && method != "HEAD" {
				t.Fatalf("304 to %s with body %q", method, w.Body.Bytes())
			}
		case 412:
			if !strings.Contains(w.Header().Get("Content-Type"), "problem") {
				t.Fatalf("412 without a problem: %q", w.Header().Get("Content-Type"))
			}
		default:
			t.Fatalf("status = %d, want 200, 304 or 412", w.Code)
		}
	})
}
