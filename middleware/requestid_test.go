package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// seen is what a handler behind RequestID observed.
type seen struct {
	id     string
	start  time.Time
	logged map[string]any
}

// serveRequestID sends r through RequestID(opts) to a handler that records
// what it sees and logs one line through the request logger.
func serveRequestID(t *testing.T, opts middleware.RequestIDOptions, r *http.Request) (*httptest.ResponseRecorder, seen) {
	t.Helper()
	sink := newLogSink()
	opts.Logger = sink.logger()
	var s seen
	h := middleware.RequestID(opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.id = reqctx.RequestID(r.Context())
		s.start = reqctx.Start(r.Context())
		reqctx.Logger(r.Context()).Info().Msg("inside")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	s.logged = sink.only(t)
	return w, s
}

func TestRequestIDGenerated(t *testing.T) {
	w, s := serveRequestID(t, middleware.RequestIDOptions{}, httptest.NewRequest(http.MethodGet, "/", nil))
	u, err := uuid.Parse(s.id)
	if err != nil || u.Version() != 7 || len(s.id) != 36 {
		t.Fatalf("request ID = %q (version %d, err %v), want a canonical UUIDv7", s.id, u.Version(), err)
	}
	if got := w.Header().Get("X-Request-ID"); got != s.id {
		t.Errorf("response X-Request-ID = %q, want %q", got, s.id)
	}
	if got := s.logged["request_id"]; got != s.id {
		t.Errorf("log line request_id = %v, want %q", got, s.id)
	}
	if s.start.IsZero() {
		t.Error("reqctx.Start is zero, want the time the request was seen")
	}
}

func TestRequestIDIncoming(t *testing.T) {
	const generated = "generated-id"
	tests := []struct {
		name     string
		opts     middleware.RequestIDOptions
		header   string // header carrying the incoming value
		incoming string
		want     string
	}{
		{name: "safe kept", incoming: "abc-123_XYZ.7:9", want: "abc-123_XYZ.7:9"},
		{name: "uuid kept", incoming: "0190a3c8-1b2e-7c3d-8e4f-5a6b7c8d9e0f", want: "0190a3c8-1b2e-7c3d-8e4f-5a6b7c8d9e0f"},
		{name: "64 bytes kept", incoming: strings.Repeat("a", 64), want: strings.Repeat("a", 64)},
		{name: "65 bytes replaced", incoming: strings.Repeat("a", 65), want: generated},
		{name: "empty replaced", incoming: "", want: generated},
		{name: "CRLF replaced", incoming: "abc\r\nX-Evil: 1", want: generated},
		{name: "LF replaced", incoming: "abc\nlevel=error", want: generated},
		{name: "space replaced", incoming: "abc def", want: generated},
		{name: "quote replaced", incoming: `abc"def`, want: generated},
		{name: "unicode replaced", incoming: "héllo", want: generated},
		{name: "NUL replaced", incoming: "abc\x00", want: generated},
		{name: "slash replaced", incoming: "a/b", want: generated},
		{
			name:     "custom header",
			opts:     middleware.RequestIDOptions{Header: "x-correlation-id"},
			header:   "X-Correlation-Id",
			incoming: "corr-1",
			want:     "corr-1",
		},
		{
			name:     "custom max length",
			opts:     middleware.RequestIDOptions{MaxLength: 8},
			incoming: "123456789",
			want:     generated,
		},
		{
			name:     "ignore incoming",
			opts:     middleware.RequestIDOptions{IgnoreIncoming: true},
			incoming: "abc",
			want:     generated,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := tt.header
			if header == "" {
				header = "X-Request-ID"
			}
			opts := tt.opts
			opts.Generate = func() string { return generated }
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header[http.CanonicalHeaderKey(header)] = []string{tt.incoming}
			w, s := serveRequestID(t, opts, r)
			if s.id != tt.want {
				t.Errorf("request ID for %q = %q, want %q", tt.incoming, s.id, tt.want)
			}
			if got := w.Header().Get(header); got != tt.want {
				t.Errorf("response %s = %q, want %q", header, got, tt.want)
			}
			if got := s.logged["request_id"]; got != tt.want {
				t.Errorf("log line request_id = %v, want %q", got, tt.want)
			}
		})
	}
}

