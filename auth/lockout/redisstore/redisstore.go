// Package redisstore is a [lockout.Store] in Redis, shared by every
// instance of a service, so that a guesser meets the same counters and
// locks whichever instance answers.
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	lim := lockout.MustNew(lockout.Options{Store: redisstore.MustNew(client, redisstore.Options{})})
//
// Each operation is one Lua script or one command, so concurrent updates
// from any number of instances never lose a failure.
//
// # Time
//
// The store keeps absolute times (Unix milliseconds) computed from the now
// the [lockout.Limiter] passes, its instance's clock: failures expire and
// locks end by that clock, as with the memory store, which keeps the two
// interchangeable and lets tests drive the Redis store with an injected
// clock. Instances whose clocks drift by seconds disagree by as much about
// when a lock of minutes ends; keep them synchronized (NTP). Redis key
// expiry, set from the same durations, only removes records that can no
// longer matter.
//
// # Keys
//
// A key k is stored as <prefix>{k}:c (the failure counter, a hash of count
// and expiry) and <prefix>{k}:l (the lock's end). The braces keep both in
// one Redis Cluster slot. The limiter's keys hold no username, only a
// digest of it.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/keel-go/keel/auth/lockout"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix unless [Options.Prefix] sets another.
const DefaultPrefix = "keel:lockout:"

// failScript adds a failure: it restarts the count when the stored one
// has expired by the caller's clock, and sets the expiry to now + ttl.
// KEYS[1] counter; ARGV[1] now (ms), ARGV[2] ttl (ms).
var failScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'n', 'e')
local n = 0
if v[2] and tonumber(v[2]) > now then n = tonumber(v[1]) end
n = n + 1
redis.call('HSET', KEYS[1], 'n', n, 'e', now + ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
return n
`)

// lockScript sets the lock's end unless it is already later.
// KEYS[1] lock; ARGV[1] until (ms), ARGV[2] now (ms).
var lockScript = redis.NewScript(`
local untilMs = tonumber(ARGV[1])
local ttl = untilMs - tonumber(ARGV[2])
if ttl <= 0 then return 0 end
local cur = tonumber(redis.call('GET', KEYS[1]))
if cur and cur >= untilMs then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return 1
`)

// Options configures a [Store].
type Options struct {
	// Prefix starts every key the store writes. Default: [DefaultPrefix].
	Prefix string
}

// Store is a [lockout.Store] in Redis. Create one with [New]; the zero
// value is not usable. It is safe for concurrent use; the client belongs
// to the caller, who closes it.
type Store struct {
	client redis.UniversalClient
	prefix string
}

var _ lockout.Store = (*Store)(nil)

// New returns a Store over client.
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	return &Store{client: client, prefix: opts.Prefix}, nil
}

// MustNew is like [New] but panics on a nil client.
func MustNew(client redis.UniversalClient, opts Options) *Store {
	s, err := New(client, opts)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// Fail implements [lockout.Store].
func (s *Store) Fail(ctx context.Context, key string, ttl time.Duration, now time.Time) (int, error) {
	n, err := failScript.Run(ctx, s.client, []string{s.counterKey(key)}, now.UnixMilli(), ttl.Milliseconds()).Int()
	if err != nil {
		return 0, fmt.Errorf("redisstore: fail: %w", err)
	}
	return n, nil
}

// Lock implements [lockout.Store].
func (s *Store) Lock(ctx context.Context, key string, until, now time.Time) error {
	if err := lockScript.Run(ctx, s.client, []string{s.lockKey(key)}, until.UnixMilli(), now.UnixMilli()).Err(); err != nil {
		return fmt.Errorf("redisstore: lock: %w", err)
	}
	return nil
}

// LockedUntil implements [lockout.Store].
func (s *Store) LockedUntil(ctx context.Context, key string, now time.Time) (time.Time, error) {
	v, err := s.client.Get(ctx, s.lockKey(key)).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("redisstore: locked until: %w", err)
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("redisstore: locked until: corrupt lock %q", v)
	}
	if until := time.UnixMilli(ms); until.After(now) {
		return until, nil
	}
	return time.Time{}, nil
}

// Reset implements [lockout.Store].
func (s *Store) Reset(ctx context.Context, key string) error {
	if err := s.client.Del(ctx, s.counterKey(key), s.lockKey(key)).Err(); err != nil {
		return fmt.Errorf("redisstore: reset: %w", err)
	}
	return nil
}

func (s *Store) counterKey(key string) string { return s.prefix + "{" + key + "}:c" }
func (s *Store) lockKey(key string) string    { return s.prefix + "{" + key + "}:l" }
