package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keel-go/keel/middleware"
)

func ExampleLoadShed() {
	entered, release := make(chan struct{}), make(chan struct{})
	h := middleware.LoadShed(middleware.LoadShedOptions{
		MaxInFlight: 1,
		RetryAfter:  2 * time.Second,
		Exempt:      func(r *http.Request) bool { return r.URL.Path == "/healthz" },
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			entered <- struct{}{}
			<-release
		}
	}))

	// One slow request fills the service.
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/slow", nil))
	}()
	<-entered

	for _, path := range []string{"/orders", "/healthz"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Printf("%s %d Retry-After=%q\n", path, w.Code, w.Header().Get("Retry-After"))
	}

	close(release)
	<-done
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/orders", nil))
	fmt.Println("/orders", w.Code)
	// Output:
	// /orders 503 Retry-After="2"
	// /healthz 200 Retry-After=""
	// /orders 200
}
