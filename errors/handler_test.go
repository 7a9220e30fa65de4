package errors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLines decodes one JSON object per line.
func logLines(tb testing.TB, out string) []map[string]any {
	tb.Helper()
	var lines []map[string]any
	for line := range strings.Lines(out) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			tb.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// withLogger returns r carrying a request ID, a matched route and a logger
// writing to w at the given level.
func withLogger(r *http.Request, w io.Writer, level zerolog.Level) *http.Request {
	logger := zerolog.New(w).Level(level).With().Str("request_id", "req-1").Logger()
	ctx := reqctx.WithData(r.Context(), reqctx.Data{
		RequestID: "req-1",
		Route:     &reqctx.Route{Pattern: "GET /users/{id}"},
		Logger:    logger,
	})
	return r.WithContext(ctx)
}

func TestWriteLogs(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name     string
		err      error
		ctx      context.Context
		level    zerolog.Level
		want     map[string]any // expected fields; nil for no line
		wantText string         // substring of the "error" field
	}{
		{
			name:  "5xx at error level with the cause",
			err:   fmt.Errorf("load user: %w", errors.Internal("query failed").WithCause(errors.New("connection refused"))),
			level: zerolog.DebugLevel,
			want: map[string]any{
				"level": "error", "message": "request failed", "status": 500.0, "code": "internal",
				"method": "GET", "path": "/users/7", "route": "GET /users/{id}", "request_id": "req-1",
				"error": "load user: query failed: connection refused",
			},
		},
		{
			name:  "unknown error at error level",
			err:   errors.New("disk full"),
			level: zerolog.InfoLevel,
			want:  map[string]any{"level": "error", "status": 500.0, "code": "internal", "error": "disk full"},
		},
		{
			name:  "4xx at debug level",
			err:   errors.NotFound("no user 7"),
			level: zerolog.DebugLevel,
			want: map[string]any{
				"level": "debug", "message": "request rejected", "status": 404.0, "code": "not_found",
				"error": "no user 7",
			},
		},
		{
			name:  "4xx is quiet at info level",
			err:   errors.NotFound("no user 7"),
			level: zerolog.InfoLevel,
		},
		{
			name:  "client gone at debug level",
			err:   fmt.Errorf("query: %w", context.Canceled),
			ctx:   canceled,
			level: zerolog.DebugLevel,
			want: map[string]any{
				"level": "debug", "message": "client closed request", "status": 499.0, "code": "client_closed_request",
			},
		},
		{
			name:  "client gone is quiet at info level",
			err:   context.Canceled,
			ctx:   canceled,
			level: zerolog.InfoLevel,
		},
		{
			name:  "nil error",
			level: zerolog.DebugLevel,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := httptest.NewRequest(http.MethodGet, "/users/7?token=abc", nil)
			r.Header.Set("Authorization", "Bearer "+secret)
			r.Header.Set("Cookie", "session="+secret)
			if tt.ctx != nil {
				r = r.WithContext(tt.ctx)
			}
			r = withLogger(r, &buf, tt.level)
			errors.Write(httptest.NewRecorder(), r, tt.err)

			lines := logLines(t, buf.String())
			if tt.want == nil {
				if len(lines) != 0 {
					t.Fatalf("logged %d lines %v, want none", len(lines), lines)
				}
				return
			}
			if len(lines) != 1 {
				t.Fatalf("logged %d lines %v, want exactly one", len(lines), lines)
			}
			for k, want := range tt.want {
				if got := lines[0][k]; got != want {
					t.Errorf("log field %s = %v, want %v", k, got, want)
				}
			}
			if strings.Contains(buf.String(), secret) || strings.Contains(buf.String(), "token=abc") {
				t.Errorf("log %s contains a credential", buf.String())
			}
		})
	}
}

func TestWriteLogsWithoutLogger(t *testing.T) {
	// Without reqctx data the logger is disabled: Write still answers.
	rec := httptest.NewRecorder()
	errors.Write(rec, httptest.NewRequest(http.MethodGet, "/", nil), errors.New("x"))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", rec.Code)
	}
}

// server runs h behind a middleware that attaches request data and a
// logger, and reports when each request's handler has returned.
type server struct {
	*httptest.Server
	logs      *syncBuffer // request logs
	serverLog *syncBuffer // net/http's own complaints
	done      chan struct{}
}

func newServer(tb testing.TB, h http.Handler) *server {
	tb.Helper()
	s := &server{logs: new(syncBuffer), serverLog: new(syncBuffer), done: make(chan struct{}, 16)}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { s.done <- struct{}{} }()
		h.ServeHTTP(w, withLogger(r, s.logs, zerolog.DebugLevel))
	}))
	s.Config.ErrorLog = log.New(s.serverLog, "", 0)
	s.Start()
	tb.Cleanup(func() {
		s.Client().CloseIdleConnections()
		s.Close()
	})
	return s
}

// get requests path and returns the response with its body read.
func (s *server) get(tb testing.TB, path string) (*http.Response, string) {
	tb.Helper()
	resp, err := s.Client().Get(s.URL + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: reading body: %v", path, err)
	}
	s.wait(tb)
	return resp, string(body)
}

