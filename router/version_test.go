package router_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/router"
)

func TestVersionURIPrefix(t *testing.T) {
	r := router.New()
	vs := r.Versions(router.VersionOptions{})
	sunset := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	deprecated := time.Unix(1767225600, 0)
	v1 := vs.Version("1", router.DeprecatedSince(deprecated), router.SunsetAt(sunset), router.Successor("/v2/users"))
	v2 := vs.Version("v2")
	v1.Get("/users/:id", echo("id"))
	v2.Get("/users/:id", echo("id"))

	w := do(t, r, "GET", "/v1/users/3")
	if w.Code != 200 || w.Body.String() != "GET /v1/users/{id} id=3" {
		t.Fatalf("GET /v1/users/3 = %d %q", w.Code, w.Body.String())
	}
	h := w.Header()
	if got := h.Get("Deprecation"); got != "@1767225600" {
		t.Errorf("Deprecation = %q, want @1767225600", got)
	}
	if got := h.Get("Sunset"); got != "Wed, 30 Jun 2027 00:00:00 GMT" {
		t.Errorf("Sunset = %q", got)
	}
	if got := h.Get("Link"); got != `</v2/users>; rel="successor-version"` {
		t.Errorf("Link = %q", got)
	}
	w = do(t, r, "GET", "/v2/users/3")
	if w.Body.String() != "GET /v2/users/{id} id=3" || w.Header().Get("Deprecation") != "" || w.Header().Get("Vary") != "" {
		t.Errorf("GET /v2/users/3 = %q, Deprecation %q, Vary %q", w.Body.String(), w.Header().Get("Deprecation"), w.Header().Get("Vary"))
	}
	if rs := r.Routes(); rs[0].Version != "1" || !rs[0].Deprecated || rs[1].Version != "v2" || rs[1].Deprecated {
		t.Errorf("route table versions = %+v", rs)
	}
}

func TestVersionNegotiated(t *testing.T) {
	tests := []struct {
		name     string
		opts     router.VersionOptions
		request  func(version string) (target string, header []string)
		wantVary string
	}{
		{"header", router.VersionOptions{Strategy: router.Header, Default: "1"},
			func(v string) (string, []string) {
				if v == "" {
					return "/users/5", nil
				}
				return "/users/5", []string{"Accept-Version", v}
			}, "Accept-Version"},
		{"query", router.VersionOptions{Strategy: router.Query, Default: "1"},
			func(v string) (string, []string) {
				if v == "" {
					return "/users/5", nil
				}
				return "/users/5?version=" + v, nil
			}, ""},
		{"media type", router.VersionOptions{Strategy: router.MediaType, MediaType: "application/vnd.keel", Default: "1"},
			func(v string) (string, []string) {
				if v == "" {
					return "/users/5", []string{"Accept", "application/json"}
				}
				return "/users/5", []string{"Accept", "text/html;q=0.5, application/vnd.keel.v" + v + "+json"}
			}, "Accept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := router.New()
			vs := r.Versions(tt.opts)
			vs.Version("1").Get("/users/:id", text("v1"))
			vs.Version("2", router.DeprecatedSince(time.Unix(100, 0))).Get("/users/:id", text("v2"), router.Name("user-v2"))
			vs.Version("2").Get("/only-v2", echo())

			for _, c := range []struct {
				version    string
				code       int
				deprecated bool
				body       string
			}{
				{"", 200, false, "v1"},
				{"1", 200, false, "v1"},
				{"2", 200, true, "v2"},
				{"v2", 200, true, "v2"},
				{"9", 400, false, ""},
			} {
				target, hdr := tt.request(c.version)
				w := do(t, r, "GET", target, hdr...)
				if w.Code != c.code {
					t.Errorf("version %q: %d %q, want %d", c.version, w.Code, w.Body.String(), c.code)
					continue
				}
				if c.body != "" && w.Body.String() != c.body {
					t.Errorf("version %q served %q, want %q", c.version, w.Body.String(), c.body)
				}
				if c.code == 400 {
					if p := decodeProblem(t, w); p.Code != "unsupported_version" || !strings.Contains(p.Detail, "1, 2") {
						t.Errorf("version %q problem = %+v", c.version, p)
					}
				}
				if got := w.Header().Get("Vary"); c.code == 200 && got != tt.wantVary || !strings.Contains(got, tt.wantVary) {
					t.Errorf("version %q: Vary = %q, want %q", c.version, got, tt.wantVary)
				}
				if got := w.Header().Get("Deprecation") != ""; got != c.deprecated {
					t.Errorf("version %q: deprecated header %v, want %v", c.version, got, c.deprecated)
				}
			}
			// A route that exists only in v2 is not found in v1.
			target, hdr := tt.request("")
			target = strings.Replace(target, "/users/5", "/only-v2", 1)
			if w := do(t, r, "GET", target, hdr...); w.Code != 404 {
				t.Errorf("GET /only-v2 as v1 = %d, want 404", w.Code)
			}
		})
	}
}

func text(s string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(s)) })
}

func TestVersionOptionsValidated(t *testing.T) {
	r := router.New()
	for _, opts := range []router.VersionOptions{
		{Strategy: router.Header},
		{Strategy: router.MediaType, Default: "1"},
		{Strategy: router.VersionStrategy(42)},
	} {
		if _, err := r.NewVersions(opts); err == nil {
			t.Errorf("NewVersions(%+v) = nil error, want one", opts)
		}
	}
}
