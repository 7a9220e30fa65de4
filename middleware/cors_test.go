package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keel-go/keel/header"
	"github.com/keel-go/keel/middleware"
)

// corsHeaders are the response headers CORS may set.
var corsHeaders = []string{
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers",
	"Access-Control-Expose-Headers",
	"Access-Control-Max-Age",
	"Access-Control-Allow-Private-Network",
}

// corsServer serves CORS(opts) around a handler that counts its calls and
// answers 200 "ok" with an X-Request-Id header.
func corsServer(tb testing.TB, opts middleware.CORSOptions) (*httptest.Server, *atomic.Int32) {
	tb.Helper()
	var calls atomic.Int32
	h := middleware.CORS(opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-Request-Id", "req-1")
		w.Write([]byte("ok"))
	}))
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv, &calls
}

// corsDo sends method to srv with the header lines ("Name: value") through
// a real client and returns the response, its body read and closed.
func corsDo(tb testing.TB, srv *httptest.Server, method string, lines ...string) *http.Response {
	tb.Helper()
	req, err := http.NewRequest(method, srv.URL+"/things/1", nil)
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, ": ")
		req.Header.Add(k, v)
	}
	c := srv.Client()
	defer c.CloseIdleConnections()
	res, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	return res
}

// corsCheck compares the CORS headers of res with want (absent from want:
// must be absent) and checks that Vary holds every name in vary and, when
// noVary holds a name, that it is not there.
func corsCheck(tb testing.TB, res *http.Response, want map[string]string, vary, noVary []string) {
	tb.Helper()
	for _, k := range corsHeaders {
		if got := res.Header.Get(k); got != want[k] {
			tb.Errorf("%s = %q, want %q", k, got, want[k])
		}
	}
	for _, v := range vary {
		if !header.HasToken(res.Header.Values("Vary"), v) {
			tb.Errorf("Vary = %q, want it to name %s", res.Header.Values("Vary"), v)
		}
	}
	for _, v := range noVary {
		if header.HasToken(res.Header.Values("Vary"), v) {
			tb.Errorf("Vary = %q, want it not to name %s", res.Header.Values("Vary"), v)
		}
	}
}

var corsPreflightVary = []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}

