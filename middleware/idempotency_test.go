package middleware_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
)

// idemResult is what a test checks of one response.
type idemResult struct {
	status int
	header http.Header
	body   string
	code   string // the problem's code, for problem responses
}

// idemClient sends requests to a real server.
type idemClient struct {
	t      testing.TB
	url    string
	client *http.Client
}

// idemServe starts a real server for h, behind RequestID so that every
// response carries a fresh request ID.
func idemServe(t testing.TB, h http.Handler) *idemClient {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(middleware.RequestID(middleware.RequestIDOptions{
		Generate: func() string { return "req-" + strconv.FormatInt(n.Add(1), 10) },
	})(h))
	t.Cleanup(srv.Close)
	return &idemClient{t: t, url: srv.URL, client: srv.Client()}
}

// do sends method path with body and headers given as name, value pairs;
// an Idempotency-Key value is sent as given.
func (c *idemClient) do(method, path, body string, header ...string) idemResult {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	res := idemResult{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		var p struct {
			Code string `json:"code"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			c.t.Fatalf("problem body %q: %v", b, err)
		}
		res.code = p.Code
	}
	return res
}

// post sends a POST to /orders with key (quoted as the draft asks).
func (c *idemClient) post(key, body string) idemResult {
	c.t.Helper()
	return c.do(http.MethodPost, "/orders", body, "Idempotency-Key", `"`+key+`"`)
}

// idemOrders is a handler that creates an order per call: 201 with a
// body naming the call, a Location, a cookie and a custom header.
func idemOrders(calls *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", fmt.Sprint("/orders/", n))
		w.Header().Set("Set-Cookie", "session=s3cret")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"order":%d,"request":%q}`, n, body)
	})
}

func TestIdempotencyReplaysTheFirstResponse(t *testing.T) {
	var calls atomic.Int64
	c := idemServe(t, middleware.Idempotency(middleware.IdempotencyOptions{})(idemOrders(&calls)))

	first := c.post("8e03978e-40d5-43e8-bc93-6894a57f9324", `{"item":"tea"}`)
	second := c.post("8e03978e-40d5-43e8-bc93-6894a57f9324", `{"item":"tea"}`)
	// The bare-token form names the same key.
	third := c.do(http.MethodPost, "/orders", `{"item":"tea"}`, "Idempotency-Key", "8e03978e-40d5-43e8-bc93-6894a57f9324")

	if n := calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
	if first.status != 201 || first.header.Get("Set-Cookie") == "" || first.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("first response = %d %v, want the handler's 201 with its cookie, not marked replayed", first.status, first.header)
	}
	for i, r := range []idemResult{second, third} {
		if r.status != first.status || r.body != first.body {
			t.Errorf("repeat %d = %d %q, want %d %q", i+1, r.status, r.body, first.status, first.body)
		}
		for _, k := range []string{"Location", "Content-Type"} {
			if r.header.Get(k) != first.header.Get(k) {
				t.Errorf("repeat %d: %s = %q, want %q", i+1, k, r.header.Get(k), first.header.Get(k))
			}
		}
		if got := r.header.Get("Idempotent-Replayed"); got != "true" {
			t.Errorf("repeat %d: Idempotent-Replayed = %q, want true", i+1, got)
		}
		if got := r.header.Get("Set-Cookie"); got != "" {
			t.Errorf("repeat %d: Set-Cookie = %q, want none replayed", i+1, got)
		}
		// Headers from outside the middleware are the repeat's own.
		if got, old := r.header.Get("X-Request-Id"), first.header.Get("X-Request-Id"); got == old || got == "" {
			t.Errorf("repeat %d: X-Request-Id = %q, want a new ID (first was %q)", i+1, got, old)
		}
	}
}

