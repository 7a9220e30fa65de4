package router_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/keel-go/keel/router"
)

func TestStatic(t *testing.T) {
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	fsys := fstest.MapFS{
		"index.html":        {Data: []byte("<h1>home</h1>"), ModTime: mod},
		"css/site.css":      {Data: []byte("body{}"), ModTime: mod},
		"js/app.js":         {Data: []byte("let a")}, // no modification time, like embed.FS
		"docs/readme.txt":   {Data: []byte("read me"), ModTime: mod},
		".env":              {Data: []byte("SECRET=1"), ModTime: mod},
		"img/.hidden/x.png": {Data: []byte("png"), ModTime: mod},
	}
	r := router.New()
	r.Static("/assets", fsys, router.FileServerOptions{CacheControl: "public, max-age=60"})

	tests := []struct {
		target string
		code   int
		body   string
		ctype  string
	}{
		{"/assets/css/site.css", 200, "body{}", "text/css; charset=utf-8"},
		{"/assets/js/app.js", 200, "let a", "text/javascript; charset=utf-8"},
		{"/assets/", 200, "<h1>home</h1>", "text/html; charset=utf-8"},
		{"/assets", 200, "<h1>home</h1>", "text/html; charset=utf-8"},
		{"/assets/docs/", 404, "", ""}, // a directory without index: never listed
		{"/assets/docs", 404, "", ""},
		{"/assets/nope.txt", 404, "", ""},
		{"/assets/../router_test.go", 404, "", ""},
		{"/assets/%2e%2e/router_test.go", 404, "", ""},
		{"/assets/css%2f..%2f..%2fsecret", 400, "", ""},
		{"/assets/css%5csite.css", 400, "", ""},
		{"/assets/a%00b", 400, "", ""},
		{"/assets/.env", 404, "", ""},
		{"/assets/img/.hidden/x.png", 404, "", ""},
	}
	for _, tt := range tests {
		w := do(t, r, "GET", tt.target)
		if w.Code != tt.code {
			t.Errorf("GET %s = %d %q, want %d", tt.target, w.Code, w.Body.String(), tt.code)
			continue
		}
		if tt.code != 200 {
			if strings.Contains(w.Body.String(), "SECRET") {
				t.Errorf("GET %s leaked a file: %q", tt.target, w.Body.String())
			}
			decodeProblem(t, w)
			continue
		}
		if w.Body.String() != tt.body || w.Header().Get("Content-Type") != tt.ctype {
			t.Errorf("GET %s = %q (%s), want %q (%s)", tt.target, w.Body.String(), w.Header().Get("Content-Type"), tt.body, tt.ctype)
		}
		if w.Header().Get("Cache-Control") != "public, max-age=60" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s headers = %v", tt.target, w.Header())
		}
	}

	// Modification times drive Last-Modified and If-Modified-Since.
	w := do(t, r, "GET", "/assets/css/site.css")
	lm := w.Header().Get("Last-Modified")
	if lm != "Fri, 02 Jan 2026 03:04:05 GMT" {
		t.Errorf("Last-Modified = %q", lm)
	}
	if w := do(t, r, "GET", "/assets/css/site.css", "If-Modified-Since", lm); w.Code != 304 {
		t.Errorf("If-Modified-Since: %d, want 304", w.Code)
	}

	// Without modification times, a content-hash ETag.
	w = do(t, r, "GET", "/assets/js/app.js")
	etag := w.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) || len(etag) < 10 || w.Header().Get("Last-Modified") != "" {
		t.Fatalf("ETag = %q, Last-Modified %q; want a strong ETag and no Last-Modified", etag, w.Header().Get("Last-Modified"))
	}
	if w := do(t, r, "GET", "/assets/js/app.js", "If-None-Match", etag); w.Code != 304 {
		t.Errorf("If-None-Match: %d, want 304", w.Code)
	}
	if w := do(t, r, "GET", "/assets/js/app.js", "If-None-Match", `"other"`); w.Code != 200 {
		t.Errorf("If-None-Match with another tag: %d, want 200", w.Code)
	}

	// Only GET and HEAD.
	if w := do(t, r, "POST", "/assets/css/site.css"); w.Code != 405 || !strings.Contains(w.Header().Get("Allow"), "GET") {
		t.Errorf("POST to a file = %d Allow %q, want 405", w.Code, w.Header().Get("Allow"))
	}
	if w := do(t, r, "HEAD", "/assets/css/site.css"); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD file = %d body %q", w.Code, w.Body)
	}
}

func TestFileServerMethodCheck(t *testing.T) {
	fs := router.FileServer(fstest.MapFS{"a.txt": {Data: []byte("a")}}, router.FileServerOptions{})
	if w := do(t, fs, http.MethodDelete, "/a.txt"); w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("DELETE through FileServer = %d Allow %q", w.Code, w.Header().Get("Allow"))
	}
}
