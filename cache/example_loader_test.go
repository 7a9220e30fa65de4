package cache_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/memorycache"
)

// A Loader with negative caching: a lookup of an absent user is cached
// for NegativeTTL, so repeated lookups do not reach the database; Delete
// drops a cached result after the source changes.
func ExampleLoader() {
	ctx := context.Background()
	db := map[string]User{"u1": {ID: "u1", Name: "Ada"}}
	entries, err := memorycache.New(memorycache.Options[string, cache.Entry[User]]{})
	if err != nil {
		log.Fatal(err)
	}
	defer entries.Close()

	users, err := cache.NewLoader(entries, func(ctx context.Context, id string) (User, bool, error) {
		fmt.Println("query", id)
		u, ok := db[id]
		return u, ok, nil
	}, cache.LoaderOptions{
		TTL:                  5 * time.Minute,
		StaleWhileRevalidate: time.Minute, // serve stale for a minute while refreshing
		NegativeTTL:          30 * time.Second,
		Jitter:               0.1, // spread expiries ±10%
	})
	if err != nil {
		log.Fatal(err)
	}
	defer users.Close()

	for range 2 {
		u, found, err := users.Get(ctx, "u1")
		fmt.Println(u.Name, found, err)
		_, found, err = users.Get(ctx, "u2")
		fmt.Println("u2", found, err)
	}

	db["u2"] = User{ID: "u2", Name: "Grace"}
	if err := users.Delete(ctx, "u2"); err != nil {
		log.Fatal(err)
	}
	u, found, err := users.Get(ctx, "u2")
	fmt.Println(u.Name, found, err)
	// Output:
	// query u1
	// Ada true <nil>
	// query u2
	// u2 false <nil>
	// Ada true <nil>
	// u2 false <nil>
	// query u2
	// Grace true <nil>
}

// Over a byte-level backend (Redis in production; an in-process byte
// cache here), EntryCache encodes the Loader's entries.
func ExampleEntryCache() {
	ctx := context.Background()
	bytes, err := memorycache.New(memorycache.Options[string, []byte]{})
	if err != nil {
		log.Fatal(err)
	}
	defer bytes.Close()

	users, err := cache.NewLoader(cache.EntryCache[User](bytes, nil), func(ctx context.Context, id string) (User, bool, error) {
		return User{ID: id, Name: "Ada"}, true, nil
	}, cache.LoaderOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer users.Close()

	u, _, _ := users.Get(ctx, "u1")
	stored, _, _ := bytes.Get(ctx, "u1")
	fmt.Println(u.Name)
	fmt.Printf("%s\n", stored[14:]) // after the envelope's header and time
	// Output:
	// Ada
	// {"ID":"u1","Name":"Ada"}
}
