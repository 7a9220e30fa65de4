package auth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/keel-go/keel/auth"
)

// staticToken is a toy bearer authenticator for the examples: the token
// "let-me-in" authenticates alice.
type staticToken struct{}

func (staticToken) Authenticate(r *http.Request) (*auth.Principal, error) {
	switch r.Header.Get("Authorization") {
	case "":
		return nil, auth.ErrNoCredentials
	case "Bearer let-me-in":
		return &auth.Principal{
			Subject: "alice",
			Kind:    auth.KindUser,
			Scopes:  []string{"orders:read"},
			Methods: []auth.Method{auth.MethodJWT},
		}, nil
	}
	return nil, fmt.Errorf("static token: unknown token: %w", auth.ErrInvalidCredentials)
}

func (staticToken) Challenge() string { return "Bearer" }

func ExampleMiddleware() {
	mw, err := auth.Middleware(auth.Options{
		Authenticators: []auth.Authenticator{staticToken{}},
		Realm:          "shop",
	})
	if err != nil {
		panic(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s", p.Subject)
	}))

	for _, authz := range []string{"Bearer let-me-in", "Bearer guess", ""} {
		r := httptest.NewRequest(http.MethodGet, "/orders", nil)
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprint(w.Code, " ", w.Header().Get("WWW-Authenticate"))))
		if w.Code == http.StatusOK {
			fmt.Println(w.Body)
		}
	}
	// Output:
	// 200
	// hello alice
	// 401 Bearer realm="shop"
	// 401 Bearer realm="shop"
}

// Optional authentication serves everyone, and RequireScope guards what
// needs more.
func ExampleRequireScope() {
	mw := auth.MustMiddleware(auth.Options{
		Authenticators: []auth.Authenticator{staticToken{}},
		Optional:       true,
	})
	mux := http.NewServeMux()
	mux.Handle("GET /catalog", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	mux.Handle("GET /orders", auth.RequireScope("orders:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	mux.Handle("POST /orders", auth.RequireScope("orders:write")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	h := mw(mux)

	for _, req := range []struct{ method, path, authz string }{
		{"GET", "/catalog", ""},
		{"GET", "/orders", ""},
		{"GET", "/orders", "Bearer let-me-in"},
		{"POST", "/orders", "Bearer let-me-in"},
	} {
		r := httptest.NewRequest(req.method, req.path, nil)
		if req.authz != "" {
			r.Header.Set("Authorization", req.authz)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprint(req.method, " ", req.path, " ", w.Code, " ", w.Header().Get("WWW-Authenticate"))))
	}
	// Output:
	// GET /catalog 200
	// GET /orders 401
	// GET /orders 200
	// POST /orders 403 Bearer error="insufficient_scope", scope="orders:write"
}
