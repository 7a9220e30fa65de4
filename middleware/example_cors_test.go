package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keel-go/keel/middleware"
)

func ExampleCORS() {
	cors := middleware.CORS(middleware.CORSOptions{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.preview.example.com"},
		AllowedMethods:   []string{"GET", "POST", "DELETE"},
		AllowedHeaders:   []string{"Authorization", "Content-Type"},
		ExposedHeaders:   []string{"X-Request-Id"},
		AllowCredentials: true,
		MaxAge:           time.Hour,
	})
	h := cors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("handler:", r.Method)
	}))
	show := func(r *http.Request) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code)
		for _, k := range []string{
			"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
			"Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
			"Access-Control-Max-Age", "Access-Control-Expose-Headers", "Vary",
		} {
			if v := w.Header().Values(k); len(v) > 0 {
				fmt.Printf("  %s: %v\n", k, v)
			}
		}
	}

	// The preflight is answered by the middleware; the handler never sees it.
	r := httptest.NewRequest(http.MethodOptions, "/orders/7", nil)
	r.Header.Set("Origin", "https://pr-42.preview.example.com")
	r.Header.Set("Access-Control-Request-Method", "DELETE")
	r.Header.Set("Access-Control-Request-Headers", "authorization")
	show(r)

	// The actual request reaches the handler with the CORS headers set.
	r = httptest.NewRequest(http.MethodDelete, "/orders/7", nil)
	r.Header.Set("Origin", "https://pr-42.preview.example.com")
	show(r)

	// Another origin is served without CORS headers: the browser hides
	// the response from the page.
	r = httptest.NewRequest(http.MethodGet, "/orders/7", nil)
	r.Header.Set("Origin", "https://preview.example.com")
	show(r)
	// Output:
	// 204
	//   Access-Control-Allow-Origin: [https://pr-42.preview.example.com]
	//   Access-Control-Allow-Credentials: [true]
	//   Access-Control-Allow-Methods: [DELETE]
	//   Access-Control-Allow-Headers: [authorization]
	//   Access-Control-Max-Age: [3600]
	//   Vary: [Origin Access-Control-Request-Method Access-Control-Request-Headers]
	// handler: DELETE
	// 200
	//   Access-Control-Allow-Origin: [https://pr-42.preview.example.com]
	//   Access-Control-Allow-Credentials: [true]
	//   Access-Control-Expose-Headers: [X-Request-Id]
	//   Vary: [Origin]
	// handler: GET
	// 200
	//   Vary: [Origin]
}

// A public, read-only API may allow every origin. Responses then carry
// "Access-Control-Allow-Origin: *" and do not vary by origin, so caches
// share them.
func ExampleCORS_allowAll() {
	h := middleware.CORS(middleware.CORSOptions{AllowedOrigins: []string{"*"}})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/status", nil)
	r.Header.Set("Origin", "https://anyone.test")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Printf("%q %q\n", w.Header().Get("Access-Control-Allow-Origin"), w.Header().Get("Vary"))
	// Output:
	// "*" ""
}

// Credentials with "*" are refused when the middleware is built;
// NewCORS reports it as an error instead of panicking.
func ExampleNewCORS() {
	_, err := middleware.NewCORS(middleware.CORSOptions{
		AllowedOrigins:   []string{"*"},
		AllowCredentials: true,
	})
	fmt.Println(err)
	// Output:
	// middleware: CORS: CORSOptions.AllowCredentials with "*" in AllowedOrigins: credentials need explicit origins
}
