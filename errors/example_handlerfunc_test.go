package errors_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/errors"
)

func ExampleHandlerFunc() {
	users := map[string]string{"7": "Ada"}
	h := errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		name, ok := users[r.PathValue("id")]
		if !ok {
			return errors.NotFound("no user %s", r.PathValue("id"))
		}
		_, err := io.WriteString(w, name)
		return err
	})
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, id := range []string{"7", "8"} {
		resp, err := http.Get(srv.URL + "/users/" + id)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
		fmt.Print(string(body), "\n")
	}
	// Output:
	// 200 text/plain; charset=utf-8
	// Ada
	// 404 application/problem+json
	// {"type":"about:blank","title":"Not Found","status":404,"detail":"no user 8","code":"not_found"}
}
