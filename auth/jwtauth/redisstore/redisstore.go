// Package redisstore is a [jwtauth.Store] in Redis, shared by every
// instance of a service: used refresh tokens and revocations live as keys
// that expire with the tokens they describe.
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	store := redisstore.New(client, redisstore.Options{Prefix: "myapp:jwt:"})
//	issuer, err := jwtauth.NewIssuer(jwtauth.IssuerOptions{Store: store, ...})
//	verifier, err := jwtauth.NewVerifier(jwtauth.Options{Revocations: store, ...})
//
// # Keys
//
// Under the prefix: "used:{<family>}:<jti>" marks a used refresh token,
// "fam:{<family>}" a revoked family, "jti:<jti>" a revoked token. The
// family is a hash tag, so that the Lua script that checks a family and
// marks one of its tokens touches one Redis Cluster slot. Checking a
// revocation is one round trip (a pipeline of at most two EXISTS).
//
// # Time
//
// Expiries are sent as durations from the store's clock (Options.Now), so
// Redis's own clock does not matter; entries expire in Redis.
package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/auth/jwtauth"
)

// DefaultPrefix is the key prefix when Options.Prefix is empty.
const DefaultPrefix = "keel:jwt:"

// Options configure a [Store].
type Options struct {
	// Prefix starts every key. Default DefaultPrefix.
	Prefix string
	// Now is the clock expiries are computed from. Default time.Now.
	Now func() time.Time
}

// Store is a [jwtauth.Store] in Redis. The user owns the client
// (connection, pool, TLS); the Store owns its keys.
//
// Create one with [New]; the zero value is not usable. A Store is safe for
// concurrent use and holds no resources besides the client it was given.
type Store struct {
	client redis.UniversalClient
	prefix string
	now    func() time.Time
}

var _ jwtauth.Store = (*Store)(nil)

// useRefresh returns 2 if the family is revoked, 1 if the token was
// used, and 0 after marking it used for ARGV[1] milliseconds.
var useRefresh = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 2 end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 0 end
return 1
`)

// revoke sets KEYS[1] to expire in ARGV[1] milliseconds unless it already
// expires later.
var revoke = redis.NewScript(`
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -1 or ttl >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
`)

// New returns a Store using client, which must not be nil.
func New(client redis.UniversalClient, opts Options) *Store {
	if client == nil {
		panic("redisstore: nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{client: client, prefix: opts.Prefix, now: opts.Now}
}

// Revoked implements [jwtauth.RevocationChecker].
func (s *Store) Revoked(ctx context.Context, jti, family string) (bool, error) {
	switch {
	case jti == "" && family == "":
		return false, nil
	case family == "":
		n, err := s.client.Exists(ctx, s.jtiKey(jti)).Result()
		return n > 0, wrap("revoked", err)
	case jti == "":
		n, err := s.client.Exists(ctx, s.familyKey(family)).Result()
		return n > 0, wrap("revoked", err)
	}
	// Two EXISTS rather than one with two keys: the keys may live in
	// different cluster slots.
	var a, b *redis.IntCmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		a = p.Exists(ctx, s.jtiKey(jti))
		b = p.Exists(ctx, s.familyKey(family))
		return nil
	})
	if err != nil {
		return false, wrap("revoked", err)
	}
	return a.Val() > 0 || b.Val() > 0, nil
}

// UseRefresh implements [jwtauth.Store], atomically with a Lua script.
func (s *Store) UseRefresh(ctx context.Context, family, jti string, exp time.Time) error {
	ttl := max(exp.Sub(s.now()), jwtauth.MinUsedMark)
	keys := []string{s.familyKey(family), s.prefix + "used:{" + family + "}:" + jti}
	n, err := useRefresh.Run(ctx, s.client, keys, ttl.Milliseconds()).Int()
	if err != nil {
		return wrap("use refresh token", err)
	}
	switch n {
	case 0:
		return nil
	case 1:
		return jwtauth.ErrTokenReused
	default:
		return jwtauth.ErrRevoked
	}
}

// RevokeFamily implements [jwtauth.Store].
func (s *Store) RevokeFamily(ctx context.Context, family string, until time.Time) error {
	return s.revoke(ctx, s.familyKey(family), until)
}

// RevokeJTI implements [jwtauth.Store].
func (s *Store) RevokeJTI(ctx context.Context, jti string, until time.Time) error {
	return s.revoke(ctx, s.jtiKey(jti), until)
}

func (s *Store) revoke(ctx context.Context, key string, until time.Time) error {
	ttl := until.Sub(s.now()).Milliseconds()
	if ttl <= 0 {
		return nil
	}
	return wrap("revoke", revoke.Run(ctx, s.client, []string{key}, ttl).Err())
}

func (s *Store) familyKey(family string) string { return s.prefix + "fam:{" + family + "}" }

func (s *Store) jtiKey(jti string) string { return s.prefix + "jti:" + jti }

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}
