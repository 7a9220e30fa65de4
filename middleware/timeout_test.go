package middleware_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
)

// toServer serves h behind RequestID (with the fixed ID "req-9") and
// Timeout.
func toServer(tb testing.TB, opts middleware.TimeoutOptions, h http.Handler) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{Generate: func() string { return "req-9" }}),
		middleware.Timeout(opts),
	)(h))
	tb.Cleanup(srv.Close)
	return srv
}

// toGet sends a GET to url and fails the test on a transport error.
func toGet(tb testing.TB, c *http.Client, url string) *http.Response {
	tb.Helper()
	resp, err := c.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	return resp
}

// toCheck503 checks that resp is the Timeout middleware's one 503.
func toCheck503(tb testing.TB, resp *http.Response, retryAfter string) {
	tb.Helper()
	if resp.StatusCode != http.StatusServiceUnavailable {
		tb.Fatalf("status = %d, want 503", resp.StatusCode)
	}
	if got := resp.Header.Get("Retry-After"); got != retryAfter {
		tb.Errorf("Retry-After = %q, want %q", got, retryAfter)
	}
	if resp.ContentLength <= 0 {
		tb.Errorf("ContentLength = %d, want the problem's length", resp.ContentLength)
	}
	if !resp.Close {
		tb.Errorf("the 503 does not close the connection")
	}
	p := limReadProblem(tb, resp)
	want := limProblem{Status: 503, Code: middleware.CodeTimeout, RequestID: "req-9", Detail: "The server did not answer in time."}
	if p != want {
		tb.Errorf("problem = %+v, want %+v", p, want)
	}
}

// toAttempt is the result of one write a handler tried after the
// deadline.
type toAttempt struct {
	what string
	err  error
}

// TestTimeoutAnswersWhileHandlerRuns checks that a handler that ignores
// its context still gets the client its 503 at the deadline, and that
// everything it writes later is refused with http.ErrHandlerTimeout.
func TestTimeoutAnswersWhileHandlerRuns(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	attempts := make(chan []toAttempt, 1)
	srv := toServer(t, middleware.TimeoutOptions{Timeout: 20 * time.Millisecond, RetryAfter: 1500 * time.Millisecond},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release // ignores its context
			w.Header().Set("X-Late", "1")
			var got []toAttempt
			_, err := w.Write([]byte("late"))
			got = append(got, toAttempt{"Write", err})
			_, err = io.WriteString(w, "late")
			got = append(got, toAttempt{"WriteString", err})
			_, err = io.Copy(w, strings.NewReader("late"))
			got = append(got, toAttempt{"ReadFrom", err})
			w.WriteHeader(http.StatusOK)
			got = append(got, toAttempt{"Flush", http.NewResponseController(w).Flush()})
			_, _, err = http.NewResponseController(w).Hijack()
			got = append(got, toAttempt{"Hijack", err})
			errors.Write(w, r, errors.NotFound("too late"))
			attempts <- got
		}))

	// The client has the whole 503 while the handler is still blocked.
	resp := toGet(t, srv.Client(), srv.URL)
	toCheck503(t, resp, "2")
	resp.Body.Close()
	close(release)
	for _, a := range limRecv(t, attempts) {
		if a.err != http.ErrHandlerTimeout {
			t.Errorf("%s after the 503 = %v, want http.ErrHandlerTimeout", a.what, a.err)
		}
	}
}

// TestTimeoutHandlerGivesUpAtDeadline covers the handlers that watch their
// context: whether they return in silence or write an error at the
// deadline, and whichever goroutine gets there first, the client gets the
// same single 503.
func TestTimeoutHandlerGivesUpAtDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"returns", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}},
		{"writes the context error", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			errors.Write(w, r, r.Context().Err())
		}},
		{"writes a body", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			io.WriteString(w, "partial result")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := toServer(t, middleware.TimeoutOptions{Timeout: time.Millisecond}, tt.h)
			for range 20 {
				resp := toGet(t, srv.Client(), srv.URL)
				toCheck503(t, resp, "")
				resp.Body.Close()
			}
		})
	}
}