func TestCORSExplicitOrigins(t *testing.T) {
	srv, calls := corsServer(t, middleware.CORSOptions{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.example.com", "http://localhost:3000", "https://API.Example.org:443"},
		AllowedMethods:   []string{"GET", "POST", "put"},
		AllowedHeaders:   []string{"Content-Type", "X-Api-Key"},
		ExposedHeaders:   []string{"X-Request-Id", "ETag"},
		AllowCredentials: true,
		MaxAge:           time.Hour,
	})
	allowed := func(origin string) map[string]string {
		return map[string]string{
			"Access-Control-Allow-Origin":      origin,
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Expose-Headers":    "X-Request-Id, ETag",
		}
	}
	preflightOK := func(origin, method, headers string) map[string]string {
		m := map[string]string{
			"Access-Control-Allow-Origin":      origin,
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods":     method,
			"Access-Control-Max-Age":           "3600",
		}
		if headers != "" {
			m["Access-Control-Allow-Headers"] = headers
		}
		return m
	}
	tests := []struct {
		name       string
		method     string
		lines      []string
		wantStatus int
		wantCalled bool
		want       map[string]string
		vary       []string
	}{
		// Actual requests.
		{"exact origin", "GET", []string{"Origin: https://app.example.com"}, 200, true, allowed("https://app.example.com"), []string{"Origin"}},
		{"exact origin with port", "POST", []string{"Origin: http://localhost:3000"}, 200, true, allowed("http://localhost:3000"), []string{"Origin"}},
		{"configured default port and case", "GET", []string{"Origin: https://api.example.org"}, 200, true, allowed("https://api.example.org"), []string{"Origin"}},
		{"origin sent in upper case", "GET", []string{"Origin: HTTPS://APP.EXAMPLE.COM"}, 200, true, allowed("HTTPS://APP.EXAMPLE.COM"), []string{"Origin"}},
		{"explicit default port", "GET", []string{"Origin: https://app.example.com:443"}, 200, true, allowed("https://app.example.com:443"), []string{"Origin"}},
		{"wildcard subdomain", "GET", []string{"Origin: https://a.example.com"}, 200, true, allowed("https://a.example.com"), []string{"Origin"}},
		{"wildcard deep subdomain", "GET", []string{"Origin: https://a.b.example.com"}, 200, true, allowed("https://a.b.example.com"), []string{"Origin"}},
		{"wildcard never the apex", "GET", []string{"Origin: https://example.com"}, 200, true, nil, []string{"Origin"}},
		{"wildcard never another scheme", "GET", []string{"Origin: http://a.example.com"}, 200, true, nil, []string{"Origin"}},
		{"wildcard never another port", "GET", []string{"Origin: https://a.example.com:8443"}, 200, true, nil, []string{"Origin"}},
		{"wildcard never a longer domain", "GET", []string{"Origin: https://a.example.com.evil.com"}, 200, true, nil, []string{"Origin"}},
		{"wildcard never a suffix of a label", "GET", []string{"Origin: https://evilexample.com"}, 200, true, nil, []string{"Origin"}},
		{"empty label", "GET", []string{"Origin: https://.example.com"}, 200, true, nil, []string{"Origin"}},
		{"unknown origin", "GET", []string{"Origin: https://evil.com"}, 200, true, nil, []string{"Origin"}},
		{"origin with a path", "GET", []string{"Origin: https://app.example.com/x"}, 200, true, nil, []string{"Origin"}},
		{"origin with user info", "GET", []string{"Origin: https://evil.com@app.example.com"}, 200, true, nil, []string{"Origin"}},
		{"two origins", "GET", []string{"Origin: https://app.example.com", "Origin: https://evil.com"}, 200, true, nil, []string{"Origin"}},
		{"null refused", "GET", []string{"Origin: null"}, 200, true, nil, []string{"Origin"}},
		{"no origin still varies", "GET", nil, 200, true, nil, []string{"Origin"}},
		{"OPTIONS without preflight headers", "OPTIONS", []string{"Origin: https://app.example.com"}, 200, true, allowed("https://app.example.com"), []string{"Origin"}},

		// Preflights.
		{"preflight", "OPTIONS", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content-type,x-api-key"},
			204, false, preflightOK("https://app.example.com", "PUT", "content-type, x-api-key"), corsPreflightVary},
		{"preflight without headers", "OPTIONS", []string{"Origin: https://a.example.com", "Access-Control-Request-Method: POST"},
			204, false, preflightOK("https://a.example.com", "POST", ""), corsPreflightVary},
		{"preflight headers case-insensitive", "OPTIONS", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: X-API-Key, Content-Type"},
			204, false, preflightOK("https://app.example.com", "GET", "x-api-key, content-type"), corsPreflightVary},
		{"preflight headers on two lines", "OPTIONS", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: x-api-key", "Access-Control-Request-Headers: content-type"},
			204, false, preflightOK("https://app.example.com", "GET", "x-api-key, content-type"), corsPreflightVary},
		{"preflight method not allowed", "OPTIONS", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: DELETE"},
			204, false, nil, corsPreflightVary},
		{"preflight method is case-sensitive", "OPTIONS", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: put"},
			204, false, nil, corsPreflightVary},
		{"preflight empty method", "OPTIONS", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: "},
			204, false, nil, corsPreflightVary},
		{"preflight one header not allowed", "OPTIONS", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content-type, x-other"},
			204, false, nil, corsPreflightVary},
		{"preflight malformed header list", "OPTIONS", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content type"},
			204, false, nil, corsPreflightVary},
		{"preflight origin not allowed", "OPTIONS", []string{"Origin: https://example.com", "Access-Control-Request-Method: GET"},
			204, false, nil, corsPreflightVary},
		{"preflight null refused", "OPTIONS", []string{"Origin: null", "Access-Control-Request-Method: GET"},
			204, false, nil, corsPreflightVary},
		{"preflight private network not enabled", "OPTIONS", []string{"Origin: https://app.example.com", "Access-Control-Request-Method: GET", "Access-Control-Request-Private-Network: true"},
			204, false, preflightOK("https://app.example.com", "GET", ""), corsPreflightVary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := calls.Load()
			res := corsDo(t, srv, tt.method, tt.lines...)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if called := calls.Load() > before; called != tt.wantCalled {
				t.Errorf("next handler called = %v, want %v", called, tt.wantCalled)
			}
			corsCheck(t, res, tt.want, tt.vary, nil)
		})
	}
}

