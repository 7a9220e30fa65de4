package middleware_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// stepClock returns a clock that advances by step on every call.
func stepClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(step)
		return now
	}
}

// withRoute returns a handler that plays the router: it fills the route in
// the request's reqctx Data in place, then writes status and body.
func withRoute(pattern string, status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if pattern != "" {
			reqctx.From(r.Context()).Route = &reqctx.Route{Pattern: pattern}
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

func TestAccessLogFields(t *testing.T) {
	sink := newLogSink()
	h := middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{
			Logger:   sink.logger(),
			Generate: func() string { return "req-1" },
		}),
		middleware.AccessLog(middleware.AccessLogOptions{Now: stepClock(1500 * time.Millisecond)}),
	)(withRoute("GET /users/{id}", http.StatusCreated, "hello"))

	r := httptest.NewRequest(http.MethodGet, "/users/42?page=2", nil)
	r.RemoteAddr = "192.0.2.7:51234"
	r.Header.Set("User-Agent", "test-agent/1.0")
	h.ServeHTTP(httptest.NewRecorder(), r)

	got := sink.only(t)
	want := map[string]any{
		"level":      "info",
		"message":    "request",
		"method":     "GET",
		"route":      "GET /users/{id}",
		"path":       "/users/42",
		"query":      "page=2",
		"status":     201.0,
		"bytes":      5.0,
		"duration":   1500.0,
		"request_id": "req-1",
		"client_ip":  "192.0.2.7",
		"user_agent": "test-agent/1.0",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("field %q = %#v, want %#v", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected field %q = %#v", k, got[k])
		}
	}
}

func TestAccessLogRequestIDAppearsOnce(t *testing.T) {
	tests := []struct {
		name      string
		requestID middleware.RequestIDOptions
		fallback  bool // the line goes to AccessLogOptions.Logger
	}{
		{name: "request logger", requestID: middleware.RequestIDOptions{}},
		{name: "fallback logger", fallback: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			ridOpts := middleware.RequestIDOptions{Generate: func() string { return "req-9" }}
			alOpts := middleware.AccessLogOptions{}
			if tt.fallback {
				alOpts.Logger = sink.logger()
			} else {
				ridOpts.Logger = sink.logger()
			}
			h := middleware.Chain(middleware.RequestID(ridOpts), middleware.AccessLog(alOpts))(withRoute("", 200, ""))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
			sink.only(t)
			if n := strings.Count(sink.String(), `"request_id":"req-9"`); n != 1 {
				t.Errorf("request_id appears %d times in %s, want once", n, sink.String())
			}
		})
	}
}

