package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/middleware"
)

// lsBlocking is a handler that reports each request it admits on entered
// and then waits for one value on release.
type lsBlocking struct {
	entered chan string
	release chan struct{}
}

func newLSBlocking() *lsBlocking {
	return &lsBlocking{entered: make(chan string, 16), release: make(chan struct{})}
}

func (b *lsBlocking) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.entered <- r.URL.Path
	<-b.release
	io.WriteString(w, "done")
}

// lsAsync sends a GET to url on its own goroutine and delivers the
// status on the returned channel; wg tracks the goroutine.
func lsAsync(tb testing.TB, wg *sync.WaitGroup, c *http.Client, url string) <-chan int {
	tb.Helper()
	out := make(chan int, 1)
	wg.Go(func() {
		resp, err := c.Get(url)
		if err != nil {
			tb.Errorf("GET %s: %v", url, err)
			out <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out <- resp.StatusCode
	})
	return out
}

func TestLoadShedRefusesBeyondMaxInFlight(t *testing.T) {
	t.Parallel()
	const max = 3
	b := newLSBlocking()
	srv := httptest.NewServer(middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{Generate: func() string { return "req-5" }}),
		middleware.LoadShed(middleware.LoadShedOptions{MaxInFlight: max, RetryAfter: 2 * time.Second}),
	)(b))
	defer srv.Close()
	c := srv.Client()
	var wg sync.WaitGroup
	defer wg.Wait()

	var admitted []<-chan int
	for range max {
		admitted = append(admitted, lsAsync(t, &wg, c, srv.URL+"/work"))
		limRecv(t, b.entered)
	}

	// max requests are in the handler: the next one is refused at once.
	resp := toGet(t, c, srv.URL+"/work")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("got %d with Retry-After %q, want 503 with %q", resp.StatusCode, resp.Header.Get("Retry-After"), "2")
	}
	p := limReadProblem(t, resp)
	resp.Body.Close()
	if want := (limProblem{Status: 503, Code: middleware.CodeOverloaded, RequestID: "req-5", Detail: "The server is busy; retry later."}); p != want {
		t.Errorf("problem = %+v, want %+v", p, want)
	}

	// One finishes: the next one is admitted.
	b.release <- struct{}{}
	var finished int
	select {
	case finished = <-admitted[0]:
	case finished = <-admitted[1]:
	case finished = <-admitted[2]:
	case <-time.After(10 * time.Second):
		t.Fatal("no request finished")
	}
	if finished != http.StatusOK {
		t.Errorf("admitted request: status %d, want 200", finished)
	}
	next := lsAsync(t, &wg, c, srv.URL+"/work")
	limRecv(t, b.entered)

	// Drain.
	for range max {
		b.release <- struct{}{}
	}
	if got := limRecv(t, next); got != http.StatusOK {
		t.Errorf("request admitted after one finished: status %d, want 200", got)
	}
}

func TestLoadShedExempt(t *testing.T) {
	t.Parallel()
	b := newLSBlocking()
	h := middleware.LoadShed(middleware.LoadShedOptions{
		MaxInFlight: 1,
		Exempt:      func(r *http.Request) bool { return r.URL.Path == "/healthz" },
	})(b)
	srv := httptest.NewServer(h)
	defer srv.Close()
	var wg sync.WaitGroup
	defer wg.Wait()

	first := lsAsync(t, &wg, srv.Client(), srv.URL+"/work")
	limRecv(t, b.entered)

	// The probe is neither refused nor counted: while it is in the
	// handler too, the service is still full with one request.
	probe := lsAsync(t, &wg, srv.Client(), srv.URL+"/healthz")
	if got := limRecv(t, b.entered); got != "/healthz" {
		t.Fatalf("entered %q, want /healthz", got)
	}
	resp := toGet(t, srv.Client(), srv.URL+"/work")
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("counted request while full: status %d, want 503", resp.StatusCode)
	}
	b.release <- struct{}{}
	b.release <- struct{}{}
	for _, ch := range []<-chan int{first, probe} {
		if got := limRecv(t, ch); got != http.StatusOK {
			t.Errorf("status %d, want 200", got)
		}
	}
}

// TestLoadShedCountsDownOnPanic checks that a request that panics leaves
// the count as it found it.
func TestLoadShedCountsDownOnPanic(t *testing.T) {
	shed := middleware.LoadShed(middleware.LoadShedOptions{MaxInFlight: 1})
	h := middleware.Chain(middleware.Recover(middleware.RecoverOptions{}), shed)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
	}))
	for _, tt := range []struct {
		path string
		want int
	}{
		{"/panic", http.StatusInternalServerError},
		{"/panic", http.StatusInternalServerError},
		{"/ok", http.StatusOK},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if w.Code != tt.want {
			t.Errorf("GET %s: status %d, want %d", tt.path, w.Code, tt.want)
		}
	}
}

// TestLoadShedSharesOneCount checks that the handlers one LoadShed wraps
// share its limit, and the defaults: a handler that re-enters the same
// LoadShed holds one more request in flight each time, until the next one
// is refused.
func TestLoadShedSharesOneCount(t *testing.T) {
	shed := middleware.LoadShed(middleware.LoadShedOptions{})
	depth := 0
	var refused *httptest.ResponseRecorder
	var enter http.Handler
	enter = shed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		depth++
		w2 := httptest.NewRecorder()
		enter.ServeHTTP(w2, r)
		if w2.Code == http.StatusServiceUnavailable && refused == nil {
			refused = w2
		}
	}))
	other := shed(http.NotFoundHandler()) // another route, same LoadShed
	enter.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if depth != middleware.DefaultMaxInFlight {
		t.Errorf("requests admitted at once = %d, want %d", depth, middleware.DefaultMaxInFlight)
	}
	if refused == nil || refused.Header().Get("Retry-After") != "1" {
		t.Fatalf("refusal = %v, want a 503 with Retry-After 1", refused)
	}
	// Every request has finished: the count is back to zero.
	w := httptest.NewRecorder()
	other.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("after the burst: status %d, want 404 from the handler", w.Code)
	}
}

func TestLoadShedInvalidOptions(t *testing.T) {
	limPanics(t, func() { middleware.LoadShed(middleware.LoadShedOptions{MaxInFlight: -1}) }, "LoadShedOptions.MaxInFlight -1 is negative")
	limPanics(t, func() { middleware.LoadShed(middleware.LoadShedOptions{RetryAfter: -time.Second}) }, "LoadShedOptions.RetryAfter -1s is negative")
}

func TestLoadShedFastPathAllocs(t *testing.T) {
	h := middleware.LoadShed(middleware.LoadShedOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	w := limNopWriter{h: http.Header{}}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 0 {
		t.Errorf("allocations per admitted request = %v, want 0", n)
	}
}

func BenchmarkLoadShed(b *testing.B) {
	h := middleware.LoadShed(middleware.LoadShedOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	b.Run("serial", func(b *testing.B) {
		w := limNopWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w := limNopWriter{h: http.Header{}}
			for pb.Next() {
				h.ServeHTTP(w, r)
			}
		})
	})
}
