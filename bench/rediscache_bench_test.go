package bench_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/rediscache"
)

// The Redis benchmarks compare keel's cache/rediscache with go-redis used
// directly, over the same client and the same server, so that the
// difference is the cost of the cache layer: the key prefix, the codec,
// the miss and error handling. Sub-benchmarks are named lib=keel|goredis
// for benchstat's -col /lib. They need KEEL_REDIS_URL and skip without it.
//
// ns/op is dominated by the round trip to the server and by the wait for a
// CPU on a shared machine; cpu-ns/op, the client process's own CPU time,
// is where the cost of the layer shows.

// redisValueSize is the size of the values stored: a small JSON document.
const redisValueSize = 512

// redisBatch is the number of keys of a GetMany.
const redisBatch = 10

// redisLib is one way of using Redis as a cache of []byte values, with the
// results in the same shape, so that the test can check every way alike.
type redisLib struct {
	name string
	// get reads key; a miss is (nil, false, nil).
	get func(ctx context.Context, key string) ([]byte, bool, error)
	// set stores key with a TTL.
	set func(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// getMany reads keys in one round trip; misses are absent.
	getMany func(ctx context.Context, keys []string) (map[string][]byte, error)
}

// redisLibs returns keel's cache and go-redis over client, both reading
// and writing the keys under prefix. Keys passed to go-redis get the
// prefix here, once per call, as keel adds it: the benchmarks pass keys
// that are ready-made for go-redis (see redisKeys), so that the baseline
// pays no concatenation at all and keel's own is counted against it.
func redisLibs(tb testing.TB, client *redis.Client, prefix string) []redisLib {
	tb.Helper()
	c, err := rediscache.New(client, rediscache.Options[[]byte]{Prefix: prefix, Codec: cache.Raw{}})
	if err != nil {
		tb.Fatalf("rediscache.New() = %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return []redisLib{
		{
			name:    "keel",
			get:     c.Get,
			set:     c.Set,
			getMany: c.GetMany,
		},
		{
			name: "goredis",
			get: func(ctx context.Context, key string) ([]byte, bool, error) {
				v, err := client.Get(ctx, key).Bytes()
				if errors.Is(err, redis.Nil) {
					return nil, false, nil
				}
				return v, err == nil, err
			},
			set: func(ctx context.Context, key string, value []byte, ttl time.Duration) error {
				return client.Set(ctx, key, value, ttl).Err()
			},
			getMany: func(ctx context.Context, keys []string) (map[string][]byte, error) {
				pipe := client.Pipeline()
				cmds := make([]*redis.StringCmd, len(keys))
				for i, key := range keys {
					cmds[i] = pipe.Get(ctx, key)
				}
				_, _ = pipe.Exec(ctx)
				out := make(map[string][]byte, len(keys))
				for i, cmd := range cmds {
					v, err := cmd.Bytes()
					if errors.Is(err, redis.Nil) {
						continue
					}
					if err != nil {
						return nil, err
					}
					out[keys[i]] = v
				}
				return out, nil
			},
		},
	}
}

// redisKeys returns the keys a library is given for the logical keys
// names: as they are for keel, which adds its prefix, and with the prefix
// for go-redis.
func redisKeys(lib, prefix string, names ...string) []string {
	keys := make([]string, len(names))
	for i, name := range names {
		keys[i] = name
		if lib != "keel" {
			keys[i] = prefix + name
		}
	}
	return keys
}

// benchRedis returns a client for KEEL_REDIS_URL and a fresh prefix whose
// keys are deleted at the end, or skips tb without the variable.
func benchRedis(tb testing.TB) (*redis.Client, string) {
	tb.Helper()
	url := os.Getenv("KEEL_REDIS_URL")
	if url == "" {
		tb.Skip("set KEEL_REDIS_URL=redis://127.0.0.1:6379/0 to run against Redis")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("redis.ParseURL(%q) = %v", url, err)
	}
	client := redis.NewClient(opts)
	tb.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("PING %s = %v", url, err)
	}
	prefix := "keeltest:bench:" + rand.Text() + ":"
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	return client, prefix
}

// redisValue returns a value of redisValueSize bytes.
func redisValue() []byte {
	v := make([]byte, redisValueSize)
	for i := range v {
		v[i] = 'a' + byte(i%26)
	}
	return v
}

// BenchmarkRedisGet reads one present key of redisValueSize bytes.
func BenchmarkRedisGet(b *testing.B) {
	client, prefix := benchRedis(b)
	ctx := context.Background()
	if err := client.Set(ctx, prefix+"k", redisValue(), 0).Err(); err != nil {
		b.Fatal(err)
	}
	for _, lib := range redisLibs(b, client, prefix) {
		key := redisKeys(lib.name, prefix, "k")[0]
		b.Run("lib="+lib.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				if v, ok, err := lib.get(ctx, key); err != nil || !ok || len(v) != redisValueSize {
					b.Fatalf("get(%q) = %d bytes, %v, %v", key, len(v), ok, err)
				}
			}
		})
	}
}