// TestTimeoutLateWritesRace runs the handler's header changes and writes
// against the timer's 503, for the race detector.
func TestTimeoutLateWritesRace(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 1)
	srv := toServer(t, middleware.TimeoutOptions{Timeout: 2 * time.Millisecond},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for r.Context().Err() == nil {
				w.Header().Set("X-Busy", "yes")
				w.Header().Del("X-Busy")
			}
			var bad error
			for range 100 {
				w.Header().Set("X-After", "yes")
				if _, err := w.Write([]byte("x")); err != http.ErrHandlerTimeout {
					bad = fmt.Errorf("Write after the deadline = %v, want http.ErrHandlerTimeout", err)
					break
				}
			}
			errs <- bad
		}))
	for range 20 {
		resp := toGet(t, srv.Client(), srv.URL)
		toCheck503(t, resp, "")
		resp.Body.Close()
		if err := limRecv(t, errs); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTimeoutFastHandler(t *testing.T) {
	t.Parallel()
	outer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Outer", "kept")
			w.Header().Set("X-Removed", "by the handler")
			next.ServeHTTP(w, r)
		})
	}
	tests := []struct {
		name       string
		h          http.HandlerFunc
		wantStatus int
		wantBody   string
	}{
		{
			name: "writes",
			h: func(w http.ResponseWriter, r *http.Request) {
				if _, ok := r.Context().Deadline(); !ok {
					t.Error("the handler's context has no deadline")
				}
				w.Header().Set("X-Handler", "set")
				w.Header().Del("X-Removed")
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, "created")
			},
			wantStatus: http.StatusCreated,
			wantBody:   "created",
		},
		{
			name: "sets headers and returns",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Handler", "set")
				w.Header().Del("X-Removed")
			},
			wantStatus: http.StatusOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(middleware.Chain(outer, middleware.Timeout(middleware.TimeoutOptions{}))(tt.h))
			defer srv.Close()
			resp := toGet(t, srv.Client(), srv.URL)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			for k, want := range map[string]string{"X-Outer": "kept", "X-Handler": "set", "X-Removed": ""} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if resp.Close {
				t.Errorf("a response in time closes the connection")
			}
		})
	}
}

// TestTimeoutStreamingPastDeadline checks that once the handler has
// flushed, its response streams to the client, and goes on after the
// deadline without a 503.
func TestTimeoutStreamingPastDeadline(t *testing.T) {
	t.Parallel()
	gotFirst := make(chan struct{})
	results := make(chan error, 1)
	srv := toServer(t, middleware.TimeoutOptions{Timeout: 20 * time.Millisecond},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "first\n")
			w.(http.Flusher).Flush()
			<-gotFirst // the client read it: the flush went through
			<-r.Context().Done()
			if err := r.Context().Err(); err != context.DeadlineExceeded {
				results <- err
				return
			}
			_, err := io.WriteString(w, "second\n")
			results <- err
		}))
	resp := toGet(t, srv.Client(), srv.URL)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("got %d %q, want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); line != "first\n" || err != nil {
		t.Fatalf("first line = %q, %v; want %q", line, err, "first\n")
	}
	close(gotFirst)
	if err := limRecv(t, results); err != nil {
		t.Errorf("write after the deadline of a started response = %v, want nil", err)
	}
	if rest, _ := io.ReadAll(br); string(rest) != "second\n" {
		t.Errorf("rest = %q, want %q", rest, "second\n")
	}
}

// TestTimeoutHijackDisarms checks that a hijacked connection is the
// handler's: no 503 lands on it, even after the deadline.
func TestTimeoutHijackDisarms(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 1)
	srv := toServer(t, middleware.TimeoutOptions{Timeout: 10 * time.Millisecond},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, brw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			<-r.Context().Done() // the deadline still applies to the handler's work
			brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
			errs <- brw.Flush()
		}))
	resp := toGet(t, srv.Client(), srv.URL)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "hijacked" {
		t.Errorf("got %d %q, want 200 %q", resp.StatusCode, body, "hijacked")
	}
	if err := limRecv(t, errs); err != nil {
		t.Errorf("writing to the hijacked connection after the deadline: %v", err)
	}
}