func TestAccessLogTraceIDOnFallback(t *testing.T) {
	sink := newLogSink()
	h := middleware.AccessLog(middleware.AccessLogOptions{Logger: sink.logger()})(withRoute("", 200, ""))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(reqctx.WithData(r.Context(), reqctx.Data{RequestID: "req-2", TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"}))
	h.ServeHTTP(httptest.NewRecorder(), r)
	got := sink.only(t)
	if got["request_id"] != "req-2" || got["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("request_id, trace_id = %v, %v, want req-2 and the trace ID", got["request_id"], got["trace_id"])
	}
}

func TestAccessLogClientIP(t *testing.T) {
	tests := []struct {
		name       string
		remoteAddr string
		clientIP   netip.Addr
		want       string
	}{
		{"IPv4 remote address", "198.51.100.1:4000", netip.Addr{}, "198.51.100.1"},
		{"IPv6 remote address", "[2001:db8::1]:4000", netip.Addr{}, "2001:db8::1"},
		{"remote address without port", "pipe", netip.Addr{}, "pipe"},
		{"reqctx wins", "10.0.0.1:4000", netip.MustParseAddr("203.0.113.9"), "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			h := middleware.AccessLog(middleware.AccessLogOptions{Logger: sink.logger()})(withRoute("", 200, ""))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remoteAddr
			r = r.WithContext(reqctx.WithData(r.Context(), reqctx.Data{ClientIP: tt.clientIP}))
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got := sink.only(t)["client_ip"]; got != tt.want {
				t.Errorf("client_ip = %v, want %q", got, tt.want)
			}
		})
	}
}

func TestAccessLogRouteFromServeMux(t *testing.T) {
	sink := newLogSink()
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", withRoute("", 200, "item"))
	h := middleware.AccessLog(middleware.AccessLogOptions{Logger: sink.logger()})(mux)
	for _, path := range []string{"/items/7", "/nothing"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	es := sink.entries(t)
	if len(es) != 2 || es[0]["route"] != "GET /items/{id}" || es[1]["route"] != "" {
		t.Fatalf("routes logged = %v, want \"GET /items/{id}\" then \"\"", es)
	}
	if es[1]["status"] != 404.0 {
		t.Errorf("unmatched status = %v, want 404", es[1]["status"])
	}
}

func TestAccessLogLevelByStatus(t *testing.T) {
	custom := func(status int) zerolog.Level {
		if status == http.StatusNotFound {
			return zerolog.DebugLevel
		}
		return middleware.StatusLevel(status)
	}
	tests := []struct {
		status int
		level  func(int) zerolog.Level
		want   string
	}{
		{200, nil, "info"},
		{204, nil, "info"},
		{304, nil, "info"},
		{400, nil, "warn"},
		{404, nil, "warn"},
		{429, nil, "warn"},
		{500, nil, "error"},
		{503, nil, "error"},
		{404, custom, "debug"},
		{500, custom, "error"},
	}
	for _, tt := range tests {
		sink := newLogSink()
		h := middleware.AccessLog(middleware.AccessLogOptions{Logger: sink.logger(), Level: tt.level})(withRoute("", tt.status, ""))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
		got := sink.only(t)
		if got["level"] != tt.want || got["status"] != float64(tt.status) {
			t.Errorf("status %d (custom level %t) logged at %v with status %v, want %s", tt.status, tt.level != nil, got["level"], got["status"], tt.want)
		}
	}
}

func TestAccessLogDisabledLevelDropsLine(t *testing.T) {
	sink := newLogSink()
	h := middleware.AccessLog(middleware.AccessLogOptions{
		Logger: sink.logger(),
		Level:  func(int) zerolog.Level { return zerolog.Disabled },
	})(withRoute("", 200, ""))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if out := sink.String(); out != "" {
		t.Errorf("log output = %q, want nothing", out)
	}
}

func TestAccessLogSampling(t *testing.T) {
	dropHealth := func(r *http.Request, status int) bool { return r.URL.Path != "/healthz" }
	tests := []struct {
		name     string
		opts     middleware.AccessLogOptions
		requests []struct {
			path   string
			status int
		}
		wantPaths []string
	}{
		{
			name: "one in three successes, every failure",
			opts: middleware.AccessLogOptions{SampleEvery: 3},
			requests: []struct {
				path   string
				status int
			}{
				{"/1", 200}, {"/2", 200}, {"/e1", 500}, {"/3", 200}, {"/4", 301},
				{"/e2", 404}, {"/5", 200}, {"/6", 200}, {"/7", 200},
			},
			wantPaths: []string{"/1", "/e1", "/4", "/e2", "/7"},
		},
		{
			name: "sample every one keeps all",
			opts: middleware.AccessLogOptions{SampleEvery: 1},
			requests: []struct {
				path   string
				status int
			}{{"/1", 200}, {"/2", 200}},
			wantPaths: []string{"/1", "/2"},
		},
		{
			name: "func drops health checks but not their failures",
			opts: middleware.AccessLogOptions{Sample: dropHealth},
			requests: []struct {
				path   string
				status int
			}{{"/healthz", 200}, {"/api", 200}, {"/healthz", 503}},
			wantPaths: []string{"/api", "/healthz"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			opts := tt.opts
			opts.Logger = sink.logger()
			status := 0
			h := middleware.AccessLog(opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
			}))
			for _, req := range tt.requests {
				status = req.status
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, req.path, nil))
			}
			var paths []string
			for _, e := range sink.entries(t) {
				paths = append(paths, e["path"].(string))
			}
			if strings.Join(paths, " ") != strings.Join(tt.wantPaths, " ") {
				t.Errorf("logged paths = %v, want %v", paths, tt.wantPaths)
			}
		})
	}
}