// BenchmarkRedisSet writes one key of redisValueSize bytes with a TTL.
func BenchmarkRedisSet(b *testing.B) {
	client, prefix := benchRedis(b)
	ctx := context.Background()
	value := redisValue()
	for _, lib := range redisLibs(b, client, prefix) {
		key := redisKeys(lib.name, prefix, "k")[0]
		b.Run("lib="+lib.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				if err := lib.set(ctx, key, value, time.Hour); err != nil {
					b.Fatalf("set(%q) = %v", key, err)
				}
			}
		})
	}
}

// BenchmarkRedisGetMany reads redisBatch present keys in one round trip:
// keel's GetMany against a go-redis pipeline of GETs collected into the
// same map.
func BenchmarkRedisGetMany(b *testing.B) {
	client, prefix := benchRedis(b)
	ctx := context.Background()
	names := make([]string, redisBatch)
	for i := range names {
		names[i] = fmt.Sprintf("k%d", i)
		if err := client.Set(ctx, prefix+names[i], redisValue(), 0).Err(); err != nil {
			b.Fatal(err)
		}
	}
	for _, lib := range redisLibs(b, client, prefix) {
		keys := redisKeys(lib.name, prefix, names...)
		b.Run("lib="+lib.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				if m, err := lib.getMany(ctx, keys); err != nil || len(m) != redisBatch {
					b.Fatalf("getMany() = %d hits, %v, want %d", len(m), err, redisBatch)
				}
			}
		})
	}
}

// stubRedis is a go-redis hook that answers GET, SET and DEL from a map
// instead of the network, so that a client using it measures only the
// client side: go-redis's own work, and keel's on top of it. It never
// calls the next hook, so the client never dials.
type stubRedis struct {
	mu sync.Mutex
	m  map[string]string
}

func newStubClient(tb testing.TB) *redis.Client {
	tb.Helper()
	client := redis.NewClient(&redis.Options{Addr: "stub.invalid:6379"})
	client.AddHook(&stubRedis{m: map[string]string{}})
	tb.Cleanup(func() { _ = client.Close() })
	return client
}

func (s *stubRedis) DialHook(redis.DialHook) redis.DialHook {
	return func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("stubRedis: no network")
	}
}

func (s *stubRedis) ProcessHook(redis.ProcessHook) redis.ProcessHook {
	return func(_ context.Context, cmd redis.Cmder) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.apply(cmd)
		return cmd.Err()
	}
}

func (s *stubRedis) ProcessPipelineHook(redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(_ context.Context, cmds []redis.Cmder) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		var first error
		for _, cmd := range cmds {
			s.apply(cmd)
			if err := cmd.Err(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
}

// apply runs cmd against the map; s.mu is held.
func (s *stubRedis) apply(cmd redis.Cmder) {
	args := cmd.Args()
	key := fmt.Sprint(args[1])
	switch c := cmd.(type) {
	case *redis.StringCmd: // GET
		if v, ok := s.m[key]; ok {
			c.SetVal(v)
		} else {
			c.SetErr(redis.Nil)
		}
	case *redis.StatusCmd: // SET key value [PX ms]
		switch v := args[2].(type) {
		case []byte:
			s.m[key] = string(v)
		case string:
			s.m[key] = v
		}
		c.SetVal("OK")
	case *redis.IntCmd: // DEL
		delete(s.m, key)
		c.SetVal(1)
	default:
		cmd.SetErr(fmt.Errorf("stubRedis: unsupported command %v", args))
	}
}

// BenchmarkRedisStub runs the Get, Set and GetMany cases over stubRedis:
// no server, no network, so what is left is the CPU cost of each library,
// without the round trip that dominates, and makes noisy, the benchmarks
// above. Sub-benchmarks are op=get|set|getmany/lib=keel|goredis.
func BenchmarkRedisStub(b *testing.B) {
	client := newStubClient(b)
	ctx := context.Background()
	const prefix = "stub:"
	value := redisValue()
	names := make([]string, redisBatch)
	for i := range names {
		names[i] = fmt.Sprintf("k%d", i)
		if err := client.Set(ctx, prefix+names[i], value, 0).Err(); err != nil {
			b.Fatal(err)
		}
	}
	libs := redisLibs(b, client, prefix)
	b.Run("op=get", func(b *testing.B) {
		for _, lib := range libs {
			key := redisKeys(lib.name, prefix, names[0])[0]
			b.Run("lib="+lib.name, func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					if v, ok, err := lib.get(ctx, key); err != nil || !ok || len(v) != redisValueSize {
						b.Fatalf("get(%q) = %d bytes, %v, %v", key, len(v), ok, err)
					}
				}
			})
		}
	})
	b.Run("op=set", func(b *testing.B) {
		for _, lib := range libs {
			key := redisKeys(lib.name, prefix, "set")[0]
			b.Run("lib="+lib.name, func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					if err := lib.set(ctx, key, value, time.Hour); err != nil {
						b.Fatalf("set(%q) = %v", key, err)
					}
				}
			})
		}
	})
	b.Run("op=getmany", func(b *testing.B) {
		for _, lib := range libs {
			keys := redisKeys(lib.name, prefix, names...)
			b.Run("lib="+lib.name, func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					if m, err := lib.getMany(ctx, keys); err != nil || len(m) != redisBatch {
						b.Fatalf("getMany() = %d hits, %v, want %d", len(m), err, redisBatch)
					}
				}
			})
		}
	})
}
