package jwtauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/errors"
)

// Example issues a token pair at login and protects an API with the
// verifier behind auth.Middleware.
func Example() {
	key, err := jwtauth.GenerateKey(jwtauth.ES256, "2030-01")
	if err != nil {
		panic(err)
	}
	keys, _ := jwtauth.NewKeySet(key)
	store := jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{})
	issuer, err := jwtauth.NewIssuer(jwtauth.IssuerOptions{
		Keys: keys, Issuer: "https://auth.example", Audience: []string{"https://api.example"}, Store: store,
	})
	if err != nil {
		panic(err)
	}
	verifier, err := jwtauth.NewVerifier(jwtauth.Options{
		Keys: keys, Issuer: "https://auth.example", Audience: []string{"https://api.example"},
		Revocations: store,
	})
	if err != nil {
		panic(err)
	}

	// At login, once the password (and TOTP) checked out:
	pair, err := issuer.Issue(context.Background(), &auth.Principal{
		Subject: "alice",
		Roles:   []string{"admin"},
		Scopes:  []string{"orders:read"},
		Methods: []auth.Method{auth.MethodPassword, auth.MethodTOTP},
	})
	if err != nil {
		panic(err)
	}

	api := auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{verifier}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, _ := auth.FromContext(r.Context())
			fmt.Fprintf(w, "%s %v %v %v", p.Subject, p.Roles, p.Scopes, p.Methods)
		}))
	for _, token := range []string{pair.AccessToken, pair.AccessToken + "x", pair.RefreshToken} {
		r := httptest.NewRequest(http.MethodGet, "/orders", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		if w.Code == http.StatusOK {
			fmt.Println(w.Code, w.Body)
		} else {
			fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"))
		}
	}
	// Output:
	// 200 alice [admin] [orders:read] [pwd otp jwt]
	// 401 Bearer realm="api"
	// 401 Bearer realm="api"
}

// Example_keyRotation rotates the signing key without refusing a single
// token: the new key is published first, signs later, and the old one
// verifies until its last token has expired.
func Example_keyRotation() {
	k1, _ := jwtauth.GenerateKey(jwtauth.EdDSA, "2030-01")
	keys, _ := jwtauth.NewKeySet(k1)
	issuer, _ := jwtauth.NewIssuer(jwtauth.IssuerOptions{
		Keys: keys, Issuer: "https://auth.example", Audience: []string{"https://api.example"},
		Store: jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{}),
	})
	verifier, _ := jwtauth.NewVerifier(jwtauth.Options{
		Keys: keys, Issuer: "https://auth.example", Audience: []string{"https://api.example"},
	})
	ctx := context.Background()
	signedBy := func() string {
		pair, _ := issuer.Issue(ctx, &auth.Principal{Subject: "alice"})
		t, _, _ := jwt.NewParser().ParseUnverified(pair.AccessToken, jwt.MapClaims{})
		return t.Header["kid"].(string)
	}
	old, _ := issuer.Issue(ctx, &auth.Principal{Subject: "alice"})

	// 1. Publish the next key, keep signing with the current one.
	_ = keys.SetActive("2030-01")
	k2, _ := jwtauth.GenerateKey(jwtauth.EdDSA, "2030-02")
	_ = keys.Add(k2)
	fmt.Println("published 2030-02, signing with", signedBy())

	// 2. Once verifiers have fetched the JWKS (its max-age), switch.
	_ = keys.SetActive("2030-02")
	fmt.Println("signing with", signedBy())
	_, err := verifier.Verify(ctx, old.AccessToken)
	fmt.Println("token of the retired key still valid:", err == nil)

	// 3. After the longest token lifetime, remove the old key.
	keys.Remove("2030-01")
	_, err = verifier.Verify(ctx, old.AccessToken)
	fmt.Println("after removal:", errors.Is(err, jwtauth.ErrUnknownKey))
	// Output:
	// published 2030-02, signing with 2030-01
	// signing with 2030-02
	// token of the retired key still valid: true
	// after removal: true
}

