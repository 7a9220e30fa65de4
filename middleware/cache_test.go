package middleware_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/header"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/middleware/compress"
	"github.com/keel-go/keel/router"
)

func TestCachePolicyString(t *testing.T) {
	tests := []struct {
		policy middleware.CachePolicy
		want   string
	}{
		{middleware.CachePolicy{Public: true, MaxAge: 365 * 24 * time.Hour, Immutable: true}, "public, max-age=31536000, immutable"},
		{middleware.CachePolicy{Private: true, NoCache: true}, "private, no-cache"},
		{middleware.CachePolicy{NoStore: true}, "no-store"},
		{middleware.CachePolicy{MaxAge: time.Minute, SMaxAge: time.Hour, StaleWhileRevalidate: 30 * time.Second, StaleIfError: 24 * time.Hour},
			"max-age=60, s-maxage=3600, stale-while-revalidate=30, stale-if-error=86400"},
		{middleware.CachePolicy{MaxAge: time.Minute, MustRevalidate: true, ProxyRevalidate: true, NoTransform: true},
			"max-age=60, must-revalidate, proxy-revalidate, no-transform"},
		{middleware.CachePolicy{}, ""},
	}
	for _, tt := range tests {
		got := tt.policy.String()
		if got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.policy, got, tt.want)
		}
		if got == "" {
			continue
		}
		// What it renders, package header parses back.
		cc := header.ParseCacheControl([]string{got})
		if d, ok := cc.Seconds("max-age"); tt.policy.MaxAge > 0 && (!ok || d != tt.policy.MaxAge) {
			t.Errorf("max-age of %q = %v, %v; want %v", got, d, ok, tt.policy.MaxAge)
		}
	}
}

func TestCacheControl(t *testing.T) {
	policy := middleware.CachePolicy{Public: true, MaxAge: time.Hour}
	const want = "public, max-age=3600"
	tests := []struct {
		name    string
		method  string
		handler http.HandlerFunc
		want    string
	}{
		{"200 by Write", "GET", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }, want},
		{"HEAD", "HEAD", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }, want},
		{"200 with nothing written", "GET", func(w http.ResponseWriter, r *http.Request) {}, want},
		{"204", "GET", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }, want},
		{"301", "GET", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusMovedPermanently)
		}, want},
		{"304", "GET", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) }, want},
		{"early hints first", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.Write([]byte("ok"))
		}, want},
		{"flushed", "GET", func(w http.ResponseWriter, r *http.Request) { w.(http.Flusher).Flush() }, want},
		{"ReadFrom", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.(io.ReaderFrom).ReadFrom(strings.NewReader("ok"))
		}, want},
		{"handler's own", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "private, max-age=5")
			w.Write([]byte("ok"))
		}, "private, max-age=5"},
		{"404 problem", "GET", func(w http.ResponseWriter, r *http.Request) {
			errors.Write(w, r, errors.NotFound("nothing here"))
		}, "no-store"},
		{"500 by hand", "GET", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "oops", http.StatusInternalServerError)
		}, ""},
		{"POST", "POST", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, c := serveRaw(t, middleware.CacheControl(policy)(tt.handler))
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, _ := doRaw(t, c, tt.method, ts.URL)
			if got := resp.Header.Get("Cache-Control"); got != tt.want {
				t.Errorf("%s %d: Cache-Control = %q, want %q", tt.method, resp.StatusCode, got, tt.want)
			}
		})
	}
}