func TestIdempotencyConcurrentDuplicateIsAConflict(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int64
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			close(entered)
			<-release
		}
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "done")
	})
	c := idemServe(t, middleware.Idempotency(middleware.IdempotencyOptions{})(slow))

	firstDone := make(chan idemResult, 1)
	go func() { firstDone <- c.post("k-1", "body") }()
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("first request never reached the handler")
	}

	dup := c.post("k-1", "body")
	if dup.status != http.StatusConflict || dup.code != middleware.CodeIdempotencyKeyInUse {
		t.Errorf("duplicate while in flight = %d %q, want 409 %q", dup.status, dup.code, middleware.CodeIdempotencyKeyInUse)
	}
	// Another body while in flight is a misuse of the key, not a retry.
	other := c.post("k-1", "other body")
	if other.status != http.StatusUnprocessableEntity {
		t.Errorf("different request while in flight = %d, want 422", other.status)
	}

	close(release)
	var first idemResult
	select {
	case first = <-firstDone:
	case <-time.After(5 * time.Second):
		t.Fatal("first request never finished")
	}
	if first.status != http.StatusAccepted {
		t.Errorf("first request = %d, want 202", first.status)
	}
	after := c.post("k-1", "body")
	if after.status != http.StatusAccepted || after.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("repeat after completion = %d replayed=%q, want the replayed 202", after.status, after.header.Get("Idempotent-Replayed"))
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("handler ran %d times, want 1", n)
	}
}

func TestIdempotencyDifferentRequestIsUnprocessable(t *testing.T) {
	var calls atomic.Int64
	c := idemServe(t, middleware.Idempotency(middleware.IdempotencyOptions{})(idemOrders(&calls)))
	if r := c.post("k", `{"item":"tea"}`); r.status != 201 {
		t.Fatalf("first request = %d, want 201", r.status)
	}
	tests := []struct {
		name, method, path, body string
	}{
		{"other body", http.MethodPost, "/orders", `{"item":"coffee"}`},
		{"other path", http.MethodPost, "/invoices", `{"item":"tea"}`},
		{"other query", http.MethodPost, "/orders?dry=1", `{"item":"tea"}`},
		{"other method", http.MethodPatch, "/orders", `{"item":"tea"}`},
		{"empty body", http.MethodPost, "/orders", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.do(tt.method, tt.path, tt.body, "Idempotency-Key", `"k"`)
			if r.status != http.StatusUnprocessableEntity || r.code != middleware.CodeIdempotencyKeyReused {
				t.Errorf("%s %s with a used key = %d %q, want 422 %q", tt.method, tt.path, r.status, r.code, middleware.CodeIdempotencyKeyReused)
			}
		})
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("handler ran %d times, want 1", n)
	}
}

func TestIdempotencyKeysExpire(t *testing.T) {
	clock := newRLClock()
	var calls atomic.Int64
	c := idemServe(t, middleware.Idempotency(middleware.IdempotencyOptions{
		TTL: time.Hour,
		Now: clock.Now,
	})(idemOrders(&calls)))

	c.post("k", "a")
	clock.Advance(time.Hour - time.Second)
	if r := c.post("k", "a"); r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("repeat before the TTL: not replayed (%d)", r.status)
	}
	// A different request is refused until the key expires, then welcome.
	if r := c.post("k", "b"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("other request before the TTL = %d, want 422", r.status)
	}
	clock.Advance(time.Second)
	if r := c.post("k", "b"); r.status != http.StatusCreated || r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("request after the TTL = %d replayed=%q, want a fresh 201", r.status, r.header.Get("Idempotent-Replayed"))
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("handler ran %d times, want 2", n)
	}
}

