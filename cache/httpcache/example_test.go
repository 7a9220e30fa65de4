package httpcache_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keel-go/keel/cache/httpcache"
	"github.com/keel-go/keel/cache/memorycache"
)

// newStore returns the store the examples cache responses in: keel's
// memory cache, bounded by the bytes it holds.
func newStore() *memorycache.Cache[string, []byte] {
	store, err := memorycache.New(memorycache.Options[string, []byte]{
		MaxCost: 64 << 20,
		Cost:    func(_ string, v []byte) int64 { return int64(len(v)) },
	})
	if err != nil {
		panic(err)
	}
	return store
}

func Example() {
	// A clock the example moves by hand; leave Now unset in production.
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	store := newStore()
	defer store.Close()
	mw := httpcache.Must(store, httpcache.Options{Now: func() time.Time { return now }})

	calls := 0
	report := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		// The handler says the response may be reused for a minute.
		w.Header().Set("Cache-Control", "public, max-age=60")
		fmt.Fprintf(w, "report #%d", calls)
	}))

	for _, wait := range []time.Duration{0, 5 * time.Second, 55 * time.Second} {
		now = now.Add(wait)
		w := httptest.NewRecorder()
		report.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/report", nil))
		fmt.Printf("after %2.0fs: %s, Age %q: %s\n", wait.Seconds(), w.Header().Get("X-Cache"), w.Header().Get("Age"), w.Body)
	}
	// Output:
	// after  0s: MISS, Age "": report #1
	// after  5s: HIT, Age "5": report #1
	// after 55s: MISS, Age "": report #2
}
