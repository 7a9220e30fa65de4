package redisqueue_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/queuetest"
	"github.com/keel-go/keel/queue/redisqueue"
)

// client returns a client for KEEL_REDIS_URL, skipping the test when it is
// unset and failing it when the server does not answer.
func client(t testing.TB) *redis.Client {
	t.Helper()
	url := os.Getenv("KEEL_REDIS_URL")
	if url == "" {
		t.Skip("set KEEL_REDIS_URL=redis://127.0.0.1:6379/0 to run the Redis broker tests")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("KEEL_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis at KEEL_REDIS_URL does not answer: %v", err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// prefix returns a key prefix of the test's own and deletes its keys when
// the test ends.
func prefix(t testing.TB, rdb *redis.Client) string {
	var b [6]byte
	rand.Read(b[:])
	p := "keeltest:redisqueue:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() { cleanup(rdb, p) })
	return p
}

func cleanup(rdb *redis.Client, p string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, p+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Unlink(ctx, batch...)
	}
}

func newBroker(t *testing.T, rdb *redis.Client, p string) *redisqueue.Broker {
	t.Helper()
	b, err := redisqueue.New(rdb, redisqueue.Options{Prefix: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	rdb := client(t)
	p := prefix(t, rdb)
	queuetest.Run(t, func(t *testing.T) queue.Broker { return newBroker(t, rdb, p) }, queuetest.Options{})
}
