package redisstore_test

import (
	"fmt"

	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/auth/mfa/redisstore"
	"github.com/redis/go-redis/v9"
)

func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()

	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp:mfa:"})
	if err != nil {
		panic(err)
	}
	v := mfa.MustNew(mfa.Options{Issuer: "My App", Store: store})
	fmt.Println(v != nil)
	// Output: true
}