// wait waits for a handler to return.
func (s *server) wait(tb testing.TB) {
	tb.Helper()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		tb.Fatal("handler did not return within 5s")
	}
}

func TestHandlerFunc(t *testing.T) {
	tests := []struct {
		name          string
		handler       errors.HandlerFunc
		wantStatus    int
		wantBody      string // exact body; "" when a problem is expected
		wantCode      string // problem code when a problem is expected
		wantLogs      int
		wantCommitted bool
	}{
		{
			name: "returned error is rendered",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				return errors.NotFound("no user %s", "7")
			},
			wantStatus: http.StatusNotFound, wantCode: "not_found", wantLogs: 1,
		},
		{
			name: "wrapped foreign error is a 500",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				return fmt.Errorf("load: %w", errors.New(secret))
			},
			wantStatus: http.StatusInternalServerError, wantCode: "internal", wantLogs: 1,
		},
		{
			name: "nil error leaves the response alone",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				w.WriteHeader(http.StatusCreated)
				_, err := io.WriteString(w, "created")
				return err
			},
			wantStatus: http.StatusCreated, wantBody: "created",
		},
		{
			name: "error after the header is only logged",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				w.WriteHeader(http.StatusOK)
				return errors.Internal("stream broke")
			},
			wantStatus: http.StatusOK, wantBody: "", wantLogs: 1, wantCommitted: true,
		},
		{
			name: "error after a partial body is only logged",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				io.WriteString(w, "partial")
				return errors.Internal("stream broke")
			},
			wantStatus: http.StatusOK, wantBody: "partial", wantLogs: 1, wantCommitted: true,
		},
		{
			name: "error after ReadFrom is only logged",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				if _, ok := w.(io.ReaderFrom); !ok {
					return errors.Internal("writer is not an io.ReaderFrom")
				}
				if _, err := io.Copy(w, strings.NewReader("copied")); err != nil {
					return err
				}
				return errors.Internal("after copy")
			},
			wantStatus: http.StatusOK, wantBody: "copied", wantLogs: 1, wantCommitted: true,
		},
		{
			name: "error after Flush is only logged",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				f, ok := w.(http.Flusher)
				if !ok {
					return errors.Internal("writer is not an http.Flusher")
				}
				w.Header().Set("X-Flushed", "1")
				f.Flush()
				return errors.Internal("after flush")
			},
			wantStatus: http.StatusOK, wantBody: "", wantLogs: 1, wantCommitted: true,
		},
		{
			name: "informational header does not commit",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Link", "</style.css>; rel=preload")
				w.WriteHeader(http.StatusEarlyHints)
				return errors.Gone("moved on")
			},
			wantStatus: http.StatusGone, wantCode: "gone", wantLogs: 1,
		},
		{
			name: "ResponseController reaches the connection",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				rc := http.NewResponseController(w)
				if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
					return errors.Internal("SetWriteDeadline: %w", err)
				}
				return errors.Conflict("taken")
			},
			wantStatus: http.StatusConflict, wantCode: "conflict", wantLogs: 1,
		},
		{
			name: "Write through another wrapper sees the committed header",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				ww := &unwrapper{ResponseWriter: w}
				ww.WriteHeader(http.StatusAccepted)
				errors.Write(ww, r, errors.Internal("late"))
				return nil
			},
			wantStatus: http.StatusAccepted, wantBody: "", wantLogs: 1, wantCommitted: true,
		},
		{
			name: "nested HandlerFunc",
			handler: func(w http.ResponseWriter, r *http.Request) error {
				errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
					io.WriteString(w, "inner")
					return errors.Internal("inner failed")
				}).ServeHTTP(w, r)
				return errors.Internal("outer failed")
			},
			wantStatus: http.StatusOK, wantBody: "inner", wantLogs: 2, wantCommitted: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.handler)
			resp, body := s.get(t, "/users/7")
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %q)", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantCode != "" {
				if got := resp.Header.Get("Content-Type"); got != "application/problem+json" {
					t.Errorf("Content-Type = %q, want application/problem+json", got)
				}
				m := decodeJSON(t, []byte(body))
				if m["code"] != tt.wantCode || m["request_id"] != "req-1" {
					t.Errorf("problem = %v, want code %s and request_id req-1", m, tt.wantCode)
				}
			} else if body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if strings.Contains(body, secret) {
				t.Errorf("body %q contains the secret", body)
			}
			lines := logLines(t, s.logs.String())
			if len(lines) != tt.wantLogs {
				t.Errorf("logged %d lines %v, want %d", len(lines), lines, tt.wantLogs)
			}
			for _, l := range lines {
				if committed, _ := l["response_committed"].(bool); committed != tt.wantCommitted {
					t.Errorf("log response_committed = %v, want %v", l["response_committed"], tt.wantCommitted)
				}
			}
			if got := s.serverLog.String(); got != "" {
				t.Errorf("net/http logged %q, want nothing (a second header?)", got)
			}
		})
	}
}