func TestIdempotencyScopesKeys(t *testing.T) {
	var calls atomic.Int64
	c := idemServe(t, middleware.Idempotency(middleware.IdempotencyOptions{
		Scope: func(r *http.Request) (string, bool) {
			u := r.Header.Get("X-User")
			return u, u != ""
		},
	})(idemOrders(&calls)))

	send := func(user string) idemResult {
		if user == "" {
			return c.post("same-key", "x")
		}
		return c.do(http.MethodPost, "/orders", "x", "Idempotency-Key", `"same-key"`, "X-User", user)
	}
	alice, bob, anon := send("alice"), send("bob"), send("")
	if n := calls.Load(); n != 3 {
		t.Fatalf("handler ran %d times for three scopes, want 3", n)
	}
	// Users whose names could run into the key stay apart too.
	if r := c.do(http.MethodPost, "/orders", "x", "Idempotency-Key", `"key"`, "X-User", "alice-same-"); r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("scope %q with key %q replayed another scope's response", "alice-same-", "key")
	}
	for _, tt := range []struct {
		user  string
		first idemResult
	}{{"alice", alice}, {"bob", bob}, {"", anon}} {
		r := send(tt.user)
		if r.body != tt.first.body || r.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("repeat for %q = %q, want its own %q replayed", tt.user, r.body, tt.first.body)
		}
	}
}

func TestIdempotencyKeyHeaderRules(t *testing.T) {
	var calls atomic.Int64
	h := idemOrders(&calls)
	required := idemServe(t, middleware.Idempotency(middleware.IdempotencyOptions{Required: true, MaxKeyLength: 16})(h))
	optional := idemServe(t, middleware.Idempotency(middleware.IdempotencyOptions{})(h))

	tests := []struct {
		name   string
		c      *idemClient
		method string
		header []string
		status int
		code   string
	}{
		{"missing where required", required, "POST", nil, 400, middleware.CodeIdempotencyKeyMissing},
		{"missing where optional", optional, "POST", nil, 201, ""},
		{"GET is not covered", required, "GET", nil, 201, ""},
		{"PUT is not covered", required, "PUT", nil, 201, ""},
		{"PATCH is covered", required, "PATCH", nil, 400, middleware.CodeIdempotencyKeyMissing},
		{"quoted", required, "POST", []string{"Idempotency-Key", `"abc-1"`}, 201, ""},
		{"quoted with escapes", required, "POST", []string{"Idempotency-Key", `"a\"b\\c"`}, 201, ""},
		{"quoted with spaces", required, "POST", []string{"Idempotency-Key", `  "a b c"  `}, 201, ""},
		{"bare token", required, "POST", []string{"Idempotency-Key", "abc-2"}, 201, ""},
		{"longest", required, "POST", []string{"Idempotency-Key", strings.Repeat("k", 16)}, 201, ""},
		{"too long", required, "POST", []string{"Idempotency-Key", strings.Repeat("k", 17)}, 400, middleware.CodeIdempotencyKeyInvalid},
		{"empty", required, "POST", []string{"Idempotency-Key", ""}, 400, middleware.CodeIdempotencyKeyInvalid},
		{"empty string", required, "POST", []string{"Idempotency-Key", `""`}, 400, middleware.CodeIdempotencyKeyInvalid},
		{"unterminated", required, "POST", []string{"Idempotency-Key", `"abc`}, 400, middleware.CodeIdempotencyKeyInvalid},
		{"bad escape", required, "POST", []string{"Idempotency-Key", `"a\nb"`}, 400, middleware.CodeIdempotencyKeyInvalid},
		{"trailing data", required, "POST", []string{"Idempotency-Key", `"abc";x=1`}, 400, middleware.CodeIdempotencyKeyInvalid},
		{"bare with space", required, "POST", []string{"Idempotency-Key", "a b"}, 400, middleware.CodeIdempotencyKeyInvalid},
		{"bare with comma", required, "POST", []string{"Idempotency-Key", "a,b"}, 400, middleware.CodeIdempotencyKeyInvalid},
		{"non-ASCII", required, "POST", []string{"Idempotency-Key", "\"caf\xc3\xa9\""}, 400, middleware.CodeIdempotencyKeyInvalid},
		{"twice", required, "POST", []string{"Idempotency-Key", `"a"`, "Idempotency-Key", `"b"`}, 400, middleware.CodeIdempotencyKeyInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.do(tt.method, "/orders/"+strings.ReplaceAll(tt.name, " ", "-"), "{}", tt.header...)
			if r.status != tt.status || r.code != tt.code {
				t.Errorf("status, code = %d %q, want %d %q (body %s)", r.status, r.code, tt.status, tt.code, r.body)
			}
		})
	}
}

