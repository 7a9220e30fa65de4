package cache_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/memorycache"
)

type User struct {
	ID   string
	Name string
}

// A cache-aside read path: a Loader over an in-process cache of entries.
// The first request for a user queries the database and caches the
// result; later requests are served from the cache until the TTL passes.
// Concurrent misses on one key share one query.
func Example() {
	ctx := context.Background()
	entries, err := memorycache.New(memorycache.Options[string, cache.Entry[User]]{MaxEntries: 10_000})
	if err != nil {
		log.Fatal(err)
	}
	defer entries.Close()

	queries := 0
	users, err := cache.NewLoader(entries, func(ctx context.Context, id string) (User, bool, error) {
		queries++ // SELECT ... WHERE id = $1
		return User{ID: id, Name: "Ada"}, true, nil
	}, cache.LoaderOptions{TTL: 5 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	defer users.Close()

	for range 3 {
		u, found, err := users.Get(ctx, "u1")
		fmt.Println(u.Name, found, err)
	}
	fmt.Println("queries:", queries)
	// Output:
	// Ada true <nil>
	// Ada true <nil>
	// Ada true <nil>
	// queries: 1
}