func TestRequestIDInstalledTwiceKeepsTheFirst(t *testing.T) {
	var calls atomic.Int32
	gen := func() string { return "id-" + string(rune('0'+calls.Add(1))) }
	outer := middleware.RequestID(middleware.RequestIDOptions{Generate: gen})
	inner := middleware.RequestID(middleware.RequestIDOptions{Generate: gen})
	var got string
	h := middleware.Chain(outer, inner)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = reqctx.RequestID(r.Context())
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if got != "id-1" || calls.Load() != 1 {
		t.Errorf("request ID = %q after %d generations, want %q after 1", got, calls.Load(), "id-1")
	}
	if vs := w.Header().Values("X-Request-ID"); len(vs) != 1 || vs[0] != "id-1" {
		t.Errorf("response X-Request-ID = %q, want [id-1]", vs)
	}
}

func TestRequestIDKeepsExistingStart(t *testing.T) {
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(reqctx.WithData(r.Context(), reqctx.Data{Start: start}))
	_, s := serveRequestID(t, middleware.RequestIDOptions{}, r)
	if !s.start.Equal(start) {
		t.Errorf("reqctx.Start = %v, want the existing %v", s.start, start)
	}
}

func TestRequestIDWithoutLoggerLeavesRequestLoggerDisabled(t *testing.T) {
	h := middleware.RequestID(middleware.RequestIDOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e := reqctx.Logger(r.Context()).Error(); e != nil {
			t.Error("request logger is enabled, want the disabled zero logger")
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
}

func TestRequestIDPanicsOnInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts middleware.RequestIDOptions
		want string
	}{
		{"header with space", middleware.RequestIDOptions{Header: "X Request"}, "RequestIDOptions.Header"},
		{"header with colon", middleware.RequestIDOptions{Header: "X-Id:"}, "RequestIDOptions.Header"},
		{"negative max length", middleware.RequestIDOptions{MaxLength: -1}, "RequestIDOptions.MaxLength"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "middleware: ") || !strings.Contains(msg, tt.want) {
					t.Errorf("panic = %q, want a message naming %s", msg, tt.want)
				}
			}()
			middleware.RequestID(tt.opts)
		})
	}
}

func TestValidRequestID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"", false},
		{"a", true},
		{"Az09-_.:", true},
		{"01J9Z3M4N5P6Q7R8S9T0V1W2X3", true},
		{"a b", false},
		{"a\tb", false},
		{"a\r\nb", false},
		{"a+b", false},
		{"a=b", false},
		{"a;b", false},
		{"<script>", false},
		{"ünï", false},
		{"a\x7f", false},
	}
	for _, tt := range tests {
		if got := middleware.ValidRequestID(tt.id); got != tt.want {
			t.Errorf("ValidRequestID(%q) = %t, want %t", tt.id, got, tt.want)
		}
	}
}

// FuzzRequestID checks that whatever a client sends, the request ID that
// reaches reqctx, the response and the logs is either the client's own
// safe value or a generated one.
func FuzzRequestID(f *testing.F) {
	for _, seed := range []string{"", "abc", "0190a3c8-1b2e-7c3d-8e4f-5a6b7c8d9e0f", "a\r\nb", "héllo", strings.Repeat("x", 65), "a b", "::1"} {
		f.Add(seed)
	}
	const generated = "generated"
	h := middleware.RequestID(middleware.RequestIDOptions{Generate: func() string { return generated }})
	f.Fuzz(func(t *testing.T, incoming string) {
		var got string
		handler := h(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = reqctx.RequestID(r.Context())
		}))
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["X-Request-Id"] = []string{incoming}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if got != incoming && got != generated {
			t.Fatalf("request ID for %q = %q, want the incoming value or %q", incoming, got, generated)
		}
		if got == incoming && (len(incoming) > middleware.DefaultRequestIDMaxLength || !middleware.ValidRequestID(incoming)) {
			t.Fatalf("unsafe incoming request ID %q kept", incoming)
		}
		if echoed := w.Header().Get("X-Request-Id"); echoed != got {
			t.Fatalf("echoed request ID = %q, want %q", echoed, got)
		}
	})
}

func TestRequestIDDisabledLoggerSilencesRequestLogger(t *testing.T) {
	sink := newLogSink()
	outer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, d := reqctx.Attach(r)
			d.Logger = sink.logger()
			next.ServeHTTP(w, r)
		})
	}
	h := middleware.Chain(
		outer,
		middleware.RequestID(middleware.RequestIDOptions{Logger: zerolog.Nop()}),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqctx.Logger(r.Context()).Error().Msg("dropped")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if out := sink.String(); out != "" {
		t.Errorf("log output = %q, want nothing: an explicit Nop logger replaces the request logger", out)
	}
}
