package httpcache_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/httpcache"
	"github.com/keel-go/keel/internal/testclock"
	"github.com/keel-go/keel/reqctx"
)

// clock is the tests' manual clock.
type clock = testclock.Clock

func newClock() *clock {
	return testclock.New(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
}

// mapCache is a cache.Cache[[]byte] in a map, with TTLs on the test's
// clock and a switch that makes every call fail.
type mapCache struct {
	clock *clock
	mu    sync.Mutex
	m     map[string]mapEntry
	fail  error
	sets  int
}

type mapEntry struct {
	v       []byte
	expires time.Time // zero: never
}

var _ cache.Cache[[]byte] = (*mapCache)(nil)

func newMapCache(c *clock) *mapCache {
	return &mapCache{clock: c, m: make(map[string]mapEntry)}
}

func (c *mapCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return nil, false, c.fail
	}
	e, ok := c.m[key]
	if !ok || !e.expires.IsZero() && !c.clock.Now().Before(e.expires) {
		return nil, false, nil
	}
	return slices.Clone(e.v), true, nil
}

func (c *mapCache) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	if ttl < 0 {
		delete(c.m, key)
		return nil
	}
	e := mapEntry{v: slices.Clone(v)}
	if ttl > 0 {
		e.expires = c.clock.Now().Add(ttl)
	}
	c.m[key] = e
	c.sets++
	return nil
}

func (c *mapCache) Delete(ctx context.Context, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	delete(c.m, key)
	return nil
}

func (c *mapCache) Close() error { return nil }

// keys returns the keys held, sorted.
func (c *mapCache) keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.m))
}

// put stores v under key without expiry.
func (c *mapCache) put(key string, v []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = mapEntry{v: v}
}

// has reports whether key is held.
func (c *mapCache) has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[key]
	return ok
}

func (c *mapCache) setFail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail = err
}

// result is what a test checks of one response.
type result struct {
	status int
	header http.Header
	body   string
}

func (r result) cache() string { return r.header.Get("X-Cache") }

// serve starts a real server for h and returns a function sending a
// request with method to path, with header name/value pairs ("Host" sets
// the request's host). The function may be called from any goroutine: it
// reports a failed request with t.Error and returns the zero result.
func serve(t *testing.T, h http.Handler) func(method, path string, header ...string) result {
	t.Helper()
	do := serveCtx(t, h)
	return func(method, path string, header ...string) result {
		res, err := do(context.Background(), method, path, header...)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
		}
		return res
	}
}

// serveCtx is serve returning the request's error, for tests that expect
// one.
func serveCtx(t *testing.T, h http.Handler) func(ctx context.Context, method, path string, header ...string) (result, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return func(ctx context.Context, method, path string, header ...string) (result, error) {
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, nil)
		if err != nil {
			return result{}, err
		}
		for i := 0; i+1 < len(header); i += 2 {
			if strings.EqualFold(header[i], "Host") {
				req.Host = header[i+1]
				continue
			}
			req.Header.Add(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			return result{}, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return result{}, err
		}
		return result{status: resp.StatusCode, header: resp.Header, body: string(body)}, nil
	}
}

// receive waits for n values from ch, failing t after a generous timeout.
func receive[T any](t *testing.T, ch <-chan T, n int, what string) []T {
	t.Helper()
	var out []T
	timeout := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case v := <-ch:
			out = append(out, v)
		case <-timeout:
			t.Fatalf("waited 10 s for %s: got %d of %d", what, len(out), n)
		}
	}
	return out
}

// counter is a handler that counts its calls and answers with the fields
// of hdr and the body "body n", n being the call's number.
type counter struct {
	mu     sync.Mutex
	n      int
	status int
	hdr    http.Header
	seen   []http.Header // the request fields of each call
}

func newCounter(status int, kv ...string) *counter {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return &counter{status: status, hdr: h}
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.n++
	n := c.n
	c.seen = append(c.seen, r.Header.Clone())
	c.mu.Unlock()
	for k, vs := range c.hdr {
		w.Header()[k] = slices.Clone(vs)
	}
	w.WriteHeader(c.status)
	io.WriteString(w, "body "+strconv.Itoa(n))
}

func (c *counter) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// newMiddleware builds the middleware or fails the test.
func newMiddleware(t testing.TB, c cache.Cache[[]byte], opts httpcache.Options) func(http.Handler) http.Handler {
	t.Helper()
	mw, err := httpcache.New(c, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return mw
}

// logSink collects the JSON log lines of request loggers.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// attach returns middleware that gives each request a logger writing to
// s, as keel's request ID middleware does.
func (s *logSink) attach(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, d := reqctx.Attach(r)
		d.Logger = zerolog.New(s)
		next.ServeHTTP(w, r)
	})
}

// entries returns the log entries so far.
func (s *logSink) entries(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	dec := json.NewDecoder(bytes.NewReader(s.buf.Bytes()))
	for {
		var e map[string]any
		if err := dec.Decode(&e); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("log line: %v", err)
		}
		out = append(out, e)
	}
}
