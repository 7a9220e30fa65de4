package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/middleware"
)

func ExampleSecurityHeaders() {
	h := middleware.SecurityHeaders(middleware.SecurityHeadersOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"ok":true}`))
	}))

	r := httptest.NewRequest(http.MethodGet, "https://api.example/", nil) // r.TLS is set
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	for _, name := range []string{
		"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
		"Content-Security-Policy", "Referrer-Policy", "Cross-Origin-Opener-Policy",
		"Cross-Origin-Resource-Policy",
	} {
		fmt.Printf("%s: %s\n", name, w.Header().Get(name))
	}
	// Output:
	// Strict-Transport-Security: max-age=63072000; includeSubDomains
	// X-Content-Type-Options: nosniff
	// X-Frame-Options: DENY
	// Content-Security-Policy: default-src 'none'; frame-ancestors 'none'
	// Referrer-Policy: no-referrer
	// Cross-Origin-Opener-Policy: same-origin
	// Cross-Origin-Resource-Policy: same-origin
}

func ExampleSecurityHeaders_htmlApplication() {
	// A server-rendered application loosens the policy for its own assets,
	// allows framing by itself, lets partner sites embed its images, and
	// leaves HSTS to the TLS-terminating load balancer.
	h := middleware.SecurityHeaders(middleware.SecurityHeadersOptions{
		StrictTransportSecurity:   middleware.OmitHeader,
		FrameOptions:              "SAMEORIGIN",
		ContentSecurityPolicy:     "default-src 'self'; img-src 'self' data:",
		ReferrerPolicy:            "strict-origin-when-cross-origin",
		CrossOriginResourcePolicy: "cross-origin",
	})(http.NotFoundHandler())

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://app.example/", nil))
	for _, name := range []string{
		"Strict-Transport-Security", "X-Frame-Options", "Content-Security-Policy",
		"Referrer-Policy", "Cross-Origin-Resource-Policy",
	} {
		fmt.Printf("%s: %q\n", name, w.Header().Get(name))
	}
	// Output:
	// Strict-Transport-Security: ""
	// X-Frame-Options: "SAMEORIGIN"
	// Content-Security-Policy: "default-src 'self'; img-src 'self' data:; frame-ancestors 'self'"
	// Referrer-Policy: "strict-origin-when-cross-origin"
	// Cross-Origin-Resource-Policy: "cross-origin"
}
