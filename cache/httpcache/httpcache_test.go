package httpcache_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/httpcache"
	"github.com/keel-go/keel/cache/memorycache"
)

func TestMissThenHit(t *testing.T) {
	clock := newClock()
	store := newMapCache(clock)
	h := newCounter(http.StatusOK, "Cache-Control", "max-age=60", "Content-Type", "text/plain")
	get := serve(t, newMiddleware(t, store, httpcache.Options{Now: clock.Now})(h))

	steps := []struct {
		advance time.Duration
		cache   string
		age     string
		body    string
	}{
		{0, "MISS", "", "body 1"},
		{0, "HIT", "0", "body 1"},
		{7 * time.Second, "HIT", "7", "body 1"},
		{52*time.Second + 999*time.Millisecond, "HIT", "59", "body 1"},
		{time.Millisecond, "MISS", "", "body 2"}, // 60 s old: stale
		{time.Second, "HIT", "1", "body 2"},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		got := get(http.MethodGet, "/item?id=1")
		if got.status != 200 || got.cache() != s.cache || got.header.Get("Age") != s.age || got.body != s.body {
			t.Errorf("step %d: got %d X-Cache %q Age %q body %q, want 200 %q %q %q",
				i, got.status, got.cache(), got.header.Get("Age"), got.body, s.cache, s.age, s.body)
		}
		if ct := got.header.Get("Content-Type"); ct != "text/plain" {
			t.Errorf("step %d: Content-Type = %q, want text/plain", i, ct)
		}
		if cl := got.header.Get("Content-Length"); cl != "6" {
			t.Errorf("step %d: Content-Length = %q, want 6", i, cl)
		}
	}
	if n := h.calls(); n != 2 {
		t.Errorf("handler ran %d times, want 2", n)
	}
}

func TestHitCarriesOriginalDate(t *testing.T) {
	clock := newClock()
	h := newCounter(http.StatusOK, "Cache-Control", "max-age=600")
	get := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now})(h))
	get(http.MethodGet, "/")
	clock.Advance(90 * time.Second)
	got := get(http.MethodGet, "/")
	want := newClock().Now().Format(http.TimeFormat)
	if d := got.header.Get("Date"); d != want || got.header.Get("Age") != "90" {
		t.Errorf("hit: Date %q, Age %q, want %q, 90", d, got.header.Get("Age"), want)
	}
}

