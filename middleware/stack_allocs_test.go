package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/router"
)

// TestStackAllocations pins what the everyday stack costs per request over
// the bare router: attaching reqctx (2: the context node and the request
// copy), the request ID with its header value (1) and the response
// recorder (1). The request logger is built only when something logs
// through it, and CORS shares its header values.
func TestStackAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	route := func(mw ...func(http.Handler) http.Handler) http.Handler {
		r := router.New()
		if len(mw) > 0 {
			r.Use(mw...)
		}
		r.Get("/users/:id", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{"application/json"}
			io.WriteString(w, `{"id":"42"}`)
		}))
		return r
	}
	logger := zerolog.New(io.Discard)
	bare := route()
	stack := route(
		middleware.RequestID(middleware.RequestIDOptions{Logger: logger}),
		middleware.AccessLog(middleware.AccessLogOptions{}),
		middleware.Recover(middleware.RecoverOptions{}),
		middleware.CORS(middleware.CORSOptions{AllowedOrigins: []string{"https://app.example"}}),
	)
	tmpl := httptest.NewRequest("GET", "/users/42", nil)
	tmpl.Header.Set("Origin", "https://app.example")
	measure := func(h http.Handler) float64 {
		w := &nopWriter{h: http.Header{}}
		return testing.AllocsPerRun(300, func() {
			clear(w.h)
			r := new(http.Request)
			*r = *tmpl
			h.ServeHTTP(w, r)
		})
	}
	base, got := measure(bare), measure(stack)
	if got-base > 4 {
		t.Errorf("RequestID+AccessLog+Recover+CORS add %v allocations per request over the bare router (%v), want at most 4", got-base, base)
	}
	t.Logf("bare router %v allocs/request, with the stack %v", base, got)
}
