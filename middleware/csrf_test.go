package middleware_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keel-go/keel/middleware"
)

var (
	csrfKey      = []byte("0123456789abcdef0123456789abcdef")
	csrfOtherKey = []byte("fedcba9876543210fedcba9876543210")
	csrfEpoch    = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

// csrfClock is a clock a test moves while a server reads it.
type csrfClock struct{ unix atomic.Int64 }

func newCSRFClock() *csrfClock {
	c := &csrfClock{}
	c.unix.Store(csrfEpoch.Unix())
	return c
}

func (c *csrfClock) Now() time.Time          { return time.Unix(c.unix.Load(), 0) }
func (c *csrfClock) Advance(d time.Duration) { c.unix.Add(int64(d / time.Second)) }

// csrfHandler answers GET with the request's masked token and anything
// else with "ok", plus the form field "name" when the body was a form, to
// show that the handler still sees a form CSRF parsed.
var csrfHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		io.WriteString(w, middleware.CSRFToken(r))
		return
	}
	io.WriteString(w, "ok"+r.FormValue("name"))
})

// newCSRFServer starts a server running CSRF(opts) around csrfHandler. The
// options get the test key and clock unless they set their own.
func newCSRFServer(tb testing.TB, opts middleware.CSRFOptions, clock *csrfClock) *httptest.Server {
	tb.Helper()
	if opts.Key == nil {
		opts.Key = csrfKey
	}
	if opts.Now == nil && clock != nil {
		opts.Now = clock.Now
	}
	srv := httptest.NewServer(middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{}),
		middleware.CSRF(opts),
	)(csrfHandler))
	tb.Cleanup(srv.Close)
	return srv
}

// csrfResult is what a test needs of a response.
type csrfResult struct {
	status  int
	body    string
	header  http.Header
	cookies []*http.Cookie
}

// csrfDo sends one request and reads the whole response.
func csrfDo(tb testing.TB, srv *httptest.Server, method, path string, header http.Header, body string) csrfResult {
	tb.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
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
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return csrfResult{status: res.StatusCode, body: string(b), header: res.Header, cookies: res.Cookies()}
}