func TestIdempotencyReleasesTheKeyOnServerFailure(t *testing.T) {
	tests := []struct {
		name    string
		fail    func(w http.ResponseWriter)
		status  int
		stored  bool // a repeat replays rather than running again
		wrapper func(http.Handler) http.Handler
	}{
		{name: "5xx", fail: func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, status: 503},
		{name: "panic", fail: func(http.ResponseWriter) { panic("boom") }, status: 500,
			wrapper: middleware.Recover(middleware.RecoverOptions{DisableStack: true})},
		{name: "4xx is stored", fail: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }, status: 404, stored: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			h := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					tt.fail(w)
					return
				}
				w.WriteHeader(http.StatusCreated)
			}))
			h = middleware.Idempotency(middleware.IdempotencyOptions{})(h)
			if tt.wrapper != nil {
				h = tt.wrapper(h)
			}
			c := idemServe(t, h)
			if r := c.post("k", "x"); r.status != tt.status {
				t.Fatalf("first request = %d, want %d", r.status, tt.status)
			}
			r := c.post("k", "x")
			want, wantCalls := http.StatusCreated, int64(2)
			if tt.stored {
				want, wantCalls = tt.status, 1
			}
			if r.status != want || calls.Load() != wantCalls {
				t.Errorf("retry = %d after %d handler calls, want %d after %d", r.status, calls.Load(), want, wantCalls)
			}
		})
	}
}

func TestIdempotencyRestoresTheBody(t *testing.T) {
	var got []byte
	h := middleware.Idempotency(middleware.IdempotencyOptions{MaxBodyBytes: 1 << 16})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
	}))
	c := idemServe(t, h)
	body := strings.Repeat("0123456789abcdef", 4096) // exactly the limit
	if r := c.post("big", body); r.status != 200 || string(got) != body {
		t.Errorf("handler read %d bytes (status %d), want the %d sent", len(got), r.status, len(body))
	}
	if r := c.post("bigger", body+"!"); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("body over the limit = %d, want 413", r.status)
	}
	// Without a Content-Length the limit still holds.
	req, _ := http.NewRequest(http.MethodPost, c.url+"/", io.MultiReader(strings.NewReader(body), strings.NewReader("!")))
	req.Header.Set("Idempotency-Key", "chunked")
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body over the limit = %d, want 413", resp.StatusCode)
	}
}

func TestIdempotencyDoesNotStoreLargeResponses(t *testing.T) {
	sink := newLogSink()
	var calls atomic.Int64
	h := middleware.Idempotency(middleware.IdempotencyOptions{MaxResponseBytes: 10})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.WriteString(w, "0123456789")
		io.WriteString(w, "abcdefghij")
	}))
	srv := httptest.NewServer(middleware.RequestID(middleware.RequestIDOptions{Logger: sink.logger()})(h))
	t.Cleanup(srv.Close)
	c := &idemClient{t: t, url: srv.URL, client: srv.Client()}

	for i := range 2 {
		if r := c.post("k", ""); r.body != "0123456789abcdefghij" {
			t.Errorf("request %d body = %q, want the whole response", i, r.body)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("handler ran %d times, want 2: a response not stored cannot be replayed", n)
	}
	sink.waitLines(t, 2)
	if e := sink.entries(t)[0]; e["level"] != "warn" || !strings.Contains(fmt.Sprint(e["message"]), "too large") {
		t.Errorf("log entry = %v, want a warning about the response size", e)
	}
}