// ExampleIssuer_Refresh rotates a refresh token and shows reuse detection:
// replaying a used refresh token revokes its whole family.
func ExampleIssuer_Refresh() {
	key, _ := jwtauth.GenerateKey(jwtauth.HS256, "")
	keys, _ := jwtauth.NewKeySet(key)
	store := jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{})
	issuer, _ := jwtauth.NewIssuer(jwtauth.IssuerOptions{
		Keys: keys, Issuer: "https://auth.example", Audience: []string{"https://api.example"}, Store: store,
	})
	ctx := context.Background()

	first, _ := issuer.Issue(ctx, &auth.Principal{Subject: "alice"})
	second, err := issuer.Refresh(ctx, first.RefreshToken)
	fmt.Println("rotated:", err == nil, "same family:", second.Family == first.Family)

	_, err = issuer.Refresh(ctx, first.RefreshToken) // a thief replays it
	fmt.Println("replay refused:", errors.Is(err, jwtauth.ErrTokenReused), errors.Is(err, auth.ErrInvalidCredentials))

	_, err = issuer.Refresh(ctx, second.RefreshToken) // the family is gone
	fmt.Println("legitimate token revoked too:", errors.Is(err, jwtauth.ErrRevoked))
	// Output:
	// rotated: true same family: true
	// replay refused: true true
	// legitimate token revoked too: true
}

// ExampleKeySet_JWKSHandler publishes the public keys for other services
// to verify with; the HMAC key stays private.
func ExampleKeySet_JWKSHandler() {
	ec, _ := jwtauth.GenerateKey(jwtauth.ES256, "ec-1")
	ed, _ := jwtauth.GenerateKey(jwtauth.EdDSA, "ed-1")
	hs, _ := jwtauth.GenerateKey(jwtauth.HS256, "internal")
	keys, _ := jwtauth.NewKeySet(ec, ed, hs)

	mux := http.NewServeMux()
	mux.Handle("GET /.well-known/jwks.json", keys.JWKSHandler(0))

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	fmt.Println(w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"))
	published, _ := jwtauth.ParseJWKS(w.Body.Bytes())
	for _, k := range published {
		fmt.Println(k.ID(), k.Algorithm(), "can sign:", k.CanSign())
	}
	// Output:
	// application/jwk-set+json public, max-age=300
	// ec-1 ES256 can sign: false
	// ed-1 EdDSA can sign: false
}

// ExampleNewRemoteKeySet verifies tokens of another issuer with the keys it
// publishes.
func ExampleNewRemoteKeySet() {
	// The identity provider.
	key, _ := jwtauth.GenerateKey(jwtauth.ES256, "idp-1")
	idpKeys, _ := jwtauth.NewKeySet(key)
	idp := httptest.NewTLSServer(idpKeys.JWKSHandler(0))
	defer idp.Close()
	idpIssuer, _ := jwtauth.NewIssuer(jwtauth.IssuerOptions{
		Keys: idpKeys, Issuer: idp.URL, Audience: []string{"https://api.example"},
		Store: jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{}),
	})
	pair, _ := idpIssuer.Issue(context.Background(), &auth.Principal{Subject: "bob"})

	// The API.
	remote, err := jwtauth.NewRemoteKeySet(jwtauth.RemoteOptions{
		URL:    idp.URL + "/.well-known/jwks.json",
		Client: idp.Client(), // trusts the test server's certificate
	})
	if err != nil {
		panic(err)
	}
	verifier, _ := jwtauth.NewVerifier(jwtauth.Options{
		Keys: remote, Issuer: idp.URL, Audience: []string{"https://api.example"},
	})
	p, err := verifier.Verify(context.Background(), pair.AccessToken)
	fmt.Println(p.Subject, err)
	idp.Client().CloseIdleConnections()
	// Output: bob <nil>
}