func TestTimeoutSkip(t *testing.T) {
	t.Parallel()
	srv := toServer(t, middleware.TimeoutOptions{
		Skip: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/events/") },
	}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Deadline(); ok {
			io.WriteString(w, "deadline")
		} else {
			io.WriteString(w, "none")
		}
	}))
	for path, want := range map[string]string{"/events/stream": "none", "/api": "deadline"} {
		resp := toGet(t, srv.Client(), srv.URL+path)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != want {
			t.Errorf("GET %s: deadline = %q, want %q", path, body, want)
		}
	}
}

// TestTimeoutResponseController checks that http.ResponseController
// reaches the server's writer through the wrapper.
func TestTimeoutResponseController(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 1)
	srv := toServer(t, middleware.TimeoutOptions{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		err := rc.SetWriteDeadline(time.Now().Add(time.Minute))
		if err == nil {
			err = rc.Flush()
		}
		errs <- err
	}))
	resp := toGet(t, srv.Client(), srv.URL)
	resp.Body.Close()
	if err := limRecv(t, errs); err != nil {
		t.Errorf("ResponseController through Timeout: %v", err)
	}
}

// toPlainWriter implements nothing beyond http.ResponseWriter.
type toPlainWriter struct{ h http.Header }

func (w *toPlainWriter) Header() http.Header         { return w.h }
func (w *toPlainWriter) WriteHeader(int)             {}
func (w *toPlainWriter) Write(p []byte) (int, error) { return len(p), nil }

// toHijackOnly is a writer that can hijack but not flush.
type toHijackOnly struct{ toPlainWriter }

func (w *toHijackOnly) Hijack() (net.Conn, *bufio.ReadWriter, error) { return nil, nil, nil }

func TestTimeoutWriterAdvertisesWhatTheServerHas(t *testing.T) {
	tests := []struct {
		name                string
		w                   http.ResponseWriter
		canFlush, canHijack bool
	}{
		{"plain", &toPlainWriter{h: http.Header{}}, false, false},
		{"flusher", httptest.NewRecorder(), true, false},
		{"hijacker", &toHijackOnly{toPlainWriter{h: http.Header{}}}, false, true},
		{"both", middleware.WrapResponseWriter(&flushHijacker{toHijackOnly{toPlainWriter{h: http.Header{}}}}), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got http.ResponseWriter
			middleware.Timeout(middleware.TimeoutOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = w
			})).ServeHTTP(tt.w, httptest.NewRequest(http.MethodGet, "/", nil))
			_, canFlush := got.(http.Flusher)
			_, canHijack := got.(http.Hijacker)
			_, canReadFrom := got.(io.ReaderFrom)
			if canFlush != tt.canFlush || canHijack != tt.canHijack || !canReadFrom {
				t.Errorf("Flusher %v, Hijacker %v, ReaderFrom %v; want %v, %v, true", canFlush, canHijack, canReadFrom, tt.canFlush, tt.canHijack)
			}
			if u, ok := got.(interface{ Unwrap() http.ResponseWriter }); !ok || u.Unwrap() != tt.w {
				t.Errorf("Unwrap does not return the server's writer")
			}
		})
	}
}

// flushHijacker can flush and hijack.
type flushHijacker struct{ toHijackOnly }

func (w *flushHijacker) Flush() {}

// TestTimeoutPanicPassesThrough checks that a panicking handler reaches
// Recover outside, which answers 500, and that no 503 follows.
func TestTimeoutPanicPassesThrough(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(middleware.Chain(
		middleware.Recover(middleware.RecoverOptions{}),
		middleware.Timeout(middleware.TimeoutOptions{Timeout: time.Minute}),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "dropped")
		panic("boom")
	})))
	defer srv.Close()
	resp := toGet(t, srv.Client(), srv.URL)
	p := limReadProblem(t, resp)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || p.Code != errors.CodeInternal {
		t.Errorf("got %d %q, want 500 %q", resp.StatusCode, p.Code, errors.CodeInternal)
	}
	if resp.Header.Get("X-Handler") != "" {
		t.Errorf("the panicking handler's header reached the 500")
	}
}

