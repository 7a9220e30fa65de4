package twolevel_test

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/rediscache"
	"github.com/keel-go/keel/cache/twolevel"
)

// nearMap is a minimal near cache: a map with TTLs. Clear makes it a
// twolevel.Clearer, which New requires.
type nearMap[V any] struct {
	mu sync.Mutex
	m  map[string]nearItem[V]
}

type nearItem[V any] struct {
	value   V
	expires time.Time
}

func (n *nearMap[V]) Get(_ context.Context, key string) (V, bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	it, ok := n.m[key]
	if !ok || !time.Now().Before(it.expires) {
		var zero V
		return zero, false, nil
	}
	return it.value, true, nil
}

// Set is only called with a positive ttl by a twolevel.Cache.
func (n *nearMap[V]) Set(_ context.Context, key string, value V, ttl time.Duration) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.m[key] = nearItem[V]{value, time.Now().Add(ttl)}
	return nil
}

func (n *nearMap[V]) Delete(_ context.Context, key string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.m, key)
	return nil
}

func (n *nearMap[V]) Close() error { return nil }

func (n *nearMap[V]) Clear() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.m)
}

var _ cache.Cache[int] = (*nearMap[int])(nil)

// Any cache with a Clear method can be the near cache. New does not wait
// for Redis: the invalidation channel is named after the far cache's
// prefix.
func ExampleNew_customNearCache() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer client.Close()
	far, err := rediscache.New(client, rediscache.Options[string]{Prefix: "myapp:names:", Codec: cache.String{}})
	if err != nil {
		log.Fatal(err)
	}
	defer far.Close()

	names, err := twolevel.New(&nearMap[string]{m: map[string]nearItem[string]{}}, far, client, twolevel.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer names.Close()
	fmt.Println("invalidations on", names.Channel())
	// Output: invalidations on myapp:names:invalidate
}
