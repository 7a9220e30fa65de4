// Package redisstore is an [mfa.Store] in Redis, shared by every instance
// of a service, so that a TOTP code or a recovery code accepted by one
// instance is refused by all, and the attempt limit counts across them.
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	v := mfa.MustNew(mfa.Options{
//		Issuer: "Keel Shop",
//		Store:  redisstore.MustNew(client, redisstore.Options{}),
//	})
//
// The compare-and-advance of time steps and the attempt counter are Lua
// scripts, so they are atomic; a recovery code is consumed by SREM, which
// removes it for exactly one caller; replacing the codes is one MULTI.
//
// # Time
//
// The attempt window is kept as an absolute time (Unix milliseconds)
// computed from the now the [mfa.Verifier] passes, its instance's clock, so
// the store behaves as the memory store does and tests can drive it with
// an injected clock. Keep the instances' clocks synchronized (NTP): TOTP
// depends on that anyway. A user's last accepted step expires after a day,
// when no code can be accepted for an earlier step any more.
//
// # Keys
//
// For a user u: <prefix>{u}:s (last step), <prefix>{u}:a (attempts, a hash
// of count and window end) and <prefix>{u}:r (a set of recovery code
// digests). The braces keep a user's keys in one Redis Cluster slot.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/keel-go/keel/auth/mfa"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix unless [Options.Prefix] sets another.
const DefaultPrefix = "keel:mfa:"

// stepTTL is how long a user's last accepted step is kept: far longer than
// any window of steps a code is accepted in (at most 7 steps of at most
// 10 minutes).
const stepTTL = 24 * time.Hour

// advanceScript records ARGV[1] as the last step when it is greater.
// KEYS[1] step; ARGV[1] step, ARGV[2] ttl (ms).
var advanceScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]))
local step = tonumber(ARGV[1])
if cur and cur >= step then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// attemptScript counts an attempt in a fixed window that starts with the
// first attempt finding none. KEYS[1] attempts; ARGV[1] now (ms),
// ARGV[2] window (ms). It returns {count, window end}.
var attemptScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local v = redis.call('HMGET', KEYS[1], 'n', 'e')
local n, e = 0, tonumber(v[2])
if e and e > now then
	n = tonumber(v[1])
else
	e = now + tonumber(ARGV[2])
end
n = n + 1
redis.call('HSET', KEYS[1], 'n', n, 'e', e)
redis.call('PEXPIRE', KEYS[1], e - now)
return {n, e}
`)

// Options configures a [Store].
type Options struct {
	// Prefix starts every key the store writes. Default: [DefaultPrefix].
	Prefix string
}

// Store is an [mfa.Store] in Redis. Create one with [New]; the zero value
// is not usable. It is safe for concurrent use; the client belongs to the
// caller, who closes it.
type Store struct {
	client redis.UniversalClient
	prefix string
}

var _ mfa.Store = (*Store)(nil)

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

// AdvanceStep implements [mfa.Store].
func (s *Store) AdvanceStep(ctx context.Context, user string, step int64) (bool, error) {
	n, err := advanceScript.Run(ctx, s.client, []string{s.key(user, "s")}, step, stepTTL.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("redisstore: advance step: %w", err)
	}
	return n == 1, nil
}

// Attempt implements [mfa.Store].
func (s *Store) Attempt(ctx context.Context, user string, window time.Duration, now time.Time) (int, time.Time, error) {
	v, err := attemptScript.Run(ctx, s.client, []string{s.key(user, "a")}, now.UnixMilli(), window.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("redisstore: attempt: %w", err)
	}
	if len(v) != 2 {
		return 0, time.Time{}, fmt.Errorf("redisstore: attempt: unexpected reply %v", v)
	}
	return int(v[0]), time.UnixMilli(v[1]), nil
}

// ResetAttempts implements [mfa.Store].
func (s *Store) ResetAttempts(ctx context.Context, user string) error {
	if err := s.client.Del(ctx, s.key(user, "a")).Err(); err != nil {
		return fmt.Errorf("redisstore: reset attempts: %w", err)
	}
	return nil
}

// SetRecoveryCodes implements [mfa.Store].
func (s *Store) SetRecoveryCodes(ctx context.Context, user string, digests []string) error {
	key := s.key(user, "r")
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		if len(digests) > 0 {
			members := make([]any, len(digests))
			for i, d := range digests {
				members[i] = d
			}
			p.SAdd(ctx, key, members...)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: set recovery codes: %w", err)
	}
	return nil
}

// UseRecoveryCode implements [mfa.Store]. Redis finds the digest by hash
// lookup, not a constant-time comparison; what an attacker could time is
// a digest of a 50-bit random code, which tells nothing usable about the
// code.
func (s *Store) UseRecoveryCode(ctx context.Context, user, digest string) (bool, error) {
	n, err := s.client.SRem(ctx, s.key(user, "r"), digest).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: use recovery code: %w", err)
	}
	return n == 1, nil
}

// Forget implements [mfa.Store].
func (s *Store) Forget(ctx context.Context, user string) error {
	if err := s.client.Del(ctx, s.key(user, "s"), s.key(user, "a"), s.key(user, "r")).Err(); err != nil {
		return fmt.Errorf("redisstore: forget: %w", err)
	}
	return nil
}

// key returns the key of one of user's records.
func (s *Store) key(user, kind string) string { return s.prefix + "{" + user + "}:" + kind }
