package httpcache_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/keel-go/keel/cache/httpcache"
)

// gated returns options whose middleware reports each request that starts
// waiting for another's response on the returned channel.
func gated(clock *clock, n int) (httpcache.Options, chan struct{}) {
	waiting := make(chan struct{}, n)
	opts := httpcache.Options{Now: clock.Now}
	httpcache.SetWaitHook(&opts, func() { waiting <- struct{}{} })
	return opts, waiting
}

func TestConcurrentMissesRunTheHandlerOnce(t *testing.T) {
	const n = 8
	clock := newClock()
	gate := make(chan struct{})
	started := make(chan struct{}, n)
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		started <- struct{}{}
		<-gate
		w.Header().Set("Cache-Control", "max-age=60")
		io.WriteString(w, "shared")
	})
	opts, waiting := gated(clock, n)
	get := serve(t, newMiddleware(t, newMapCache(clock), opts)(h))

	results := make(chan result, n)
	for range n {
		go func() { results <- get(http.MethodGet, "/") }()
	}
	receive(t, started, 1, "the handler to start")
	receive(t, waiting, n-1, "the other requests to wait")
	close(gate)

	var caches []string
	for _, res := range receive(t, results, n, "the responses") {
		if res.status != 200 || res.body != "shared" {
			t.Errorf("response %d %q, want 200 shared", res.status, res.body)
		}
		caches = append(caches, res.cache())
	}
	sort.Strings(caches)
	if want := []string{"HIT", "HIT", "HIT", "HIT", "HIT", "HIT", "HIT", "MISS"}; !slices.Equal(caches, want) {
		t.Errorf("X-Cache of the responses %q, want %q", caches, want)
	}
	if c := calls.Load(); c != 1 {
		t.Errorf("handler ran %d times for %d concurrent misses, want 1", c, n)
	}
}

func TestConcurrentMissesUncacheableRunEach(t *testing.T) {
	const n = 6
	clock := newClock()
	gate := make(chan struct{})
	started := make(chan struct{}, n)
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := calls.Add(1)
		started <- struct{}{}
		<-gate
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, "for you alone #"+strconv.Itoa(int(c)))
	})
	opts, waiting := gated(clock, n)
	get := serve(t, newMiddleware(t, newMapCache(clock), opts)(h))

	results := make(chan result, n)
	for range n {
		go func() { results <- get(http.MethodGet, "/") }()
	}
	receive(t, started, 1, "the handler to start")
	receive(t, waiting, n-1, "the other requests to wait")
	close(gate)

	bodies := map[string]bool{}
	for _, res := range receive(t, results, n, "the responses") {
		if res.status != 200 || res.cache() != "MISS" {
			t.Errorf("response %d X-Cache %q, want 200 MISS", res.status, res.cache())
		}
		bodies[res.body] = true
	}
	if c := calls.Load(); c != n {
		t.Errorf("handler ran %d times, want %d: each request runs it when the response is not storable", c, n)
	}
	if len(bodies) != n {
		t.Errorf("%d distinct bodies, want %d: no request got another's response", len(bodies), n)
	}
}

func TestConcurrentMissesLeaderPanics(t *testing.T) {
	const n = 4
	clock := newClock()
	gate := make(chan struct{})
	started := make(chan struct{}, n)
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := calls.Add(1)
		started <- struct{}{}
		<-gate
		if c == 1 {
			panic(http.ErrAbortHandler)
		}
		w.Header().Set("Cache-Control", "max-age=60")
		io.WriteString(w, "ok")
	})
	opts, waiting := gated(clock, n)
	do := serveCtx(t, newMiddleware(t, newMapCache(clock), opts)(h))

	errs := make(chan error, n)
	for range n {
		go func() {
			res, err := do(context.Background(), http.MethodGet, "/")
			if err == nil && (res.status != 200 || res.body != "ok") {
				err = errors.New("unexpected response " + strconv.Itoa(res.status) + " " + res.body)
			}
			errs <- err
		}()
	}
	receive(t, started, 1, "the handler to start")
	receive(t, waiting, n-1, "the other requests to wait")
	close(gate)

	failed := 0
	for _, err := range receive(t, errs, n, "the responses") {
		if err != nil {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d requests failed, want 1: only the one whose handler panicked", failed)
	}
	if c := calls.Load(); c != n {
		t.Errorf("handler ran %d times, want %d: the waiters run it after the panic", c, n)
	}
}

