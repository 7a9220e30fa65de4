package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
)

// securityHeaderNames are the headers SecurityHeaders may set.
var securityHeaderNames = []string{
	"Strict-Transport-Security",
	"X-Content-Type-Options",
	"X-Frame-Options",
	"Content-Security-Policy",
	"Referrer-Policy",
	"Permissions-Policy",
	"Cross-Origin-Opener-Policy",
	"Cross-Origin-Resource-Policy",
}

// getThrough sends a GET with the given headers to a server running h and
// returns the response header.
func getThrough(tb testing.TB, srv *httptest.Server, header http.Header) http.Header {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.Header
}

// checkHeaders compares the security headers of got with want, where a
// missing key means the header must be absent.
func checkHeaders(tb testing.TB, got http.Header, want map[string]string) {
	tb.Helper()
	for _, name := range securityHeaderNames {
		w, present := want[name]
		g := got.Values(name)
		switch {
		case !present && len(g) != 0:
			tb.Errorf("%s = %q, want absent", name, g)
		case present && (len(g) != 1 || g[0] != w):
			tb.Errorf("%s = %q, want %q", name, g, w)
		}
	}
}

// defaultSecurityHeaders are the headers of the zero options over plain
// HTTP.
func defaultSecurityHeaders() map[string]string {
	return map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Content-Security-Policy":      "default-src 'none'; frame-ancestors 'none'",
		"Referrer-Policy":              "no-referrer",
		"Permissions-Policy":           middleware.DefaultPermissionsPolicy,
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	}
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

func TestSecurityHeadersDefaults(t *testing.T) {
	mw := middleware.SecurityHeaders(middleware.SecurityHeadersOptions{})

	t.Run("HTTP", func(t *testing.T) {
		srv := httptest.NewServer(mw(okHandler))
		defer srv.Close()
		checkHeaders(t, getThrough(t, srv, nil), defaultSecurityHeaders())
	})
	t.Run("TLS", func(t *testing.T) {
		srv := httptest.NewTLSServer(mw(okHandler))
		defer srv.Close()
		want := defaultSecurityHeaders()
		want["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
		checkHeaders(t, getThrough(t, srv, nil), want)
	})
}

func TestSecurityHeadersHSTSBehindProxy(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		proto   []string
		want    bool
	}{
		{"trusted proxy says https", []string{"127.0.0.0/8", "::1"}, []string{"https"}, true},
		{"case-insensitive", []string{"127.0.0.1"}, []string{"HTTPS"}, true},
		{"trusted proxy says http", []string{"127.0.0.1"}, []string{"http"}, false},
		{"no header", []string{"127.0.0.1"}, nil, false},
		{"list", []string{"127.0.0.1"}, []string{"https, http"}, false},
		{"two lines", []string{"127.0.0.1"}, []string{"https", "https"}, false},
		{"untrusted peer", nil, []string{"https"}, false},
		{"other proxy trusted", []string{"10.0.0.0/8"}, []string{"https"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(middleware.SecurityHeaders(middleware.SecurityHeadersOptions{
				TrustedProxies: tt.trusted,
			})(okHandler))
			defer srv.Close()
			got := getThrough(t, srv, http.Header{"X-Forwarded-Proto": tt.proto}).Get("Strict-Transport-Security")
			if (got != "") != tt.want {
				t.Errorf("Strict-Transport-Security with X-Forwarded-Proto %q = %q, want sent = %v", tt.proto, got, tt.want)
			}
		})
	}
}

