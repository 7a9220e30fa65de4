//go:build !race

package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
)

// A Loader hit allocates nothing beyond what the backend does. (The race
// detector adds allocations, hence the build tag.)
func TestLoaderGetHitAllocs(t *testing.T) {
	backend := newMapcache[cache.Entry[string]](nil)
	l, err := cache.NewLoader(backend, func(context.Context, string) (string, bool, error) {
		return "v", true, nil
	}, cache.LoaderOptions{TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	if _, _, err := l.Get(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _, _ = l.Get(ctx, "k") }); n != 0 {
		t.Errorf("allocations per Loader.Get hit = %v, want 0", n)
	}
}
