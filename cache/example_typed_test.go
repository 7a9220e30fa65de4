package cache_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/memorycache"
)

// Typed puts a value type over a byte-level cache with a codec, JSON by
// default. Over a backend with a Batcher, the batch helpers keep their
// single round trip.
func ExampleTyped() {
	ctx := context.Background()
	raw, err := memorycache.New(memorycache.Options[string, []byte]{})
	if err != nil {
		log.Fatal(err)
	}
	users := cache.Typed[User](raw, nil)
	defer users.Close() // closes raw

	if err := cache.SetMany(ctx, users, map[string]User{
		"u1": {ID: "u1", Name: "Ada"},
		"u2": {ID: "u2", Name: "Grace"},
	}, time.Hour); err != nil {
		log.Fatal(err)
	}
	got, err := cache.GetMany(ctx, users, []string{"u1", "u2", "u3"})
	fmt.Println(len(got), got["u2"].Name, err)

	b, _, _ := raw.Get(ctx, "u1")
	fmt.Println(string(b))
	// Output:
	// 2 Grace <nil>
	// {"ID":"u1","Name":"Ada"}
}