func TestStoragePolicy(t *testing.T) {
	date := newClock().Now()
	httpDate := func(d time.Duration) string { return date.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name    string
		private bool
		status  int
		header  []string
		stored  bool
	}{
		{"max-age", false, 200, []string{"Cache-Control", "max-age=60"}, true},
		{"public max-age", false, 200, []string{"Cache-Control", "public, max-age=60"}, true},
		{"s-maxage over max-age", false, 200, []string{"Cache-Control", "max-age=0, s-maxage=60"}, true},
		{"s-maxage=0 over max-age", false, 200, []string{"Cache-Control", "max-age=60, s-maxage=0"}, false},
		{"max-age=0", false, 200, []string{"Cache-Control", "max-age=0"}, false},
		{"malformed max-age", false, 200, []string{"Cache-Control", "max-age=soon"}, false},
		{"no-store", false, 200, []string{"Cache-Control", "no-store, max-age=60"}, false},
		{"no-cache", false, 200, []string{"Cache-Control", "no-cache, max-age=60"}, false},
		{"qualified no-cache", false, 200, []string{"Cache-Control", `no-cache="Set-Cookie", max-age=60`}, false},
		{"private in a shared cache", false, 200, []string{"Cache-Control", "private, max-age=60"}, false},
		{"private in a private cache", true, 200, []string{"Cache-Control", "private, max-age=60"}, true},
		{"s-maxage ignored by a private cache", true, 200, []string{"Cache-Control", "max-age=0, s-maxage=60"}, false},
		{"no freshness", false, 200, nil, false},
		{"Expires ahead", false, 200, []string{"Date", httpDate(0), "Expires", httpDate(time.Hour)}, true},
		{"Expires without Date", false, 200, []string{"Expires", httpDate(time.Hour)}, true},
		{"Expires past", false, 200, []string{"Date", httpDate(0), "Expires", httpDate(-time.Hour)}, false},
		{"Expires invalid", false, 200, []string{"Expires", "0"}, false},
		{"max-age over Expires", false, 200, []string{"Cache-Control", "max-age=60", "Expires", "0"}, true},
		{"Age beyond max-age", false, 200, []string{"Cache-Control", "max-age=60", "Age", "60"}, false},
		{"Age within max-age", false, 200, []string{"Cache-Control", "max-age=60", "Age", "30"}, true},
		{"Set-Cookie", false, 200, []string{"Cache-Control", "max-age=60", "Set-Cookie", "sid=1"}, false},
		{"Vary star", false, 200, []string{"Cache-Control", "max-age=60", "Vary", "*"}, false},
		{"Vary star in a list", false, 200, []string{"Cache-Control", "max-age=60", "Vary", "Accept, *"}, false},
		{"trailer", false, 200, []string{"Cache-Control", "max-age=60", "Trailer", "X-Checksum"}, false},
		{"203", false, 203, []string{"Cache-Control", "max-age=60"}, true},
		{"204", false, 204, []string{"Cache-Control", "max-age=60"}, true},
		{"301", false, 301, []string{"Cache-Control", "max-age=60", "Location", "/elsewhere"}, true},
		{"308", false, 308, []string{"Cache-Control", "max-age=60", "Location", "/elsewhere"}, true},
		{"404", false, 404, []string{"Cache-Control", "max-age=60"}, true},
		{"410", false, 410, []string{"Cache-Control", "max-age=60"}, true},
		{"201", false, 201, []string{"Cache-Control", "max-age=60"}, false},
		{"206", false, 206, []string{"Cache-Control", "max-age=60"}, false},
		{"302", false, 302, []string{"Cache-Control", "max-age=60", "Location", "/elsewhere"}, false},
		{"500", false, 500, []string{"Cache-Control", "max-age=60"}, false},
		{"503", false, 503, []string{"Cache-Control", "max-age=60"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			h := newCounter(tt.status, tt.header...)
			get := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now, Private: tt.private})(h))
			first := get(http.MethodGet, "/")
			clock.Advance(time.Second)
			second := get(http.MethodGet, "/")
			if first.status != tt.status || second.status != tt.status {
				t.Errorf("statuses %d, %d, want %d", first.status, second.status, tt.status)
			}
			wantCache, wantCalls := "MISS", 2
			if tt.stored {
				wantCache, wantCalls = "HIT", 1
			}
			if first.cache() != "MISS" || second.cache() != wantCache {
				t.Errorf("X-Cache %q then %q, want MISS then %q", first.cache(), second.cache(), wantCache)
			}
			if n := h.calls(); n != wantCalls {
				t.Errorf("handler ran %d times, want %d", n, wantCalls)
			}
			if tt.stored && second.body != first.body {
				t.Errorf("hit body %q, want %q", second.body, first.body)
			}
		})
	}
}

func TestAgeFromTheHandler(t *testing.T) {
	// A handler that proxies a cached response passes its Age on: the
	// response has less freshness left, and hits count on from it.
	clock := newClock()
	h := newCounter(http.StatusOK, "Cache-Control", "max-age=10", "Age", "4")
	get := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now})(h))
	get(http.MethodGet, "/")
	clock.Advance(5 * time.Second)
	if got := get(http.MethodGet, "/"); got.cache() != "HIT" || got.header.Get("Age") != "9" {
		t.Errorf("after 5 s: X-Cache %q Age %q, want HIT 9", got.cache(), got.header.Get("Age"))
	}
	clock.Advance(time.Second)
	if got := get(http.MethodGet, "/"); got.cache() != "MISS" {
		t.Errorf("after 6 s: X-Cache %q, want MISS (10 s old)", got.cache())
	}
}

