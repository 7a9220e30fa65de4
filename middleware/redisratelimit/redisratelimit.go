package redisratelimit

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
)

// DefaultPrefix starts the Redis keys of a [Store] whose Options.Prefix is
// empty.
const DefaultPrefix = "keel:ratelimit:"

// Options configures [New]. The zero value is ready to use.
type Options struct {
	// Prefix starts the Redis key of every bucket: the bucket of key is
	// the hash Prefix+key. End it with a separator (":"). Default
	// [DefaultPrefix].
	Prefix string

	// CallerClock makes the script use the time passed to Allow instead of
	// the Redis server's clock. Instances' clocks drift apart, and a
	// bucket shared by instances that disagree on the time refills too
	// fast or too slow, so leave it false whenever more than one process
	// shares the store. Tests set it to drive the store with an injected
	// clock. Default: false, the server's TIME.
	CallerClock bool
}

// Store is a [middleware.RateLimitStore] that keeps its buckets in Redis,
// so that every instance of a service counts against the same quota. Each
// call to Allow is one atomic Lua script run on the server; see the package
// documentation for the algorithm and the keys.
//
// The zero value is invalid: use [New]. A Store is safe for concurrent
// use. It starts no goroutine and holds nothing but the client, which
// belongs to the caller: there is nothing to close.
type Store struct {
	client      redis.UniversalClient
	prefix      string
	callerClock bool
}

var _ middleware.RateLimitStore = (*Store)(nil)

// New returns a Store that runs its script through client, which may be a
// *redis.Client, a *redis.ClusterClient, a *redis.Ring or a failover
// client. It fails if client is nil; it does not contact the server.
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisratelimit: nil client")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	return &Store{client: client, prefix: opts.Prefix, callerClock: opts.CallerClock}, nil
}

// Key returns the Redis key that holds the bucket of key: a hash with the
// fields tat (the theoretical arrival time, in microseconds of the Unix
// epoch), t (the emission interval it was computed with, in microseconds)
// and b (the burst). Deleting it gives the client a full bucket.
func (s *Store) Key(key string) string { return s.prefix + key }

// Allow takes a token from the bucket of key if it has one, in one atomic
// step on the Redis server, and reports the decision. A refused request
// consumes nothing. It returns [middleware.ErrInvalidQuota] if q has a
// Rate or Window that is not positive or a negative Burst (a zero Burst
// means Rate), the context's error if ctx ends first, and otherwise an
// error wrapping the client's when Redis cannot answer.
//
// now is used only with Options.CallerClock; by default the script reads
// the server's clock.
func (s *Store) Allow(ctx context.Context, key string, q middleware.Quota, now time.Time) (middleware.RateDecision, error) {
	burst := q.Burst
	if burst == 0 {
		burst = q.Rate
	}
	if q.Rate <= 0 || q.Window <= 0 || burst <= 0 {
		return middleware.RateDecision{}, middleware.ErrInvalidQuota
	}
	if err := ctx.Err(); err != nil {
		return middleware.RateDecision{}, err
	}
	// The emission interval in microseconds, the unit of the script: it
	// keeps times since the epoch exact in Lua's doubles.
	interval := float64(q.Window) / float64(q.Rate) / float64(time.Microsecond)
	clock := ""
	if s.callerClock {
		us := float64(now.Unix())*1e6 + float64(now.Nanosecond())/1e3
		clock = strconv.FormatFloat(us, 'f', 3, 64)
	}
	res, err := gcra.Run(ctx, s.client, []string{s.prefix + key},
		strconv.FormatFloat(interval, 'g', 17, 64), burst, clock).Int64Slice()
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return middleware.RateDecision{}, ctxErr
		}
		return middleware.RateDecision{}, fmt.Errorf("redisratelimit: %w", err)
	}
	if len(res) != 4 {
		return middleware.RateDecision{}, fmt.Errorf("redisratelimit: script returned %d values, want 4", len(res))
	}
	return middleware.RateDecision{
		Allowed:    res[0] == 1,
		Remaining:  int(res[1]),
		Reset:      micros(res[2]),
		RetryAfter: micros(res[3]),
	}, nil
}

// micros converts whole microseconds to a Duration.
func micros(us int64) time.Duration {
	if us > math.MaxInt64/int64(time.Microsecond) {
		return math.MaxInt64
	}
	return time.Duration(us) * time.Microsecond
}

// gcra is the script behind Allow: GCRA as [middleware.RateLimitStore]
// states it, in microseconds. KEYS[1] is the bucket; ARGV[1] the emission
// interval T, ARGV[2] the burst B, ARGV[3] the caller's time or "" for the
// server's. It returns {allowed, remaining, reset, retry after}, the
// durations in whole microseconds, rounded up.
//
// The stored TAT is clamped to now (a bucket never holds more than B
// tokens). When the quota differs from the one the bucket was last
// updated with, the tokens it holds are carried over, capped at the new
// burst, as the memory store does. Comparisons allow half a microsecond
// of floating-point error. The key expires when the bucket is full again,
// at TAT; a refused request writes nothing unless the quota changed.
var gcra = redis.NewScript(`
local key = KEYS[1]
local t = tonumber(ARGV[1])
local b = tonumber(ARGV[2])
local now
if ARGV[3] ~= "" then
  now = tonumber(ARGV[3])
else
  local tm = redis.call("TIME")
  now = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
end
local eps = 0.5

local st = redis.call("HMGET", key, "tat", "t", "b")
local tat = tonumber(st[1]) or now
if tat < now then tat = now end
local changed = false
if st[1] and (st[2] ~= ARGV[1] or st[3] ~= ARGV[2]) then
  local ot, ob = tonumber(st[2]), tonumber(st[3])
  if ot and ob and ot > 0 then
    local tokens = (now + ob * ot - tat) / ot
    if tokens > b then tokens = b end
    if tokens < 0 then tokens = 0 end
    tat = now + (b - tokens) * t
  end
  changed = true
end

local allowed = 0
local retry = 0
local over = tat - now - (b - 1) * t
if over <= eps then
  allowed = 1
  tat = tat + t
else
  retry = math.ceil(over)
end

local x = now + b * t - tat
local remaining = math.floor((x + eps) / t)
if remaining < 0 then remaining = 0 end
local reset = 0
if remaining < b then
  reset = math.ceil((remaining + 1) * t - x)
  if reset < 1 then reset = 1 end
end
if allowed == 0 then reset = retry end

if allowed == 1 or changed then
  redis.call("HSET", key, "tat", string.format("%.3f", tat), "t", ARGV[1], "b", ARGV[2])
  local ttl = math.ceil((tat - now) / 1000)
  if ttl < 1 then ttl = 1 end
  redis.call("PEXPIRE", key, ttl)
end
return {allowed, remaining, reset, retry}
`)
