package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/reqctx"
)

func ExampleRealIP() {
	// The load balancers live in 10.0.0.0/8 and append to X-Forwarded-For.
	h := middleware.RealIP(middleware.RealIPOptions{
		TrustedProxies: []string{"10.0.0.0/8"},
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(reqctx.ClientIP(r.Context()))
	}))

	for _, req := range []struct{ peer, xff string }{
		// Through the load balancer: the right-most address that is not a
		// proxy is the client; what the client wrote to the left is ignored.
		{"10.0.0.7:51000", "198.51.100.66, 203.0.113.5"},
		// Through two proxies: both are walked past.
		{"10.0.0.7:51000", "203.0.113.5, 10.0.0.8"},
		// Straight from the internet: the header is a forgery.
		{"192.0.2.44:51000", "203.0.113.5"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = req.peer
		r.Header.Set("X-Forwarded-For", req.xff)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	// Output:
	// 203.0.113.5
	// 203.0.113.5
	// 192.0.2.44
}

func ExampleNewRealIP() {
	// Proxy addresses read from the environment are checked at start-up.
	_, err := middleware.NewRealIP(middleware.RealIPOptions{
		TrustedProxies: []string{"10.0.0.0/8", "lb.internal"},
		Header:         "Forwarded",
	})
	fmt.Println(err)
	// Output:
	// middleware: RealIPOptions.TrustedProxies[1] "lb.internal" is not an IP address or CIDR prefix
}