func TestRequestCacheControl(t *testing.T) {
	type req struct {
		header []string
		cache  string
		body   string
	}
	tests := []struct {
		name   string
		ignore bool
		reqs   []req
	}{
		{"no-store bypasses", false, []req{
			{[]string{"Cache-Control", "no-store"}, "BYPASS", "body 1"},
			{nil, "MISS", "body 2"},
			{[]string{"Cache-Control", "no-store"}, "BYPASS", "body 3"},
			{nil, "HIT", "body 2"},
		}},
		{"no-cache refreshes", false, []req{
			{nil, "MISS", "body 1"},
			{[]string{"Cache-Control", "no-cache"}, "MISS", "body 2"},
			{nil, "HIT", "body 2"},
		}},
		{"Pragma no-cache refreshes", false, []req{
			{nil, "MISS", "body 1"},
			{[]string{"Pragma", "no-cache"}, "MISS", "body 2"},
			{nil, "HIT", "body 2"},
		}},
		{"Cache-Control overrides Pragma", false, []req{
			{nil, "MISS", "body 1"},
			{[]string{"Pragma", "no-cache", "Cache-Control", "max-stale"}, "HIT", "body 1"},
		}},
		{"max-age", false, []req{
			{nil, "MISS", "body 1"}, // then 10 s pass
			{[]string{"Cache-Control", "max-age=10"}, "HIT", "body 1"},
			{[]string{"Cache-Control", "max-age=9"}, "MISS", "body 2"},
			{[]string{"Cache-Control", "max-age=0"}, "HIT", "body 2"},
		}},
		{"ignored", true, []req{
			{nil, "MISS", "body 1"},
			{[]string{"Cache-Control", "no-cache"}, "HIT", "body 1"},
			{[]string{"Cache-Control", "no-store"}, "HIT", "body 1"},
			{[]string{"Pragma", "no-cache"}, "HIT", "body 1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			h := newCounter(http.StatusOK, "Cache-Control", "max-age=60")
			get := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{
				Now:                       clock.Now,
				IgnoreRequestCacheControl: tt.ignore,
			})(h))
			for i, rq := range tt.reqs {
				got := get(http.MethodGet, "/", rq.header...)
				if got.cache() != rq.cache || got.body != rq.body {
					t.Errorf("request %d %q: X-Cache %q body %q, want %q %q", i, rq.header, got.cache(), got.body, rq.cache, rq.body)
				}
				if i == 0 {
					clock.Advance(10 * time.Second)
				}
			}
		})
	}
}

func TestVary(t *testing.T) {
	clock := newClock()
	var calls int
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Vary", "Accept-Language, accept-encoding")
		io.WriteString(w, "hello in "+r.Header.Get("Accept-Language")+" #"+strconv.Itoa(calls))
	})
	get := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now})(h))

	tests := []struct {
		lang, cache, body string
	}{
		{"en", "MISS", "hello in en #1"},
		{"fr", "MISS", "hello in fr #2"},
		{"en", "HIT", "hello in en #1"},
		{"fr", "HIT", "hello in fr #2"},
		{"", "MISS", "hello in  #3"},
		{"", "HIT", "hello in  #3"},
		{"de", "MISS", "hello in de #4"},
	}
	for i, tt := range tests {
		var hdr []string
		if tt.lang != "" {
			hdr = []string{"Accept-Language", tt.lang}
		}
		got := get(http.MethodGet, "/greeting", hdr...)
		if got.cache() != tt.cache || got.body != tt.body {
			t.Errorf("request %d (Accept-Language %q): X-Cache %q body %q, want %q %q", i, tt.lang, got.cache(), got.body, tt.cache, tt.body)
		}
		if v := got.header.Values("Vary"); len(v) != 1 || v[0] != "Accept-Language, accept-encoding" {
			t.Errorf("request %d: Vary = %q, want the handler's", i, v)
		}
	}
}

func TestVaryChangesToNoVary(t *testing.T) {
	clock := newClock()
	vary := true
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		if vary {
			w.Header().Set("Vary", "Accept")
		}
		io.WriteString(w, "vary="+strconv.FormatBool(vary))
	})
	get := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now})(h))
	get(http.MethodGet, "/", "Accept", "text/html")
	vary = false
	// A refresh replaces the Vary record with the plain response.
	get(http.MethodGet, "/", "Cache-Control", "no-cache")
	for _, accept := range []string{"text/html", "application/json"} {
		if got := get(http.MethodGet, "/", "Accept", accept); got.cache() != "HIT" || got.body != "vary=false" {
			t.Errorf("Accept %s: X-Cache %q body %q, want HIT vary=false", accept, got.cache(), got.body)
		}
	}
}

func TestAuthorization(t *testing.T) {
	tests := []struct {
		name   string
		allow  bool
		cc     string
		stored bool
	}{
		{"bypassed by default", false, "public, max-age=60", false},
		{"allowed but max-age only", true, "max-age=60", false},
		{"allowed and public", true, "public, max-age=60", true},
		{"allowed and s-maxage", true, "s-maxage=60", true},
		{"allowed and must-revalidate", true, "max-age=60, must-revalidate", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			h := newCounter(http.StatusOK, "Cache-Control", tt.cc)
			get := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now, AllowAuthorized: tt.allow})(h))
			first := get(http.MethodGet, "/", "Authorization", "Bearer alice")
			second := get(http.MethodGet, "/", "Authorization", "Bearer bob")
			wantFirst, wantSecond, wantCalls := "MISS", "MISS", 2
			if !tt.allow {
				wantFirst, wantSecond = "BYPASS", "BYPASS"
			}
			if tt.stored {
				wantSecond, wantCalls = "HIT", 1
			}
			if first.cache() != wantFirst || second.cache() != wantSecond {
				t.Errorf("X-Cache %q then %q, want %q then %q", first.cache(), second.cache(), wantFirst, wantSecond)
			}
			if n := h.calls(); n != wantCalls {
				t.Errorf("handler ran %d times, want %d", n, wantCalls)
			}
		})
	}
}

