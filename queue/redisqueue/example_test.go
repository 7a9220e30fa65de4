package redisqueue_test

import (
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/redisqueue"
)

func ExampleNew() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	broker, err := redisqueue.New(rdb, redisqueue.Options{Prefix: "myapp:jobs:"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer broker.Close()
	client, err := queue.NewClient(broker, queue.ClientOptions{Queue: "emails"})
	fmt.Println(client != nil, err)
	// Output: true <nil>
}
