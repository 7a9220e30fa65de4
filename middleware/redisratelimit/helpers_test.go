package redisratelimit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/internal/redistest"
	"github.com/keel-go/keel/internal/testclock"
	"github.com/keel-go/keel/middleware/redisratelimit"
)

// redisClient returns a client for KEEL_REDIS_URL (see package redistest).
func redisClient(tb testing.TB) *redis.Client { return redistest.Client(tb) }

// testPrefix returns a key prefix of tb's own, emptied when tb ends.
func testPrefix(tb testing.TB, client redis.UniversalClient) string {
	return redistest.Prefix(tb, client, "redisratelimit")
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

// clock is the tests' manual clock.
type clock = testclock.Clock

func newClock() *clock {
	return testclock.New(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
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
