package redisstore_test

import (
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/auth/rebac/redisstore"
)

func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp:rebac:"})
	fmt.Println(store != nil, err)
	// Output: true <nil>
}
