package twolevel_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/cache/memorycache"
	"github.com/keel-go/keel/cache/rediscache"
	"github.com/keel-go/keel/cache/twolevel"
)

type User struct {
	Name string `json:"name"`
}

// This example needs a Redis server on 127.0.0.1:6379, so it has no
// output to check. Each instance of the service builds the same stack;
// a Set on one of them reaches the others' memory within a millisecond.
func Example() {
	ctx := context.Background()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()

	far, err := rediscache.New(client, rediscache.Options[User]{Prefix: "myapp:users:"})
	if err != nil {
		log.Fatal(err)
	}
	defer far.Close()
	near, err := memorycache.New(memorycache.Options[string, User]{MaxEntries: 10_000})
	if err != nil {
		log.Fatal(err)
	}
	defer near.Close()

	users, err := twolevel.New(near, far, client, twolevel.Options{
		MaxNearTTL: 30 * time.Second, // how stale a copy may be if an invalidation is lost
		OnError:    func(err error) { log.Print(err) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer users.Close() // runs first: stops the subscriber before near and far close

	if err := users.Set(ctx, "42", User{Name: "Ada"}, time.Hour); err != nil {
		log.Fatal(err)
	}
	u, ok, err := users.Get(ctx, "42") // from memory from now on
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Name, ok)
}
