package rediscache_test

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisClient returns a client for the server in KEEL_REDIS_URL, closed
// when tb ends. It skips tb when the variable is unset and fails it when
// the server does not answer.
func redisClient(tb testing.TB) *redis.Client {
	tb.Helper()
	url := os.Getenv("KEEL_REDIS_URL")
	if url == "" {
		tb.Skip("set KEEL_REDIS_URL=redis://127.0.0.1:6379/0 to run against Redis")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("redis.ParseURL(KEEL_REDIS_URL=%q) = %v", url, err)
	}
	client := redis.NewClient(opts)
	tb.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		tb.Fatalf("PING %s = %v, want PONG", url, err)
	}
	return client
}

// testPrefix returns a key prefix no other test uses and deletes every
// key under it when tb ends.
func testPrefix(tb testing.TB, client redis.UniversalClient) string {
	tb.Helper()
	prefix := "keeltest:rediscache:" + rand.Text() + ":"
	tb.Cleanup(func() { deletePrefix(tb, client, prefix) })
	return prefix
}

// deletePrefix deletes the keys under prefix with SCAN and DEL.
func deletePrefix(tb testing.TB, client redis.UniversalClient, prefix string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		if err := client.Del(ctx, iter.Val()).Err(); err != nil {
			tb.Errorf("cleanup: DEL %q = %v", iter.Val(), err)
		}
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("cleanup: SCAN %q = %v", prefix+"*", err)
	}
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