func TestSecurityHeadersOverrideAndOmit(t *testing.T) {
	tests := []struct {
		name   string
		opts   middleware.SecurityHeadersOptions
		change map[string]string // header -> value, "" for absent
	}{
		{
			name: "every header overridden",
			opts: middleware.SecurityHeadersOptions{
				StrictTransportSecurity:   "max-age=31536000; includeSubDomains; preload",
				FrameOptions:              "SAMEORIGIN",
				ContentSecurityPolicy:     "default-src 'self'",
				ReferrerPolicy:            "no-referrer, strict-origin-when-cross-origin",
				PermissionsPolicy:         "camera=(self)",
				CrossOriginOpenerPolicy:   "same-origin-allow-popups",
				CrossOriginResourcePolicy: "cross-origin",
			},
			change: map[string]string{
				"Strict-Transport-Security":    "max-age=31536000; includeSubDomains; preload",
				"X-Frame-Options":              "SAMEORIGIN",
				"Content-Security-Policy":      "default-src 'self'; frame-ancestors 'self'",
				"Referrer-Policy":              "no-referrer, strict-origin-when-cross-origin",
				"Permissions-Policy":           "camera=(self)",
				"Cross-Origin-Opener-Policy":   "same-origin-allow-popups",
				"Cross-Origin-Resource-Policy": "cross-origin",
			},
		},
		{
			name: "every header omitted",
			opts: middleware.SecurityHeadersOptions{
				StrictTransportSecurity:   middleware.OmitHeader,
				ContentTypeOptions:        middleware.OmitHeader,
				FrameOptions:              middleware.OmitHeader,
				ContentSecurityPolicy:     middleware.OmitHeader,
				ReferrerPolicy:            middleware.OmitHeader,
				PermissionsPolicy:         middleware.OmitHeader,
				CrossOriginOpenerPolicy:   middleware.OmitHeader,
				CrossOriginResourcePolicy: middleware.OmitHeader,
			},
			change: map[string]string{
				"Strict-Transport-Security":    "",
				"X-Content-Type-Options":       "",
				"X-Frame-Options":              "",
				"Content-Security-Policy":      "",
				"Referrer-Policy":              "",
				"Permissions-Policy":           "",
				"Cross-Origin-Opener-Policy":   "",
				"Cross-Origin-Resource-Policy": "",
			},
		},
		{
			name:   "frame options case normalized",
			opts:   middleware.SecurityHeadersOptions{FrameOptions: "sameorigin"},
			change: map[string]string{"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'"},
		},
		{
			name:   "policy's own frame-ancestors kept",
			opts:   middleware.SecurityHeadersOptions{ContentSecurityPolicy: "default-src 'none'; FRAME-ANCESTORS https://partner.example"},
			change: map[string]string{"Content-Security-Policy": "default-src 'none'; FRAME-ANCESTORS https://partner.example"},
		},
		{
			name:   "trailing semicolon",
			opts:   middleware.SecurityHeadersOptions{ContentSecurityPolicy: "default-src 'self'; "},
			change: map[string]string{"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"},
		},
		{
			name:   "frame-ancestors in a second policy",
			opts:   middleware.SecurityHeadersOptions{ContentSecurityPolicy: "default-src 'self', frame-ancestors 'self'"},
			change: map[string]string{"Content-Security-Policy": "default-src 'self', frame-ancestors 'self'"},
		},
		{
			name:   "frame options omitted adds no frame-ancestors",
			opts:   middleware.SecurityHeadersOptions{FrameOptions: middleware.OmitHeader},
			change: map[string]string{"X-Frame-Options": "", "Content-Security-Policy": "default-src 'none'"},
		},
		{
			name:   "only HSTS omitted",
			opts:   middleware.SecurityHeadersOptions{StrictTransportSecurity: middleware.OmitHeader},
			change: map[string]string{"Strict-Transport-Security": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(middleware.SecurityHeaders(tt.opts)(okHandler))
			defer srv.Close()
			want := defaultSecurityHeaders()
			want["Strict-Transport-Security"] = middleware.DefaultStrictTransportSecurity
			for k, v := range tt.change {
				if v == "" {
					delete(want, k)
				} else {
					want[k] = v
				}
			}
			checkHeaders(t, getThrough(t, srv, nil), want)
		})
	}
}

func TestSecurityHeadersHandlerMayOverride(t *testing.T) {
	h := middleware.SecurityHeaders(middleware.SecurityHeadersOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Header().Del("X-Frame-Options")
		io.WriteString(w, "<html></html>")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	want := defaultSecurityHeaders()
	want["Content-Security-Policy"] = "default-src 'self'"
	delete(want, "X-Frame-Options")
	checkHeaders(t, getThrough(t, srv, nil), want)
}

func TestSecurityHeadersKeepsOuterValues(t *testing.T) {
	outer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
			next.ServeHTTP(w, r)
		})
	}
	srv := httptest.NewServer(middleware.Chain(outer, middleware.SecurityHeaders(middleware.SecurityHeadersOptions{}))(okHandler))
	defer srv.Close()
	want := defaultSecurityHeaders()
	want["Cross-Origin-Resource-Policy"] = "cross-origin"
	checkHeaders(t, getThrough(t, srv, nil), want)
}

