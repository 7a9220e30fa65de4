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

// Cache policy is set per router group: long-lived public caching for
// fingerprinted assets, private revalidation for the API.
func ExampleCacheControl() {
	r := router.New()
	assets := r.Group("/assets", middleware.CacheControl(middleware.CachePolicy{
		Public: true, MaxAge: 365 * 24 * time.Hour, Immutable: true,
	}))
	assets.Get("/app.3f9a.js", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "console.log('hi')")
	}))
	api := r.Group("/api", middleware.CacheControl(middleware.CachePolicy{Private: true, NoCache: true}))
	api.Get("/me", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"name":"ada"}`)
	}))

	for _, path := range []string{"/assets/app.3f9a.js", "/api/me", "/api/missing"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Printf("%-20s %d %s\n", path, w.Code, w.Header().Get("Cache-Control"))
	}
	// Output:
	// /assets/app.3f9a.js  200 public, max-age=31536000, immutable
	// /api/me              200 private, no-cache
	// /api/missing         404 no-store
}

func ExampleCachePolicy_String() {
	p := middleware.CachePolicy{
		Public:               true,
		MaxAge:               time.Minute,
		SMaxAge:              10 * time.Minute,
		StaleWhileRevalidate: 30 * time.Second,
	}
	fmt.Println(p)
	// Output:
	// public, max-age=60, s-maxage=600, stale-while-revalidate=30
}

// A policy read from configuration is checked with NewCacheControl, which
// returns the problem instead of panicking.
func ExampleNewCacheControl() {
	_, err := middleware.NewCacheControl(middleware.CachePolicy{NoStore: true, MaxAge: time.Hour})
	fmt.Println(err != nil)
	// Output:
	// true
}
