package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// logSink collects the service's JSON log lines and announces the address
// it listens on.
type logSink struct {
	mu    sync.Mutex
	lines []map[string]any
	more  chan struct{} // closed and replaced whenever a line arrives
	addr  chan string
	pw    *io.PipeWriter
	done  chan struct{}
}

func newLogSink() *logSink {
	pr, pw := io.Pipe()
	s := &logSink{addr: make(chan string, 1), pw: pw, done: make(chan struct{}), more: make(chan struct{})}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			s.mu.Lock()
			s.lines = append(s.lines, line)
			close(s.more)
			s.more = make(chan struct{})
			s.mu.Unlock()
			if line["message"] == "listening" {
				s.addr <- fmt.Sprintf("%s://%s", line["scheme"], line["addr"])
			}
		}
	}()
	return s
}

func (s *logSink) Write(p []byte) (int, error) { return s.pw.Write(p) }

func (s *logSink) close() {
	s.pw.Close()
	<-s.done
}

// wait returns the first line that satisfies pred, waiting up to timeout
// for it to arrive; nil if none does.
func (s *logSink) wait(pred func(map[string]any) bool, timeout time.Duration) map[string]any {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		for _, l := range s.lines {
			if pred(l) {
				s.mu.Unlock()
				return l
			}
		}
		more := s.more
		s.mu.Unlock()
		select {
		case <-more:
		case <-deadline:
			return nil
		}
	}
}

// startService runs the service on a random port, with extra flags, and
// returns its base URL. The service is stopped, and its exit checked, when
// the test ends.
func startService(t *testing.T, flags ...string) (string, *logSink) {
	return startServiceWith(t, http.DefaultClient, flags...)
}

// startServiceWith is startService for a service that client, and not the
// default client, can reach (HTTPS with a test certificate).
func startServiceWith(t *testing.T, client *http.Client, flags ...string) (string, *logSink) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := newLogSink()
	errc := make(chan error, 1)
	args := append([]string{"hello", "-addr", "127.0.0.1:0"}, flags...)
	go func() {
		errc <- run(ctx, args, func(string) string { return "" }, logs, io.Discard)
	}()
	var base string
	select {
	case addr := <-logs.addr:
		base = addr
	case err := <-errc:
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("service did not start listening within 10s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("run returned %v after a clean stop, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return within 10s of cancellation")
		}
		logs.close()
		client.CloseIdleConnections()
	})
	waitReady(t, client, base)
	return base, logs
}

// waitReady polls /readyz until it answers 200.
func waitReady(t *testing.T, client *http.Client, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-t.Context().Done():
			return
		}
	}
	t.Fatal("service never became ready")
}

