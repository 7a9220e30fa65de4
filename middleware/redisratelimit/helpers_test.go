package redisratelimit_test

import (
	"context"
	"crypto/rand"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/middleware/redisratelimit"
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
	prefix := "keeltest:redisratelimit:" + rand.Text() + ":"
	tb.Cleanup(func() {
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
	})
	return prefix
}

// newStore returns a Store over client with opts and a fresh prefix.
func newStore(tb testing.TB, client redis.UniversalClient, opts redisratelimit.Options) *redisratelimit.Store {
	tb.Helper()
	if opts.Prefix == "" {
		opts.Prefix = testPrefix(tb, client)
	}
	s, err := redisratelimit.New(client, opts)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return s
}

// unreachableClient returns a client whose server refuses connections at
// once. It is closed when tb ends.
func unreachableClient(tb testing.TB) *redis.Client {
	tb.Helper()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: time.Second, MaxRetries: -1})
	tb.Cleanup(func() { _ = client.Close() })
	return client
}

// clock is a manual clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// commandLog records the names of the commands a client sends.
type commandLog struct {
	mu    sync.Mutex
	names []string
}

func (l *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		l.mu.Lock()
		l.names = append(l.names, cmd.Name())
		l.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// take returns the names recorded since the last call.
func (l *commandLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.names
	l.names = nil
	return n
}
