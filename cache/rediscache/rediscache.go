package rediscache

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/errors"
)

// Defaults applied by [New] to the zero fields of [Options].
const (
	// DefaultPrefix is the namespace of a [Cache] whose Options.Prefix is
	// empty.
	DefaultPrefix = "keel:cache:"
	// DefaultMaxKeyLen is the longest key, in bytes and without the prefix,
	// that a [Cache] whose Options.MaxKeyLen is zero accepts.
	DefaultMaxKeyLen = 1024
)

// Options configures a [Cache]. Every zero field means "use the default".
type Options[V any] struct {
	// Prefix is the namespace of the cache: the entry for key is stored
	// under the Redis key Prefix+key, so caches with different prefixes
	// never see each other's entries, and the cache touches no Redis key
	// outside its prefix. End it with a separator (":") so that the keys
	// of one prefix can never look like the keys of another. Default
	// [DefaultPrefix].
	Prefix string
	// Codec turns values into the bytes stored in Redis and back. Default
	// [cache.JSON]. With [cache.Raw] (V = []byte) or [cache.String]
	// (V = string) the value travels without a copy of its own: Get
	// returns the bytes go-redis read, which nobody else holds.
	Codec cache.Codec[V]
	// MaxKeyLen is the longest key accepted, in bytes, not counting the
	// prefix; a longer key fails with [cache.ErrInvalidKey]. Default
	// [DefaultMaxKeyLen]. Redis itself allows keys up to 512 MB, but a
	// long key costs memory and bandwidth on every call.
	MaxKeyLen int
}

func (o Options[V]) withDefaults() Options[V] {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Codec == nil {
		o.Codec = cache.JSON[V]{}
	}
	if o.MaxKeyLen == 0 {
		o.MaxKeyLen = DefaultMaxKeyLen
	}
	return o
}

func (o Options[V]) validate() error {
	if o.MaxKeyLen < 0 {
		return fmt.Errorf("rediscache: Options.MaxKeyLen is %d, want a positive length or 0 for the default", o.MaxKeyLen)
	}
	return nil
}

// Cache is a [cache.Cache] and a [cache.Batcher] stored in Redis. Each
// entry is one Redis string under Prefix+key, with Redis's own expiry as
// its TTL, so every instance of a service that shares the Redis server
// sees the same entries.
//
// The zero value is invalid: use [New]. A Cache is safe for concurrent
// use. Close it when done; Close does not close the Redis client, which
// belongs to the caller.
type Cache[V any] struct {
	client    redis.UniversalClient
	prefix    string
	maxKeyLen int
	// decode and encode are the codec, or a copy-free equivalent for
	// cache.Raw and cache.String chosen once by New.
	decode func(cmd *redis.StringCmd) (V, error)
	encode func(v V) (any, error)
	closed atomic.Bool
}

var (
	_ cache.Cache[any]   = (*Cache[any])(nil)
	_ cache.Batcher[any] = (*Cache[any])(nil)
)

// New returns a Cache that stores its entries through client, which may
// be a *redis.Client, a *redis.ClusterClient, a *redis.Ring or a failover
// client. It fails if client is nil or opts is invalid; it does not
// contact the server.
func New[V any](client redis.UniversalClient, opts Options[V]) (*Cache[V], error) {
	if client == nil {
		return nil, errors.New("rediscache: nil client")
	}
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	c := &Cache[V]{
		client:    client,
		prefix:    opts.Prefix,
		maxKeyLen: opts.MaxKeyLen,
	}
	c.decode, c.encode = codecFuncs(opts.Codec)
	return c, nil
}

// codecFuncs returns the decode and encode functions of codec. decode is
// given a GET that succeeded. go-redis reads a reply into a fresh string
// that only the command holds, and StringCmd.Bytes returns that memory
// without a copy, so the bytes handed to Unmarshal (or returned as is for
// cache.Raw, and as a string for cache.String) are shared with no one once
// the command is dropped. go-redis takes a []byte or a string argument as
// it is, so the raw and string codecs skip their own copy on Set too: the
// value is written out before Set returns and not kept. The type
// assertions succeed exactly when V is []byte or string.
func codecFuncs[V any](codec cache.Codec[V]) (func(*redis.StringCmd) (V, error), func(V) (any, error)) {
	switch any(codec).(type) {
	case cache.Raw:
		dec, okDec := any(decodeRaw).(func(*redis.StringCmd) (V, error))
		enc, okEnc := any(encodeRaw).(func(V) (any, error))
		if okDec && okEnc {
			return dec, enc
		}
	case cache.String:
		dec, okDec := any(decodeString).(func(*redis.StringCmd) (V, error))
		enc, okEnc := any(encodeString).(func(V) (any, error))
		if okDec && okEnc {
			return dec, enc
		}
	}
	dec := func(cmd *redis.StringCmd) (V, error) {
		b, _ := cmd.Bytes()
		return codec.Unmarshal(b)
	}
	enc := func(v V) (any, error) {
		b, err := codec.Marshal(v)
		return b, err
	}
	return dec, enc
}

func decodeRaw(cmd *redis.StringCmd) ([]byte, error) {
	b, _ := cmd.Bytes()
	return b, nil
}