func TestCacheControlOnRouterGroups(t *testing.T) {
	r := router.New()
	assets := r.Group("/assets", middleware.CacheControl(middleware.CachePolicy{
		Public: true, MaxAge: 365 * 24 * time.Hour, Immutable: true,
	}))
	assets.Get("/app.js", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte("console.log(1)"))
	}))
	api := r.Group("/api", middleware.CacheControl(middleware.CachePolicy{Private: true, NoCache: true}))
	api.Get("/me", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"name":"ada"}`))
	}))
	r.Get("/health", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	ts, c := serveRaw(t, r)
	for path, want := range map[string]string{
		"/assets/app.js": "public, max-age=31536000, immutable",
		"/api/me":        "private, no-cache",
		"/health":        "",
		"/api/nothing":   "no-store", // the router's 404 problem
	} {
		resp, _ := doRaw(t, c, "GET", ts.URL+path)
		if got := resp.Header.Get("Cache-Control"); got != want {
			t.Errorf("GET %s: Cache-Control = %q, want %q", path, got, want)
		}
	}
}

// TestCacheControlNoTransform checks the documented order: CacheControl
// inside compress.Middleware, whose decision then sees no-transform.
func TestCacheControlNoTransform(t *testing.T) {
	body := bytes.Repeat([]byte("compressible "), 200)
	h := middleware.Chain(
		compress.Middleware(compress.Options{}),
		middleware.CacheControl(middleware.CachePolicy{MaxAge: time.Minute, NoTransform: true}),
	)(bodyHandler("text/plain", body))
	ts, c := serveRaw(t, h)
	resp, raw := doRaw(t, c, "GET", ts.URL, "Accept-Encoding: gzip")
	if got := resp.Header.Get("Content-Encoding"); got != "" || !bytes.Equal(raw, body) {
		t.Errorf("Content-Encoding = %q, want the body untransformed", got)
	}
}

func TestCacheControlInvalid(t *testing.T) {
	tests := []struct {
		name   string
		policy middleware.CachePolicy
		want   string
	}{
		{"empty", middleware.CachePolicy{}, "sets no directive"},
		{"negative", middleware.CachePolicy{MaxAge: -time.Second}, "MaxAge -1s is negative"},
		{"fractional", middleware.CachePolicy{SMaxAge: 1500 * time.Millisecond}, "SMaxAge 1.5s is not a whole number of seconds"},
		{"public and private", middleware.CachePolicy{Public: true, Private: true}, "both Public and Private"},
		{"no-store with max-age", middleware.CachePolicy{NoStore: true, MaxAge: time.Hour}, "NoStore with"},
		{"no-store with public", middleware.CachePolicy{NoStore: true, Public: true}, "NoStore with"},
		{"no-store with stale-if-error", middleware.CachePolicy{NoStore: true, StaleIfError: time.Hour}, "NoStore with"},
		{"private with s-maxage", middleware.CachePolicy{Private: true, SMaxAge: time.Hour}, "Private with a shared-cache directive"},
		{"immutable without max-age", middleware.CachePolicy{Public: true, Immutable: true}, "Immutable without MaxAge"},
		{"immutable with no-cache", middleware.CachePolicy{MaxAge: time.Hour, Immutable: true, NoCache: true}, "both Immutable and NoCache"},
		{"must-revalidate with stale", middleware.CachePolicy{MaxAge: time.Hour, MustRevalidate: true, StaleWhileRevalidate: time.Minute}, "MustRevalidate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := middleware.NewCacheControl(tt.policy)
			if err == nil || !strings.HasPrefix(err.Error(), "middleware: CachePolicy") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewCacheControl(%+v) error = %v, want one containing %q", tt.policy, err, tt.want)
			}
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, tt.want) {
					t.Errorf("CacheControl(%+v) panic = %q, want it to contain %q", tt.policy, msg, tt.want)
				}
			}()
			middleware.CacheControl(tt.policy)
		})
	}
	// Compatible combinations are accepted.
	for _, p := range []middleware.CachePolicy{
		{NoStore: true, Private: true},
		{NoStore: true, NoCache: true},
		{Private: true, MaxAge: time.Minute, StaleWhileRevalidate: time.Minute},
		{NoCache: true},
	} {
		if _, err := middleware.NewCacheControl(p); err != nil {
			t.Errorf("NewCacheControl(%+v) error = %v, want nil", p, err)
		}
	}
}