func TestService(t *testing.T) {
	base, logs := startService(t)

	tests := []struct {
		name, method, path, contentType, body string
		code                                  int
		wantCT                                string
		wantBody                              string // a substring
	}{
		{"hello", "GET", "/hello/keel", "", "", 200, "application/json", `{"greeting":"Hello, keel!"}`},
		{"hello too long", "GET", "/hello/" + strings.Repeat("x", 65), "", "", 400, "application/problem+json", `"status":400`},
		{"echo", "POST", "/echo", "application/json", `{"message":"hi"}`, 200, "application/json", `{"message":"hi"}`},
		{"echo malformed", "POST", "/echo", "application/json", `{"message":`, 400, "application/problem+json", `"status":400`},
		{"echo wrong type", "POST", "/echo", "application/json", `{"message":7}`, 400, "application/problem+json", `/message`},
		{"echo unknown field", "POST", "/echo", "application/json", `{"message":"a","x":1}`, 400, "application/problem+json", `"status":400`},
		{"echo missing message", "POST", "/echo", "application/json", `{}`, 422, "application/problem+json", `"pointer":"/message"`},
		{"echo blank message", "POST", "/echo", "application/json", `{"message":"   "}`, 422, "application/problem+json", `"code":"validation_failed"`},
		{"echo trimmed", "POST", "/echo", "application/json", `{"message":"  hi  "}`, 200, "application/json", `{"message":"hi"}`},
		{"echo two objects", "POST", "/echo", "application/json", `{"message":"a"}{"message":"b"}`, 400, "application/problem+json", `"status":400`},
		{"echo too large", "POST", "/echo", "application/json", `{"message":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "application/problem+json", `"status":413`},
		{"echo wrong media type", "POST", "/echo", "text/plain", `hi`, 415, "application/problem+json", `"status":415`},
		{"echo duplicate key", "POST", "/echo", "application/json", `{"message":"a","message":"b"}`, 400, "application/problem+json", `"code":"duplicate_key"`},
		{"echo key case", "POST", "/echo", "application/json", `{"Message":"a"}`, 400, "application/problem+json", `"pointer":"/Message"`},
		{"item", "GET", "/items/1", "", "", 200, "application/json", `{"id":1,"name":"keel"}`},
		{"item missing", "GET", "/items/2", "", "", 404, "application/problem+json", `"code":"not_found"`},
		{"item bad id", "GET", "/items/abc", "", "", 404, "application/problem+json", `"status":404`},
		{"no route", "GET", "/nowhere", "", "", 404, "application/problem+json", `"status":404`},
		{"wrong method", "DELETE", "/hello/keel", "", "", 405, "application/problem+json", `"status":405`},
		{"livez", "GET", "/livez", "", "", 200, "", ""},
		{"welcome", "POST", "/welcome", "application/json", `{"email":"ada@example.com"}`, 202, "application/json", `"job_id":"`},
		{"welcome again", "POST", "/welcome", "application/json", `{"email":"ada@example.com"}`, 409, "application/problem+json", `"status":409`},
		{"welcome invalid", "POST", "/welcome", "application/json", `{"email":"nope"}`, 422, "application/problem+json", `"pointer":"/email"`},
		{"dashboard", "GET", "/admin/jobs/", "", "", 200, "text/html", `href="/admin/jobs/queues/default/`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, base+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, resp.StatusCode, body, tt.code)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantCT) {
				t.Errorf("Content-Type = %q, want %q", ct, tt.wantCT)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body = %s, want it to contain %s", body, tt.wantBody)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
				t.Errorf("security headers missing: %v", resp.Header)
			}
			id := resp.Header.Get("X-Request-ID")
			if id == "" {
				t.Error("no X-Request-ID in the response")
			}
			if strings.HasPrefix(tt.wantCT, "application/problem+json") && !strings.Contains(string(body), `"request_id":"`+id+`"`) {
				t.Errorf("problem %s does not carry the request ID %s", body, id)
			}
			if resp.StatusCode == 405 && resp.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
				t.Errorf("Allow = %q", resp.Header.Get("Allow"))
			}
		})
	}

	// The access log names the route pattern and the request ID.
	resp, err := http.Get(base + "/hello/log-check")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("X-Request-ID")
	line := logs.wait(func(l map[string]any) bool { return l["request_id"] == id && l["status"] != nil }, 5*time.Second)
	if line == nil {
		t.Fatalf("no access log line for request %s", id)
	}
	if fmt.Sprint(line["route"]) != "GET /hello/{name}" {
		t.Errorf("access log route = %v, want GET /hello/{name}; line %v", line["route"], line)
	}
}

func TestBadConfiguration(t *testing.T) {
	env := func(k string) string {
		if k == "LOG_LEVEL" {
			return "loud"
		}
		return ""
	}
	if err := run(t.Context(), []string{"hello"}, env, io.Discard, io.Discard); err == nil {
		t.Error("run with LOG_LEVEL=loud = nil, want an error")
	}
	err := run(t.Context(), []string{"hello", "-bogus"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil {
		t.Error("run with an unknown flag = nil, want an error")
	}
}

// TestWelcomeJobCarriesRequestID follows a request into the background job
// it enqueued: the job's log line carries the request's ID.
func TestWelcomeJobCarriesRequestID(t *testing.T) {
	base, logs := startService(t)
	resp, err := http.Post(base+"/welcome", "application/json", strings.NewReader(`{"email":"grace@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /welcome = %d %s, want 202", resp.StatusCode, body)
	}
	id := resp.Header.Get("X-Request-ID")
	line := logs.wait(func(l map[string]any) bool { return l["message"] == "sending welcome" }, 10*time.Second)
	if line == nil {
		t.Fatal("the welcome job never ran")
	}
	if line["request_id"] != id || line["to"] != "grace@example.com" || line["job_type"] != "welcome.send" {
		t.Errorf("job log line = %v, want request_id %s, the address and the job type", line, id)
	}
}