// TestTimeoutNested checks that two Timeouts around one handler send one
// 503 and log it once, whichever deadline comes first.
func TestTimeoutNested(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name         string
		outer, inner time.Duration
	}{
		{"outer first", 5 * time.Millisecond, time.Hour},
		{"inner first", time.Hour, 5 * time.Millisecond},
		{"same deadline", 5 * time.Millisecond, 5 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			srv := httptest.NewServer(middleware.Chain(
				middleware.RequestID(middleware.RequestIDOptions{Logger: sink.logger(), Generate: func() string { return "req-9" }}),
				middleware.Timeout(middleware.TimeoutOptions{Timeout: tt.outer}),
				middleware.Timeout(middleware.TimeoutOptions{Timeout: tt.inner}),
			)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			})))
			defer srv.Close()
			resp := toGet(t, srv.Client(), srv.URL)
			toCheck503(t, resp, "")
			resp.Body.Close()
			srv.Close() // the handler has returned: every log line is written
			if es := sink.entries(t); len(es) != 1 || es[0]["status"] != float64(503) {
				t.Errorf("log = %v, want one 503 entry", sink.String())
			}
		})
	}
}

// TestTimeoutAtTheDeadline checks with a fake clock that the 503 goes out
// exactly when the deadline passes, not before and not later.
func TestTimeoutAtTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 3 * time.Second
		start := time.Now()
		w := &toTimedRecorder{ResponseRecorder: httptest.NewRecorder()}
		done := make(chan struct{})
		h := middleware.Timeout(middleware.TimeoutOptions{Timeout: timeout})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-done
		}))
		go h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		synctest.Wait()
		if w.code() != 0 {
			t.Fatalf("status %d before the deadline", w.code())
		}
		time.Sleep(timeout) // in the bubble, this advances the fake clock
		synctest.Wait()
		if w.code() != http.StatusServiceUnavailable || w.at().Sub(start) != timeout {
			t.Errorf("got %d after %s, want 503 after %s", w.code(), w.at().Sub(start), timeout)
		}
		close(done)
	})
}

// toTimedRecorder records when the header was written.
type toTimedRecorder struct {
	*httptest.ResponseRecorder
	mu       sync.Mutex
	status   int
	whenSent time.Time
}

func (w *toTimedRecorder) WriteHeader(code int) {
	w.mu.Lock()
	w.status, w.whenSent = code, time.Now()
	w.mu.Unlock()
	w.ResponseRecorder.WriteHeader(code)
}

func (w *toTimedRecorder) code() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

func (w *toTimedRecorder) at() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.whenSent
}

func TestTimeoutInvalidOptions(t *testing.T) {
	limPanics(t, func() { middleware.Timeout(middleware.TimeoutOptions{Timeout: -time.Second}) }, "TimeoutOptions.Timeout -1s is negative")
	limPanics(t, func() { middleware.Timeout(middleware.TimeoutOptions{RetryAfter: -time.Second}) }, "TimeoutOptions.RetryAfter -1s is negative")
}

// TestTimeoutAroundBodyLimit runs a body read that hits the limit against
// the timer's 503, for the race detector: neither may touch the server's
// writer behind the other's back.
func TestTimeoutAroundBodyLimit(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{Generate: func() string { return "req-9" }}),
		middleware.Timeout(middleware.TimeoutOptions{Timeout: time.Millisecond}),
		middleware.BodyLimit(middleware.BodyLimitOptions{Limit: 10}),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		_, err := io.ReadAll(r.Body)
		errors.Write(w, r, err)
	})))
	defer srv.Close()
	for range 10 {
		resp := blPost(t, srv.Client(), srv.URL, 100, true)
		toCheck503(t, resp, "")
		resp.Body.Close()
	}
}
