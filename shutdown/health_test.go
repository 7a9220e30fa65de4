package shutdown_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keel-go/keel/shutdown"
)

// startManager runs m until the returned function is called.
func startManager(t *testing.T, m *shutdown.Manager) (stop func()) {
	t.Helper()
	errc := runAsync(context.Background(), m)
	synctest.Wait()
	return func() {
		t.Helper()
		m.Shutdown()
		if err := <-errc; err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	}
}

func serve(h http.Handler, method string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, "/", nil))
	return rec
}

type testCheck struct {
	name    string
	fn      func(ctx context.Context) error
	timeout time.Duration
}

func pass(context.Context) error { return nil }

func fail(context.Context) error { return errors.New("dial tcp 10.0.0.7:5432: connection refused") }

func blockUntilDone(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestReadyzChecks(t *testing.T) {
	tests := []struct {
		name     string
		checks   []testCheck
		expose   bool
		wantCode int
		wantBody string
		wantTime time.Duration // how long the probe takes on the fake clock
	}{
		{
			name:     "no checks",
			wantCode: http.StatusOK,
			wantBody: `{"status":"ok"}`,
		},
		{
			name:     "all pass",
			checks:   []testCheck{{name: "db", fn: pass}, {name: "redis", fn: pass}},
			wantCode: http.StatusOK,
			wantBody: `{"status":"ok","checks":[{"name":"db","status":"ok"},{"name":"redis","status":"ok"}]}`,
		},
		{
			name:     "one fails, error text hidden",
			checks:   []testCheck{{name: "db", fn: fail}, {name: "redis", fn: pass}},
			wantCode: http.StatusServiceUnavailable,
			wantBody: `{"status":"failing","checks":[{"name":"db","status":"failing"},{"name":"redis","status":"ok"}]}`,
		},
		{
			name:     "one fails, error text exposed",
			checks:   []testCheck{{name: "db", fn: fail}},
			expose:   true,
			wantCode: http.StatusServiceUnavailable,
			wantBody: `{"status":"failing","checks":[{"name":"db","status":"failing","error":"dial tcp 10.0.0.7:5432: connection refused"}]}`,
		},
		{
			name:     "timeout",
			checks:   []testCheck{{name: "db", fn: pass}, {name: "slow", fn: blockUntilDone, timeout: 50 * time.Millisecond}},
			wantCode: http.StatusServiceUnavailable,
			wantBody: `{"status":"failing","checks":[{"name":"db","status":"ok"},{"name":"slow","status":"timeout"}]}`,
			wantTime: 50 * time.Millisecond,
		},
		{
			name:     "default timeout",
			checks:   []testCheck{{name: "slow", fn: blockUntilDone}},
			wantCode: http.StatusServiceUnavailable,
			wantBody: `{"status":"failing","checks":[{"name":"slow","status":"timeout"}]}`,
			wantTime: shutdown.DefaultCheckTimeout,
		},
		{
			name: "checks run concurrently",
			checks: []testCheck{
				{name: "a", fn: blockUntilDone, timeout: 20 * time.Millisecond},
				{name: "b", fn: blockUntilDone, timeout: 30 * time.Millisecond},
				{name: "c", fn: pass},
			},
			wantCode: http.StatusServiceUnavailable,
			wantBody: `{"status":"failing","checks":[{"name":"a","status":"timeout"},{"name":"b","status":"timeout"},{"name":"c","status":"ok"}]}`,
			wantTime: 30 * time.Millisecond,
		},
		{
			name:     "panicking check",
			checks:   []testCheck{{name: "bad", fn: func(context.Context) error { panic("oops") }}},
			expose:   true,
			wantCode: http.StatusServiceUnavailable,
			wantBody: `{"status":"failing","checks":[{"name":"bad","status":"failing","error":"shutdown: check panicked: oops"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m, _ := newManager(t, shutdown.Options{ExposeCheckErrors: tt.expose})
				for _, c := range tt.checks {
					m.AddCheck(c.name, c.fn, c.timeout)
				}
				defer startManager(t, m)()

				start := time.Now()
				rec := serve(m.ReadyzHandler(), http.MethodGet)
				if d := time.Since(start); d != tt.wantTime {
					t.Errorf("probe took %v, want %v", d, tt.wantTime)
				}
				if rec.Code != tt.wantCode {
					t.Errorf("GET /readyz code = %d, want %d", rec.Code, tt.wantCode)
				}
				if got := strings.TrimSpace(rec.Body.String()); got != tt.wantBody {
					t.Errorf("GET /readyz body = %s, want %s", got, tt.wantBody)
				}
				if got := rec.Header().Get("Content-Type"); got != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", got)
				}
				if got := rec.Header().Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control = %q, want no-store", got)
				}
			})
		})
	}
}

func TestReadyzCheckIgnoringContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		m, _ := newManager(t, shutdown.Options{})
		m.AddCheck("stuck", func(context.Context) error { <-release; return nil }, 10*time.Millisecond)
		defer startManager(t, m)()

		start := time.Now()
		rec := serve(m.ReadyzHandler(), http.MethodGet)
		if d := time.Since(start); d != 10*time.Millisecond {
			t.Errorf("probe took %v, want the check's 10ms timeout", d)
		}
		want := `{"status":"failing","checks":[{"name":"stuck","status":"timeout"}]}`
		if rec.Code != http.StatusServiceUnavailable || strings.TrimSpace(rec.Body.String()) != want {
			t.Errorf("GET /readyz = %d %s, want 503 %s", rec.Code, rec.Body, want)
		}
		close(release)
	})
}

func TestReadyzLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		checked := 0
		m, _ := newManager(t, shutdown.Options{})
		m.AddCheck("db", func(context.Context) error { checked++; return nil }, 0)
		if code, body := probe(t, m.ReadyzHandler()); code != http.StatusServiceUnavailable || body.Status != "starting" {
			t.Errorf("readyz before Run = %d %q, want 503 starting", code, body.Status)
		}
		if checked != 0 {
			t.Errorf("checks ran %d times before start, want 0", checked)
		}
		stop := startManager(t, m)
		// A check added while running is used by the next probe.
		m.AddCheck("late", fail, 0)
		code, body := probe(t, m.ReadyzHandler())
		if code != http.StatusServiceUnavailable || len(body.Checks) != 2 || body.Checks[1].Name != "late" {
			t.Errorf("readyz with a late failing check = %d %+v, want 503 naming late", code, body)
		}
		stop()
		if code, body := probe(t, m.ReadyzHandler()); code != http.StatusServiceUnavailable || body.Status != "stopped" {
			t.Errorf("readyz after Run = %d %q, want 503 stopped", code, body.Status)
		}
	})
}

func TestLivez(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, _ := newManager(t, shutdown.Options{})
		m.AddCheck("db", fail, 0) // liveness ignores checks
		check := func(when string) {
			rec := serve(m.LivezHandler(), http.MethodGet)
			if got := strings.TrimSpace(rec.Body.String()); rec.Code != http.StatusOK || got != `{"status":"ok"}` {
				t.Errorf("GET /livez %s = %d %s, want 200 {\"status\":\"ok\"}", when, rec.Code, got)
			}
		}
		check("before Run")
		stop := startManager(t, m)
		check("while running")
		stop()
		check("after Run")
	})
}

func TestProbeMethods(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, _ := newManager(t, shutdown.Options{})
		defer startManager(t, m)()
		handlers := map[string]http.Handler{"livez": m.LivezHandler(), "readyz": m.ReadyzHandler()}
		tests := []struct {
			method string
			want   int
		}{
			{http.MethodGet, http.StatusOK},
			{http.MethodHead, http.StatusOK},
			{http.MethodPost, http.StatusMethodNotAllowed},
			{http.MethodDelete, http.StatusMethodNotAllowed},
		}
		for name, h := range handlers {
			for _, tt := range tests {
				rec := serve(h, tt.method)
				if rec.Code != tt.want {
					t.Errorf("%s /%s = %d, want %d", tt.method, name, rec.Code, tt.want)
				}
				if tt.want != http.StatusMethodNotAllowed {
					continue
				}
				if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
					t.Errorf("%s /%s Allow = %q, want %q", tt.method, name, got, "GET, HEAD")
				}
				if got := rec.Header().Get("Content-Type"); got != "application/problem+json" {
					t.Errorf("%s /%s Content-Type = %q, want application/problem+json", tt.method, name, got)
				}
			}
		}
	})
}

func TestAddCheckPanicsOnMisuse(t *testing.T) {
	tests := []struct {
		name string
		add  func(m *shutdown.Manager)
	}{
		{name: "empty name", add: func(m *shutdown.Manager) { m.AddCheck("", pass, 0) }},
		{name: "nil function", add: func(m *shutdown.Manager) { m.AddCheck("db", nil, 0) }},
		{name: "negative timeout", add: func(m *shutdown.Manager) { m.AddCheck("db", pass, -time.Second) }},
		{name: "duplicate", add: func(m *shutdown.Manager) {
			m.AddCheck("db", pass, 0)
			m.AddCheck("db", pass, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newManager(t, shutdown.Options{})
			defer func() {
				p := recover()
				msg, _ := p.(string)
				if !strings.HasPrefix(msg, "shutdown: AddCheck") {
					t.Errorf("panic = %v, want a shutdown: AddCheck panic", p)
				}
			}()
			tt.add(m)
		})
	}
}
