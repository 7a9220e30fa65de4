package middleware_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/keel-go/keel/middleware"
)

func ExampleCSRF() {
	// In production the key comes from a secret store and is shared by
	// every instance.
	key := []byte("an example key of at least 32 bytes!")
	h := middleware.CSRF(middleware.CSRFOptions{
		Key:            key,
		TrustedOrigins: []string{"https://admin.example.com"},
		BypassPatterns: []string{"POST /webhooks/"},
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "done")
	}))

	send := func(method, path string, header http.Header) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "https://app.example.com"+path, nil)
		for k, v := range header {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	// A first GET hands out the token cookie.
	cookie := send(http.MethodGet, "/", nil).Result().Cookies()[0]
	fmt.Println("cookie:", cookie.Name)

	for _, c := range []struct {
		what   string
		path   string
		header http.Header
	}{
		{"same-origin browser", "/orders", http.Header{"Sec-Fetch-Site": {"same-origin"}}},
		{"cross-site browser", "/orders", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}},
		{"trusted origin", "/orders", http.Header{"Sec-Fetch-Site": {"same-site"}, "Origin": {"https://admin.example.com"}}},
		{"webhook", "/webhooks/billing", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"no Origin, no token", "/orders", nil},
		{"no Origin, token echoed", "/orders", http.Header{
			"Cookie":       {cookie.Name + "=" + cookie.Value},
			"X-Csrf-Token": {cookie.Value},
		}},
	} {
		fmt.Printf("%s: %d\n", c.what, send(http.MethodPost, c.path, c.header).Code)
	}
	// Output:
	// cookie: __Host-csrf
	// same-origin browser: 200
	// cross-site browser: 403
	// trusted origin: 200
	// webhook: 200
	// no Origin, no token: 403
	// no Origin, token echoed: 200
}

func ExampleCSRFToken() {
	page := template.Must(template.New("form").Parse(
		`<form method="post"><input type="hidden" name="csrf_token" value="{{.}}"></form>`))
	h := middleware.CSRF(middleware.CSRFOptions{
		Key: []byte("an example key of at least 32 bytes!"),
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A real handler executes the template into w. The token is
		// masked afresh on every call, so the example hides it to keep
		// its output stable.
		token := middleware.CSRFToken(r)
		var b strings.Builder
		page.Execute(&b, token)
		fmt.Println(strings.Replace(b.String(), token, "…", 1))
		fmt.Println(len(token), "characters")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	// Output:
	// <form method="post"><input type="hidden" name="csrf_token" value="…"></form>
	// 152 characters
}
