package memorycache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/memorycache"
)

func Example() {
	ctx := context.Background()
	c, err := memorycache.New(memorycache.Options[string, string]{MaxEntries: 1000})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	_ = c.Set(ctx, "greeting", "hello", time.Minute)
	v, ok, err := c.Get(ctx, "greeting")
	fmt.Println(v, ok, err)
	_, ok, _ = c.Get(ctx, "missing")
	fmt.Println(ok)
	fmt.Printf("hit ratio %.2f\n", c.Stats().HitRatio())
	// Output:
	// hello true <nil>
	// false
	// hit ratio 0.50
}

// A Cache[string, V] satisfies cache.Cache[V], so code written against
// the interface runs on it (and on Redis).
func Example_interface() {
	var backend cache.Cache[[]byte] = memorycache.MustNew(memorycache.Options[string, []byte]{
		MaxCost: 64 << 20, // 64 MiB of values
		Cost:    func(key string, v []byte) int64 { return int64(len(key) + len(v)) },
	})
	defer backend.Close()

	ctx := context.Background()
	_ = backend.Set(ctx, "page:/", []byte("<html>…</html>"), 0)
	b, ok, _ := backend.Get(ctx, "page:/")
	fmt.Println(len(b), ok)
	// Output:
	// 16 true
}

// Tests drive TTLs with an injected clock instead of sleeping.
func Example_ttl() {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c := memorycache.MustNew(memorycache.Options[string, int]{
		Now: func() time.Time { return now },
	})
	defer c.Close()

	ctx := context.Background()
	_ = c.Set(ctx, "session", 1, 30*time.Minute)
	now = now.Add(29 * time.Minute)
	_, ok, _ := c.Get(ctx, "session")
	fmt.Println("after 29m:", ok)
	now = now.Add(time.Minute)
	_, ok, _ = c.Get(ctx, "session")
	fmt.Println("after 30m:", ok, "entries:", c.Len())
	// Output:
	// after 29m: true
	// after 30m: false entries: 0
}

func ExampleOptions_onEvict() {
	c := memorycache.MustNew(memorycache.Options[int, string]{
		Policy:     memorycache.LRU,
		MaxEntries: 2,
		OnEvict: func(k int, v string, r memorycache.EvictReason) {
			fmt.Println("evicted", k, v, "for", r)
		},
	})
	defer c.Close()

	ctx := context.Background()
	_ = c.Set(ctx, 1, "one", 0)
	_ = c.Set(ctx, 2, "two", 0)
	_, _, _ = c.Get(ctx, 1) // 2 is now the least recently used
	_ = c.Set(ctx, 3, "three", 0)
	// Output:
	// evicted 2 two for capacity
}

func ExampleCache_GetOrSet() {
	c := memorycache.MustNew(memorycache.Options[string, int]{})
	defer c.Close()

	ctx := context.Background()
	v, loaded, _ := c.GetOrSet(ctx, "k", 1, 0)
	fmt.Println(v, loaded)
	v, loaded, _ = c.GetOrSet(ctx, "k", 2, 0)
	fmt.Println(v, loaded)
	// Output:
	// 1 false
	// 1 true
}