func TestCORSAllowAll(t *testing.T) {
	srv, calls := corsServer(t, middleware.CORSOptions{
		AllowedOrigins: []string{"*"},
		AllowedMethods: []string{"*"},
		AllowedHeaders: []string{"*"},
		ExposedHeaders: []string{"*"},
		MaxAge:         -1,
	})
	actual := map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "*"}
	tests := []struct {
		name  string
		lines []string
	}{
		{"any origin", []string{"Origin: https://anything.test"}},
		{"null", []string{"Origin: null"}},
		{"no origin", nil},
		{"malformed origin", []string{"Origin: not an origin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := corsDo(t, srv, "GET", tt.lines...)
			if res.StatusCode != 200 {
				t.Errorf("status = %d, want 200", res.StatusCode)
			}
			corsCheck(t, res, actual, nil, []string{"Origin"})
		})
	}
	t.Run("preflight", func(t *testing.T) {
		before := calls.Load()
		res := corsDo(t, srv, "OPTIONS", "Origin: https://anything.test",
			"Access-Control-Request-Method: PURGE", "Access-Control-Request-Headers: authorization, x-custom")
		if res.StatusCode != 204 || calls.Load() != before {
			t.Errorf("preflight = %d, handler called %v, want 204 without calling it", res.StatusCode, calls.Load() != before)
		}
		corsCheck(t, res, map[string]string{
			"Access-Control-Allow-Origin":  "*",
			"Access-Control-Allow-Methods": "PURGE",
			"Access-Control-Allow-Headers": "authorization, x-custom",
			"Access-Control-Max-Age":       "0",
		}, []string{"Access-Control-Request-Method", "Access-Control-Request-Headers"}, []string{"Origin"})
	})
}

func TestCORSOriginFuncNullAndPrivateNetwork(t *testing.T) {
	var seen atomic.Value
	srv, _ := corsServer(t, middleware.CORSOptions{
		AllowedOrigins: []string{"null"},
		AllowOriginFunc: func(origin string) bool {
			seen.Store(origin)
			return strings.HasSuffix(origin, ".partner.test")
		},
		AllowPrivateNetwork: true,
	})
	tests := []struct {
		name     string
		method   string
		lines    []string
		want     map[string]string
		wantSeen string
	}{
		{"predicate allows", "GET", []string{"Origin: https://shop.partner.test"},
			map[string]string{"Access-Control-Allow-Origin": "https://shop.partner.test"}, "https://shop.partner.test"},
		{"predicate refuses", "GET", []string{"Origin: https://partner.test.evil"}, nil, "https://partner.test.evil"},
		{"predicate never sees malformed origins", "GET", []string{"Origin: javascript:alert(1).partner.test"}, nil, ""},
		{"null configured", "GET", []string{"Origin: null"}, map[string]string{"Access-Control-Allow-Origin": "null"}, ""},
		{"private network preflight", "OPTIONS", []string{"Origin: https://a.partner.test", "Access-Control-Request-Method: GET", "Access-Control-Request-Private-Network: true"},
			map[string]string{
				"Access-Control-Allow-Origin":          "https://a.partner.test",
				"Access-Control-Allow-Methods":         "GET",
				"Access-Control-Max-Age":               "600",
				"Access-Control-Allow-Private-Network": "true",
			}, "https://a.partner.test"},
		{"private network not asked", "OPTIONS", []string{"Origin: null", "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: content-type"},
			map[string]string{
				"Access-Control-Allow-Origin":  "null",
				"Access-Control-Allow-Methods": "POST",
				"Access-Control-Allow-Headers": "content-type",
				"Access-Control-Max-Age":       "600",
			}, ""},
		{"default methods", "OPTIONS", []string{"Origin: null", "Access-Control-Request-Method: DELETE"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen.Store("")
			res := corsDo(t, srv, tt.method, tt.lines...)
			vary := []string{"Origin"}
			if tt.method == "OPTIONS" {
				vary = slices.Concat(corsPreflightVary, []string{"Access-Control-Request-Private-Network"})
			}
			corsCheck(t, res, tt.want, vary, nil)
			if got := seen.Load(); got != tt.wantSeen {
				t.Errorf("AllowOriginFunc saw %q, want %q", got, tt.wantSeen)
			}
		})
	}
}

