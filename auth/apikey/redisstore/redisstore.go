// Package redisstore is an [apikey.Store] in Redis, for keys shared by
// several instances of a service:
//
//	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp:apikey:"})
//	if err != nil { ... }
//	keys, err := apikey.New(store, apikey.Options{})
//
// # Layout
//
// A key is a hash at <prefix>k:<id> with the fields o (owner), r (ID,
// scopes, times and hash, JSON), u (last use) and x (revocation), the
// times as decimal Unix nanoseconds; each owner has a set of key IDs at
// <prefix>o:<owner>. Writes are Lua scripts, so creation is
// check-and-set, revocation keeps the first time, and last use only moves
// forward.
//
// The scripts derive keys from the prefix, so with Redis Cluster the
// prefix must hold a hash tag ("{myapp:apikey}:") that puts every key of
// the store in one slot.
package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/keel-go/keel/auth/apikey"
	"github.com/keel-go/keel/errors"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix used when [Options].Prefix is empty.
const DefaultPrefix = "keel:apikey:"

// Options configures a [Store]. Every zero field means its documented
// default.
type Options struct {
	// Prefix starts every key the store writes. Default: [DefaultPrefix].
	Prefix string
}

// Store is an [apikey.Store] in Redis. Use [New]; the zero value is not
// usable. A Store is safe for concurrent use; it does not own the client,
// which the caller closes.
type Store struct {
	client redis.UniversalClient
	prefix string
}

var _ apikey.Store = (*Store)(nil)

// New returns a Store writing through client.
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	return &Store{client: client, prefix: opts.Prefix}, nil
}

// KEYS: key, owner set. ARGV: id, owner, record.
var createScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'o', ARGV[2], 'r', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`)

// KEYS: key. ARGV: time.
var revokeScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSETNX', KEYS[1], 'x', ARGV[1])
return 1
`)

// KEYS: key. ARGV: time, as non-negative decimal nanoseconds; two such
// strings compare as numbers by length first, then lexically (Lua's
// numbers would round them).
var markUsedScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local cur = redis.call('HGET', KEYS[1], 'u')
local new = ARGV[1]
if (not cur) or #cur < #new or (#cur == #new and cur < new) then
  redis.call('HSET', KEYS[1], 'u', new)
end
return 1
`)

// KEYS: owner set. ARGV: prefix. Returns id, o, r, u, x for each key.
var listScript = redis.NewScript(`
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('HMGET', ARGV[1] .. 'k:' .. id, 'o', 'r', 'u', 'x')
  if v[1] then
    table.insert(out, id)
    for i = 1, 4 do table.insert(out, v[i] or '') end
  end
end
return out
`)

// Create stores k unless its ID is taken.
func (s *Store) Create(ctx context.Context, k apikey.Key) error {
	rec, err := json.Marshal(record{
		ID:        k.ID,
		Scopes:    k.Scopes,
		CreatedAt: nanos(k.CreatedAt),
		ExpiresAt: nanos(k.ExpiresAt),
		Hash:      k.Hash,
	})
	if err != nil {
		return fmt.Errorf("redisstore: encoding key: %w", err)
	}
	n, err := createScript.Run(ctx, s.client, []string{s.key(k.ID), s.ownerKey(k.Owner)},
		k.ID, k.Owner, string(rec)).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return apikey.ErrDuplicate
	}
	// Last use and revocation are written by their own scripts; a key
	// created with them set (an import) gets them too.
	if !k.LastUsedAt.IsZero() {
		if err := s.MarkUsed(ctx, k.ID, k.LastUsedAt); err != nil {
			return err
		}
	}
	if !k.RevokedAt.IsZero() {
		if _, err := s.Revoke(ctx, k.ID, k.RevokedAt); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the key stored under id.
func (s *Store) Get(ctx context.Context, id string) (apikey.Key, bool, error) {
	vals, err := s.client.HMGet(ctx, s.key(id), "o", "r", "u", "x").Result()
	if err != nil {
		return apikey.Key{}, false, err
	}
	if vals[0] == nil {
		return apikey.Key{}, false, nil
	}
	f := make([]string, 4)
	for i, v := range vals {
		f[i], _ = v.(string)
	}
	k, err := decodeKey(f[0], f[1], f[2], f[3])
	if err != nil {
		return apikey.Key{}, false, err
	}
	return k, true, nil
}

// ListByOwner returns the keys of owner.
func (s *Store) ListByOwner(ctx context.Context, owner string) ([]apikey.Key, error) {
	vals, err := listScript.Run(ctx, s.client, []string{s.ownerKey(owner)}, s.prefix).StringSlice()
	if err != nil {
		return nil, err
	}
	var out []apikey.Key
	for i := 0; i+5 <= len(vals); i += 5 {
		k, err := decodeKey(vals[i+1], vals[i+2], vals[i+3], vals[i+4])
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// Revoke marks the key stored under id revoked at at, once.
func (s *Store) Revoke(ctx context.Context, id string, at time.Time) (bool, error) {
	n, err := revokeScript.Run(ctx, s.client, []string{s.key(id)}, nanos(at)).Int()
	return n == 1, err
}

// MarkUsed advances the last use of the key stored under id to at.
func (s *Store) MarkUsed(ctx context.Context, id string, at time.Time) error {
	if at.UnixNano() < 0 {
		return fmt.Errorf("redisstore: last use %v before 1970", at)
	}
	return markUsedScript.Run(ctx, s.client, []string{s.key(id)}, nanos(at)).Err()
}

func (s *Store) key(id string) string         { return s.prefix + "k:" + id }
func (s *Store) ownerKey(owner string) string { return s.prefix + "o:" + owner }

// record is the JSON of a key's fixed fields.
type record struct {
	ID        string   `json:"id"`
	Scopes    []string `json:"scopes,omitempty"`
	CreatedAt string   `json:"created"`
	ExpiresAt string   `json:"expires,omitempty"`
	Hash      []byte   `json:"hash"`
}

// nanos encodes t as decimal Unix nanoseconds, and the zero time as "".
func nanos(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func parseNanos(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(0, n), nil
}

// decodeKey builds a key from the hash fields o, r, u and x (absent ones
// as ""). Anything malformed is an error, never a panic.
func decodeKey(owner, rec, used, revoked string) (apikey.Key, error) {
	var r record
	if err := json.Unmarshal([]byte(rec), &r); err != nil {
		return apikey.Key{}, fmt.Errorf("redisstore: bad key record: %w", err)
	}
	k := apikey.Key{ID: r.ID, Owner: owner, Scopes: r.Scopes, Hash: r.Hash}
	fields := []struct {
		dst *time.Time
		src string
	}{{&k.CreatedAt, r.CreatedAt}, {&k.ExpiresAt, r.ExpiresAt}, {&k.LastUsedAt, used}, {&k.RevokedAt, revoked}}
	for _, f := range fields {
		t, err := parseNanos(f.src)
		if err != nil {
			return apikey.Key{}, fmt.Errorf("redisstore: key %s: bad time: %w", r.ID, err)
		}
		*f.dst = t
	}
	return k, nil
}
