package redisratelimit_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/middleware/redisratelimit"
)

func ExampleNew() {
	// The client is yours: its pool, TLS and timeouts. New does not
	// connect; the first request does.
	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer client.Close()

	store, err := redisratelimit.New(client, redisratelimit.Options{Prefix: "shop:ratelimit:"})
	if err != nil {
		fmt.Println(err)
		return
	}
	limit := middleware.RateLimit(middleware.RateLimitOptions{
		Quota: middleware.Quota{Rate: 100, Window: time.Minute},
		Store: store,
	})
	handler := limit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	}))
	_ = handler // serve it with http.Server

	// The bucket of a client, for inspection with redis-cli or to reset
	// it with DEL: RateLimit's keys are the policy and the client's key.
	fmt.Println(store.Key("default:ip:192.0.2.1"))
	// Output:
	// shop:ratelimit:default:ip:192.0.2.1
}
