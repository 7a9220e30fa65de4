package rediscache

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The batch methods send one command per key in a pipeline rather than
// MGET or a multi-key DEL: a multi-key command fails on Redis Cluster as
// soon as two keys hash to different slots, while go-redis splits a
// pipeline by node. On a single server (or a failover client) a batch is
// one round trip; on a cluster it is one round trip per node involved, sent
// in parallel.

// GetMany returns the entries of keys that hit, in one round trip. A key
// that misses is absent from the map; duplicate keys are fine. An invalid
// key fails the whole call before anything is sent.
func (c *Cache[V]) GetMany(ctx context.Context, keys []string) (map[string]V, error) {
	var j keyJoiner
	keyBytes := 0
	for _, key := range keys {
		if err := c.check(key); err != nil {
			return nil, err
		}
		keyBytes += len(key)
	}
	out := make(map[string]V, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	pipe := c.client.Pipeline()
	cmds := make([]*redis.StringCmd, len(keys))
	j.grow(c.prefix, len(keys), keyBytes)
	for i, key := range keys {
		cmds[i] = pipe.Get(ctx, j.key(key))
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	for i, key := range keys {
		v, ok, err := c.result("get", key, cmds[i])
		if err != nil {
			return nil, err
		}
		if ok {
			out[key] = v
		}
	}
	return out, nil
}

// SetMany stores every item with the same ttl, with the meaning Set gives
// it, in one round trip. Every value is encoded before anything is sent,
// so an encoding error stores nothing. Redis gives no atomicity across a
// pipeline: after a network error some items may be stored and others not.
func (c *Cache[V]) SetMany(ctx context.Context, items map[string]V, ttl time.Duration) error {
	var j keyJoiner
	keyBytes := 0
	for key := range items {
		if err := c.check(key); err != nil {
			return err
		}
		keyBytes += len(key)
	}
	if len(items) == 0 {
		return nil
	}
	pipe := c.client.Pipeline()
	j.grow(c.prefix, len(items), keyBytes)
	if ttl < 0 {
		for key := range items {
			pipe.Del(ctx, j.key(key))
		}
		return exec(ctx, "del", pipe)
	}
	ttl = roundTTL(ttl)
	for key, value := range items {
		arg, err := c.encode(value)
		if err != nil {
			return fmt.Errorf("rediscache: encode %q: %w", key, err)
		}
		pipe.Set(ctx, j.key(key), arg, ttl)
	}
	return exec(ctx, "set", pipe)
}

// DeleteMany removes keys in one round trip. Absent keys are not an
// error.
func (c *Cache[V]) DeleteMany(ctx context.Context, keys []string) error {
	var j keyJoiner
	keyBytes := 0
	for _, key := range keys {
		if err := c.check(key); err != nil {
			return err
		}
		keyBytes += len(key)
	}
	if len(keys) == 0 {
		return nil
	}
	pipe := c.client.Pipeline()
	j.grow(c.prefix, len(keys), keyBytes)
	for _, key := range keys {
		pipe.Del(ctx, j.key(key))
	}
	return exec(ctx, "del", pipe)
}

// exec runs pipe and returns the first error of its commands.
func exec(ctx context.Context, op string, pipe redis.Pipeliner) error {
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("rediscache: pipelined %s: %w", op, err)
	}
	return nil
}

// keyJoiner hands out the Redis keys (prefix+key) of a batch carved from
// one string, so that a batch costs one allocation for its keys rather
// than one per key. The zero value is ready to use, given grow first.
type keyJoiner struct {
	prefix string
	sb     strings.Builder
}

// grow sizes j for n keys of keyBytes bytes in all, under prefix.
func (j *keyJoiner) grow(prefix string, n, keyBytes int) {
	j.prefix = prefix
	j.sb.Grow(n*len(prefix) + keyBytes)
}

// key returns prefix+key. The strings already returned stay valid: the
// builder only appends, and if it ever had to grow, the earlier strings
// would keep the old buffer.
func (j *keyJoiner) key(key string) string {
	start := j.sb.Len()
	j.sb.WriteString(j.prefix)
	j.sb.WriteString(key)
	return j.sb.String()[start:]
}