func TestIdempotencyStreamsThrough(t *testing.T) {
	var calls atomic.Int64
	h := middleware.Idempotency(middleware.IdempotencyOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		f, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "no flusher", http.StatusInternalServerError)
			return
		}
		if _, ok := w.(http.Hijacker); !ok {
			http.Error(w, "no hijacker", http.StatusInternalServerError)
			return
		}
		w.Header().Set("X-Stream", "1")
		io.WriteString(w, "part1,")
		f.Flush()
		w.Header().Set("X-Late", "ignored") // after the header was sent
		io.WriteString(w, "part2")
	}))
	c := idemServe(t, h)
	first, second := c.post("s", ""), c.post("s", "")
	if first.body != "part1,part2" || second.body != first.body || calls.Load() != 1 {
		t.Errorf("bodies %q, %q after %d calls, want part1,part2 twice after 1", first.body, second.body, calls.Load())
	}
	if second.header.Get("X-Stream") != "1" || second.header.Get("X-Late") != "" {
		t.Errorf("replayed headers = %v, want those sent with the first response only", second.header)
	}
}

func TestIdempotencyStoreFailures(t *testing.T) {
	tests := []struct {
		name      string
		store     *idemFaultyStore
		status    int
		calls     int64
		logged    string
		logLevel  string
		bodyCheck string
	}{
		{"start fails", &idemFaultyStore{startErr: true}, 503, 0, "request failed", "error", ""},
		{"complete fails", &idemFaultyStore{completeErr: true}, 201, 1, "idempotency: storing the response failed", "error", "order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newLogSink()
			var calls atomic.Int64
			srv := httptest.NewServer(middleware.RequestID(middleware.RequestIDOptions{Logger: sink.logger()})(
				middleware.Idempotency(middleware.IdempotencyOptions{Store: tt.store})(idemOrders(&calls))))
			t.Cleanup(srv.Close)
			c := &idemClient{t: t, url: srv.URL, client: srv.Client()}
			r := c.post("k", "x")
			if r.status != tt.status || calls.Load() != tt.calls || !strings.Contains(r.body, tt.bodyCheck) {
				t.Errorf("got %d %q after %d calls, want %d after %d", r.status, r.body, calls.Load(), tt.status, tt.calls)
			}
			if strings.Contains(r.body, "redis down") {
				t.Errorf("body %q leaks the store error", r.body)
			}
			sink.waitLines(t, 1)
			e := sink.only(t)
			if e["level"] != tt.logLevel || e["message"] != tt.logged || !strings.Contains(fmt.Sprint(e["error"]), "redis down") {
				t.Errorf("log entry = %v, want %s %q with the store error", e, tt.logLevel, tt.logged)
			}
		})
	}
}

// idemFaultyStore is a memory store whose calls can be made to fail.
type idemFaultyStore struct {
	startErr, completeErr bool
}

func (s *idemFaultyStore) Start(context.Context, string, string, time.Duration) (*middleware.IdempotencyRecord, bool, error) {
	if s.startErr {
		return nil, false, errors.New("redis down")
	}
	return nil, true, nil
}

func (s *idemFaultyStore) Complete(context.Context, string, *middleware.IdempotencyRecord) error {
	if s.completeErr {
		return errors.New("redis down")
	}
	return nil
}

func (s *idemFaultyStore) Abandon(context.Context, string) error { return nil }

