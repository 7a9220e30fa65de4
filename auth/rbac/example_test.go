package rbac_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/rbac"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/router"
)

func ExampleNew() {
	model, err := rbac.New(
		rbac.Role{Name: "viewer", Permissions: []string{"posts:read"}},
		rbac.Role{Name: "editor", Permissions: []string{"posts:write"}, Inherits: []string{"viewer"}},
		rbac.Role{Name: "admin", Permissions: []string{"*"}},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(model.Check([]string{"editor"}, "posts:read"))
	fmt.Println(model.Check([]string{"viewer"}, "posts:write"))
	fmt.Println(model.Check([]string{"admin"}, "users:delete"))
	fmt.Println(model.Permissions("editor"))
	// Output:
	// true
	// false
	// true
	// [posts:read posts:write]
}

// A cycle in the inheritance is refused when the model loads, and the error
// names it.
func ExampleNew_cycle() {
	_, err := rbac.New(
		rbac.Role{Name: "admin", Inherits: []string{"editor"}},
		rbac.Role{Name: "editor", Inherits: []string{"viewer"}},
		rbac.Role{Name: "viewer", Inherits: []string{"admin"}},
	)
	fmt.Println(err)
	// Output:
	// rbac: inheritance cycle: admin -> editor -> viewer -> admin
}

func ExampleLoadJSON() {
	model, err := rbac.LoadJSON(strings.NewReader(`{"roles": [
		{"name": "support", "permissions": ["tickets:*"]},
		{"name": "lead", "permissions": ["reports:read"], "inherits": ["support"]}
	]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(model.Check([]string{"lead"}, "tickets:close"))
	fmt.Println(model.Check([]string{"support"}, "reports:read"))
	// Output:
	// true
	// false
}

// The model is an auth.Authorizer over Principal.Roles: RequireRoute
// enforces the permissions each route declares.
func ExampleModel_Authorize() {
	model := rbac.MustNew(
		rbac.Role{Name: "viewer", Permissions: []string{"posts:read"}},
		rbac.Role{Name: "editor", Permissions: []string{"posts:write"}, Inherits: []string{"viewer"}},
	)
	// A stand-in for auth.Middleware: the caller is a viewer.
	viewer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := &auth.Principal{Subject: "u1", Roles: []string{"viewer"}}
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
		})
	}
	r := router.New()
	r.Use(middleware.RequestID(middleware.RequestIDOptions{}), viewer)
	api := r.Group("/api", auth.RequireRoute(model, auth.GuardOptions{}))
	ok := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }
	api.Get("/posts", http.HandlerFunc(ok), router.Permissions("posts:read"))
	api.Post("/posts", http.HandlerFunc(ok), router.Permissions("posts:write"))

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(method, "/api/posts", nil))
		fmt.Println(method, w.Code)
	}
	// Output:
	// GET 200
	// POST 403
}
