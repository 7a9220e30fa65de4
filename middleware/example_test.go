package middleware_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

func ExampleChain() {
	named := func(name string) middleware.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Println("enter", name)
				next.ServeHTTP(w, r)
				fmt.Println("leave", name)
			})
		}
	}
	h := middleware.Chain(named("a"), named("b"), named("c"))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		fmt.Println("handler")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	// Output:
	// enter a
	// enter b
	// enter c
	// handler
	// leave c
	// leave b
	// leave a
}

func ExampleRequestID() {
	n := 0
	h := middleware.RequestID(middleware.RequestIDOptions{
		Logger: zerolog.New(os.Stdout),
		// The default generator makes UUIDv7s; a fixed sequence keeps this
		// example's output stable.
		Generate: func() string { n++; return fmt.Sprintf("gen-%d", n) },
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The request logger carries the request ID.
		reqctx.Logger(r.Context()).Info().Msg("hello")
	}))

	// A safe incoming ID is kept; an unsafe or missing one is replaced.
	for _, incoming := range []string{"edge-4f2a", "forged\nlevel=error", ""} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if incoming != "" {
			r.Header["X-Request-Id"] = []string{incoming}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println("X-Request-Id:", w.Header().Get("X-Request-Id"))
	}
	// Output:
	// {"level":"info","request_id":"edge-4f2a","message":"hello"}
	// X-Request-Id: edge-4f2a
	// {"level":"info","request_id":"gen-1","message":"hello"}
	// X-Request-Id: gen-1
	// {"level":"info","request_id":"gen-2","message":"hello"}
	// X-Request-Id: gen-2
}

func ExampleAccessLog() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h := middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{
			Logger:   zerolog.New(os.Stdout),
			Generate: func() string { return "req-1" },
		}),
		middleware.AccessLog(middleware.AccessLogOptions{
			// A clock that moves 12ms per reading keeps the output stable.
			Now: func() time.Time { clock = clock.Add(12 * time.Millisecond); return clock },
		}),
	)(mux)

	r := httptest.NewRequest(http.MethodGet, "/users/42?token=s3cr3t&page=2", nil)
	r.Header.Set("Authorization", "Bearer s3cr3t") // never logged
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// {"level":"info","request_id":"req-1","method":"GET","route":"GET /users/{id}","path":"/users/42","query":"token=REDACTED&page=2","status":200,"bytes":2,"duration":12,"client_ip":"192.0.2.1","user_agent":"","message":"request"}
}

func ExampleRecover() {
	h := middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{Generate: func() string { return "req-1" }}),
		middleware.Recover(middleware.RecoverOptions{}),
	)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("database password is hunter2")
	}))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))

	var problem struct {
		Status    int    `json:"status"`
		Code      string `json:"code"`
		RequestID string `json:"request_id"`
	}
	json.Unmarshal(w.Body.Bytes(), &problem)
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Printf("%+v\n", problem)
	// Output:
	// 500 application/problem+json
	// {Status:500 Code:internal RequestID:req-1}
}

func ExampleWrapResponseWriter() {
	// A middleware that counts responses by status class.
	counts := map[int]int{}
	countStatus := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ww := middleware.WrapResponseWriter(w)
			next.ServeHTTP(ww, r)
			status := ww.Status()
			if !ww.HeaderWritten() {
				status = http.StatusOK // net/http sends 200 for an empty response
			}
			counts[status/100]++
		})
	}
	h := countStatus(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "home")
	}))
	for _, path := range []string{"/", "/", "/missing"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	fmt.Println("2xx:", counts[2], "4xx:", counts[4])
	// Output:
	// 2xx: 2 4xx: 1
}
