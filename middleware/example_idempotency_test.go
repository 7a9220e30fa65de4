package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/keel-go/keel/middleware"
)

func ExampleIdempotency() {
	orders := 0
	h := middleware.Idempotency(middleware.IdempotencyOptions{Required: true})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			orders++
			w.Header().Set("Location", fmt.Sprint("/orders/", orders))
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, "order %d created\n", orders)
		}))

	send := func(key, body string) {
		r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		b, _ := io.ReadAll(w.Body)
		if w.Code >= 400 {
			b = []byte(w.Header().Get("Content-Type") + "\n")
		}
		fmt.Printf("%d replayed=%q location=%q %s", w.Code, w.Header().Get("Idempotent-Replayed"), w.Header().Get("Location"), b)
	}

	send(`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, `{"item":"tea"}`) // runs the handler
	send(`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, `{"item":"tea"}`) // a retry: replayed
	send(`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, `{"item":"pie"}`) // the key reused: 422
	send(``, `{"item":"tea"}`)                                       // no key: 400
	fmt.Println("orders created:", orders)
	// Output:
	// 201 replayed="" location="/orders/1" order 1 created
	// 201 replayed="true" location="/orders/1" order 1 created
	// 422 replayed="" location="" application/problem+json
	// 400 replayed="" location="" application/problem+json
	// orders created: 1
}
