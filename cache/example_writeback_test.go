package cache_test

import (
	"context"
	"fmt"
	"log"
	"maps"
	"slices"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/memorycache"
)

// Write-behind of page-view counters: writes go to the cache at once and
// reach the database in batches; repeated writes to a key are coalesced,
// and Stop flushes what is left. In a service, add the WriteBack to a
// shutdown.Manager, which calls Stop with the shutdown deadline.
func ExampleWriteBack() {
	ctx := context.Background()
	counters, err := memorycache.New(memorycache.Options[string, int]{})
	if err != nil {
		log.Fatal(err)
	}
	defer counters.Close()

	views, err := cache.NewWriteBack(counters, cache.WriteBackOptions[int]{
		Store: func(ctx context.Context, items map[string]int) error {
			for _, k := range slices.Sorted(maps.Keys(items)) {
				fmt.Printf("UPSERT %s = %d\n", k, items[k])
			}
			return nil
		},
		Interval: 10 * time.Second,
		MaxBatch: 500,
	})
	if err != nil {
		log.Fatal(err)
	}

	for i := 1; i <= 3; i++ {
		if err := views.Set(ctx, "/home", i*100); err != nil {
			log.Fatal(err)
		}
	}
	if err := views.Set(ctx, "/about", 7); err != nil {
		log.Fatal(err)
	}
	n, _, _ := views.Get(ctx, "/home")
	fmt.Println("cached:", n, "buffered:", views.Pending())

	stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := views.Stop(stopCtx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// cached: 300 buffered: 2
	// UPSERT /about = 7
	// UPSERT /home = 300
}
