package bench_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestRedisLibs checks that every library of the Redis benchmarks stores,
// reads and batch-reads the same entries, and reports a miss as a miss,
// against Redis when KEEL_REDIS_URL is set.
func TestRedisLibs(t *testing.T) {
	client, prefix := benchRedis(t)
	testRedisLibs(t, client, prefix)
	if ttl := client.PTTL(context.Background(), prefix+"keel:a").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("PTTL after set(ttl 1m) = %v, want within (0, 1m]", ttl)
	}
}

// TestRedisStubLibs runs the same checks over stubRedis, which needs no
// server: the stub benchmarks measure libraries that work.
func TestRedisStubLibs(t *testing.T) {
	testRedisLibs(t, newStubClient(t), "stub:")
}

func testRedisLibs(t *testing.T, client *redis.Client, prefix string) {
	ctx := context.Background()
	value := redisValue()
	for _, lib := range redisLibs(t, client, prefix) {
		t.Run(lib.name, func(t *testing.T) {
			keys := redisKeys(lib.name, prefix, lib.name+":a", lib.name+":b", lib.name+":absent")
			for _, key := range keys[:2] {
				if err := lib.set(ctx, key, value, time.Minute); err != nil {
					t.Fatalf("set(%q) = %v", key, err)
				}
			}
			if v, ok, err := lib.get(ctx, keys[0]); err != nil || !ok || !bytes.Equal(v, value) {
				t.Errorf("get(%q) = %d bytes, %v, %v, want the %d bytes set", keys[0], len(v), ok, err, len(value))
			}
			if v, ok, err := lib.get(ctx, keys[2]); err != nil || ok {
				t.Errorf("get(%q) = %q, %v, %v, want a miss", keys[2], v, ok, err)
			}
			m, err := lib.getMany(ctx, keys)
			if err != nil || len(m) != 2 || !bytes.Equal(m[keys[0]], value) || !bytes.Equal(m[keys[1]], value) {
				t.Errorf("getMany(%q) = %d hits, %v, want the 2 present keys", keys, len(m), err)
			}
		})
	}
}