// TestCORSHeadersSurviveErrors checks that an error response written by the
// handler keeps the CORS headers, so that the page can read the problem.
func TestCORSHeadersSurviveErrors(t *testing.T) {
	h := middleware.CORS(middleware.CORSOptions{AllowedOrigins: []string{"https://app.example.com"}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "nope", http.StatusForbidden)
		}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Origin", "https://app.example.com")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("got %d with Allow-Origin %q, want 403 with the origin", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
}

// TestCORSVaryMerges checks that Vary keeps what other layers added and
// never names Origin twice.
func TestCORSVaryMerges(t *testing.T) {
	mw := middleware.CORS(middleware.CORSOptions{AllowedOrigins: []string{"https://app.example.com"}})
	h := mw(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header.AddVary(w.Header(), "Accept-Encoding")
	})))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Origin", "https://app.example.com")
	w := httptest.NewRecorder()
	w.Header().Set("Vary", "Accept")
	h.ServeHTTP(w, r)
	if got, want := strings.Join(w.Header().Values("Vary"), ", "), "Accept, Origin, Accept-Encoding"; got != want {
		t.Errorf("Vary = %q, want %q", got, want)
	}
}

func TestCORSInvalidOptions(t *testing.T) {
	ok := []string{"https://app.example.com"}
	tests := []struct {
		name string
		opts middleware.CORSOptions
		want string
	}{
		{"zero value", middleware.CORSOptions{}, "no origin is allowed"},
		{"credentials with *", middleware.CORSOptions{AllowedOrigins: []string{"*"}, AllowCredentials: true}, "credentials need explicit origins"},
		{"credentials with null", middleware.CORSOptions{AllowedOrigins: []string{"null"}, AllowCredentials: true}, "null"},
		{"* with others", middleware.CORSOptions{AllowedOrigins: []string{"*", "https://a.test"}}, "with other origins"},
		{"* with a predicate", middleware.CORSOptions{AllowedOrigins: []string{"*"}, AllowOriginFunc: func(string) bool { return true }}, "with other origins"},
		{"header * with credentials", middleware.CORSOptions{AllowedOrigins: ok, AllowedHeaders: []string{"*"}, AllowCredentials: true}, "AllowedHeaders"},
		{"exposed * with credentials", middleware.CORSOptions{AllowedOrigins: ok, ExposedHeaders: []string{"*"}, AllowCredentials: true}, "ExposedHeaders"},
		{"origin with path", middleware.CORSOptions{AllowedOrigins: []string{"https://app.example.com/"}}, "not an origin"},
		{"origin without scheme", middleware.CORSOptions{AllowedOrigins: []string{"app.example.com"}}, "not an origin"},
		{"empty origin", middleware.CORSOptions{AllowedOrigins: []string{""}}, "not an origin"},
		{"wildcard without a domain", middleware.CORSOptions{AllowedOrigins: []string{"https://*."}}, "not an origin"},
		{"bare wildcard host", middleware.CORSOptions{AllowedOrigins: []string{"https://*"}}, "not an origin"},
		{"wildcard inside", middleware.CORSOptions{AllowedOrigins: []string{"https://a.*.example.com"}}, "not an origin"},
		{"wildcard within a label", middleware.CORSOptions{AllowedOrigins: []string{"https://*example.com"}}, "not an origin"},
		{"port out of range", middleware.CORSOptions{AllowedOrigins: []string{"https://a.test:65536"}}, "not an origin"},
		{"user info", middleware.CORSOptions{AllowedOrigins: []string{"https://u@a.test"}}, "not an origin"},
		{"bad method", middleware.CORSOptions{AllowedOrigins: ok, AllowedMethods: []string{"GE T"}}, "AllowedMethods"},
		{"bad header", middleware.CORSOptions{AllowedOrigins: ok, AllowedHeaders: []string{"X Bad"}}, "AllowedHeaders"},
		{"bad exposed header", middleware.CORSOptions{AllowedOrigins: ok, ExposedHeaders: []string{"X-Ok", "X:Bad"}}, "ExposedHeaders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInvalidOptions(t, middleware.NewCORS, middleware.CORS, tt.opts, "middleware: CORS: ", tt.want)
		})
	}
}

