package rediscache_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/rediscache"
)

type User struct {
	Name string `json:"name"`
}

// New does not contact the server: a cache is cheap to build, and every
// entry lives under its prefix.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()

	users, err := rediscache.New(client, rediscache.Options[User]{Prefix: "myapp:users:"})
	if err != nil {
		log.Fatal(err)
	}
	defer users.Close()

	fmt.Println("the entry for key 42 is the Redis key", users.Prefix()+"42")
	// Output: the entry for key 42 is the Redis key myapp:users:42
}

// This example needs a Redis server on 127.0.0.1:6379, so it has no
// output to check: it shows a round of Set, Get and a pipelined batch.
func Example() {
	ctx := context.Background()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()

	users, err := rediscache.New(client, rediscache.Options[User]{Prefix: "myapp:users:"})
	if err != nil {
		log.Fatal(err)
	}
	defer users.Close()

	if err := users.Set(ctx, "42", User{Name: "Ada"}, 10*time.Minute); err != nil {
		log.Fatal(err) // Redis failed: the entry may or may not be stored
	}
	u, ok, err := users.Get(ctx, "42")
	switch {
	case err != nil:
		log.Fatal(err) // Redis failed, or the stored value does not decode
	case !ok:
		fmt.Println("miss: load user 42 from the database")
	default:
		fmt.Println("hit:", u.Name)
	}

	// One round trip for the three keys; misses are absent from the map.
	found, err := cache.GetMany(ctx, users, []string{"42", "43", "44"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(found), "of 3 users cached")
}
