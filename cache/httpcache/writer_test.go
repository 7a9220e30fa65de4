package httpcache_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keel-go/keel/cache/httpcache"
)

func TestMaxBodyBytes(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		limit  int64
		stored bool
	}{
		{"at the limit", 10, 10, true},
		{"over the limit", 11, 10, false},
		{"empty", 0, 10, true},
		{"large, default limit", httpcache.DefaultMaxBodyBytes, 0, true},
		{"larger, default limit", httpcache.DefaultMaxBodyBytes + 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			body := strings.Repeat("x", tt.size)
			var calls atomic.Int32
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Cache-Control", "max-age=60")
				// Several writes, as a handler copying a file makes.
				for p := body; len(p) > 0; {
					n := min(len(p), 4096)
					io.WriteString(w, p[:n])
					p = p[n:]
				}
			})
			get := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now, MaxBodyBytes: tt.limit})(h))
			for i := range 2 {
				if got := get(http.MethodGet, "/"); got.status != 200 || got.body != body {
					t.Errorf("request %d: %d with %d bytes, want 200 with %d", i, got.status, len(got.body), len(body))
				}
			}
			want := int32(2)
			if tt.stored {
				want = 1
			}
			if c := calls.Load(); c != want {
				t.Errorf("handler ran %d times, want %d", c, want)
			}
		})
	}
}

func TestContentLengthMismatchIsNotStored(t *testing.T) {
	clock := newClock()
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "short") // the handler gave up half way
	})
	mw := newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now})(h)
	for range 2 {
		mw.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}
	if c := calls.Load(); c != 2 {
		t.Errorf("handler ran %d times, want 2: a truncated body is not stored", c)
	}
}

func TestStreamingPassesThroughUncached(t *testing.T) {
	clock := newClock()
	cont := make(chan struct{})
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := calls.Add(1)
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: first\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through ResponseController: %v", err)
		}
		if c == 1 {
			<-cont // the client must have the first event by now
		}
		io.WriteString(w, "data: second\n\n")
		w.(http.Flusher).Flush()
	})
	srv := httptest.NewServer(newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now})(h))
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "data: first\n" {
		t.Fatalf("first line %q, %v; want the first event while the handler waits", line, err)
	}
	close(cont)
	rest, err := io.ReadAll(br)
	resp.Body.Close()
	if err != nil || string(rest) != "\ndata: second\n\n" {
		t.Errorf("rest %q, %v; want the second event", rest, err)
	}
	if resp.Header.Get("X-Cache") != "MISS" {
		t.Errorf("X-Cache %q, want MISS", resp.Header.Get("X-Cache"))
	}
	// A flushed response is a stream: the next request runs the handler.
	resp, err = srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if c := calls.Load(); c != 2 || resp.Header.Get("X-Cache") != "MISS" {
		t.Errorf("second request: X-Cache %q, handler ran %d times; want MISS, 2", resp.Header.Get("X-Cache"), c)
	}
}

func TestStreamReleasesWaitingRequests(t *testing.T) {
	// A stream may never end: requests waiting for it must not wait with
	// it, but run the handler themselves as soon as it flushes.
	clock := newClock()
	gate, cont := make(chan struct{}), make(chan struct{})
	started := make(chan struct{}, 2)
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := calls.Add(1)
		started <- struct{}{}
		if c == 1 {
			<-gate
		}
		w.Header().Set("Cache-Control", "max-age=60")
		io.WriteString(w, "event "+strconv.Itoa(int(c))+"\n")
		w.(http.Flusher).Flush()
		if c == 1 {
			<-cont // the stream goes on
		}
	})
	opts, waiting := gated(clock, 1)
	do := serveCtx(t, newMiddleware(t, newMapCache(clock), opts)(h))

	first := make(chan error, 1)
	go func() {
		_, err := do(context.Background(), http.MethodGet, "/")
		first <- err
	}()
	receive(t, started, 1, "the stream's handler")
	second := make(chan result, 1)
	go func() { second <- serveResult(t, do) }()
	receive(t, waiting, 1, "the second request to wait")
	close(gate)

	res := receive(t, second, 1, "the second response while the stream runs")[0]
	if res.body != "event 2\n" || res.cache() != "MISS" {
		t.Errorf("second: X-Cache %q body %q, want MISS with its own event", res.cache(), res.body)
	}
	close(cont)
	if err := receive(t, first, 1, "the stream to end")[0]; err != nil {
		t.Errorf("stream: %v", err)
	}
}

// serveResult sends a GET for / with do and reports an error with t.
func serveResult(t *testing.T, do func(context.Context, string, string, ...string) (result, error)) result {
	res, err := do(context.Background(), http.MethodGet, "/")
	if err != nil {
		t.Error(err)
	}
	return res
}

func TestHijackAndUnwrap(t *testing.T) {
	clock := newClock()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		conn, brw, err := rc.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		brw.Flush()
	})
	get := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now})(h))
	for range 2 {
		if got := get(http.MethodGet, "/"); got.body != "hijacked" {
			t.Errorf("body %q, want hijacked", got.body)
		}
	}
}

func TestTrailersPassThrough(t *testing.T) {
	clock := newClock()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Trailer", "X-Checksum")
		io.WriteString(w, "body")
		w.Header().Set("X-Checksum", "c1")
		w.Header().Set(http.TrailerPrefix+"X-Late", "l1")
	})
	srv := httptest.NewServer(newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now})(h))
	defer srv.Close()
	for i := range 2 {
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body) // trailers arrive after the body
		resp.Body.Close()
		if string(body) != "body" || resp.Trailer.Get("X-Checksum") != "c1" || resp.Trailer.Get("X-Late") != "l1" {
			t.Errorf("request %d: body %q, trailers %v, want body with X-Checksum c1 and X-Late l1", i, body, resp.Trailer)
		}
		// A response with trailers is not stored: they would be lost.
		if resp.Header.Get("X-Cache") != "MISS" {
			t.Errorf("request %d: X-Cache %q, want MISS", i, resp.Header.Get("X-Cache"))
		}
	}
}
