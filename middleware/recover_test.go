package middleware_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
)

// panicking is a handler that panics with v, after running before.
func panicking(v any, before func(w http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if before != nil {
			before(w)
		}
		panicHere(v)
	})
}

// panicHere is a named frame that the logged stack must show.
func panicHere(v any) { panic(v) }

func TestRecoverWritesProblem(t *testing.T) {
	errSecret := fmt.Errorf("secret database password in error")
	tests := []struct {
		name      string
		handler   http.Handler
		wantError string
	}{
		{"string", panicking("secret boom", nil), "panic: secret boom"},
		{"error", panicking(errSecret, nil), "panic: secret database password in error"},
		{"an errors.Error is still a 500", panicking(errors.NotFound("secret not found"), nil), "panic: secret not found"},
		{
			"runtime error",
			http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				var s []int
				_ = s[3]
			}),
			"panic: runtime error: index out of range [3] with length 0",
		},
		{
			"nil",
			http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(nil) }),
			"panic: panic called with nil argument",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			h := middleware.Chain(
				middleware.RequestID(middleware.RequestIDOptions{Logger: sink.logger(), Generate: func() string { return "req-7" }}),
				middleware.Recover(middleware.RecoverOptions{}),
			)(tt.handler)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/boom", nil))

			if w.Code != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", w.Code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			body := w.Body.String()
			if strings.Contains(body, "secret") || strings.Contains(body, "panic") {
				t.Errorf("body leaks the panic: %s", body)
			}
			var problem map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &problem); err != nil {
				t.Fatalf("body %q is not JSON: %v", body, err)
			}
			if problem["request_id"] != "req-7" || problem["status"] != 500.0 {
				t.Errorf("problem request_id, status = %v, %v, want req-7, 500", problem["request_id"], problem["status"])
			}

			got := sink.only(t)
			if got["level"] != "error" || got["error"] != tt.wantError || got["panic"] != true || got["request_id"] != "req-7" {
				t.Errorf("log level, error, panic, request_id = %v, %q, %v, %v, want error, %q, true, req-7",
					got["level"], got["error"], got["panic"], got["request_id"], tt.wantError)
			}
			if stack, _ := got["stack"].(string); !strings.Contains(stack, "recover_test.go") {
				t.Errorf("stack field does not show the panicking frame:\n%s", stack)
			}
		})
	}
}

func TestRecoverStackShowsPanicSite(t *testing.T) {
	sink := newLogSink()
	h := middleware.Recover(middleware.RecoverOptions{Logger: sink.logger()})(panicking("x", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	stack, _ := sink.only(t)["stack"].(string)
	if !strings.Contains(stack, "middleware_test.panicHere") {
		t.Errorf("stack does not name panicHere:\n%s", stack)
	}
}

func TestRecoverDisableStack(t *testing.T) {
	sink := newLogSink()
	h := middleware.Recover(middleware.RecoverOptions{Logger: sink.logger(), DisableStack: true})(panicking("x", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	got := sink.only(t)
	if _, ok := got["stack"]; ok || got["panic"] != true {
		t.Errorf("entry = %v, want panic without stack", got)
	}
}

func TestRecoverFallbackLoggerGetsRequestID(t *testing.T) {
	sink := newLogSink()
	h := middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{Generate: func() string { return "req-3" }}),
		middleware.Recover(middleware.RecoverOptions{Logger: sink.logger()}),
	)(panicking("x", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if got := sink.only(t)["request_id"]; got != "req-3" {
		t.Errorf("request_id = %v, want req-3", got)
	}
}

func TestRecoverRestoresRequestLogger(t *testing.T) {
	sink := newLogSink()
	h := middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{Logger: sink.logger()}),
		middleware.AccessLog(middleware.AccessLogOptions{}),
		middleware.Recover(middleware.RecoverOptions{}),
	)(panicking("x", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	es := sink.entries(t)
	if len(es) != 2 {
		t.Fatalf("got %d log lines, want the panic and the access log:\n%s", len(es), sink.String())
	}
	access := es[1]
	if _, ok := access["stack"]; ok || access["message"] != "request" || access["status"] != 500.0 {
		t.Errorf("access log line = %v, want status 500 without the panic's stack", access)
	}
}

func TestRecoverLetsErrAbortHandlerThrough(t *testing.T) {
	sink := newLogSink()
	h := middleware.Recover(middleware.RecoverOptions{Logger: sink.logger()})(panicking(http.ErrAbortHandler, nil))
	w := httptest.NewRecorder()
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler re-panicked", v)
			}
		}()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	}()
	if w.Body.Len() != 0 || sink.String() != "" {
		t.Errorf("body %q, log %q, want neither", w.Body.String(), sink.String())
	}
}

// syncWriter is an io.Writer safe for the server's goroutines.
type syncWriter struct{ sink *logSink }

func (w syncWriter) Write(p []byte) (int, error) { return w.sink.Write(p) }

func TestRecoverAfterHeaderAbortsConnection(t *testing.T) {
	tests := []struct {
		name   string
		before func(w http.ResponseWriter)
	}{
		{"after flush", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}},
		{"after header only", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusAccepted)
			w.(http.Flusher).Flush()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			serverLog := newLogSink()
			h := middleware.Chain(
				middleware.RequestID(middleware.RequestIDOptions{Logger: sink.logger()}),
				middleware.Recover(middleware.RecoverOptions{}),
			)(panicking("late boom", tt.before))
			ts := httptest.NewUnstartedServer(h)
			ts.Config.ErrorLog = log.New(syncWriter{serverLog}, "", 0)
			ts.Start()
			defer ts.Close()

			resp, err := ts.Client().Get(ts.URL)
			if err == nil {
				var body []byte
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusInternalServerError || bytes.Contains(body, []byte("problem")) {
					t.Errorf("client got status %d body %q, want the first header and a cut body", resp.StatusCode, body)
				}
			}
			if err == nil {
				t.Error("client read a complete response, want an error from the aborted connection")
			}
			sink.waitLines(t, 1)
			got := sink.only(t)
			if got["level"] != "error" || got["response_committed"] != true || got["error"] != "panic: late boom" {
				t.Errorf("log entry = %v, want one committed panic at error level", got)
			}
			if stack, _ := got["stack"].(string); !strings.Contains(stack, "panicHere") {
				t.Errorf("stack does not name panicHere:\n%s", stack)
			}
			// ErrAbortHandler is the one panic net/http does not log.
			if out := serverLog.String(); out != "" {
				t.Errorf("net/http logged %q, want nothing", out)
			}
		})
	}
}

