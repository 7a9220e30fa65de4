package middleware_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/router"
)

// limProblem is the part of a problem+json body the limit tests check.
type limProblem struct {
	Status    int    `json:"status"`
	Code      string `json:"code"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
}

// limReadProblem decodes resp's body as exactly one problem+json document.
func limReadProblem(tb testing.TB, resp *http.Response) limProblem {
	tb.Helper()
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/problem+json" {
		tb.Fatalf("Content-Type = %q, want application/problem+json", resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("reading the problem: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var p limProblem
	if err := dec.Decode(&p); err != nil {
		tb.Fatalf("problem %q: %v", body, err)
	}
	if dec.More() {
		tb.Fatalf("body %q holds more than one problem", body)
	}
	return p
}

// limRecv receives from ch, failing the test after a timeout.
func limRecv[T any](tb testing.TB, ch <-chan T) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		tb.Fatal("timed out waiting on a channel")
		panic("unreachable")
	}
}

// limPanics runs f and checks that it panics with a "middleware: " message
// containing want.
func limPanics(tb testing.TB, f func(), want string) {
	tb.Helper()
	defer func() {
		tb.Helper()
		v := recover()
		msg, _ := v.(string)
		if !strings.HasPrefix(msg, "middleware: ") || !strings.Contains(msg, want) {
			tb.Errorf("panic = %v, want a \"middleware: \" message containing %q", v, want)
		}
	}()
	f()
}

// blRead is what a blReader handler saw when it read the body.
type blRead struct {
	n      int
	err    error
	length int64 // the request's ContentLength: -1 when chunked
}

// blReader returns a handler that reads the whole body, reports what it
// read, and answers the error with errors.Write or the byte count.
func blReader(seen chan<- blRead) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if seen != nil {
			seen <- blRead{len(b), err, r.ContentLength}
		}
		if err != nil {
			errors.Write(w, r, err)
			return
		}
		io.WriteString(w, strconv.Itoa(len(b)))
	})
}

// blPost sends size bytes to url, declaring the length or, when chunked,
// with Transfer-Encoding: chunked.
func blPost(tb testing.TB, c *http.Client, url string, size int, chunked bool) *http.Response {
	tb.Helper()
	var body io.Reader = bytes.NewReader(bytes.Repeat([]byte("x"), size))
	if chunked {
		// A reader of unknown length makes the client send chunks.
		body = io.MultiReader(body)
	}
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		tb.Fatal(err)
	}
	if chunked {
		req.ContentLength = -1
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatalf("POST %s (%d bytes, chunked %v): %v", url, size, chunked, err)
	}
	return resp
}

func TestBodyLimitThroughServer(t *testing.T) {
	t.Parallel()
	const limit = 1024
	seen := make(chan blRead, 1)
	h := middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{Generate: func() string { return "req-1" }}),
		middleware.BodyLimit(middleware.BodyLimitOptions{Limit: limit}),
	)(blReader(seen))
	srv := httptest.NewServer(h)
	defer srv.Close()

	tests := []struct {
		name     string
		size     int
		chunked  bool
		want     int
		wantRead int // bytes the handler read
	}{
		{"empty chunked body", 0, true, http.StatusOK, 0},
		{"under the limit", limit - 1, false, http.StatusOK, limit - 1},
		{"at the limit", limit, false, http.StatusOK, limit},
		{"declared over the limit is refused before reading", limit + 1, false, http.StatusRequestEntityTooLarge, 0},
		{"chunked under the limit", limit - 1, true, http.StatusOK, limit - 1},
		{"chunked at the limit", limit, true, http.StatusOK, limit},
		{"chunked over the limit is cut at the limit", 4 * limit, true, http.StatusRequestEntityTooLarge, limit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := blPost(t, srv.Client(), srv.URL, tt.size, tt.chunked)
			defer resp.Body.Close()
			got := limRecv(t, seen)
			if got.n != tt.wantRead {
				t.Errorf("handler read %d bytes, want %d", got.n, tt.wantRead)
			}
			if chunked := got.length == -1; chunked != tt.chunked {
				t.Errorf("request chunked = %v, want %v", chunked, tt.chunked)
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusOK {
				if got.err != nil {
					t.Errorf("handler read error = %v, want nil", got.err)
				}
				return
			}
			var mbe *http.MaxBytesError
			if !errors.As(got.err, &mbe) || mbe.Limit != limit {
				t.Errorf("handler read error = %v, want *http.MaxBytesError with limit %d", got.err, limit)
			}
			p := limReadProblem(t, resp)
			want := limProblem{Status: 413, Code: errors.CodeRequestTooLarge, RequestID: "req-1",
				Detail: "The request body exceeds the limit of 1024 bytes."}
			if p != want {
				t.Errorf("problem = %+v, want %+v", p, want)
			}
		})
	}
}

func TestBodyLimitDefault(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(middleware.BodyLimit(middleware.BodyLimitOptions{})(blReader(nil)))
	defer srv.Close()
	for _, tt := range []struct {
		size int
		want int
	}{
		{int(middleware.DefaultBodyLimit), http.StatusOK},
		{int(middleware.DefaultBodyLimit) + 1, http.StatusRequestEntityTooLarge},
	} {
		resp := blPost(t, srv.Client(), srv.URL, tt.size, true)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("chunked body of %d bytes: status = %d, want %d", tt.size, resp.StatusCode, tt.want)
		}
	}
}

// TestBodyLimitStreamedChunks sends the body through a pipe, in pieces
// written while the server reads, as a streaming client would.
func TestBodyLimitStreamedChunks(t *testing.T) {
	t.Parallel()
	seen := make(chan blRead, 1)
	srv := httptest.NewServer(middleware.BodyLimit(middleware.BodyLimitOptions{Limit: 100})(blReader(seen)))
	defer srv.Close()

	for _, tt := range []struct {
		name   string
		pieces int
		want   int
	}{
		{"fits", 2, http.StatusOK},
		{"too long", 10, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			wrote := make(chan struct{})
			go func() {
				defer close(wrote)
				for range tt.pieces {
					if _, err := pw.Write(bytes.Repeat([]byte("y"), 30)); err != nil {
						return // the transport closed the body: the server is done with it
					}
				}
				pw.Close()
			}()
			req, err := http.NewRequest(http.MethodPost, srv.URL, pr)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			pr.Close()
			limRecv(t, wrote)
			got := limRecv(t, seen)
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want != http.StatusOK && got.n != 100 {
				t.Errorf("handler read %d bytes, want 100", got.n)
			}
			if got.length != -1 {
				t.Errorf("request ContentLength = %d, want -1 (chunked)", got.length)
			}
		})
	}
}

func TestBodyLimitRouteAndGroupLimits(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		b, err := io.ReadAll(r.Body)
		if err != nil {
			errors.Write(w, r, err)
			return
		}
		io.WriteString(w, strconv.Itoa(len(b)))
	})
	r := router.New()
	r.Use(middleware.BodyLimit(middleware.BodyLimitOptions{Limit: 1000}))
	r.Post("/default", h)
	r.Post("/meta", h, router.Meta(middleware.BodyLimitMeta(5000)))
	r.Post("/meta-int", h, router.Meta(middleware.BodyLimitMetaKey, 50))
	r.Post("/meta-invalid", h, router.Meta(middleware.BodyLimitMetaKey, "lots"))
	up := r.Group("/uploads", middleware.BodyLimitFor(8000))
	up.Post("/file", h)
	up.Post("/small", h, router.Meta(middleware.BodyLimitMeta(10)))
	up.Group("/nested", middleware.BodyLimitFor(20000)).Post("/file", h) // the outer group's 8000 holds
	up.Group("/strict", middleware.BodyLimitFor(200)).Post("/file", h)
	r.With(middleware.BodyLimitFor(3000)).Post("/route", h)

	srv := httptest.NewServer(r)
	defer srv.Close()

	tests := []struct {
		path      string
		limit     int
		noHandler bool // a declared length over the limit never reaches the handler
	}{
		{"/default", 1000, false},
		{"/meta", 5000, false},
		{"/meta-int", 50, false},
		{"/meta-invalid", 1000, false},
		{"/uploads/file", 8000, true},
		{"/uploads/small", 10, true},
		{"/uploads/nested/file", 8000, true},
		{"/uploads/strict/file", 200, true},
		{"/route", 3000, true},
	}
	for _, tt := range tests {
		for _, chunked := range []bool{false, true} {
			t.Run(tt.path+"/chunked="+strconv.FormatBool(chunked), func(t *testing.T) {
				for _, c := range []struct {
					size int
					want int
				}{
					{tt.limit, http.StatusOK},
					{tt.limit + 1, http.StatusRequestEntityTooLarge},
				} {
					before := calls.Load()
					resp := blPost(t, srv.Client(), srv.URL+tt.path, c.size, chunked)
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != c.want {
						t.Errorf("%d bytes: status = %d, want %d; body %s", c.size, resp.StatusCode, c.want, body)
					}
					if c.want == http.StatusOK && string(body) != strconv.Itoa(c.size) {
						t.Errorf("%d bytes: body = %q, want %q", c.size, body, strconv.Itoa(c.size))
					}
					called := calls.Load() != before
					if wantCalled := c.want == http.StatusOK || chunked || !tt.noHandler; called != wantCalled {
						t.Errorf("%d bytes: handler called = %v, want %v", c.size, called, wantCalled)
					}
				}
			})
		}
	}
}

func TestBodyLimitAnswersForHandlerThatSwallowsTheError(t *testing.T) {
	t.Parallel()
	h := middleware.BodyLimit(middleware.BodyLimitOptions{Limit: 10})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err == nil {
			io.WriteString(w, "read")
		}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, chunked := range []bool{false, true} {
		resp := blPost(t, srv.Client(), srv.URL, 11, chunked)
		p := limReadProblem(t, resp)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || p.Code != errors.CodeRequestTooLarge {
			t.Errorf("chunked %v: status %d, code %q; want 413, %q", chunked, resp.StatusCode, p.Code, errors.CodeRequestTooLarge)
		}
	}
}

// TestBodyLimitIsLazy pins the design: BodyLimit settles the limit when
// the body is read, so a handler that never reads it answers as it likes.
func TestBodyLimitIsLazy(t *testing.T) {
	h := middleware.BodyLimit(middleware.BodyLimitOptions{Limit: 10})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "not read")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("z", 100))))
	if w.Code != http.StatusOK || w.Body.String() != "not read" {
		t.Errorf("got %d %q, want 200 %q", w.Code, w.Body, "not read")
	}
}

// TestBodyLimitReadBeforeRouting checks that a layer reading the body
// before the router settles the default limit, which the route cannot
// change afterwards.
func TestBodyLimitReadBeforeRouting(t *testing.T) {
	peek := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				errors.Write(w, r, err)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			next.ServeHTTP(w, r)
		})
	}
	r := router.New()
	r.Use(middleware.BodyLimit(middleware.BodyLimitOptions{Limit: 10}), peek)
	r.Post("/big", blReader(nil), router.Meta(middleware.BodyLimitMeta(1000)))
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/big", strings.NewReader(strings.Repeat("z", 11))))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", w.Code)
	}
}

func TestBodyLimitLeavesRequestsWithoutBodyAlone(t *testing.T) {
	var got *http.Request
	h := middleware.Chain(
		middleware.BodyLimit(middleware.BodyLimitOptions{}),
		middleware.BodyLimitFor(5),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
	for _, r := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "/", nil),
		httptest.NewRequest(http.MethodPost, "/", http.NoBody),
	} {
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != r {
			t.Errorf("%s with body %T: the handler got another request", r.Method, r.Body)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := limNopWriter{h: http.Header{}}
	if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 0 {
		t.Errorf("allocations per request without a body = %v, want 0", n)
	}
}

func TestBodyLimitKeepsTheCallersRequest(t *testing.T) {
	body := io.NopCloser(strings.NewReader("hello"))
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Body = body
	var inner *http.Request
	h := middleware.BodyLimit(middleware.BodyLimitOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner = r
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}))
	h.ServeHTTP(httptest.NewRecorder(), r)
	if r.Body != body {
		t.Errorf("the caller's request body was replaced")
	}
	if inner == r || inner.Body == body {
		t.Errorf("the handler got the caller's request or body unlimited")
	}
}

func TestBodyLimitInvalidOptions(t *testing.T) {
	limPanics(t, func() { middleware.BodyLimit(middleware.BodyLimitOptions{Limit: -1}) }, "BodyLimitOptions.Limit -1 is negative")
	limPanics(t, func() { middleware.BodyLimitFor(0) }, "BodyLimitFor: limit 0 is not positive")
	limPanics(t, func() { middleware.BodyLimitMeta(-5) }, "BodyLimitMeta: limit -5 is not positive")
}

func TestErrorsFromMaxBytesError(t *testing.T) {
	// Handlers hand the error they read to errors.Write: it must be a 413.
	e := errors.From(&http.MaxBytesError{Limit: 7})
	if e.StatusCode() != http.StatusRequestEntityTooLarge || e.Code() != errors.CodeRequestTooLarge {
		t.Errorf("errors.From(*http.MaxBytesError) = %d %q, want 413 %q", e.StatusCode(), e.Code(), errors.CodeRequestTooLarge)
	}
}

// FuzzBodyLimit checks the limited body against a plain reading of the
// same bytes: a body within the limit reads whole, and a longer one fails
// with *http.MaxBytesError after exactly the limit (or, when its length
// is declared, before any byte), answered 413.
func FuzzBodyLimit(f *testing.F) {
	f.Add([]byte(""), uint16(0), false)
	f.Add([]byte("hello"), uint16(4), true)
	f.Add([]byte("hello"), uint16(5), false)
	f.Add(bytes.Repeat([]byte{0}, 300), uint16(255), false)
	f.Fuzz(func(t *testing.T, data []byte, limit16 uint16, declared bool) {
		limit := int64(limit16) + 1
		var got []byte
		var readErr error
		h := middleware.BodyLimit(middleware.BodyLimitOptions{Limit: limit})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, readErr = io.ReadAll(r.Body)
		}))
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(data))
		if !declared {
			r.ContentLength = -1
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)

		if int64(len(data)) <= limit {
			if readErr != nil || !bytes.Equal(got, data) || w.Code != http.StatusOK {
				t.Fatalf("%d bytes, limit %d: read %d bytes, err %v, status %d; want all, nil, 200", len(data), limit, len(got), readErr, w.Code)
			}
			return
		}
		var mbe *http.MaxBytesError
		if !errors.As(readErr, &mbe) || mbe.Limit != limit {
			t.Fatalf("%d bytes, limit %d: err = %v, want *http.MaxBytesError", len(data), limit, readErr)
		}
		wantRead := limit
		if declared {
			wantRead = 0
		}
		if int64(len(got)) != wantRead || !bytes.Equal(got, data[:len(got)]) {
			t.Fatalf("%d bytes, limit %d, declared %v: read %d bytes, want %d", len(data), limit, declared, len(got), wantRead)
		}
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status = %d, want 413", w.Code)
		}
	})
}

// limNopWriter is a ResponseWriter with a fixed header map that discards
// everything.
type limNopWriter struct{ h http.Header }

func (w limNopWriter) Header() http.Header         { return w.h }
func (w limNopWriter) WriteHeader(int)             {}
func (w limNopWriter) Write(p []byte) (int, error) { return len(p), nil }
