package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/keel-go/keel/router"
)

// TestItemsLoadOncePerBurst sends a burst of concurrent requests for one
// cold item: the cache-aside loader reads the catalog once for all of them,
// and caches an unknown ID's not-found the same way.
func TestItemsLoadOncePerBurst(t *testing.T) {
	var loads atomic.Int32
	gate := make(chan struct{})
	started := make(chan struct{}, 100)
	c := newCatalog()
	counting := func(ctx context.Context, key string) (item, bool, error) {
		loads.Add(1)
		started <- struct{}{}
		<-gate
		return c.load(ctx, key)
	}
	l, entries, err := newItemLoaderWith(counting)
	if err != nil {
		t.Fatal(err)
	}
	defer entries.Close()
	defer l.Close()
	r := router.New()
	r.Get("/items/:id", handleItem(l), router.Where("id", router.Int()))

	for _, tc := range []struct {
		path string
		code int
	}{{"/items/1", 200}, {"/items/9", 404}} {
		loads.Store(0)
		gate = make(chan struct{})
		var wg sync.WaitGroup
		codes := make([]int, 20)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
				codes[i] = rec.Code
			}()
		}
		<-started // the first miss is loading; the others wait on it or are about to
		close(gate)
		wg.Wait()
		if n := loads.Load(); n != 1 {
			t.Errorf("%s: %d loads for 20 concurrent requests, want 1", tc.path, n)
		}
		for _, code := range codes {
			if code != tc.code {
				t.Errorf("%s: status %d, want %d", tc.path, code, tc.code)
			}
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if n := loads.Load(); n != 1 || rec.Code != tc.code {
			t.Errorf("%s again: status %d after %d loads, want %d from the cache", tc.path, rec.Code, n, tc.code)
		}
	}
}
