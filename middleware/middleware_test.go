package middleware_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/middleware"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// trace returns a middleware that appends "name>" on the way in and
// "<name" on the way out.
func trace(calls *[]string, name string) middleware.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			*calls = append(*calls, name+">")
			next.ServeHTTP(w, r)
			*calls = append(*calls, "<"+name)
		})
	}
}

func TestChainOrder(t *testing.T) {
	tests := []struct {
		name  string
		chain func(calls *[]string) middleware.Middleware
		want  []string
	}{
		{
			name:  "empty",
			chain: func(*[]string) middleware.Middleware { return middleware.Chain() },
			want:  []string{"h"},
		},
		{
			name: "one",
			chain: func(c *[]string) middleware.Middleware {
				return middleware.Chain(trace(c, "a"))
			},
			want: []string{"a>", "h", "<a"},
		},
		{
			name: "first is outermost",
			chain: func(c *[]string) middleware.Middleware {
				return middleware.Chain(trace(c, "a"), trace(c, "b"), trace(c, "c"))
			},
			want: []string{"a>", "b>", "c>", "h", "<c", "<b", "<a"},
		},
		{
			name: "nested chains",
			chain: func(c *[]string) middleware.Middleware {
				inner := middleware.Chain(trace(c, "b"), trace(c, "c"))
				return middleware.Chain(trace(c, "a"), inner, trace(c, "d"))
			},
			want: []string{"a>", "b>", "c>", "d>", "h", "<d", "<c", "<b", "<a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			h := tt.chain(&calls)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				calls = append(calls, "h")
			}))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
			if !slices.Equal(calls, tt.want) {
				t.Errorf("calls = %v, want %v", calls, tt.want)
			}
		})
	}
}

func TestChainCopiesItsArguments(t *testing.T) {
	var calls []string
	mw := []func(http.Handler) http.Handler{trace(&calls, "a"), trace(&calls, "b")}
	chain := middleware.Chain(mw...)
	mw[0] = trace(&calls, "changed")
	chain(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if want := []string{"a>", "b>", "<b", "<a"}; !slices.Equal(calls, want) {
		t.Errorf("calls = %v, want %v", calls, want)
	}
}

func TestChainPanicsOnProgrammingErrors(t *testing.T) {
	noop := func(h http.Handler) http.Handler { return h }
	returnsNil := func(http.Handler) http.Handler { return nil }
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"nil middleware", func() { middleware.Chain(noop, nil) }, "middleware 1 is nil"},
		{"nil handler", func() { middleware.Chain(noop)(nil) }, "nil handler"},
		{"middleware returns nil", func() { middleware.Chain(noop, returnsNil)(http.NotFoundHandler()) }, "middleware 1 returned a nil handler"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				msg, _ := v.(string)
				if !strings.HasPrefix(msg, "middleware: ") || !strings.Contains(msg, tt.want) {
					t.Errorf("panic = %v, want a \"middleware: \" message containing %q", v, tt.want)
				}
			}()
			tt.f()
		})
	}
}

// logSink collects zerolog output from any goroutine and lets a test wait
// for lines without sleeping.
type logSink struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan struct{} // one token per line written
}

func newLogSink() *logSink { return &logSink{lines: make(chan struct{}, 1024)} }

// Write receives one JSON line per call, as zerolog writes.
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.buf.Write(p)
	s.lines <- struct{}{}
	return n, err
}

// logger returns a logger writing to s.
func (s *logSink) logger() zerolog.Logger { return zerolog.New(s) }

// String returns everything written so far.
func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// entries decodes every line written so far.
func (s *logSink) entries(tb testing.TB) []map[string]any {
	tb.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			tb.Fatalf("log line %q is not JSON: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// waitLines blocks until n lines have been written in total since the
// last call, or fails the test after a timeout.
func (s *logSink) waitLines(tb testing.TB, n int) {
	tb.Helper()
	for range n {
		select {
		case <-s.lines:
		case <-time.After(5 * time.Second):
			tb.Fatalf("timed out waiting for %d log lines; have:\n%s", n, s.String())
		}
	}
}

// only returns the single entry written so far, failing unless there is
// exactly one.
func (s *logSink) only(tb testing.TB) map[string]any {
	tb.Helper()
	es := s.entries(tb)
	if len(es) != 1 {
		tb.Fatalf("got %d log lines, want 1:\n%s", len(es), s.String())
	}
	return es[0]
}

// BenchmarkChain measures the recommended stack (RequestID, AccessLog,
// Recover) around a handler that writes a small body, with logging off
// and on.
func BenchmarkChain(b *testing.B) {
	for _, bc := range []struct {
		name   string
		logger zerolog.Logger
	}{
		{"no logger", zerolog.Logger{}},
		{"logging to discard", zerolog.New(io.Discard)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := middleware.Chain(
				middleware.RequestID(middleware.RequestIDOptions{Logger: bc.logger}),
				middleware.AccessLog(middleware.AccessLogOptions{}),
				middleware.Recover(middleware.RecoverOptions{}),
			)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("ok"))
			}))
			r := httptest.NewRequest(http.MethodGet, "/users/42?page=1", nil)
			w := nopWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})
	}
}

// checkInvalidOptions checks a constructor pair on invalid options: newX
// returns no middleware and an error that starts with prefix and contains
// want, and x panics with exactly that error's message.
func checkInvalidOptions[O any](t *testing.T, newX func(O) (middleware.Middleware, error), x func(O) middleware.Middleware, opts O, prefix, want string) {
	t.Helper()
	mw, err := newX(opts)
	if err == nil || mw != nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), want) {
		t.Errorf("New%T: middleware %v, error %v; want no middleware and an error starting %q containing %q", opts, mw != nil, err, prefix, want)
		return
	}
	defer func() {
		if msg, _ := recover().(string); msg != err.Error() {
			t.Errorf("panic = %q, want %q", msg, err)
		}
	}()
	x(opts)
}
