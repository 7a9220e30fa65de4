package middleware_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keel-go/keel/middleware"
)

func ExampleTimeout() {
	lateWrite := make(chan error, 1)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A handler that watches its context notices the deadline...
		<-r.Context().Done()
		// ...and anything it writes afterwards is discarded.
		_, err := io.WriteString(w, "too late")
		lateWrite <- err
	})
	h := middleware.Timeout(middleware.TimeoutOptions{
		Timeout:    10 * time.Millisecond,
		RetryAfter: 5 * time.Second,
	})(slow)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/report", nil))

	var p struct{ Code, Detail string }
	json.Unmarshal(w.Body.Bytes(), &p)
	fmt.Println(w.Code, w.Header().Get("Retry-After"), p.Code, p.Detail)
	fmt.Println("late write:", <-lateWrite)
	// Output:
	// 503 5 timeout The server did not answer in time.
	// late write: http: Handler timeout
}

func ExampleTimeoutOptions_skip() {
	// Streams run without a deadline: the route is exempt.
	h := middleware.Timeout(middleware.TimeoutOptions{
		Timeout: 2 * time.Second,
		Skip: func(r *http.Request) bool {
			return r.Header.Get("Accept") == "text/event-stream"
		},
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, hasDeadline := r.Context().Deadline()
		fmt.Fprint(w, "deadline: ", hasDeadline)
	}))

	for _, accept := range []string{"application/json", "text/event-stream"} {
		r := httptest.NewRequest(http.MethodGet, "/events", nil)
		r.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%s: %s\n", accept, w.Body)
	}
	// Output:
	// application/json: deadline: true
	// text/event-stream: deadline: false
}
