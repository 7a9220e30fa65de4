package rest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/rest"
	"github.com/keel-go/keel/router"
)

func ExampleCreated() {
	rt := router.New()
	rt.Get("/users/:id", http.NotFoundHandler(), router.Name("user"))
	rt.Post("/users", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		u := user{ID: 42, Name: "Ann"} // stored
		return rest.Created(w, r, rt, "user", []string{"id", "42"}, u)
	}))

	w := httptest.NewRecorder()
	rt.ServeHTTP(w, httptest.NewRequest("POST", "/users", strings.NewReader(`{"name":"Ann"}`)))
	fmt.Println(w.Code, w.Header().Get("Location"))
	fmt.Print(w.Body.String())
	// Output:
	// 201 /users/42
	// {"id":42,"name":"Ann"}
}