func decodeString(cmd *redis.StringCmd) (string, error) { return cmd.Val(), nil }
func encodeRaw(v []byte) (any, error)                   { return v, nil }
func encodeString(v string) (any, error)                { return v, nil }

// Prefix returns the namespace of the cache: every entry is stored under
// Prefix()+key.
func (c *Cache[V]) Prefix() string { return c.prefix }

// Get returns the value stored under key. A key that is absent or expired
// is a miss: (zero, false, nil). An error from Redis is returned as an
// error, never as a miss, and so is a value the codec cannot decode, as a
// [*cache.DecodeError].
func (c *Cache[V]) Get(ctx context.Context, key string) (V, bool, error) {
	if err := c.check(key); err != nil {
		var zero V
		return zero, false, err
	}
	return c.result("get", key, c.client.Get(ctx, c.prefix+key))
}

// GetWithTTL is Get that also returns how long the entry has left to
// live, 0 for an entry without expiry. It costs one round trip (a
// pipeline of GET and PTTL). Caches layered over this one, such as a
// near cache in front of it, use the TTL so that their copy never outlives
// the entry.
func (c *Cache[V]) GetWithTTL(ctx context.Context, key string) (V, time.Duration, bool, error) {
	var zero V
	if err := c.check(key); err != nil {
		return zero, 0, false, err
	}
	pipe := c.client.Pipeline()
	get := pipe.Get(ctx, c.prefix+key)
	pttl := pipe.PTTL(ctx, c.prefix+key)
	_, _ = pipe.Exec(ctx) // the commands carry their own errors
	v, ok, err := c.result("get", key, get)
	if err != nil || !ok {
		return zero, 0, false, err
	}
	ttl, err := pttl.Result()
	switch {
	case err != nil:
		return zero, 0, false, fmt.Errorf("rediscache: pttl %q: %w", key, err)
	case ttl == -1: // no expiry
		return v, 0, true, nil
	case ttl < 0: // -2: the entry expired between GET and PTTL
		return zero, 0, false, nil
	case ttl == 0: // less than a millisecond left
		ttl = time.Nanosecond
	}
	return v, ttl, true, nil
}

// Set stores value under key for ttl: no expiry if ttl is 0, and a
// negative ttl deletes key. Redis keeps TTLs in milliseconds: a ttl that
// is not a whole number of milliseconds is rounded up.
func (c *Cache[V]) Set(ctx context.Context, key string, value V, ttl time.Duration) error {
	if err := c.check(key); err != nil {
		return err
	}
	if ttl < 0 {
		return c.del(ctx, key)
	}
	arg, err := c.encode(value)
	if err != nil {
		return fmt.Errorf("rediscache: encode %q: %w", key, err)
	}
	if err := c.client.Set(ctx, c.prefix+key, arg, roundTTL(ttl)).Err(); err != nil {
		return fmt.Errorf("rediscache: set %q: %w", key, err)
	}
	return nil
}

// Delete removes key. Deleting an absent key is not an error.
func (c *Cache[V]) Delete(ctx context.Context, key string) error {
	if err := c.check(key); err != nil {
		return err
	}
	return c.del(ctx, key)
}

func (c *Cache[V]) del(ctx context.Context, key string) error {
	if err := c.client.Del(ctx, c.prefix+key).Err(); err != nil {
		return fmt.Errorf("rediscache: del %q: %w", key, err)
	}
	return nil
}

// Close marks the cache closed: every later call returns
// [cache.ErrClosed]. It does not close the Redis client. Close is
// idempotent and always returns nil.
func (c *Cache[V]) Close() error {
	c.closed.Store(true)
	return nil
}

// check returns cache.ErrClosed after Close and cache.ErrInvalidKey for a
// key the cache does not accept.
func (c *Cache[V]) check(key string) error {
	if c.closed.Load() {
		return cache.ErrClosed
	}
	if key == "" {
		return fmt.Errorf("%w: empty key", cache.ErrInvalidKey)
	}
	if len(key) > c.maxKeyLen {
		return fmt.Errorf("%w: key of %d bytes, longer than %d", cache.ErrInvalidKey, len(key), c.maxKeyLen)
	}
	return nil
}

// result turns the reply of a GET into Get's results: redis.Nil is a miss,
// any other error an error, and a value is decoded.
func (c *Cache[V]) result(op, key string, cmd *redis.StringCmd) (V, bool, error) {
	var zero V
	if err := cmd.Err(); err != nil {
		if errors.Is(err, redis.Nil) {
			return zero, false, nil
		}
		return zero, false, fmt.Errorf("rediscache: %s %q: %w", op, key, err)
	}
	v, err := c.decode(cmd)
	if err != nil {
		return zero, false, &cache.DecodeError{Key: key, Err: err}
	}
	return v, true, nil
}

// roundTTL rounds a positive ttl up to a whole number of milliseconds,
// the precision of Redis expiries, so that an entry never expires before
// the ttl it was given. go-redis would truncate it instead.
func roundTTL(ttl time.Duration) time.Duration {
	if r := ttl % time.Millisecond; r != 0 {
		ttl += time.Millisecond - r
	}
	return ttl
}