func TestCORSValidOptions(t *testing.T) {
	for _, origins := range [][]string{
		{"*"},
		{"null"},
		{"https://*.example.com", "http://[::1]:8080", "http://127.0.0.1:3000", "app+x://local.test"},
	} {
		if _, err := middleware.NewCORS(middleware.CORSOptions{AllowedOrigins: origins}); err != nil {
			t.Errorf("NewCORS(AllowedOrigins %q) = %v, want nil", origins, err)
		}
	}
}

// corsFuzzOptions is the policy FuzzCORSOrigin attacks.
var corsFuzzOptions = middleware.CORSOptions{
	AllowedOrigins:   []string{"https://app.example.com", "https://*.example.com", "http://localhost:3000"},
	AllowCredentials: true,
}

// corsExpected is an independent statement of what corsFuzzOptions allows:
// the two exact origins and any https subdomain of example.com, compared
// without regard to case, with the default port optional.
func corsExpected(origin string) bool {
	o := strings.ToLower(origin)
	if o == "http://localhost:3000" {
		return true
	}
	host, ok := strings.CutPrefix(o, "https://")
	if !ok {
		return false
	}
	host = strings.TrimSuffix(host, ":443")
	sub, ok := strings.CutSuffix(host, ".example.com")
	if !ok || sub == "" {
		return false
	}
	for _, label := range strings.Split(sub, ".") {
		if label == "" {
			return false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// FuzzCORSOrigin checks the origin matcher against corsExpected, and that
// the middleware never panics and never allows an origin other than the
// one sent.
func FuzzCORSOrigin(f *testing.F) {
	for _, s := range []string{
		"https://app.example.com",
		"https://a.b.example.com",
		"https://example.com",
		"http://a.example.com",
		"https://a.example.com.evil.com",
		"https://a.example.com:443",
		"https://a.example.com:8443",
		"https://a..example.com",
		"https://.example.com",
		"HTTPS://A.EXAMPLE.COM",
		"http://localhost:3000",
		"http://[::1]:3000",
		"null",
		"https://evil.com@a.example.com",
		"https://a.example.com/",
		"https://a.example.com\r\nSet-Cookie: x=1",
		"",
	} {
		f.Add(s)
	}
	allowed := middleware.CORSOriginMatcher(corsFuzzOptions)
	h := middleware.CORS(corsFuzzOptions)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	f.Fuzz(func(t *testing.T, origin string) {
		got := allowed(origin)
		if want := corsExpected(origin); got != want {
			t.Fatalf("origin %q allowed = %v, want %v", origin, got, want)
		}
		for _, method := range []string{http.MethodGet, http.MethodOptions} {
			r := httptest.NewRequest(method, "/", nil)
			r.Header.Set("Origin", origin)
			r.Header.Set("Access-Control-Request-Method", "GET")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			acao := w.Header().Get("Access-Control-Allow-Origin")
			if acao != "" && (acao != origin || !got) {
				t.Fatalf("%s with Origin %q: Access-Control-Allow-Origin %q", method, origin, acao)
			}
			if got && acao != origin {
				t.Fatalf("%s with allowed Origin %q: Access-Control-Allow-Origin %q", method, origin, acao)
			}
		}
	})
}