func TestMemoryIdempotencyStore(t *testing.T) {
	clock := newRLClock()
	store := middleware.NewMemoryIdempotencyStore(middleware.MemoryIdempotencyStoreOptions{MaxEntries: 3, Now: clock.Now})
	ctx := context.Background()
	start := func(key string) (bool, error) {
		t.Helper()
		_, started, err := store.Start(ctx, key, "fp-"+key, time.Minute)
		return started, err
	}
	complete := func(key string) {
		t.Helper()
		if err := store.Complete(ctx, key, &middleware.IdempotencyRecord{Status: 201, Body: []byte(key)}); err != nil {
			t.Fatal(err)
		}
	}

	for _, k := range []string{"a", "b", "c"} {
		if ok, err := start(k); !ok || err != nil {
			t.Fatalf("Start(%q) = %v, %v, want started", k, ok, err)
		}
	}
	// All three in flight: no room, nothing may be evicted.
	if ok, err := start("d"); ok || !errors.Is(err, middleware.ErrIdempotencyStoreFull) {
		t.Errorf("Start on a store full of in-flight keys = %v, %v, want ErrIdempotencyStoreFull", ok, err)
	}
	complete("b")
	complete("c")
	// Room is made by evicting the oldest completed record, b.
	if ok, err := start("d"); !ok || err != nil {
		t.Fatalf("Start(d) = %v, %v, want started", ok, err)
	}
	if n := store.Len(); n != 3 {
		t.Errorf("Len() = %d, want 3", n)
	}
	for range 2 {
		// A completed record is returned as it is, and Abandon cannot
		// remove it.
		rec, started, err := store.Start(ctx, "c", "fp-other", time.Minute)
		if started || err != nil || rec == nil || !rec.Completed || rec.Fingerprint != "fp-c" || string(rec.Body) != "c" {
			t.Errorf("Start(c) = %+v, %v, %v, want c's completed record", rec, started, err)
		}
		store.Abandon(ctx, "c")
	}
	// An in-flight record is returned without a response; Abandon frees it.
	if rec, started, err := store.Start(ctx, "d", "fp-d", time.Minute); started || err != nil || rec == nil || rec.Completed || rec.Fingerprint != "fp-d" {
		t.Errorf("Start(d) while in flight = %+v, %v, %v, want its in-flight record", rec, started, err)
	}
	store.Abandon(ctx, "d")
	if n := store.Len(); n != 2 {
		t.Errorf("Len() after abandoning d = %d, want 2", n)
	}
	if ok, err := start("d"); !ok || err != nil {
		t.Errorf("Start(d) after Abandon = %v, %v, want started", ok, err)
	}
	// Completing a key that is gone stores nothing.
	if err := store.Complete(ctx, "gone", &middleware.IdempotencyRecord{Status: 200}); err != nil || store.Len() != 3 {
		t.Errorf("Complete(gone) = %v with Len() = %d, want nil and 3", err, store.Len())
	}

	// Expiry: everything goes once the TTL has passed.
	clock.Advance(time.Minute)
	if ok, _ := start("e"); !ok {
		t.Errorf("Start(e) after expiry did not start")
	}
	if n := store.Len(); n != 1 {
		t.Errorf("Len() after expiry = %d, want 1", n)
	}
}

func TestMemoryIdempotencyStoreBoundsBytes(t *testing.T) {
	store := middleware.NewMemoryIdempotencyStore(middleware.MemoryIdempotencyStoreOptions{MaxBytes: 4096})
	ctx := context.Background()
	body := bytes.Repeat([]byte("x"), 1000)
	for i := range 10 {
		key := fmt.Sprint("k", i)
		if _, ok, err := store.Start(ctx, key, "fp", time.Minute); !ok || err != nil {
			t.Fatalf("Start(%s) = %v, %v, want started", key, ok, err)
		}
		store.Complete(ctx, key, &middleware.IdempotencyRecord{Status: 200, Body: body})
	}
	// Four 1000-byte bodies and their overhead do not fit in 4096 bytes.
	if n := store.Len(); n != 3 {
		t.Errorf("Len() = %d after ten 1000-byte records in 4096 bytes, want 3", n)
	}
	for i, want := range map[int]bool{0: false, 6: false, 7: true, 9: true} {
		rec, _, _ := store.Start(ctx, fmt.Sprint("k", i), "fp", time.Minute)
		if kept := rec != nil && rec.Completed; kept != want {
			t.Errorf("record k%d kept = %v, want %v (oldest evicted first)", i, kept, want)
		}
		store.Abandon(ctx, fmt.Sprint("k", i))
	}
	// A record larger than the bound alone is not kept; its key is free.
	store.Start(ctx, "huge", "fp", time.Minute)
	store.Complete(ctx, "huge", &middleware.IdempotencyRecord{Status: 200, Body: make([]byte, 5000)})
	if _, started, _ := store.Start(ctx, "huge", "fp", time.Minute); !started {
		t.Errorf("a record over MaxBytes was kept")
	}
}