func TestAccessLogRedactsSecrets(t *testing.T) {
	tests := []struct {
		name      string
		opts      middleware.AccessLogOptions
		query     string
		wantQuery string
	}{
		{name: "no query", query: "", wantQuery: ""},
		{name: "nothing secret", query: "page=2&sort=name", wantQuery: "page=2&sort=name"},
		{name: "token", query: "token=s3cr3t&page=2", wantQuery: "token=REDACTED&page=2"},
		{name: "case insensitive", query: "page=1&API_KEY=s3cr3t", wantQuery: "page=1&API_KEY=REDACTED"},
		{name: "escaped name", query: "%74oken=s3cr3t", wantQuery: "%74oken=REDACTED"},
		{name: "repeated", query: "token=s3cr3t&token=s3cr3t2", wantQuery: "token=REDACTED&token=REDACTED"},
		{name: "semicolon separator", query: "a=1;password=s3cr3t", wantQuery: "a=1;password=REDACTED"},
		{name: "plus in name", query: "access+token=x&access_token=s3cr3t", wantQuery: "access+token=x&access_token=REDACTED"},
		{name: "malformed name", query: "tok%zzen=s3cr3t&b=2", wantQuery: "tok%zzen=REDACTED&b=2"},
		{name: "empty value kept", query: "token=&x=1", wantQuery: "token=&x=1"},
		{name: "name only", query: "token", wantQuery: "token"},
		{name: "value with equals", query: "signature=abc%3D%3D=s3cr3t", wantQuery: "signature=REDACTED"},
		{
			name:      "custom list replaces defaults",
			opts:      middleware.AccessLogOptions{RedactQuery: []string{"OTP"}},
			query:     "otp=s3cr3t&token=visible",
			wantQuery: "otp=REDACTED&token=visible",
		},
		{
			name:      "extended defaults",
			opts:      middleware.AccessLogOptions{RedactQuery: append(middleware.DefaultRedactQuery(), "otp")},
			query:     "otp=s3cr3t&token=s3cr3t",
			wantQuery: "otp=REDACTED&token=REDACTED",
		},
		{
			name:      "empty list turns redaction off",
			opts:      middleware.AccessLogOptions{RedactQuery: []string{}},
			query:     "token=visible",
			wantQuery: "token=visible",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			opts := tt.opts
			opts.Logger = sink.logger()
			h := middleware.AccessLog(opts)(withRoute("", 200, ""))
			r := httptest.NewRequest(http.MethodGet, "/login", nil)
			r.URL.RawQuery = tt.query
			r.Header.Set("Authorization", "Bearer s3cr3t-bearer")
			r.Header.Set("Cookie", "session=s3cr3t-cookie")
			h.ServeHTTP(httptest.NewRecorder(), r)
			got := sink.only(t)
			if q, _ := got["query"].(string); q != tt.wantQuery {
				t.Errorf("query %q logged as %q, want %q", tt.query, q, tt.wantQuery)
			}
			out := sink.String()
			if strings.Contains(out, "s3cr3t") {
				t.Errorf("log output contains a secret: %s", out)
			}
		})
	}
}

func TestAccessLogTruncatesLongFields(t *testing.T) {
	sink := newLogSink()
	h := middleware.AccessLog(middleware.AccessLogOptions{Logger: sink.logger()})(withRoute("", 200, ""))
	r := httptest.NewRequest(http.MethodGet, "/"+strings.Repeat("p", 5000), nil)
	r.Header.Set("User-Agent", strings.Repeat("u", 5000))
	h.ServeHTTP(httptest.NewRecorder(), r)
	got := sink.only(t)
	for _, field := range []string{"path", "user_agent"} {
		s, _ := got[field].(string)
		if len(s) > 1100 || !strings.HasSuffix(s, "...") {
			t.Errorf("%s logged with %d bytes, want it cut to about 1 KiB and marked", field, len(s))
		}
	}
}

func TestAccessLogWithoutWriteIs200(t *testing.T) {
	sink := newLogSink()
	h := middleware.AccessLog(middleware.AccessLogOptions{Logger: sink.logger()})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := sink.only(t); got["status"] != 200.0 || got["level"] != "info" {
		t.Errorf("status, level = %v, %v, want 200, info", got["status"], got["level"])
	}
}

