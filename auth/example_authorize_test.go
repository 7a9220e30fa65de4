package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/router"
)

// exampleAuthorizer grants "orders:read" to everyone and "orders:refund"
// to the "support" role; in a service it would be an rbac.Model, an
// abac or a rebac authorizer.
var exampleAuthorizer = auth.AuthorizerFunc(func(_ context.Context, p *auth.Principal, perm string) (bool, error) {
	switch perm {
	case "orders:read":
		return true, nil
	case "orders:refund":
		return p.HasRole("support"), nil
	}
	return false, nil
})

// exampleUser is a stand-in for auth.Middleware: the X-Demo-Roles header
// gives the caller's roles.
func exampleUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &auth.Principal{Subject: "u1"}
		if roles := r.Header.Get("X-Demo-Roles"); roles != "" {
			p.Roles = []string{roles}
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// Routes declare their permissions; one guard on the group enforces them.
func ExampleRequireRoute() {
	r := router.New()
	r.Use(middleware.RequestID(middleware.RequestIDOptions{}), exampleUser)
	api := r.Group("/orders", auth.RequireRoute(exampleAuthorizer, auth.GuardOptions{}))
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	api.Get("/:id", ok, router.Permissions("orders:read"))
	api.Post("/:id/refund", ok, router.Permissions("orders:read", "orders:refund"))

	for _, c := range []struct{ method, path, roles string }{
		{http.MethodGet, "/orders/7", ""},
		{http.MethodPost, "/orders/7/refund", ""},
		{http.MethodPost, "/orders/7/refund", "support"},
	} {
		req := httptest.NewRequest(c.method, c.path, nil)
		req.Header.Set("X-Demo-Roles", c.roles)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(c.method, c.path, c.roles, w.Code)
	}
	// Output:
	// GET /orders/7  200
	// POST /orders/7/refund  403
	// POST /orders/7/refund support 200
}

// Require fixes the permissions where the middleware is installed, here
// on a single route with With.
func ExampleRequire() {
	r := router.New()
	r.Use(middleware.RequestID(middleware.RequestIDOptions{}), exampleUser)
	r.With(auth.Require(exampleAuthorizer, "orders:refund")).
		Post("/refunds", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "refunded") }))

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/refunds", nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	// Output:
	// 403 application/problem+json
}

// A route whose resources must not be revealed answers a denial with the
// same 404 as a path that does not exist.
func ExampleHideForbiddenMeta() {
	r := router.New()
	r.Use(middleware.RequestID(middleware.RequestIDOptions{}), exampleUser)
	api := r.Group("/orders", auth.RequireRoute(exampleAuthorizer, auth.GuardOptions{}))
	api.Get("/:id/internal-notes", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}),
		router.Permissions("orders:refund"), router.Meta(auth.HideForbiddenMeta(true)))

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/orders/7/internal-notes", nil))
	fmt.Println(w.Code)
	// Output:
	// 404
}

// A handler that learns the permission from the request checks it itself
// with the same guard, which audits the denial.
func ExampleGuard_Check() {
	var audited []string
	guard, err := auth.NewGuard(exampleAuthorizer, auth.GuardOptions{
		Auditor: auth.AuditorFunc(func(_ context.Context, e auth.Event) {
			audited = append(audited, e.Actor+" "+e.Action+" "+e.Attrs["permission"])
		}),
	})
	if err != nil {
		panic(err)
	}
	h := exampleUser(errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		perm := "orders:" + r.URL.Query().Get("action")
		if err := guard.Check(r, perm); err != nil {
			return err
		}
		fmt.Fprint(w, "done")
		return nil
	}))
	for _, action := range []string{"read", "refund"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/orders/7?action="+action, nil))
		fmt.Println(action, w.Code)
	}
	fmt.Println(audited)
	// Output:
	// read 200
	// refund 403
	// [u1 access.denied orders:refund]
}
