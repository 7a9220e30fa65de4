package httpcache_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/keel-go/keel/cache/httpcache"
)

func TestBackendErrorsNeverFailTheRequest(t *testing.T) {
	clock := newClock()
	store := newMapCache(clock)
	store.setFail(errors.New("dial tcp 10.0.0.9:6379: connection refused"))
	var sink logSink
	h := newCounter(http.StatusOK, "Cache-Control", "max-age=60")
	get := serve(t, sink.attach(newMiddleware(t, store, httpcache.Options{Now: clock.Now})(h)))

	for i := range 3 {
		got := get(http.MethodGet, "/")
		if got.status != 200 || got.cache() != "MISS" || got.body != "body "+strconv.Itoa(i+1) {
			t.Errorf("request %d: %d X-Cache %q body %q, want 200 MISS from the handler", i, got.status, got.cache(), got.body)
		}
		if strings.Contains(got.body, "10.0.0.9") {
			t.Errorf("request %d: body leaks the backend error", i)
		}
	}
	var reads, writes int
	for _, e := range sink.entries(t) {
		if e["level"] != "error" || !strings.Contains(e["error"].(string), "connection refused") {
			t.Errorf("log entry %v, want an error entry with the backend error", e)
		}
		switch e["message"] {
		case "httpcache: cache read failed; serving from the handler":
			reads++
		case "httpcache: cache write failed; response not stored":
			writes++
		}
	}
	if reads != 3 || writes != 3 {
		t.Errorf("logged %d read and %d write failures, want 3 and 3", reads, writes)
	}

	// The backend recovers: the cache works again.
	store.setFail(nil)
	get(http.MethodGet, "/")
	if got := get(http.MethodGet, "/"); got.cache() != "HIT" {
		t.Errorf("after recovery: X-Cache %q, want HIT", got.cache())
	}
}

func TestCorruptRecords(t *testing.T) {
	garbage := [][]byte{
		[]byte("not a record"),
		nil,
		[]byte("KHC\x01R"),             // truncated
		[]byte("KHC\x02R\x00\x00\x00"), // another version
		[]byte("KHC\x01V\x00\x00\x01\x01" + "\x00"), // a Vary record naming ""
	}
	tests := []struct {
		name        string
		vary        bool // the handler varies on Accept, so there are two records
		variantOnly bool // only the variant's record is corrupt
		storable    bool // the response replacing the corrupt record is storable
	}{
		{"response replaced", false, false, true},
		{"response deleted", false, false, false},
		{"vary record replaced", true, false, true},
		{"vary record deleted", true, false, false},
		{"variant replaced", true, true, true},
		{"variant deleted", true, true, false},
	}
	for _, tt := range tests {
		for gi, g := range garbage {
			t.Run(tt.name, func(t *testing.T) {
				clock := newClock()
				store := newMapCache(clock)
				var sink logSink
				cc := "max-age=60"
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Cache-Control", cc)
					if tt.vary {
						w.Header().Set("Vary", "Accept")
					}
					w.Write([]byte("fresh"))
				})
				get := serve(t, sink.attach(newMiddleware(t, store, httpcache.Options{Now: clock.Now})(h)))
				get(http.MethodGet, "/", "Accept", "text/plain")
				keys := store.keys()
				if want := map[bool]int{false: 1, true: 2}[tt.vary]; len(keys) != want {
					t.Fatalf("stored %q, want %d records", keys, want)
				}
				// Keys sort the URL's record before its variants'.
				corrupt := keys[0]
				if tt.variantOnly {
					corrupt = keys[1]
				}
				store.put(corrupt, g)
				if !tt.storable {
					cc = "no-store"
				}

				got := get(http.MethodGet, "/", "Accept", "text/plain")
				if got.status != 200 || got.cache() != "MISS" || got.body != "fresh" {
					t.Errorf("garbage %d: %d X-Cache %q body %q, want 200 MISS fresh", gi, got.status, got.cache(), got.body)
				}
				var warned bool
				for _, e := range sink.entries(t) {
					warned = warned || e["level"] == "warn" && strings.Contains(e["message"].(string), "corrupt cache record")
				}
				if !warned {
					t.Errorf("garbage %d: no warning logged", gi)
				}
				if tt.storable {
					if got := get(http.MethodGet, "/", "Accept", "text/plain"); got.cache() != "HIT" || got.body != "fresh" {
						t.Errorf("garbage %d: next request X-Cache %q body %q, want HIT fresh: the record was replaced", gi, got.cache(), got.body)
					}
					return
				}
				// Not storable: the corrupt record is deleted.
				if store.has(corrupt) {
					t.Errorf("garbage %d: corrupt record %q kept", gi, corrupt)
				}
			})
		}
	}
}