func TestConcurrentMissesVary(t *testing.T) {
	clock := newClock()
	gate := make(chan struct{})
	var calls atomic.Int32
	started := make(chan struct{}, 8)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := calls.Add(1)
		started <- struct{}{}
		if c == 1 {
			<-gate
		}
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Vary", "Accept-Language")
		io.WriteString(w, "lang="+r.Header.Get("Accept-Language"))
	})
	opts, waiting := gated(clock, 8)
	get := serve(t, newMiddleware(t, newMapCache(clock), opts)(h))

	first := make(chan result, 1)
	go func() { first <- get(http.MethodGet, "/", "Accept-Language", "en") }()
	receive(t, started, 1, "the first request's handler")

	langs := []string{"en", "fr", "en", "de"}
	results := make(chan [2]string, len(langs))
	for _, lang := range langs {
		go func() {
			res := get(http.MethodGet, "/", "Accept-Language", lang)
			results <- [2]string{lang, res.cache() + " " + res.body}
		}()
	}
	receive(t, waiting, len(langs), "the other requests to wait")
	close(gate)

	if res := receive(t, first, 1, "the first response")[0]; res.cache() != "MISS" || res.body != "lang=en" {
		t.Errorf("first: %q %q, want MISS lang=en", res.cache(), res.body)
	}
	for _, r := range receive(t, results, len(langs), "the responses") {
		want := "MISS lang=" + r[0] // its own response
		if r[0] == "en" {
			want = "HIT lang=en" // the first request's
		}
		if r[1] != want {
			t.Errorf("Accept-Language %s: %q, want %q", r[0], r[1], want)
		}
	}
	if c := calls.Load(); c != 3 {
		t.Errorf("handler ran %d times, want 3 (en once, fr, de)", c)
	}
}

func TestWaitingRequestGivesUpWithItsContext(t *testing.T) {
	clock := newClock()
	gate := make(chan struct{})
	started := make(chan struct{}, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-gate
		w.Header().Set("Cache-Control", "max-age=60")
		io.WriteString(w, "late")
	})
	opts, waiting := gated(clock, 2)
	returned := make(chan string, 2)
	outer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			returned <- r.Header.Get("X-Name")
		})
	}
	do := serveCtx(t, outer(newMiddleware(t, newMapCache(clock), opts)(h)))

	leader := make(chan error, 1)
	go func() {
		_, err := do(context.Background(), http.MethodGet, "/", "X-Name", "leader")
		leader <- err
	}()
	receive(t, started, 1, "the handler to start")

	ctx, cancel := context.WithCancel(context.Background())
	waiter := make(chan error, 1)
	go func() {
		_, err := do(ctx, http.MethodGet, "/", "X-Name", "waiter")
		waiter <- err
	}()
	receive(t, waiting, 1, "the second request to wait")
	cancel()
	if err := receive(t, waiter, 1, "the canceled request")[0]; !errors.Is(err, context.Canceled) {
		t.Errorf("canceled request: err = %v, want context.Canceled", err)
	}
	// The waiting request returns while the handler is still running.
	if name := receive(t, returned, 1, "the waiting request to return")[0]; name != "waiter" {
		t.Errorf("%q returned first, want the waiter", name)
	}
	close(gate)
	if err := receive(t, leader, 1, "the first response")[0]; err != nil {
		t.Errorf("first request: %v", err)
	}
}
