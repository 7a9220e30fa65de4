package redisstore_test

import (
	"fmt"

	"github.com/keel-go/keel/auth/lockout"
	"github.com/keel-go/keel/auth/lockout/redisstore"
	"github.com/redis/go-redis/v9"
)

func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()

	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp:lockout:"})
	if err != nil {
		panic(err)
	}
	lim := lockout.MustNew(lockout.Options{Store: store})
	fmt.Println(lim != nil)
	// Output: true
}