func TestBypass(t *testing.T) {
	tests := []struct {
		name   string
		method string
		header []string
	}{
		{"POST", http.MethodPost, nil},
		{"PUT", http.MethodPut, nil},
		{"DELETE", http.MethodDelete, nil},
		{"Range", http.MethodGet, []string{"Range", "bytes=0-1"}},
		{"If-Range", http.MethodGet, []string{"If-Range", `"x"`}},
		{"If-Match", http.MethodGet, []string{"If-Match", `"x"`}},
		{"If-Unmodified-Since", http.MethodGet, []string{"If-Unmodified-Since", "Sat, 01 Mar 2025 12:00:00 GMT"}},
		{"Upgrade", http.MethodGet, []string{"Connection", "Upgrade", "Upgrade", "websocket"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			store := newMapCache(clock)
			h := newCounter(http.StatusOK, "Cache-Control", "max-age=60")
			do := serve(t, newMiddleware(t, store, httpcache.Options{Now: clock.Now})(h))
			for i := range 2 {
				if got := do(tt.method, "/", tt.header...); got.cache() != "BYPASS" || got.body != "body "+strconv.Itoa(i+1) {
					t.Errorf("request %d: X-Cache %q body %q, want BYPASS from the handler", i, got.cache(), got.body)
				}
			}
			if keys := store.keys(); len(keys) != 0 {
				t.Errorf("stored %q, want nothing", keys)
			}
		})
	}
}

func TestHead(t *testing.T) {
	clock := newClock()
	store := newMapCache(clock)
	var methods []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		methods = append(methods, r.Method)
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, r.URL.Path+" body")
	})
	do := serve(t, newMiddleware(t, store, httpcache.Options{Now: clock.Now})(h))

	steps := []struct {
		method, path, cache, body, length string
	}{
		// HEAD is answered from GET's response.
		{"GET", "/a", "MISS", "/a body", "7"},
		{"HEAD", "/a", "HIT", "", "7"},
		// Without one, HEAD fills an entry of its own, which GET never uses.
		{"HEAD", "/b", "MISS", "", "7"},
		{"HEAD", "/b", "HIT", "", "7"},
		{"GET", "/b", "MISS", "/b body", "7"},
		{"HEAD", "/b", "HIT", "", "7"},
	}
	for i, s := range steps {
		got := do(s.method, s.path)
		if got.status != 200 || got.cache() != s.cache || got.body != s.body || got.header.Get("Content-Length") != s.length {
			t.Errorf("step %d %s %s: %d X-Cache %q body %q Content-Length %q, want 200 %q %q %q",
				i, s.method, s.path, got.status, got.cache(), got.body, got.header.Get("Content-Length"), s.cache, s.body, s.length)
		}
		if ct := got.header.Get("Content-Type"); ct != "text/plain" {
			t.Errorf("step %d: Content-Type %q, want text/plain", i, ct)
		}
	}
	if want := "GET HEAD GET"; strings.Join(methods, " ") != want {
		t.Errorf("handler saw %q, want %q", strings.Join(methods, " "), want)
	}
}