func TestIdempotencyConcurrentStartsClaimOnce(t *testing.T) {
	store := middleware.NewMemoryIdempotencyStore(middleware.MemoryIdempotencyStoreOptions{})
	var started atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, ok, err := store.Start(context.Background(), "k", "fp", time.Minute); ok && err == nil {
				started.Add(1)
			}
		})
	}
	wg.Wait()
	if n := started.Load(); n != 1 {
		t.Errorf("%d of 16 concurrent Starts claimed the key, want 1", n)
	}
}

func TestIdempotencyPanicsOnInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts middleware.IdempotencyOptions
		want string
	}{
		{"bad method", middleware.IdempotencyOptions{Methods: []string{"PO ST"}}, "Methods"},
		{"negative TTL", middleware.IdempotencyOptions{TTL: -time.Second}, "TTL"},
		{"negative key length", middleware.IdempotencyOptions{MaxKeyLength: -1}, "MaxKeyLength"},
		{"negative body", middleware.IdempotencyOptions{MaxBodyBytes: -1}, "MaxBodyBytes"},
		{"negative response", middleware.IdempotencyOptions{MaxResponseBytes: -1}, "MaxResponseBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				msg, _ := v.(string)
				if !strings.HasPrefix(msg, "middleware: ") || !strings.Contains(msg, tt.want) {
					t.Errorf("panic = %v, want a \"middleware: \" message containing %q", v, tt.want)
				}
			}()
			middleware.Idempotency(tt.opts)
		})
	}
}

func TestMemoryIdempotencyStorePanicsOnInvalidOptions(t *testing.T) {
	for _, opts := range []middleware.MemoryIdempotencyStoreOptions{{MaxEntries: -1}, {MaxBytes: -1}} {
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.HasPrefix(msg, "middleware: MemoryIdempotencyStoreOptions.Max") {
					t.Errorf("NewMemoryIdempotencyStore(%+v) panic = %q, want a message naming the field", opts, msg)
				}
			}()
			middleware.NewMemoryIdempotencyStore(opts)
		}()
	}
}

func FuzzIdempotencyKey(f *testing.F) {
	for _, s := range []string{
		`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, "8e03978e-40d5-43e8-bc93-6894a57f9324",
		`"a\"b\\c"`, `""`, `"`, `"abc`, `"a\x"`, `"abc";p=1`, " \t\"x\"\t ", "a b", "\"\x7f\"", "",
	} {
		f.Add(s)
	}
	const maxLen = 64
	f.Fuzz(func(t *testing.T, value string) {
		key, ok := middleware.ParseIdempotencyKey(value, maxLen)
		if !ok {
			return
		}
		if key == "" || len(key) > maxLen {
			t.Fatalf("ParseIdempotencyKey(%q) = %q, want 1 to %d bytes", value, key, maxLen)
		}
		for i := 0; i < len(key); i++ {
			if key[i] < 0x20 || key[i] > 0x7e {
				t.Fatalf("ParseIdempotencyKey(%q) = %q, which holds byte %#x", value, key, key[i])
			}
		}
		// The key's quoted form names the same key.
		quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(key) + `"`
		if again, ok := middleware.ParseIdempotencyKey(quoted, maxLen); !ok || again != key {
			t.Fatalf("ParseIdempotencyKey(%q) = %q, %v; want %q as from %q", quoted, again, ok, key, value)
		}
	})
}

func BenchmarkIdempotency(b *testing.B) {
	h := middleware.Idempotency(middleware.IdempotencyOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":1}`)
	}))
	body := []byte(`{"item":"tea","quantity":2}`)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		r := httptest.NewRequest(http.MethodPost, "/orders", bytes.NewReader(body))
		// Half first requests, half replays.
		r.Header.Set("Idempotency-Key", strconv.Itoa(i/2))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
