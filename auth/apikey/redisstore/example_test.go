package redisstore_test

import (
	"fmt"

	"github.com/keel-go/keel/auth/apikey"
	"github.com/keel-go/keel/auth/apikey/redisstore"
	"github.com/redis/go-redis/v9"
)

// ExampleNew wires API keys to Redis. The client connects on first use;
// the application owns and closes it.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()

	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp:apikey:"})
	if err != nil {
		panic(err)
	}
	keys, err := apikey.New(store, apikey.Options{Prefix: "myapp"})
	if err != nil {
		panic(err)
	}
	fmt.Println(keys.Challenge())
	// Output: Bearer realm="api"
}
