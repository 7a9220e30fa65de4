// Package redisstore is a [session.Store] in Redis, for sessions shared by
// several instances of a service:
//
//	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	store, err := redisstore.New(client, redisstore.Options{Prefix: "myapp:session:"})
//	if err != nil { ... }
//	sessions, err := session.New(store, session.Options{})
//
// # Layout
//
// A session is a hash at <prefix>s:<id> (id being the hash of the token,
// never the token) with the fields u (user), c (created), s (last seen),
// e (expiry), p (principal, JSON) and d (data, JSON); Redis expires it at
// its ExpiresAt. Each user has a sorted set at <prefix>u:<user> of their
// session IDs scored by expiry, expiring with the last of them; entries
// of ended sessions are dropped as the set is read or written. Every
// operation that touches both is one Lua script, so it is atomic.
//
// The scripts derive keys from the prefix, so with Redis Cluster the
// prefix must hold a hash tag ("{myapp:session}:") that puts every key of
// the store in one slot. Redis 7 or later is required.
package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/errors"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix used when [Options].Prefix is empty.
const DefaultPrefix = "keel:session:"

// Options configures a [Store]. Every zero field means its documented
// default.
type Options struct {
	// Prefix starts every key the store writes. Default: [DefaultPrefix].
	Prefix string
}

// Store is a [session.Store] in Redis. Use [New]; the zero value is not
// usable. A Store is safe for concurrent use; it does not own the client,
// which the caller closes.
type Store struct {
	client redis.UniversalClient
	prefix string
}

var _ session.Store = (*Store)(nil)

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