func TestConditional(t *testing.T) {
	lastMod := "Sat, 01 Mar 2025 11:00:00 GMT"
	tests := []struct {
		name   string
		fill   bool // a plain GET fills the cache first
		method string
		header []string
		status int
		cache  string
		body   string
	}{
		{"hit, matching If-None-Match", true, "GET", []string{"If-None-Match", `"v1"`}, 304, "HIT", ""},
		{"hit, weak match", true, "GET", []string{"If-None-Match", `W/"v1"`}, 304, "HIT", ""},
		{"hit, match in a list", true, "GET", []string{"If-None-Match", `"v0", "v1"`}, 304, "HIT", ""},
		{"hit, star", true, "GET", []string{"If-None-Match", "*"}, 304, "HIT", ""},
		{"hit, other tag", true, "GET", []string{"If-None-Match", `"v2"`}, 200, "HIT", "body 1"},
		{"hit, malformed tag ignored", true, "GET", []string{"If-None-Match", `v1`}, 200, "HIT", "body 1"},
		{"hit, HEAD matching", true, "HEAD", []string{"If-None-Match", `"v1"`}, 304, "HIT", ""},
		{"hit, If-Modified-Since equal", true, "GET", []string{"If-Modified-Since", lastMod}, 304, "HIT", ""},
		{"hit, If-Modified-Since older", true, "GET", []string{"If-Modified-Since", "Sat, 01 Mar 2025 10:00:00 GMT"}, 200, "HIT", "body 1"},
		{"hit, If-None-Match wins over If-Modified-Since", true, "GET", []string{"If-None-Match", `"v2"`, "If-Modified-Since", lastMod}, 200, "HIT", "body 1"},
		{"miss, matching If-None-Match", false, "GET", []string{"If-None-Match", `"v1"`}, 304, "MISS", ""},
		{"miss, other tag", false, "GET", []string{"If-None-Match", `"v2"`}, 200, "MISS", "body 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			h := newCounter(http.StatusOK, "Cache-Control", "max-age=60", "ETag", `"v1"`, "Last-Modified", lastMod, "Content-Type", "text/plain")
			do := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now})(h))
			if tt.fill {
				do(http.MethodGet, "/")
			}
			got := do(tt.method, "/", tt.header...)
			if got.status != tt.status || got.cache() != tt.cache || got.body != tt.body {
				t.Errorf("got %d X-Cache %q body %q, want %d %q %q", got.status, got.cache(), got.body, tt.status, tt.cache, tt.body)
			}
			if got.header.Get("ETag") != `"v1"` {
				t.Errorf("ETag %q, want \"v1\"", got.header.Get("ETag"))
			}
			if tt.status == 304 && (got.header.Get("Content-Type") != "" || got.header.Get("Last-Modified") != "") {
				t.Errorf("304 carries Content-Type %q, Last-Modified %q; want neither", got.header.Get("Content-Type"), got.header.Get("Last-Modified"))
			}
			// The handler always saw an unconditional request, so what it
			// produced is stored whole: a plain GET is a full hit.
			for _, seen := range h.seen {
				if seen.Get("If-None-Match") != "" || seen.Get("If-Modified-Since") != "" {
					t.Errorf("handler saw conditional fields %v", seen)
				}
			}
			if got := do(http.MethodGet, "/"); got.status != 200 || got.cache() != "HIT" || got.body != "body 1" {
				t.Errorf("plain GET after: %d X-Cache %q body %q, want 200 HIT body 1", got.status, got.cache(), got.body)
			}
			if n := h.calls(); n != 1 {
				t.Errorf("handler ran %d times, want 1", n)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	long := "/" + strings.Repeat("x", 400)
	tests := []struct {
		name      string
		sortQuery bool
		first     []string // path, then header pairs
		second    []string
		hit       bool
	}{
		{"same URL", false, []string{"/p?a=1&b=2"}, []string{"/p?a=1&b=2"}, true},
		{"other path", false, []string{"/p"}, []string{"/q"}, false},
		{"other query", false, []string{"/p?a=1"}, []string{"/p?a=2"}, false},
		{"query order kept", false, []string{"/p?a=1&b=2"}, []string{"/p?b=2&a=1"}, false},
		{"query order sorted", true, []string{"/p?a=1&b=2"}, []string{"/p?b=2&a=1"}, true},
		{"sorted keeps value order", true, []string{"/p?a=1&a=2"}, []string{"/p?a=2&a=1"}, false},
		{"other host", false, []string{"/p", "Host", "a.example"}, []string{"/p", "Host", "b.example"}, false},
		{"host case", false, []string{"/p", "Host", "A.example"}, []string{"/p", "Host", "a.EXAMPLE"}, true},
		{"long URL", false, []string{long}, []string{long}, true},
		{"long URLs differ", false, []string{long + "1"}, []string{long + "2"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			store := newMapCache(clock)
			h := newCounter(http.StatusOK, "Cache-Control", "max-age=60")
			get := serve(t, newMiddleware(t, store, httpcache.Options{Now: clock.Now, SortQuery: tt.sortQuery})(h))
			get(http.MethodGet, tt.first[0], tt.first[1:]...)
			got := get(http.MethodGet, tt.second[0], tt.second[1:]...)
			want := "MISS"
			if tt.hit {
				want = "HIT"
			}
			if got.cache() != want {
				t.Errorf("second request: X-Cache %q, want %q", got.cache(), want)
			}
			for _, k := range store.keys() {
				if !strings.HasPrefix(k, httpcache.DefaultPrefix+"GET ") || len(k) > 300 {
					t.Errorf("key %q, want a short key under %q", k, httpcache.DefaultPrefix)
				}
			}
		})
	}
}

