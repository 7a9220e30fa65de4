package router_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/keel-go/keel/router"
)

// FuzzRoutes registers the patterns in the first argument (one per line)
// and routes the paths in the second. Whatever the patterns, registration
// either succeeds or returns an error, never panics; the compiled table never
// makes httprouter panic; and every request gets an ordinary answer.
func FuzzRoutes(f *testing.F) {
	f.Add("/users/me\n/users/:id\n/users/:id/posts", "/users/me\n/users/1/posts\n/users/\n/users/1/")
	f.Add("/files/*p\n/files/\n/files\n/files/:d/x", "/files\n/files/\n/files/a/x\n/files/a/b/c")
	f.Add("/\n/*p\n/:a/:b\n/a/b", "/\n/a/b\n/x/y\n/x/y/z")
	f.Add("/a:b/c\n/{x}/c\n/{r...}", "/a:b/c\n/q/c\n/z")
	f.Add("/x/:a/*b\n/x/:c/d/e", "/x/1/d/e\n/x/1/\n/x/1")
	f.Fuzz(func(t *testing.T, patterns, paths string) {
		r := router.New()
		ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
		for i, p := range strings.Split(patterns, "\n") {
			method := "GET"
			if i%3 == 2 {
				method = "POST"
			}
			var opts []router.RouteOption
			if strings.Contains(p, ":id") {
				opts = append(opts, router.Where("id", router.Int()))
			}
			_ = r.Add(method, p, ok, opts...)
		}
		for _, p := range strings.Split(paths, "\n") {
			if p == "" || p[0] != '/' || strings.ContainsAny(p, " ?#\x00\r\n\t%") {
				continue
			}
			for _, m := range []string{"GET", "HEAD", "POST", "OPTIONS", "DELETE"} {
				req := httptest.NewRequest(m, "/", nil)
				req.URL.Path = p
				w := httptest.NewRecorder()
				r.ServeHTTP(w, req)
				switch w.Code {
				case 200, 204, 301, 308, 404, 405:
				default:
					t.Fatalf("%s %q answered %d", m, p, w.Code)
				}
			}
		}
	})
}

// FuzzPattern checks that any pattern is either accepted or refused with a
// router error, and that an accepted pattern routes a path built from it.
func FuzzPattern(f *testing.F) {
	for _, s := range []string{"/", "/a", "/a/:b", "/a/*c", "/{x}/{y...}", "/a//b", "/:", "/a/:b/:b", "/*x/y", "/a b/:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		r := router.New()
		err := r.Add("GET", pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), router.Name("n"))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "router: ") {
				t.Fatalf("Add(%q) error %q lacks the router: prefix", pattern, err)
			}
			return
		}
		// Fill every parameter with "v" and route the URL back.
		var params []string
		for seg := range strings.SplitSeq(pattern, "/") {
			switch {
			case strings.HasPrefix(seg, ":") || strings.HasPrefix(seg, "*"):
				params = append(params, seg[1:], "v")
			case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
				params = append(params, strings.TrimSuffix(seg[1:len(seg)-1], "..."), "v")
			}
		}
		u, err := r.URL("n", params...)
		if err != nil {
			t.Fatalf("URL for %q with %q: %v", pattern, params, err)
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawPath = "", ""
		if err := setEscapedPath(req, u); err != nil {
			return
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != 200 {
			t.Fatalf("pattern %q: URL %q answered %d", pattern, u, w.Code)
		}
	})
}

func setEscapedPath(req *http.Request, escaped string) error {
	u, err := url.Parse(escaped)
	if err != nil {
		return err
	}
	req.URL = u
	return nil
}