// trimIndex drops the ended entries of the user index at KEYS[idx] and
// sets the index to expire with its last entry. It expects `now` (ms).
const trimIndex = `
local function trim(key, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if #last == 0 then
    redis.call('DEL', key)
  else
    redis.call('PEXPIREAT', key, last[2])
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// KEYS: record, index. ARGV: id, user, created, seen, exp (ns), exp (ms),
// principal, data.
var createScript = redis.NewScript(trimIndex + `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'u', ARGV[2], 'c', ARGV[3], 's', ARGV[4], 'e', ARGV[5], 'p', ARGV[7], 'd', ARGV[8])
redis.call('PEXPIREAT', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
trim(KEYS[2], now)
return 1
`)

// KEYS: record. ARGV: prefix, id, seen, exp (ns), exp (ms).
var touchScript = redis.NewScript(trimIndex + `
local user = redis.call('HGET', KEYS[1], 'u')
if not user then return 0 end
redis.call('HSET', KEYS[1], 's', ARGV[3], 'e', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
local idx = ARGV[1] .. 'u:' .. user
redis.call('ZADD', idx, ARGV[5], ARGV[2])
trim(idx, now)
return 1
`)

// KEYS: record. ARGV: principal, data.
var updateScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'p', ARGV[1], 'd', ARGV[2])
return 1
`)

// KEYS: record. ARGV: prefix, id.
var deleteScript = redis.NewScript(`
local user = redis.call('HGET', KEYS[1], 'u')
redis.call('DEL', KEYS[1])
if user then redis.call('ZREM', ARGV[1] .. 'u:' .. user, ARGV[2]) end
return 1
`)

// KEYS: index. ARGV: prefix. Returns id, u, c, s, e, p, d for each live
// record, flattened.
var listScript = redis.NewScript(trimIndex + `
trim(KEYS[1], now)
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('HMGET', ARGV[1] .. 's:' .. id, 'u', 'c', 's', 'e', 'p', 'd')
  if v[1] then
    table.insert(out, id)
    for i = 1, 6 do table.insert(out, v[i]) end
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`)

// KEYS: index. ARGV: prefix. Returns how many live records it deleted.
var deleteByUserScript = redis.NewScript(`
local n = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  n = n + redis.call('DEL', ARGV[1] .. 's:' .. id)
end
redis.call('DEL', KEYS[1])
return n
`)

// Create stores rec and adds it to its user's index.
func (s *Store) Create(ctx context.Context, rec session.Record) error {
	p, d, err := encodeBody(rec)
	if err != nil {
		return err
	}
	return createScript.Run(ctx, s.client,
		[]string{s.recordKey(rec.ID), s.indexKey(rec.UserID)},
		rec.ID, rec.UserID, nanos(rec.CreatedAt), nanos(rec.LastSeen), nanos(rec.ExpiresAt),
		rec.ExpiresAt.UnixMilli(), p, d,
	).Err()
}

// Get returns the live record stored under id.
func (s *Store) Get(ctx context.Context, id string) (session.Record, bool, error) {
	vals, err := s.client.HMGet(ctx, s.recordKey(id), "u", "c", "s", "e", "p", "d").Result()
	if err != nil {
		return session.Record{}, false, err
	}
	if vals[0] == nil {
		return session.Record{}, false, nil
	}
	rec, err := decodeRecord(id, vals)
	if err != nil {
		return session.Record{}, false, err
	}
	return rec, true, nil
}

// Touch sets the last activity and expiry of the live record stored under
// id.
func (s *Store) Touch(ctx context.Context, id string, lastSeen, expiresAt time.Time) (bool, error) {
	n, err := touchScript.Run(ctx, s.client, []string{s.recordKey(id)},
		s.prefix, id, nanos(lastSeen), nanos(expiresAt), expiresAt.UnixMilli()).Int()
	return n == 1, err
}

// Update replaces the principal and data of the live record stored under
// rec.ID.
func (s *Store) Update(ctx context.Context, rec session.Record) (bool, error) {
	p, d, err := encodeBody(rec)
	if err != nil {
		return false, err
	}
	n, err := updateScript.Run(ctx, s.client, []string{s.recordKey(rec.ID)}, p, d).Int()
	return n == 1, err
}

// Delete removes the record stored under id and its index entry.
func (s *Store) Delete(ctx context.Context, id string) error {
	return deleteScript.Run(ctx, s.client, []string{s.recordKey(id)}, s.prefix, id).Err()
}

// ListByUser returns the live records of userID.
func (s *Store) ListByUser(ctx context.Context, userID string) ([]session.Record, error) {
	vals, err := listScript.Run(ctx, s.client, []string{s.indexKey(userID)}, s.prefix).Slice()
	if err != nil {
		return nil, err
	}
	var out []session.Record
	for i := 0; i+7 <= len(vals); i += 7 {
		id, _ := vals[i].(string)
		rec, err := decodeRecord(id, vals[i+1:i+7])
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// DeleteByUser removes every record of userID and its index.
func (s *Store) DeleteByUser(ctx context.Context, userID string) (int, error) {
	return deleteByUserScript.Run(ctx, s.client, []string{s.indexKey(userID)}, s.prefix).Int()
}

func (s *Store) recordKey(id string) string  { return s.prefix + "s:" + id }
func (s *Store) indexKey(user string) string { return s.prefix + "u:" + user }

func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

// encodeBody returns the JSON of rec's principal and data.
func encodeBody(rec session.Record) (string, string, error) {
	p, err := json.Marshal(rec.Principal)
	if err != nil {
		return "", "", fmt.Errorf("redisstore: encoding principal: %w", err)
	}
	d, err := json.Marshal(rec.Data)
	if err != nil {
		return "", "", fmt.Errorf("redisstore: encoding data: %w", err)
	}
	return string(p), string(d), nil
}

// decodeRecord builds a record from the hash fields u, c, s, e, p and d,
// as returned by HMGET. Anything malformed is an error, never a panic.
func decodeRecord(id string, vals []any) (session.Record, error) {
	if len(vals) != 6 {
		return session.Record{}, fmt.Errorf("redisstore: record %s: %d fields, want 6", id, len(vals))
	}
	var f [6]string
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			return session.Record{}, fmt.Errorf("redisstore: record %s: field %d missing", id, i)
		}
		f[i] = s
	}
	rec := session.Record{ID: id, UserID: f[0]}
	times := []*time.Time{&rec.CreatedAt, &rec.LastSeen, &rec.ExpiresAt}
	for i, t := range times {
		n, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			return session.Record{}, fmt.Errorf("redisstore: record %s: bad time: %w", id, err)
		}
		*t = time.Unix(0, n)
	}
	var p *auth.Principal
	if err := json.Unmarshal([]byte(f[4]), &p); err != nil {
		return session.Record{}, fmt.Errorf("redisstore: record %s: bad principal: %w", id, err)
	}
	rec.Principal = p
	if err := json.Unmarshal([]byte(f[5]), &rec.Data); err != nil {
		return session.Record{}, fmt.Errorf("redisstore: record %s: bad data: %w", id, err)
	}
	return rec, nil
}
