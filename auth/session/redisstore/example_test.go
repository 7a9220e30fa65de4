package redisstore_test

import (
	"fmt"

	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/auth/session/redisstore"
	"github.com/redis/go-redis/v9"
)

// ExampleNew wires sessions to Redis. The client connects on first use;
// the application owns and closes it.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()

	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp:session:"})
	if err != nil {
		panic(err)
	}
	sessions, err := session.New(store, session.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(sessions.CookieName())
	// Output: __Host-session
}
