package router_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing/fstest"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/router"
)

func get(h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func Example() {
	r := router.New()
	r.Get("/users/me", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "me")
	}))
	r.Get("/users/:id", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s id=%s\n", r.Pattern, r.PathValue("id"))
	}))

	fmt.Print(get(r, "/users/me").Body)
	fmt.Print(get(r, "/users/42").Body)
	fmt.Println(get(r, "/nowhere").Code)
	// Output:
	// me
	// GET /users/{id} id=42
	// 404
}

func ExampleWhere() {
	r := router.New()
	r.Get("/items/:id", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "item", r.PathValue("id"))
	}), router.Where("id", router.Int()))

	fmt.Print(get(r, "/items/7").Body)
	fmt.Println(get(r, "/items/seven").Code)
	// Output:
	// item 7
	// 404
}

func ExampleGroup_Group() {
	logged := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Println("api middleware sees", r.Pattern)
			next.ServeHTTP(w, r)
		})
	}
	r := router.New()
	api := r.Group("/api", logged)
	api.Get("/status", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("handler")
	}))
	get(r, "/api/status")
	// Output:
	// api middleware sees GET /api/status
	// handler
}

func ExampleRouter_URL() {
	r := router.New()
	r.Get("/users/:id/files/*path", http.NotFoundHandler(), router.Name("user-file"))
	u, err := r.URL("user-file", "id", "ada lovelace", "path", "notes/2026.txt")
	fmt.Println(u, err)
	_, err = r.URL("user-file", "id", "a/b", "path", "x")
	fmt.Println(err)
	// Output:
	// /users/ada%20lovelace/files/notes/2026.txt <nil>
	// router: URL "user-file": parameter "id" contains '/'
}

func ExampleGroup_Versions() {
	r := router.New()
	vs := r.Versions(router.VersionOptions{Strategy: router.Header, Default: "1"})
	vs.Version("1").Get("/greeting", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	}))
	vs.Version("2").Get("/greeting", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"greeting":"hello"}`)
	}))

	fmt.Print(get(r, "/greeting").Body)
	w := get(r, "/greeting", "Accept-Version", "2")
	fmt.Print(w.Body)
	fmt.Println("Vary:", w.Header().Get("Vary"))
	// Output:
	// hello
	// {"greeting":"hello"}
	// Vary: Accept-Version
}

func ExampleGroup_Mount() {
	admin := router.New()
	admin.Get("/stats", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "admin sees", r.URL.Path)
	}))
	r := router.New()
	r.Mount("/admin", admin)
	fmt.Print(get(r, "/admin/stats").Body)
	// Output:
	// admin sees /stats
}

func ExampleParamInt() {
	r := router.New()
	r.Get("/orders/:id", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := router.ParamInt(r, "id")
		if err != nil {
			return err
		}
		fmt.Fprintln(w, "order", id)
		return nil
	}))
	fmt.Print(get(r, "/orders/12").Body)
	w := get(r, "/orders/twelve")
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	// Output:
	// order 12
	// 400 application/problem+json
}

func ExampleFileServer() {
	files := fstest.MapFS{"hello.txt": {Data: []byte("hi\n")}}
	r := router.New()
	r.Static("/files", files, router.FileServerOptions{})

	w := get(r, "/files/hello.txt")
	fmt.Print(w.Body)
	fmt.Println(w.Header().Get("Content-Type"))
	fmt.Println(get(r, "/files/../secret").Code)
	// Output:
	// hi
	// text/plain; charset=utf-8
	// 404
}

func ExampleGroup_Routes() {
	r := router.New()
	r.Get("/users/:id", http.NotFoundHandler(), router.Summary("Get a user"), router.Permissions("users:read"))
	r.Delete("/users/:id", http.NotFoundHandler(), router.Permissions("users:delete"))
	for _, rt := range r.Routes() {
		fmt.Println(rt.Pattern, rt.Permissions)
	}
	// Output:
	// GET /users/{id} [users:read]
	// DELETE /users/{id} [users:delete]
}