func TestPanicErrorUnwrap(t *testing.T) {
	cause := fmt.Errorf("cause")
	tests := []struct {
		value any
		want  error
		text  string
	}{
		{cause, cause, "panic: cause"},
		{"text", nil, "panic: text"},
		{42, nil, "panic: 42"},
	}
	for _, tt := range tests {
		pe := &middleware.PanicError{Value: tt.value}
		if got := pe.Unwrap(); got != tt.want {
			t.Errorf("PanicError{%v}.Unwrap() = %v, want %v", tt.value, got, tt.want)
		}
		if got := pe.Error(); got != tt.text {
			t.Errorf("PanicError{%v}.Error() = %q, want %q", tt.value, got, tt.text)
		}
	}
	if !errors.Is(&middleware.PanicError{Value: cause}, cause) {
		t.Error("errors.Is does not see the cause through PanicError")
	}
}

func TestRecoverCommittedWithoutServer(t *testing.T) {
	tests := []struct {
		name       string
		w          func() http.ResponseWriter
		before     func(w http.ResponseWriter)
		wantStatus float64
	}{
		{
			name:       "header written",
			w:          func() http.ResponseWriter { return httptest.NewRecorder() },
			before:     func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) },
			wantStatus: 201,
		},
		{
			name: "connection hijacked",
			w:    func() http.ResponseWriter { return &hijackingWriter{plainWriter: newPlainWriter()} },
			before: func(w http.ResponseWriter) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err != nil {
					t.Fatalf("Hijack() error = %v", err)
				}
				conn.Close()
			},
			wantStatus: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			mux := http.NewServeMux()
			mux.Handle("GET /late/{id}", panicking("late", tt.before))
			h := middleware.Chain(
				middleware.RequestID(middleware.RequestIDOptions{Generate: func() string { return "req-5" }}),
				middleware.Recover(middleware.RecoverOptions{Logger: sink.logger()}),
			)(mux)
			func() {
				defer func() {
					if v := recover(); v != http.ErrAbortHandler {
						t.Errorf("recovered %v, want http.ErrAbortHandler", v)
					}
				}()
				h.ServeHTTP(tt.w(), httptest.NewRequest(http.MethodGet, "/late/1", nil))
			}()
			got := sink.only(t)
			want := map[string]any{
				"level":              "error",
				"error":              "panic: late",
				"status":             tt.wantStatus,
				"code":               "internal",
				"method":             "GET",
				"path":               "/late/1",
				"route":              "GET /late/{id}",
				"request_id":         "req-5",
				"response_committed": true,
				"panic":              true,
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("field %q = %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}
