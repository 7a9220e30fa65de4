package rediscache_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/internal/redistest"
)

// redisClient returns a client for KEEL_REDIS_URL (see package redistest).
func redisClient(tb testing.TB) *redis.Client { return redistest.Client(tb) }

// testPrefix returns a key prefix of tb's own, emptied when tb ends.
func testPrefix(tb testing.TB, client redis.UniversalClient) string {
	return redistest.Prefix(tb, client, "rediscache")
}

// countKeys returns how many keys exist under prefix.
func countKeys(tb testing.TB, client redis.UniversalClient, prefix string) int {
	tb.Helper()
	n := 0
	iter := client.Scan(context.Background(), 0, prefix+"*", 100).Iterator()
	for iter.Next(context.Background()) {
		n++
	}
	if err := iter.Err(); err != nil {
		tb.Fatalf("SCAN %q = %v", prefix+"*", err)
	}
	return n
}

// unreachableClient returns a client whose server refuses connections at
// once: calls fail with a network error. It is closed when tb ends.
func unreachableClient(tb testing.TB) *redis.Client {
	tb.Helper()
	client := redis.NewClient(&redis.Options{
		Addr:               "127.0.0.1:1",
		DialTimeout:        time.Second,
		DialerRetries:      1,
		DialerRetryTimeout: time.Millisecond,
		MaxRetries:         -1,
	})
	tb.Cleanup(func() { _ = client.Close() })
	return client
}

// countingHook counts the commands go-redis sends one by one and the
// pipelines it sends, each pipeline being one round trip. It leaves out
// the handshake of a new connection (HELLO, CLIENT SETINFO), which go-redis
// also runs through the hooks.
type countingHook struct {
	process   int
	pipelines int
	piped     int // commands sent in pipelines
}

func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !isHandshake(cmd) {
			h.process++
		}
		return next(ctx, cmd)
	}
}

func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		n := 0
		for _, cmd := range cmds {
			if !isHandshake(cmd) {
				n++
			}
		}
		if n > 0 {
			h.pipelines++
			h.piped += n
		}
		return next(ctx, cmds)
	}
}

func isHandshake(cmd redis.Cmder) bool {
	name := cmd.Name()
	return name == "hello" || name == "client"
}