func TestHandlerFuncHijack(t *testing.T) {
	s := newServer(t, errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return errors.Internal("hijack: %w", err)
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 418 I'm a teapot\r\nContent-Length: 3\r\nConnection: close\r\n\r\ntea")
		buf.Flush()
		return errors.Internal("after hijack")
	}))
	resp, body := s.get(t, "/")
	if resp.StatusCode != http.StatusTeapot || body != "tea" {
		t.Errorf("response = %d %q, want 418 tea", resp.StatusCode, body)
	}
	lines := logLines(t, s.logs.String())
	if len(lines) != 1 || lines[0]["response_committed"] != true {
		t.Errorf("logs = %v, want one line with response_committed", lines)
	}
	if got := s.serverLog.String(); got != "" {
		t.Errorf("net/http logged %q, want nothing", got)
	}
}

func TestHandlerFuncHijackUnsupported(t *testing.T) {
	// A recorder cannot be hijacked: the error says so and nothing is
	// committed.
	rec := httptest.NewRecorder()
	var hijackErr error
	errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		_, _, hijackErr = w.(http.Hijacker).Hijack()
		return errors.BadRequest("no upgrade")
	}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if !errors.Is(hijackErr, http.ErrNotSupported) {
		t.Errorf("Hijack() error = %v, want ErrNotSupported", hijackErr)
	}
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", rec.Code)
	}
}

func TestHandlerFuncFlushUnsupported(t *testing.T) {
	// Flush on a writer that cannot flush does nothing and commits nothing.
	w := &plainWriter{header: http.Header{}}
	errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.(http.Flusher).Flush()
		return errors.BadRequest("bad")
	}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", w.status)
	}
}

func TestHandlerFuncReadFromFallback(t *testing.T) {
	w := &plainWriter{header: http.Header{}}
	errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		_, err := w.(io.ReaderFrom).ReadFrom(strings.NewReader("body"))
		return err
	}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := w.body.String(); got != "body" {
		t.Errorf("body = %q, want body", got)
	}
}

func TestHandlerFuncHEAD(t *testing.T) {
	s := newServer(t, errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return errors.NotFound("x")
	}))
	resp, err := s.Client().Head(s.URL)
	if err != nil {
		t.Fatalf("HEAD: %v", err)
	}
	resp.Body.Close()
	s.wait(t)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("HEAD = %d %q, want 404 application/problem+json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestHandlerFuncClientGone(t *testing.T) {
	started := make(chan struct{})
	s := newServer(t, errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		close(started)
		<-r.Context().Done()
		return fmt.Errorf("waiting: %w", r.Context().Err())
	}))
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("handler did not start within 5s")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client error = %v, want context.Canceled", err)
	}
	s.wait(t)
	lines := logLines(t, s.logs.String())
	if len(lines) != 1 || lines[0]["status"] != 499.0 || lines[0]["level"] != "debug" {
		t.Errorf("logs = %v, want one debug line with status 499", lines)
	}
	if got := s.serverLog.String(); got != "" {
		t.Errorf("net/http logged %q, want nothing", got)
	}
}

// unwrapper is a middleware-style ResponseWriter wrapper.
type unwrapper struct{ http.ResponseWriter }

func (w *unwrapper) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// plainWriter is a ResponseWriter with no optional interface.
type plainWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *plainWriter) Header() http.Header { return w.header }
func (w *plainWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
func (w *plainWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func TestHandlerFuncAllocs(t *testing.T) {
	h := errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return nil })
	w := &plainWriter{header: http.Header{}}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	// The recorder that detects a written header is the only allocation.
	if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n > 1 {
		t.Errorf("HandlerFunc.ServeHTTP allocates %v times on success, want at most 1", n)
	}
}

func BenchmarkHandlerFunc(b *testing.B) {
	h := errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return nil })
	w := &plainWriter{header: http.Header{}}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

func BenchmarkWrite(b *testing.B) {
	r := newRequest(http.MethodGet, "")
	err := errors.NotFound("no user %d", 7)
	b.ReportAllocs()
	for b.Loop() {
		w := &plainWriter{header: make(http.Header, 8)}
		errors.Write(w, r, err)
	}
}

// recordingWriter stands for a recording wrapper from another package
// (middleware.ResponseWriter) that reports whether the header went out.
type recordingWriter struct {
	http.ResponseWriter
	written bool
}

func (w *recordingWriter) WriteHeader(code int) { w.written = true; w.ResponseWriter.WriteHeader(code) }
func (w *recordingWriter) HeaderWritten() bool  { return w.written }

func TestWriteHonoursForeignHeaderWritten(t *testing.T) {
	rec := httptest.NewRecorder()
	w := &recordingWriter{ResponseWriter: rec}
	w.WriteHeader(http.StatusAccepted)
	errors.Write(w, httptest.NewRequest("GET", "/", nil), errors.NotFound("gone"))
	if rec.Code != http.StatusAccepted || rec.Body.Len() != 0 {
		t.Errorf("after the header went out, Write produced %d %q; want the 202 untouched and no body", rec.Code, rec.Body)
	}
}