func TestSecurityHeadersOnErrorResponses(t *testing.T) {
	tests := []struct {
		name    string
		handler http.Handler
		status  int
	}{
		{"problem", errors.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
			return errors.NotFound("no such thing")
		}), http.StatusNotFound},
		{"panic", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(middleware.Chain(
				middleware.SecurityHeaders(middleware.SecurityHeadersOptions{}),
				middleware.Recover(middleware.RecoverOptions{}),
			)(tt.handler))
			defer srv.Close()
			res, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			checkHeaders(t, res.Header, defaultSecurityHeaders())
		})
	}
}

// TestSecurityHeadersRequestsDoNotShareValues checks that a handler
// editing a header value in place does not change later responses.
func TestSecurityHeadersRequestsDoNotShareValues(t *testing.T) {
	first := true
	h := middleware.SecurityHeaders(middleware.SecurityHeadersOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first {
			w.Header()["X-Frame-Options"][0] = "SAMEORIGIN"
			w.Header()["Referrer-Policy"] = append(w.Header()["Referrer-Policy"], "origin")
			first = false
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	checkHeaders(t, w.Header(), defaultSecurityHeaders())
}

func TestSecurityHeadersInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts middleware.SecurityHeadersOptions
		want string
	}{
		{"newline", middleware.SecurityHeadersOptions{ContentSecurityPolicy: "default-src 'none'\r\nSet-Cookie: a=b"}, "ContentSecurityPolicy"},
		{"non-ASCII", middleware.SecurityHeadersOptions{PermissionsPolicy: "camera=(“self”)"}, "PermissionsPolicy"},
		{"HSTS without max-age", middleware.SecurityHeadersOptions{StrictTransportSecurity: "includeSubDomains"}, "StrictTransportSecurity"},
		{"HSTS with a bad max-age", middleware.SecurityHeadersOptions{StrictTransportSecurity: "max-age=1y"}, "StrictTransportSecurity"},
		{"HSTS with an empty max-age", middleware.SecurityHeadersOptions{StrictTransportSecurity: "max-age="}, "StrictTransportSecurity"},
		{"ALLOW-FROM", middleware.SecurityHeadersOptions{FrameOptions: "ALLOW-FROM https://a.example"}, "FrameOptions"},
		{"nosniff misspelt", middleware.SecurityHeadersOptions{ContentTypeOptions: "no-sniff"}, "ContentTypeOptions"},
		{"referrer policy", middleware.SecurityHeadersOptions{ReferrerPolicy: "no-referrer, nope"}, "ReferrerPolicy"},
		{"COOP case", middleware.SecurityHeadersOptions{CrossOriginOpenerPolicy: "Same-Origin"}, "CrossOriginOpenerPolicy"},
		{"CORP", middleware.SecurityHeadersOptions{CrossOriginResourcePolicy: "none"}, "CrossOriginResourcePolicy"},
		{"trusted proxy", middleware.SecurityHeadersOptions{TrustedProxies: []string{"lb"}}, "TrustedProxies[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInvalidOptions(t, middleware.NewSecurityHeaders, middleware.SecurityHeaders, tt.opts, "middleware: SecurityHeadersOptions."+tt.want, "")
		})
	}
}

func TestSecurityHeadersValidQuotedMaxAge(t *testing.T) {
	if _, err := middleware.NewSecurityHeaders(middleware.SecurityHeadersOptions{StrictTransportSecurity: `max-age="0"`}); err != nil {
		t.Errorf(`NewSecurityHeaders(max-age="0") error = %v, want nil`, err)
	}
}

func BenchmarkSecurityHeaders(b *testing.B) {
	h := middleware.SecurityHeaders(middleware.SecurityHeadersOptions{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := nopWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}
