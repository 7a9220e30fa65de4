// Package redistest connects the project's tests to the Redis server named
// by KEEL_REDIS_URL, the rule every Redis-backed package follows: a test
// skips with a message when the variable is unset and fails when it is set
// and the server does not answer; it works under a key prefix of its own
// and deletes what it wrote, never the shared database.
package redistest

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Env is the variable that names the test server.
const Env = "KEEL_REDIS_URL"

// Options returns the client options of the server named by KEEL_REDIS_URL.
// It skips tb when the variable is unset and fails it when the URL is
// invalid.
func Options(tb testing.TB) *redis.Options {
	tb.Helper()
	url := os.Getenv(Env)
	if url == "" {
		tb.Skip("set KEEL_REDIS_URL=redis://127.0.0.1:6379/0 to run against Redis")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("redis.ParseURL(%s=%q) = %v", Env, url, err)
	}
	return opts
}

// Connect returns a client made from opts, closed when tb ends, after
// checking that the server answers within ten seconds; it fails tb when
// it does not.
func Connect(tb testing.TB, opts *redis.Options) *redis.Client {
	tb.Helper()
	client := redis.NewClient(opts)
	tb.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		tb.Fatalf("Redis at %s (%s) does not answer: %v", Env, opts.Addr, err)
	}
	return client
}

// Client returns a client for the server named by KEEL_REDIS_URL, closed
// when tb ends: Connect(tb, Options(tb)).
func Client(tb testing.TB) *redis.Client {
	tb.Helper()
	return Connect(tb, Options(tb))
}

// Prefix returns a key prefix no other test uses, "keeltest:<name>:<random>:",
// and deletes every key under it when tb ends (before a client from this
// package is closed, since cleanups run in reverse order).
func Prefix(tb testing.TB, client redis.UniversalClient, name string) string {
	tb.Helper()
	prefix := "keeltest:" + name + ":" + rand.Text()[:16] + ":"
	tb.Cleanup(func() { DeletePrefix(tb, client, prefix) })
	return prefix
}

// ClientPrefix returns Client(tb) and a Prefix of tb's own on it.
func ClientPrefix(tb testing.TB, name string) (*redis.Client, string) {
	tb.Helper()
	client := Client(tb)
	return client, Prefix(tb, client, name)
}

// DeletePrefix deletes every key under prefix, SCAN after SCAN, with one
// UNLINK per batch of keys, reporting failures on tb.
func DeletePrefix(tb testing.TB, client redis.UniversalClient, prefix string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := client.Scan(ctx, 0, prefix+"*", 500).Iterator()
	batch := make([]string, 0, 500)
	unlink := func() {
		if err := client.Unlink(ctx, batch...).Err(); err != nil {
			tb.Errorf("cleanup: UNLINK %d keys under %q = %v", len(batch), prefix, err)
		}
		batch = batch[:0]
	}
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == cap(batch) {
			unlink()
		}
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("cleanup: SCAN %q = %v", prefix+"*", err)
	}
	if len(batch) > 0 {
		unlink()
	}
}