func TestAccessLogClientGoneIs499(t *testing.T) {
	tests := []struct {
		name      string
		respond   func(w http.ResponseWriter, r *http.Request)
		wantLines int
	}{
		{"handler writes nothing", func(http.ResponseWriter, *http.Request) {}, 1},
		{"handler reports the cancellation", func(w http.ResponseWriter, r *http.Request) {
			errors.Write(w, r, r.Context().Err()) // logs at debug level, writes nothing
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			started := make(chan struct{})
			h := middleware.Chain(
				middleware.RequestID(middleware.RequestIDOptions{Logger: sink.logger()}),
				middleware.AccessLog(middleware.AccessLogOptions{}),
			)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(started)
				<-r.Context().Done()
				tt.respond(w, r)
			}))
			ts := httptest.NewServer(h)
			defer ts.Close()

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/slow", nil)
			errc := make(chan error, 1)
			go func() {
				resp, err := ts.Client().Do(req)
				if err == nil {
					resp.Body.Close()
				}
				errc <- err
			}()
			receive(t, started)
			cancel()
			if err := receive(t, errc); err == nil {
				t.Fatal("canceled request succeeded")
			}
			sink.waitLines(t, tt.wantLines)
			// The access log line is the one with a route field.
			var line map[string]any
			for _, e := range sink.entries(t) {
				if _, ok := e["route"]; ok {
					line = e
				}
			}
			if line == nil {
				t.Fatalf("no access log line in:\n%s", sink.String())
			}
			if line["status"] != 499.0 || line["level"] != "warn" {
				t.Errorf("status, level = %v, %v, want 499, warn", line["status"], line["level"])
			}
		})
	}
}

func TestAccessLogPanicPassingThrough(t *testing.T) {
	tests := []struct {
		name      string
		value     any
		before    func(w http.ResponseWriter)
		want      map[string]any
		wantStack string // a frame the stack seen further out must show
	}{
		{
			name:  "panic",
			value: "boom",
			want:  map[string]any{"status": 500.0, "level": "error", "panic": true, "aborted": nil},
		},
		{
			name:  "abort before anything was written",
			value: http.ErrAbortHandler,
			want:  map[string]any{"status": 0.0, "level": "info", "panic": nil, "aborted": true},
		},
		{
			name:   "abort after the header",
			value:  http.ErrAbortHandler,
			before: func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
			want:   map[string]any{"status": 502.0, "level": "error", "panic": nil, "aborted": true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			h := middleware.AccessLog(middleware.AccessLogOptions{Logger: sink.logger()})(panicking(tt.value, tt.before))
			var stack string
			func() {
				defer func() {
					if v := recover(); v != tt.value {
						t.Errorf("recovered %v, want the handler's panic to pass through", v)
					}
					stack = string(debug.Stack())
				}()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
			}()
			if !strings.Contains(stack, "panicHere") {
				t.Errorf("stack seen outside AccessLog lost the panic site:\n%s", stack)
			}
			got := sink.only(t)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("field %q = %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}

func TestAccessLogGoexitIsNotAPanic(t *testing.T) {
	sink := newLogSink()
	h := middleware.AccessLog(middleware.AccessLogOptions{Logger: sink.logger()})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		runtime.Goexit()
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}()
	receive(t, done)
	if got := sink.only(t); got["panic"] != nil || got["status"] != 200.0 {
		t.Errorf("entry = %v, want a plain 200 line", got)
	}
}

func TestAccessLogAfterLatePanicRecovered(t *testing.T) {
	sink := newLogSink()
	h := middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{Logger: sink.logger()}),
		middleware.AccessLog(middleware.AccessLogOptions{}),
		middleware.Recover(middleware.RecoverOptions{}),
	)(panicking("late", func(w http.ResponseWriter) { io.WriteString(w, "partial") }))
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}()
	es := sink.entries(t)
	if len(es) != 2 {
		t.Fatalf("got %d lines, want Recover's error and the access line:\n%s", len(es), sink.String())
	}
	if es[0]["level"] != "error" || es[0]["response_committed"] != true {
		t.Errorf("first line = %v, want Recover's committed panic", es[0])
	}
	if es[1]["message"] != "request" || es[1]["status"] != 200.0 || es[1]["aborted"] != true || es[1]["level"] != "info" {
		t.Errorf("access line = %v, want status 200, aborted, info", es[1])
	}
}

func TestAccessLogRecordsRecover500(t *testing.T) {
	sink := newLogSink()
	h := middleware.Chain(
		middleware.AccessLog(middleware.AccessLogOptions{Logger: sink.logger()}),
		middleware.Recover(middleware.RecoverOptions{}),
	)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	got := sink.only(t)
	if got["status"] != 500.0 || got["level"] != "error" || got["panic"] != nil {
		t.Errorf("status, level, panic = %v, %v, %v, want 500, error, absent", got["status"], got["level"], got["panic"])
	}
}

func TestAccessLogHijacked(t *testing.T) {
	sink := newLogSink()
	h := middleware.AccessLog(middleware.AccessLogOptions{Logger: sink.logger()})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack() error = %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
		brw.Flush()
	}))
	ts := httptest.NewServer(h)
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sink.waitLines(t, 1)
	if got := sink.only(t); got["hijacked"] != true || got["status"] != 0.0 {
		t.Errorf("hijacked, status = %v, %v, want true, 0", got["hijacked"], got["status"])
	}
}

func TestAccessLogPanicsOnInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts middleware.AccessLogOptions
		want string
	}{
		{"negative sample", middleware.AccessLogOptions{SampleEvery: -1}, "SampleEvery"},
		{"both samplers", middleware.AccessLogOptions{SampleEvery: 2, Sample: func(*http.Request, int) bool { return true }}, "Sample"},
		{"empty redact name", middleware.AccessLogOptions{RedactQuery: []string{"token", ""}}, "RedactQuery"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "middleware: AccessLogOptions.") || !strings.Contains(msg, tt.want) {
					t.Errorf("panic = %q, want a message naming %s", msg, tt.want)
				}
			}()
			middleware.AccessLog(tt.opts)
		})
	}
}

// splitQuery splits a raw query the way the redaction does: on '&' and ';'.
func splitQuery(q string) []string {
	return strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == ';' })
}

// FuzzRedactQuery checks that, for any raw query, every parameter whose
// name unescapes to a secret name has its value replaced, everything else
// is left byte for byte, and url.ParseQuery of the result finds no secret
// value.
func FuzzRedactQuery(f *testing.F) {
	for _, seed := range []string{
		"", "a=1", "token=s", "TOKEN=s&x=1", "%74oken=s", "x=1;token=s", "token", "token=",
		"tok%zzen=s", "a=1&&token=s&", "api_key=a=b", "x=%00&password=%FF", "+token=s",
	} {
		f.Add(seed)
	}
	names := middleware.DefaultRedactQuery()
	secret := make(map[string]bool, len(names))
	for _, n := range names {
		secret[n] = true
	}
	f.Fuzz(func(t *testing.T, q string) {
		out := middleware.RedactQuery(q, names...)
		in, got := strings.Split(q, "&"), strings.Split(out, "&")
		if len(in) != len(got) {
			t.Fatalf("RedactQuery(%q) = %q: %d '&'-separated parts, want %d", q, out, len(got), len(in))
		}
		inPairs, gotPairs := splitQuery(q), splitQuery(out)
		if len(inPairs) != len(gotPairs) {
			t.Fatalf("RedactQuery(%q) = %q: %d parameters, want %d", q, out, len(gotPairs), len(inPairs))
		}
		for i, pair := range inPairs {
			name, value, hasValue := strings.Cut(pair, "=")
			unescaped, err := url.QueryUnescape(name)
			isSecret := err != nil || secret[strings.ToLower(unescaped)]
			want := pair
			if isSecret && hasValue && value != "" {
				want = name + "=REDACTED"
			}
			if gotPairs[i] != want {
				t.Fatalf("RedactQuery(%q) = %q: parameter %d is %q, want %q", q, out, i, gotPairs[i], want)
			}
		}
		parsed, _ := url.ParseQuery(out)
		for name, values := range parsed {
			if !secret[strings.ToLower(name)] {
				continue
			}
			for _, v := range values {
				if v != "" && v != "REDACTED" {
					t.Fatalf("RedactQuery(%q) = %q: url.ParseQuery finds %s=%q", q, out, name, v)
				}
			}
		}
	})
}