// csrfCookie returns the token cookie set by res, or nil.
func csrfCookie(res csrfResult, name string) *http.Cookie {
	for _, c := range res.cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// csrfFetchToken does a GET and returns the cookie value and the masked
// token from the body.
func csrfFetchToken(tb testing.TB, srv *httptest.Server, header http.Header) (cookie, masked string) {
	tb.Helper()
	res := csrfDo(tb, srv, http.MethodGet, "/", header, "")
	c := csrfCookie(res, middleware.DefaultCSRFCookieName)
	if res.status != http.StatusOK || c == nil || res.body == "" {
		tb.Fatalf("GET / = %d, cookie %v, body %q; want 200 with a token cookie and a token", res.status, c, res.body)
	}
	return c.Value, res.body
}

// wantRejected checks that res is a 403 problem with code csrf_rejected
// and the request ID.
func wantRejected(tb testing.TB, res csrfResult) {
	tb.Helper()
	if res.status != http.StatusForbidden {
		tb.Fatalf("status = %d (body %q), want 403", res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		tb.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p struct {
		Code      string `json:"code"`
		RequestID string `json:"request_id"`
		Detail    string `json:"detail"`
	}
	if err := json.Unmarshal([]byte(res.body), &p); err != nil {
		tb.Fatalf("body %q is not JSON: %v", res.body, err)
	}
	if p.Code != middleware.CodeCSRFRejected {
		tb.Errorf("problem code = %q, want %q", p.Code, middleware.CodeCSRFRejected)
	}
	if p.RequestID == "" || p.RequestID != res.header.Get("X-Request-Id") {
		tb.Errorf("problem request_id = %q, want the X-Request-Id %q", p.RequestID, res.header.Get("X-Request-Id"))
	}
}

func TestCSRFOriginCheck(t *testing.T) {
	srv := newCSRFServer(t, middleware.CSRFOptions{
		TrustedOrigins: []string{"https://app.example", "HTTPS://Admin.Example:443"},
		BypassPatterns: []string{"POST /webhooks/"},
	}, nil)
	self := srv.URL
	tests := []struct {
		name   string
		method string
		path   string
		header http.Header
		want   int
	}{
		{"GET cross-site", http.MethodGet, "/", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, 200},
		{"HEAD cross-site", http.MethodHead, "/", http.Header{"Sec-Fetch-Site": {"cross-site"}}, 200},
		{"OPTIONS cross-site", http.MethodOptions, "/", http.Header{"Sec-Fetch-Site": {"cross-site"}}, 200},
		{"POST cross-site", http.MethodPost, "/", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, 403},
		{"DELETE same-site", http.MethodDelete, "/", http.Header{"Sec-Fetch-Site": {"same-site"}, "Origin": {"https://sub.evil.example"}}, 403},
		{"PUT from an old browser", http.MethodPut, "/", http.Header{"Origin": {"https://evil.example"}}, 403},
		{"POST same-origin", http.MethodPost, "/", http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {self}}, 200},
		{"POST typed in the address bar", http.MethodPost, "/", http.Header{"Sec-Fetch-Site": {"none"}}, 200},
		{"POST from an old browser, same origin", http.MethodPost, "/", http.Header{"Origin": {self}}, 200},
		{"trusted origin", http.MethodPost, "/", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://app.example"}}, 200},
		{"trusted origin, other scheme", http.MethodPost, "/", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"http://app.example"}}, 403},
		{"trusted origin, other port", http.MethodPost, "/", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://app.example:8443"}}, 403},
		{"normalized trusted origin", http.MethodPost, "/", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://admin.example"}}, 200},
		{"bypass pattern", http.MethodPost, "/webhooks/github", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, 200},
		{"bypass pattern, no origin and no token", http.MethodPost, "/webhooks/github", nil, 200},
		{"bypass pattern, other method", http.MethodPut, "/webhooks/github", http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403},
		{"bypass pattern, other path", http.MethodPost, "/web", http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403},
		{"bypass pattern, path needing cleaning", http.MethodPost, "/x/../webhooks/github", http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := csrfDo(t, srv, tt.method, tt.path, tt.header, "")
			if tt.want == http.StatusForbidden {
				wantRejected(t, res)
				return
			}
			if res.status != tt.want {
				t.Errorf("%s %s = %d (body %q), want %d", tt.method, tt.path, res.status, res.body, tt.want)
			}
		})
	}
}

func TestCSRFTokenCheck(t *testing.T) {
	clock := newCSRFClock()
	srv := newCSRFServer(t, middleware.CSRFOptions{}, clock)
	cookie, masked := csrfFetchToken(t, srv, nil)
	other, _ := csrfFetchToken(t, srv, nil)
	forged := middleware.CSRFIssue(csrfOtherKey, clock.Now(), "")
	tampered := []byte(cookie)
	tampered[len(tampered)/2] ^= 'A' ^ 'B'
	if tampered[len(tampered)/2] == cookie[len(cookie)/2] {
		t.Fatal("tampering changed nothing")
	}

	ck := func(v string) string { return middleware.DefaultCSRFCookieName + "=" + v }
	tests := []struct {
		name   string
		header http.Header
		body   string
		ok     bool
	}{
		{"no token, no cookie", nil, "", false},
		{"cookie, no token", http.Header{"Cookie": {ck(cookie)}}, "", false},
		{"token, no cookie", http.Header{"X-Csrf-Token": {cookie}}, "", false},
		{"plain token in header", http.Header{"Cookie": {ck(cookie)}, "X-Csrf-Token": {cookie}}, "", true},
		{"masked token in header", http.Header{"Cookie": {ck(cookie)}, "X-Csrf-Token": {masked}}, "", true},
		{"masked token in form", http.Header{
			"Cookie":       {ck(cookie)},
			"Content-Type": {"application/x-www-form-urlencoded"},
		}, "name=ann&csrf_token=" + url.QueryEscape(masked), true},
		{"token in query, not form", http.Header{
			"Cookie":       {ck(cookie)},
			"Content-Type": {"application/x-www-form-urlencoded"},
		}, "name=ann", false},
		{"token of another cookie", http.Header{"Cookie": {ck(cookie)}, "X-Csrf-Token": {other}}, "", false},
		{"forged with another key", http.Header{"Cookie": {ck(forged)}, "X-Csrf-Token": {forged}}, "", false},
		{"tampered", http.Header{"Cookie": {ck(string(tampered))}, "X-Csrf-Token": {string(tampered)}}, "", false},
		{"garbage", http.Header{"Cookie": {ck("garbage")}, "X-Csrf-Token": {"garbage"}}, "", false},
		{"padded base64", http.Header{"Cookie": {ck(cookie)}, "X-Csrf-Token": {cookie + "="}}, "", false},
		{"JSON body ignored", http.Header{
			"Cookie":       {ck(cookie)},
			"Content-Type": {"application/json"},
		}, `{"csrf_token":"` + cookie + `"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := csrfDo(t, srv, http.MethodPost, "/?csrf_token="+url.QueryEscape(cookie), tt.header, tt.body)
			if !tt.ok {
				wantRejected(t, res)
				return
			}
			if res.status != http.StatusOK || !strings.HasPrefix(res.body, "ok") {
				t.Errorf("POST = %d %q, want 200 ok", res.status, res.body)
			}
		})
	}
}

func TestCSRFTokenInMultipartForm(t *testing.T) {
	srv := newCSRFServer(t, middleware.CSRFOptions{}, newCSRFClock())
	cookie, masked := csrfFetchToken(t, srv, nil)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", masked)
	mw.WriteField("name", "ann")
	fw, _ := mw.CreateFormFile("file", "a.txt")
	fw.Write([]byte("content"))
	mw.Close()
	res := csrfDo(t, srv, http.MethodPost, "/", http.Header{
		"Cookie":       {middleware.DefaultCSRFCookieName + "=" + cookie},
		"Content-Type": {mw.FormDataContentType()},
	}, body.String())
	if res.status != http.StatusOK || res.body != "okann" {
		t.Errorf("multipart POST = %d %q, want 200 \"okann\"", res.status, res.body)
	}
}

func TestCSRFExpiry(t *testing.T) {
	clock := newCSRFClock()
	srv := newCSRFServer(t, middleware.CSRFOptions{MaxAge: time.Hour}, clock)
	cookie, _ := csrfFetchToken(t, srv, nil)
	post := func() csrfResult {
		return csrfDo(t, srv, http.MethodPost, "/", http.Header{
			"Cookie":       {middleware.DefaultCSRFCookieName + "=" + cookie},
			"X-Csrf-Token": {cookie},
		}, "")
	}

	clock.Advance(time.Hour - time.Second)
	if res := post(); res.status != http.StatusOK {
		t.Fatalf("POST just before expiry = %d %q, want 200", res.status, res.body)
	} else if c := csrfCookie(res, middleware.DefaultCSRFCookieName); c != nil {
		t.Errorf("POST with a valid token set cookie %v, want none", c)
	}

	clock.Advance(time.Second)
	res := post()
	wantRejected(t, res)
	if c := csrfCookie(res, middleware.DefaultCSRFCookieName); c == nil || c.Value == cookie {
		t.Errorf("rejected POST with an expired token set cookie %v, want a fresh one", c)
	}
}

func TestCSRFRejectsTokensFromTheFuture(t *testing.T) {
	clock := newCSRFClock()
	srv := newCSRFServer(t, middleware.CSRFOptions{}, clock)
	future := middleware.CSRFIssue(csrfKey, clock.Now().Add(time.Hour), "")
	res := csrfDo(t, srv, http.MethodPost, "/", http.Header{
		"Cookie":       {middleware.DefaultCSRFCookieName + "=" + future},
		"X-Csrf-Token": {future},
	}, "")
	wantRejected(t, res)
}

func TestCSRFSessionBinding(t *testing.T) {
	srv := newCSRFServer(t, middleware.CSRFOptions{
		SessionID: func(r *http.Request) string { return r.Header.Get("X-Session") },
	}, newCSRFClock())
	alice, _ := csrfFetchToken(t, srv, http.Header{"X-Session": {"alice"}})

	post := func(session string) csrfResult {
		return csrfDo(t, srv, http.MethodPost, "/", http.Header{
			"X-Session":    {session},
			"Cookie":       {middleware.DefaultCSRFCookieName + "=" + alice},
			"X-Csrf-Token": {alice},
		}, "")
	}
	if res := post("alice"); res.status != http.StatusOK {
		t.Errorf("POST in the token's session = %d %q, want 200", res.status, res.body)
	}
	wantRejected(t, post("mallory"))
	wantRejected(t, post(""))

	// A GET in the new session replaces the token of the old one.
	res := csrfDo(t, srv, http.MethodGet, "/", http.Header{
		"X-Session": {"bob"},
		"Cookie":    {middleware.DefaultCSRFCookieName + "=" + alice},
	}, "")
	if c := csrfCookie(res, middleware.DefaultCSRFCookieName); c == nil || c.Value == alice {
		t.Errorf("GET in another session set cookie %v, want a new token", c)
	}
}

func TestCSRFCookie(t *testing.T) {
	tests := []struct {
		name     string
		opts     middleware.CSRFOptions
		wantName string
		secure   bool
		httpOnly bool
	}{
		{"default", middleware.CSRFOptions{}, "__Host-csrf", true, false},
		{"HttpOnly", middleware.CSRFOptions{HTTPOnlyCookie: true}, "__Host-csrf", true, true},
		{"insecure", middleware.CSRFOptions{InsecureCookie: true}, "csrf", false, false},
		{"named", middleware.CSRFOptions{CookieName: "__Host-xsrf"}, "__Host-xsrf", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newCSRFServer(t, tt.opts, newCSRFClock())
			res := csrfDo(t, srv, http.MethodGet, "/", nil, "")
			c := csrfCookie(res, tt.wantName)
			if c == nil {
				t.Fatalf("GET set cookies %v, want one named %s", res.cookies, tt.wantName)
			}
			if c.Secure != tt.secure || c.HttpOnly != tt.httpOnly || c.SameSite != http.SameSiteLaxMode ||
				c.Path != "/" || c.Domain != "" || c.MaxAge != int(middleware.DefaultCSRFMaxAge/time.Second) {
				t.Errorf("cookie = %q, want Secure=%v HttpOnly=%v SameSite=Lax Path=/ no Domain Max-Age=43200",
					c.String(), tt.secure, tt.httpOnly)
			}

			// A valid cookie is kept, not replaced.
			again := csrfDo(t, srv, http.MethodGet, "/", http.Header{"Cookie": {c.Name + "=" + c.Value}}, "")
			if got := csrfCookie(again, tt.wantName); got != nil {
				t.Errorf("GET with a valid cookie set %v, want no new cookie", got)
			}
		})
	}
}

// TestCSRFWithCookieJar runs the double-submit flow as a script in a
// browser does: the cookie travels through a jar, over TLS since it is
// Secure, and the script copies it into the header.
func TestCSRFWithCookieJar(t *testing.T) {
	srv := httptest.NewTLSServer(middleware.CSRF(middleware.CSRFOptions{Key: csrfKey})(csrfHandler))
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := srv.Client()
	client.Jar = jar

	res, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	u, _ := url.Parse(srv.URL)
	var token string
	for _, c := range jar.Cookies(u) {
		if c.Name == middleware.DefaultCSRFCookieName {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatalf("jar holds %v after GET, want the token cookie", jar.Cookies(u))
	}
	for _, tt := range []struct {
		name   string
		header string
		want   int
	}{
		{"with the token", token, http.StatusOK},
		{"without it", "", http.StatusForbidden},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
		if tt.header != "" {
			req.Header.Set("X-CSRF-Token", tt.header)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("POST %s = %d, want %d", tt.name, res.StatusCode, tt.want)
		}
	}
}

func TestCSRFCustomNames(t *testing.T) {
	srv := newCSRFServer(t, middleware.CSRFOptions{
		CookieName: "xsrf", InsecureCookie: true, HeaderName: "X-XSRF-Token", FormField: "_xsrf",
	}, newCSRFClock())
	res := csrfDo(t, srv, http.MethodGet, "/", nil, "")
	c := csrfCookie(res, "xsrf")
	if c == nil {
		t.Fatalf("GET set %v, want an xsrf cookie", res.cookies)
	}
	for _, tt := range []struct {
		name   string
		header http.Header
		body   string
		want   int
	}{
		{"custom header", http.Header{"X-Xsrf-Token": {c.Value}}, "", 200},
		{"default header ignored", http.Header{"X-Csrf-Token": {c.Value}}, "", 403},
		{"custom field", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "_xsrf=" + c.Value, 200},
	} {
		tt.header.Set("Cookie", "xsrf="+c.Value)
		if res := csrfDo(t, srv, http.MethodPost, "/", tt.header, tt.body); res.status != tt.want {
			t.Errorf("POST with %s = %d %q, want %d", tt.name, res.status, res.body, tt.want)
		}
	}
}

func TestCSRFBadFormBody(t *testing.T) {
	srv := httptest.NewServer(middleware.Chain(
		func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.Body = http.MaxBytesReader(w, r.Body, 64)
				next.ServeHTTP(w, r)
			})
		},
		middleware.CSRF(middleware.CSRFOptions{Key: csrfKey}),
	)(csrfHandler))
	defer srv.Close()
	tests := []struct {
		name  string
		ctype string
		body  string
		want  int
	}{
		{"malformed urlencoded", "application/x-www-form-urlencoded", "a=%zz", http.StatusBadRequest},
		{"malformed multipart", "multipart/form-data; boundary=x", "not multipart", http.StatusBadRequest},
		{"multipart without boundary", "multipart/form-data", "", http.StatusBadRequest},
		{"too large", "application/x-www-form-urlencoded", "a=" + strings.Repeat("b", 100), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := csrfDo(t, srv, http.MethodPost, "/", http.Header{"Content-Type": {tt.ctype}}, tt.body)
			if res.status != tt.want || !strings.HasPrefix(res.header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("POST %s = %d %s, want %d problem", tt.name, res.status, res.header.Get("Content-Type"), tt.want)
			}
		})
	}
}

func TestCSRFTokenHelper(t *testing.T) {
	if got := middleware.CSRFToken(httptest.NewRequest(http.MethodGet, "/", nil)); got != "" {
		t.Errorf("CSRFToken without the middleware = %q, want \"\"", got)
	}
	var tokens []string
	h := middleware.CSRF(middleware.CSRFOptions{Key: csrfKey})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokens = append(tokens, middleware.CSRFToken(r), middleware.CSRFToken(r))
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	cookie := w.Result().Cookies()[0].Value
	if tokens[0] == tokens[1] {
		t.Errorf("CSRFToken twice = %q, want two different maskings", tokens[0])
	}
	for _, tok := range tokens {
		if got, ok := middleware.CSRFUnmask(tok); !ok || got != cookie {
			t.Errorf("unmasked CSRFToken = %q, %v, want the cookie's token %q", got, ok, cookie)
		}
	}
}

func TestCSRFInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts middleware.CSRFOptions
		want string
	}{
		{"no key", middleware.CSRFOptions{}, "Key"},
		{"short key", middleware.CSRFOptions{Key: csrfKey[:31]}, "Key"},
		{"origin without scheme", middleware.CSRFOptions{Key: csrfKey, TrustedOrigins: []string{"app.example"}}, "TrustedOrigins[0]"},
		{"origin with path", middleware.CSRFOptions{Key: csrfKey, TrustedOrigins: []string{"https://a.example", "https://app.example/"}}, "TrustedOrigins[1]"},
		{"origin with query", middleware.CSRFOptions{Key: csrfKey, TrustedOrigins: []string{"https://app.example?x"}}, "TrustedOrigins[0]"},
		{"origin with user", middleware.CSRFOptions{Key: csrfKey, TrustedOrigins: []string{"https://u@app.example"}}, "TrustedOrigins[0]"},
		{"wildcard origin", middleware.CSRFOptions{Key: csrfKey, TrustedOrigins: []string{"*"}}, "TrustedOrigins[0]"},
		{"bad pattern", middleware.CSRFOptions{Key: csrfKey, BypassPatterns: []string{"POST /{"}}, "BypassPatterns[0]"},
		{"conflicting patterns", middleware.CSRFOptions{Key: csrfKey, BypassPatterns: []string{"/a/{x}", "/a/{y}"}}, "BypassPatterns[1]"},
		{"insecure __Host- cookie", middleware.CSRFOptions{Key: csrfKey, InsecureCookie: true, CookieName: "__Host-csrf"}, "CookieName"},
		{"bad cookie name", middleware.CSRFOptions{Key: csrfKey, CookieName: "a b"}, "CookieName"},
		{"bad header name", middleware.CSRFOptions{Key: csrfKey, HeaderName: "X:Y"}, "HeaderName"},
		{"negative max age", middleware.CSRFOptions{Key: csrfKey, MaxAge: -time.Hour}, "MaxAge"},
		{"tiny max age", middleware.CSRFOptions{Key: csrfKey, MaxAge: time.Millisecond}, "MaxAge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInvalidOptions(t, middleware.NewCSRF, middleware.CSRF, tt.opts, "middleware: CSRFOptions."+tt.want, "")
		})
	}
}

func TestCSRFKeyIsCopied(t *testing.T) {
	key := append([]byte(nil), csrfKey...)
	srv := newCSRFServer(t, middleware.CSRFOptions{Key: key}, newCSRFClock())
	cookie, _ := csrfFetchToken(t, srv, nil)
	key[0] ^= 1
	res := csrfDo(t, srv, http.MethodPost, "/", http.Header{
		"Cookie":       {middleware.DefaultCSRFCookieName + "=" + cookie},
		"X-Csrf-Token": {cookie},
	}, "")
	if res.status != http.StatusOK {
		t.Errorf("POST after the caller changed its key slice = %d, want 200", res.status)
	}
}

func FuzzCSRFToken(f *testing.F) {
	now := csrfEpoch
	for _, s := range []string{
		"",
		"garbage",
		middleware.CSRFIssue(csrfOtherKey, now, ""),
		middleware.CSRFIssue(csrfOtherKey, now, "alice"),
		base64.RawURLEncoding.EncodeToString(make([]byte, 57)),
		base64.RawURLEncoding.EncodeToString(make([]byte, 114)),
		strings.Repeat("A", 76) + "=",
	} {
		f.Add(s, uint16(0), byte(1))
	}
	f.Fuzz(func(t *testing.T, token string, pos uint16, flip byte) {
		valid := middleware.CSRFIssue(csrfKey, now, "s")
		if token != valid && middleware.CSRFVerify(csrfKey, token, now, "s") {
			t.Fatalf("CSRFVerify(%q) = true for a token the key never signed", token)
		}
		if raw, ok := middleware.CSRFUnmask(token); ok {
			if b, err := base64.RawURLEncoding.DecodeString(raw); err != nil || len(b) != 57 {
				t.Errorf("CSRFUnmask(%q) = %q, want a 57-byte token", token, raw)
			}
		}

		// The genuine token verifies, and any change to it breaks it.
		if !middleware.CSRFVerify(csrfKey, valid, now, "s") {
			t.Fatalf("CSRFVerify(valid token) = false")
		}
		if flip == 0 {
			return
		}
		b, _ := base64.RawURLEncoding.DecodeString(valid)
		b[int(pos)%len(b)] ^= flip
		tampered := base64.RawURLEncoding.EncodeToString(b)
		if middleware.CSRFVerify(csrfKey, tampered, now, "s") {
			t.Errorf("CSRFVerify accepted the token with byte %d flipped by %#x", int(pos)%len(b), flip)
		}
	})
}