func TestOuterFieldsAreNotStored(t *testing.T) {
	clock := newClock()
	n := 0
	outer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n++
			w.Header().Set("X-Request-Id", "req-"+strconv.Itoa(n))
			w.Header().Set("Vary", "Origin")
			next.ServeHTTP(w, r)
		})
	}
	h := newCounter(http.StatusOK, "Cache-Control", "max-age=60", "Vary", "Accept")
	get := serve(t, outer(newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now})(h)))
	for i := 1; i <= 2; i++ {
		got := get(http.MethodGet, "/")
		if id := got.header.Get("X-Request-Id"); id != "req-"+strconv.Itoa(i) {
			t.Errorf("request %d: X-Request-Id %q, want req-%d", i, id, i)
		}
		if v := strings.Join(got.header.Values("Vary"), ", "); v != "Origin, Accept" {
			t.Errorf("request %d: Vary %q, want the outer and the handler's: Origin, Accept", i, v)
		}
	}
}

func TestStatusHeader(t *testing.T) {
	tests := []struct {
		option, name string
	}{
		{"", "X-Cache"},
		{"x-edge-cache", "X-Edge-Cache"},
		{"-", ""},
	}
	for _, tt := range tests {
		t.Run(tt.option, func(t *testing.T) {
			clock := newClock()
			h := newCounter(http.StatusOK, "Cache-Control", "max-age=60")
			get := serve(t, newMiddleware(t, newMapCache(clock), httpcache.Options{Now: clock.Now, StatusHeader: tt.option})(h))
			first, second := get(http.MethodGet, "/"), get(http.MethodGet, "/")
			if tt.name == "" {
				if first.cache() != "" || second.cache() != "" || second.header.Get("Age") != "0" {
					t.Errorf("X-Cache %q, %q, Age %q, want no status field but Age 0", first.cache(), second.cache(), second.header.Get("Age"))
				}
				return
			}
			if first.header.Get(tt.name) != "MISS" || second.header.Get(tt.name) != "HIT" {
				t.Errorf("%s: %q then %q, want MISS then HIT", tt.name, first.header.Get(tt.name), second.header.Get(tt.name))
			}
		})
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	tests := []struct {
		name    string
		noCache bool
		opts    httpcache.Options
		want    string
	}{
		{"nil cache", true, httpcache.Options{}, "nil cache"},
		{"negative MaxBodyBytes", false, httpcache.Options{MaxBodyBytes: -1}, "MaxBodyBytes"},
		{"bad StatusHeader", false, httpcache.Options{StatusHeader: "X Cache"}, "StatusHeader"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c cache.Cache[[]byte] = newMapCache(newClock())
			if tt.noCache {
				c = nil
			}
			_, err := httpcache.New(c, tt.opts)
			if err == nil || !strings.HasPrefix(err.Error(), "httpcache: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: err = %v, want an httpcache error about %s", err, tt.want)
			}
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "httpcache: ") || !strings.Contains(msg, tt.want) {
					t.Errorf("Must panicked with %q, want an httpcache message about %s", msg, tt.want)
				}
			}()
			httpcache.Must(c, tt.opts)
		})
	}
}

func TestWithMemoryCache(t *testing.T) {
	clock := newClock()
	store, err := memorycache.New(memorycache.Options[string, []byte]{MaxEntries: 100, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := newCounter(http.StatusOK, "Cache-Control", "max-age=60", "Vary", "Accept")
	get := serve(t, newMiddleware(t, store, httpcache.Options{Now: clock.Now})(h))
	steps := []struct {
		advance      time.Duration
		accept, want string
	}{
		{0, "text/html", "MISS body 1"},
		{0, "text/plain", "MISS body 2"},
		{30 * time.Second, "text/html", "HIT body 1"},
		{30 * time.Second, "text/html", "MISS body 3"},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		if got := get(http.MethodGet, "/", "Accept", s.accept); got.cache()+" "+got.body != s.want {
			t.Errorf("step %d: %q, want %q", i, got.cache()+" "+got.body, s.want)
		}
	}
}
