package oidcauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/keel-go/keel/auth/oidcauth"
	"github.com/keel-go/keel/auth/session"
)

// Example wires a relying party to a provider and starts a sign-in: the
// login handler redirects to the provider with a state, a nonce and a
// PKCE challenge. The provider here is an in-process test provider.
func Example() {
	op := startProvider()
	defer op.Close()

	sessions, err := session.New(session.NewMemoryStore(nil), session.Options{})
	if err != nil {
		panic(err)
	}
	rp, err := oidcauth.New(context.Background(), oidcauth.Options{
		Issuer:       op.issuerURL(),
		ClientID:     "keel-app",
		ClientSecret: "s3cret",
		RedirectURL:  "https://app.example/auth/callback",
		HTTPClient:   op.srv.Client(),
		Sessions:     sessions,
	})
	if err != nil {
		panic(err)
	}

	w := httptest.NewRecorder()
	rp.LoginHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/auth/login?next=/orders", nil))
	to, _ := url.Parse(w.Header().Get("Location"))
	q := to.Query()
	fmt.Println(w.Code, strings.HasPrefix(to.String(), op.issuerURL()+"/authorize"))
	fmt.Println(q.Get("response_type"), q.Get("scope"), q.Get("code_challenge_method"))
	fmt.Println(q.Get("state") != "", q.Get("nonce") != "", q.Get("code_challenge") != "")
	fmt.Println(w.Result().Cookies()[0].Name)

	w = httptest.NewRecorder()
	rp.LoginHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/auth/login?next=https://evil.example", nil))
	fmt.Println(w.Code)
	// Output:
	// 302 true
	// code openid profile email S256
	// true true true
	// __Host-oidc
	// 400
}
