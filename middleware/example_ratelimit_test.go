package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/router"
)

func ExampleRateLimit() {
	// A clock that stands still keeps the output stable; leave Now unset
	// in production.
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h := middleware.RateLimit(middleware.RateLimitOptions{
		Quota: middleware.Quota{Rate: 2, Window: time.Minute},
		Now:   func() time.Time { return now },
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))

	for range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		fmt.Println(w.Code)
		fmt.Println("  RateLimit-Policy:", w.Header().Get("RateLimit-Policy"))
		fmt.Println("  RateLimit:", w.Header().Get("RateLimit"))
		if ra := w.Header().Get("Retry-After"); ra != "" {
			fmt.Println("  Retry-After:", ra)
		}
	}
	// Output:
	// 200
	//   RateLimit-Policy: "default";q=2;w=60
	//   RateLimit: "default";r=1;t=30
	// 200
	//   RateLimit-Policy: "default";q=2;w=60
	//   RateLimit: "default";r=0;t=30
	// 429
	//   RateLimit-Policy: "default";q=2;w=60
	//   RateLimit: "default";r=0;t=30
	//   Retry-After: 30
}

// A route group gets a stricter policy of its own on top of the
// service-wide one. Each policy counts separately and both report in the
// headers.
func ExampleRateLimit_perRoute() {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ok := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }

	r := router.New()
	r.Use(middleware.RateLimit(middleware.RateLimitOptions{Now: clock})) // 100 per minute per IP
	auth := r.Group("/auth", middleware.RateLimit(middleware.RateLimitOptions{
		Policy: "login",
		Quota:  middleware.Quota{Rate: 5, Window: 15 * time.Minute},
		Now:    clock,
	}))
	auth.HandleFunc(http.MethodPost, "/login", ok)
	r.HandleFunc(http.MethodGet, "/items", ok)

	for _, target := range []string{"GET /items", "POST /auth/login"} {
		var method, path string
		fmt.Sscan(target, &method, &path)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		fmt.Println(target, w.Code)
		fmt.Println("  RateLimit-Policy:", w.Header().Values("RateLimit-Policy"))
		fmt.Println("  RateLimit:", w.Header().Values("RateLimit"))
	}
	// Output:
	// GET /items 200
	//   RateLimit-Policy: ["default";q=100;w=60]
	//   RateLimit: ["default";r=99;t=1]
	// POST /auth/login 200
	//   RateLimit-Policy: ["default";q=100;w=60 "login";q=5;w=900]
	//   RateLimit: ["default";r=98;t=1 "login";r=4;t=180]
}

// An API keyed policy counts each client's key, and leaves requests
// without one to other policies.
func ExampleRateLimitByHeader() {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h := middleware.RateLimit(middleware.RateLimitOptions{
		Policy: "api-key",
		Quota:  middleware.Quota{Rate: 1000, Window: time.Hour},
		Key:    middleware.RateLimitByHeader("X-Api-Key"),
		Now:    func() time.Time { return now },
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	for _, key := range []string{"key-a", "key-a", "key-b", ""} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if key != "" {
			req.Header.Set("X-Api-Key", key)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		fmt.Printf("%q: %d %q\n", key, w.Code, w.Header().Get("RateLimit"))
	}
	// Output:
	// "key-a": 200 "\"api-key\";r=999;t=4"
	// "key-a": 200 "\"api-key\";r=998;t=4"
	// "key-b": 200 "\"api-key\";r=999;t=4"
	// "": 200 ""
}
