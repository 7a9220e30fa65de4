package middleware

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
	"golang.org/x/time/rate"
)

// DefaultRateLimitPolicy is the policy name [RateLimit] advertises unless
// [RateLimitOptions.Policy] names another.
const DefaultRateLimitPolicy = "default"

// DefaultRateLimitRate and DefaultRateLimitWindow make the quota of a
// [RateLimit] whose [Quota] leaves them zero: 100 requests per minute.
const (
	DefaultRateLimitRate   = 100
	DefaultRateLimitWindow = time.Minute
)

// DefaultRateLimitMaxKeys is how many keys a [MemoryRateLimitStore] keeps
// at most unless [MemoryRateLimitStoreOptions.MaxKeys] says otherwise.
const DefaultRateLimitMaxKeys = 100_000

// ErrInvalidQuota is returned by [MemoryRateLimitStore.Allow] for a [Quota]
// with a Rate, Window or Burst that is not positive.
var ErrInvalidQuota = errors.New("middleware: invalid rate limit quota")

// The response headers in canonical form, so that adding them skips
// canonicalisation: Go spells them "Ratelimit", the wire is
// case-insensitive.
const (
	rlPolicyHeader = "Ratelimit-Policy"
	rlHeader       = "Ratelimit"
)

// rlMaxKeyLen is the longest key a key function may return before
// [RateLimit] replaces it by its digest, so that a key built from client
// input cannot make the store hold large strings.
const rlMaxKeyLen = 128

// Quota is a rate limit: Rate requests per Window, in bursts of up to
// Burst requests. It is a token bucket that holds Burst tokens and refills
// at Rate/Window tokens per second; each request takes one token.
//
// With Burst equal to Rate (the default), a client that has been quiet can
// send Rate requests at once and then one every Window/Rate. A larger Burst
// absorbs bigger spikes without raising the sustained rate.
type Quota struct {
	// Rate is how many requests the quota allows per Window, sustained.
	Rate int
	// Window is the period Rate is counted over.
	Window time.Duration
	// Burst is the largest number of requests allowed at once. Zero means
	// Rate.
	Burst int
}

// burst returns the bucket size: Burst, or Rate when Burst is zero.
func (q Quota) burst() int {
	if q.Burst == 0 {
		return q.Rate
	}
	return q.Burst
}

// limit returns the refill rate in tokens per second.
func (q Quota) limit() rate.Limit {
	return rate.Limit(float64(q.Rate) / q.Window.Seconds())
}

// RateDecision is a [RateLimitStore]'s answer for one request.
type RateDecision struct {
	// Allowed reports whether the request may proceed. A refused request
	// consumed nothing.
	Allowed bool
	// Remaining is how many more requests the key may make right now,
	// after this one: the whole tokens left in its bucket.
	Remaining int
	// Reset is how long until more quota is available: until the bucket
	// gains its next whole token. It is zero when the bucket is full.
	Reset time.Duration
	// RetryAfter is how long a refused client must wait before a request
	// can be allowed; zero when Allowed.
	RetryAfter time.Duration
}

// RateLimitStore holds the token buckets behind [RateLimit]. The default,
// [MemoryRateLimitStore], keeps them in the process; a store shared by
// several instances of a service (Redis running GCRA in a script, for
// example) implements the same single call.
//
// The contract for implementers:
//
//   - Allow is one atomic step: checking the bucket of key, taking a token
//     when one is there and computing the decision happen together, so
//     that concurrent calls for one key — from goroutines or from other
//     processes sharing the store — behave as if they ran one after
//     another. A read followed by a separate write is not enough.
//   - A refused request consumes nothing: a client that keeps retrying
//     while refused is allowed again as soon as its bucket has a token.
//   - The decision reports the bucket honestly: Remaining is the whole
//     tokens left after this request, Reset the time until the next whole
//     token, RetryAfter (when refused) the time until one token is there.
//   - now is the calling instance's clock. A store whose state several
//     instances share should use a single clock for all of them — the
//     shared server's, such as Redis TIME read inside the script — because
//     instance clocks drift; a store private to one process uses now,
//     which lets tests drive it with an injected clock.
//   - The quota travels with every call and may change between calls for
//     one key (a deployment with a new quota): the store applies the quota
//     it is given. Keys are opaque strings of at most a few hundred bytes;
//     [RateLimit] prefixes them with its policy name.
//   - State may be dropped once its bucket is full again, since a full
//     bucket is exactly what a new key starts with: a Redis store sets the
//     key to expire after the time the bucket takes to refill.
//   - An error means the bucket could not be read or updated; [RateLimit]
//     then lets the request through or refuses it, as its options say.
//     Allow honours ctx cancellation.
//
// For GCRA, with T = Window/Rate and a stored theoretical arrival time
// TAT (initially now): allow when TAT − now ≤ (Burst − 1)·T and set TAT to
// max(TAT, now) + T; Remaining is ⌊(now + Burst·T − TAT) / T⌋; Reset is the
// time until that quotient next grows; RetryAfter is TAT − now −
// (Burst − 1)·T.
type RateLimitStore interface {
	Allow(ctx context.Context, key string, q Quota, now time.Time) (RateDecision, error)
}

// RateLimitStoreFunc adapts a function to a [RateLimitStore].
type RateLimitStoreFunc func(ctx context.Context, key string, q Quota, now time.Time) (RateDecision, error)

// Allow calls f(ctx, key, q, now).
func (f RateLimitStoreFunc) Allow(ctx context.Context, key string, q Quota, now time.Time) (RateDecision, error) {
	return f(ctx, key, q, now)
}

// RateLimitOptions configures [RateLimit]. The zero value is ready to use:
// 100 requests per minute per client IP address, counted in memory.
type RateLimitOptions struct {
	// Policy names the limit in the RateLimit-Policy and RateLimit
	// response headers, and separates its keys from those of other
	// policies sharing a store. It is 1 to 64 ASCII letters, digits, '-',
	// '_' or '.'. Default: [DefaultRateLimitPolicy].
	Policy string

	// Quota is the limit applied to each key. A zero Rate means
	// [DefaultRateLimitRate], a zero Window [DefaultRateLimitWindow], a
	// zero Burst the Rate. Window must be a whole number of seconds, since
	// the headers count in seconds.
	Quota Quota

	// Key returns the key a request is counted under: requests with the
	// same key share one bucket. When it returns ok == false, the policy
	// does not apply to the request, which passes without RateLimit
	// headers — [RateLimitByPrincipal] does so for anonymous requests,
	// leaving them to an IP-keyed policy. A key longer than 128 bytes is
	// replaced by its SHA-256 digest. Default: [RateLimitByIP].
	Key func(r *http.Request) (key string, ok bool)

	// Store holds the buckets. Default: a [MemoryRateLimitStore] with
	// default options, private to this middleware.
	Store RateLimitStore

	// FailClosed makes a request fail with 503 Service Unavailable when
	// the store returns an error. Default: false, the request proceeds
	// (fails open) and the error is logged through the request logger, so
	// that an outage of a shared store does not take the service down.
	FailClosed bool

	// Now returns the current time, passed to the store. Default:
	// time.Now.
	Now func() time.Time
}

// withDefaults returns opts with every zero field set to its default.
func (opts RateLimitOptions) withDefaults() RateLimitOptions {
	if opts.Policy == "" {
		opts.Policy = DefaultRateLimitPolicy
	}
	if opts.Quota.Rate == 0 {
		opts.Quota.Rate = DefaultRateLimitRate
	}
	if opts.Quota.Window == 0 {
		opts.Quota.Window = DefaultRateLimitWindow
	}
	if opts.Quota.Burst == 0 {
		opts.Quota.Burst = opts.Quota.Rate
	}
	if opts.Key == nil {
		opts.Key = RateLimitByIP
	}
	if opts.Store == nil {
		opts.Store = NewMemoryRateLimitStore(MemoryRateLimitStoreOptions{})
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts RateLimitOptions) validate() error {
	if !rlValidPolicy(opts.Policy) {
		return fmt.Errorf("middleware: RateLimitOptions.Policy %q must be 1 to 64 ASCII letters, digits, '-', '_' or '.'", opts.Policy)
	}
	q := opts.Quota
	if q.Rate < 0 {
		return fmt.Errorf("middleware: RateLimitOptions.Quota.Rate %d is negative", q.Rate)
	}
	if q.Window < time.Second || q.Window%time.Second != 0 {
		return fmt.Errorf("middleware: RateLimitOptions.Quota.Window %v is not a positive whole number of seconds", q.Window)
	}
	if q.Burst < 0 {
		return fmt.Errorf("middleware: RateLimitOptions.Quota.Burst %d is negative", q.Burst)
	}
	return nil
}

// RateLimit returns middleware that limits how often each client may call
// the handler, with a token bucket per key (see [Quota]). Every response to
// a limited request carries the quota and the client's standing in the
// headers of the IETF httpapi RateLimit fields draft, as structured
// fields:
//
//	RateLimit-Policy: "default";q=100;w=60
//	RateLimit: "default";r=42;t=17
//
// where q is the quota (Rate), w the window in seconds, r the requests
// remaining and t the seconds until more quota is available. A request
// over the limit is refused with a 429 problem carrying the same headers
// and Retry-After, equal to t; the handler is not called.
//
// The key comes from opts.Key: the client IP by default, or
// [RateLimitByPrincipal], [RateLimitByHeader] or any function of the
// request. When the store fails, the request proceeds with only the
// RateLimit-Policy header (the failure is logged), or is refused with 503
// if opts.FailClosed is set.
//
// # Where it goes
//
// Inside [RequestID], [AccessLog] and [Recover], so that refusals are
// logged with the request ID, and after the real-IP middleware ([RealIP])
// when the service is behind a proxy, since the default key is the client
// IP it resolves. A policy keyed by the principal goes after
// authentication. Put it before anything expensive — body parsing,
// database work — since refusing early is its purpose.
//
// # Per-route limits
//
// Each RateLimit is one policy. A route or group that needs its own limit
// installs its own RateLimit with its own policy name, on top of the
// service-wide one; both count and both headers are sent (the fields are
// lists). With keel's router:
//
//	r := router.New()
//	r.Use(middleware.RateLimit(middleware.RateLimitOptions{})) // 100/min per IP
//	auth := r.Group("/auth", middleware.RateLimit(middleware.RateLimitOptions{
//		Policy: "auth",
//		Quota:  middleware.Quota{Rate: 5, Window: time.Minute},
//	}))
//	auth.Post("/login", login)
//
// RateLimit panics if opts is invalid.
func RateLimit(opts RateLimitOptions) Middleware {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		panic(err.Error())
	}
	q := opts.Quota
	policy := opts.Policy
	policyValue := `"` + policy + `";q=` + strconv.Itoa(q.Rate) + ";w=" + strconv.FormatInt(int64(q.Window/time.Second), 10)
	keyPrefix := policy + ":"

	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key, ok := opts.Key(r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			if len(key) > rlMaxKeyLen {
				key = rlDigest("sha256:", key)
			}
			d, err := opts.Store.Allow(r.Context(), keyPrefix+key, q, opts.Now())
			h := w.Header()
			h[rlPolicyHeader] = append(h[rlPolicyHeader], policyValue)
			if err != nil {
				if opts.FailClosed || r.Context().Err() != nil {
					errors.Write(w, r, errors.Unavailable("The rate limiter is unavailable.").WithCause(err))
					return
				}
				reqctx.Logger(r.Context()).Error().Err(err).Str("policy", policy).
					Msg("rate limit store failed; request allowed")
				next.ServeHTTP(w, r)
				return
			}
			reset := d.Reset
			if !d.Allowed {
				// Retry-After and t name the same moment, as the draft asks.
				reset = max(d.RetryAfter, time.Second)
			}
			h[rlHeader] = append(h[rlHeader], rlValue(policy, max(d.Remaining, 0), reset))
			if !d.Allowed {
				errors.Write(w, r, errors.TooManyRequests(
					"The %q rate limit allows %d requests per %d seconds; retry in %d seconds.",
					policy, q.Rate, int64(q.Window/time.Second), rlSeconds(reset)).WithRetryAfter(reset))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RateLimitByIP keys a request by its client IP address: the one a
// real-IP middleware stored in [reqctx.Data].ClientIP, or else the host of
// r.RemoteAddr. IPv4-mapped IPv6 addresses count as their IPv4 address. It
// is the default key of [RateLimit].
func RateLimitByIP(r *http.Request) (key string, ok bool) {
	ip := reqctx.ClientIP(r.Context())
	if !ip.IsValid() {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil || host == "" {
			host = r.RemoteAddr
		}
		if ip, err = netip.ParseAddr(host); err != nil {
			if host == "" {
				return "", false
			}
			return "ip:" + host, true
		}
	}
	var buf [64]byte
	return string(ip.Unmap().WithZone("").AppendTo(append(buf[:0], "ip:"...))), true
}

// RateLimitByPrincipal returns a key function that keys a request by its
// authenticated principal ([reqctx.Data].Principal), as id names it. A
// request without a principal, or one for which id returns ok == false, is
// not limited by the policy; give anonymous traffic an IP-keyed policy of
// its own.
//
//	middleware.RateLimitByPrincipal(func(p any) (string, bool) {
//		u, ok := p.(*User)
//		if !ok {
//			return "", false
//		}
//		return u.ID, true
//	})
//
// RateLimitByPrincipal panics if id is nil.
func RateLimitByPrincipal(id func(principal any) (string, bool)) func(*http.Request) (string, bool) {
	if id == nil {
		panic("middleware: RateLimitByPrincipal: nil id function")
	}
	return func(r *http.Request) (string, bool) {
		p := reqctx.Principal(r.Context())
		if p == nil {
			return "", false
		}
		s, ok := id(p)
		if !ok || s == "" {
			return "", false
		}
		return "principal:" + s, true
	}
}

// RateLimitByHeader returns a key function that keys a request by the
// value of the request header name, such as an API key header. A request
// without the header is not limited by the policy. The value is never
// stored: the key is its SHA-256 digest, so an API key does not end up in
// the store (or in a shared Redis) in clear.
//
// RateLimitByHeader panics if name is not a valid header name.
func RateLimitByHeader(name string) func(*http.Request) (string, bool) {
	if !isToken(name) {
		panic(fmt.Sprintf("middleware: RateLimitByHeader: %q is not a valid header name", name))
	}
	name = http.CanonicalHeaderKey(name)
	return func(r *http.Request) (string, bool) {
		v := r.Header.Get(name)
		if v == "" {
			return "", false
		}
		return rlDigest("key:", v), true
	}
}

// MemoryRateLimitStoreOptions configures [NewMemoryRateLimitStore]. The
// zero value is ready to use.
type MemoryRateLimitStoreOptions struct {
	// MaxKeys bounds the number of keys the store keeps, whatever the
	// number of distinct clients. Default: [DefaultRateLimitMaxKeys].
	MaxKeys int
}

// MemoryRateLimitStore is a [RateLimitStore] that keeps one
// golang.org/x/time/rate limiter per key in the process. It is the default
// store of [RateLimit]; use it directly to share one store among several
// policies or to bound its size.
//
// Its memory stays bounded under a flood of distinct keys: keys are spread
// over shards, each holding its share of MaxKeys in least-recently-used
// order. Each call first drops up to two least recently used keys whose
// buckets are full again — which loses nothing, since a full bucket is
// what a new key gets — and a key arriving at a full shard evicts the
// least recently used one even if its bucket is not full, which lets that
// client start afresh: under a flood, old keys lose their history before
// the store outgrows its bound. No goroutine runs in the background, so
// there is nothing to close.
//
// The store uses the time passed to Allow, never its own clock. Create one
// with [NewMemoryRateLimitStore]; the zero value is not usable. It is safe
// for concurrent use.
type MemoryRateLimitStore struct {
	seed   maphash.Seed
	mask   uint64
	shards []rlShard
}

var _ RateLimitStore = (*MemoryRateLimitStore)(nil)

// rlShard is one part of a MemoryRateLimitStore: a map and an intrusive
// LRU list, most recently used at head.
type rlShard struct {
	mu         sync.Mutex
	m          map[string]*rlEntry
	head, tail *rlEntry
	max        int
	_          [64]byte // keep shards' locks on separate cache lines
}

// rlEntry is one key's bucket, linked into its shard's LRU list.
type rlEntry struct {
	key        string
	lim        *rate.Limiter
	prev, next *rlEntry
}

// NewMemoryRateLimitStore returns an empty store. It panics if
// opts.MaxKeys is negative.
func NewMemoryRateLimitStore(opts MemoryRateLimitStoreOptions) *MemoryRateLimitStore {
	if opts.MaxKeys < 0 {
		panic(fmt.Sprintf("middleware: MemoryRateLimitStoreOptions.MaxKeys %d is negative", opts.MaxKeys))
	}
	if opts.MaxKeys == 0 {
		opts.MaxKeys = DefaultRateLimitMaxKeys
	}
	// Up to 16 shards, each with room for at least 64 keys; the shares
	// round down, so the store never holds more than MaxKeys.
	n := 16
	for n > 1 && opts.MaxKeys/n < 64 {
		n /= 2
	}
	s := &MemoryRateLimitStore{seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]rlShard, n)}
	for i := range s.shards {
		s.shards[i].m = make(map[string]*rlEntry)
		s.shards[i].max = opts.MaxKeys / n
	}
	return s
}

// Allow takes a token from the bucket of key if it has one, creating the
// bucket (full) for a new key, and reports the decision. It returns
// [ErrInvalidQuota] if q has a Rate or Window that is not positive or a
// negative Burst; a zero Burst means Rate.
func (s *MemoryRateLimitStore) Allow(_ context.Context, key string, q Quota, now time.Time) (RateDecision, error) {
	burst := q.burst()
	if q.Rate <= 0 || q.Window <= 0 || burst <= 0 {
		return RateDecision{}, ErrInvalidQuota
	}
	limit := q.limit()

	sh := &s.shards[maphash.String(s.seed, key)&s.mask]
	sh.mu.Lock()
	defer sh.mu.Unlock()

	for range 2 {
		t := sh.tail
		if t == nil || t.key == key || t.lim.TokensAt(now) < float64(t.lim.Burst()) {
			break
		}
		sh.remove(t)
	}
	e := sh.m[key]
	if e == nil {
		if len(sh.m) >= sh.max {
			sh.remove(sh.tail)
		}
		e = &rlEntry{key: key, lim: rate.NewLimiter(limit, burst)}
		sh.m[key] = e
	} else {
		sh.unlink(e)
		if e.lim.Limit() != limit {
			e.lim.SetLimitAt(now, limit)
		}
		if e.lim.Burst() != burst {
			e.lim.SetBurstAt(now, burst)
		}
	}
	sh.pushFront(e)

	// Checking before taking keeps a refused request from consuming: the
	// shard lock makes the two calls one step.
	tokens := e.lim.TokensAt(now)
	if tokens < 1 {
		wait := rlDuration((1 - tokens) / float64(limit))
		return RateDecision{Allowed: false, Remaining: 0, Reset: wait, RetryAfter: wait}, nil
	}
	e.lim.AllowN(now, 1)
	tokens--
	d := RateDecision{Allowed: true, Remaining: int(tokens)}
	if tokens < float64(burst) {
		d.Reset = rlDuration((math.Floor(tokens) + 1 - tokens) / float64(limit))
	}
	return d, nil
}

// Len returns the number of keys the store holds.
func (s *MemoryRateLimitStore) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// pushFront links e at the head of the shard's list.
func (sh *rlShard) pushFront(e *rlEntry) {
	e.prev, e.next = nil, sh.head
	if sh.head != nil {
		sh.head.prev = e
	}
	sh.head = e
	if sh.tail == nil {
		sh.tail = e
	}
}

// unlink takes e out of the shard's list.
func (sh *rlShard) unlink(e *rlEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		sh.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		sh.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

// remove drops e from the shard.
func (sh *rlShard) remove(e *rlEntry) {
	sh.unlink(e)
	delete(sh.m, e.key)
}

// rlValidPolicy reports whether s is a policy name RateLimit accepts. The
// charset needs no escaping in a structured-field string and excludes the
// ':' that separates the policy from the key.
func rlValidPolicy(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// rlValue formats the RateLimit field value for one policy.
func rlValue(policy string, remaining int, reset time.Duration) string {
	var buf [96]byte
	b := append(buf[:0], '"')
	b = append(b, policy...)
	b = append(b, `";r=`...)
	b = strconv.AppendInt(b, int64(remaining), 10)
	b = append(b, ";t="...)
	b = strconv.AppendInt(b, rlSeconds(reset), 10)
	return string(b)
}

// rlSeconds rounds d up to whole seconds, as Retry-After does.
func rlSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// rlDuration converts seconds to a Duration, rounding up to the
// nanosecond so that waiting that long always suffices.
func rlDuration(secs float64) time.Duration {
	ns := math.Ceil(secs * float64(time.Second))
	if ns >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(ns)
}

// rlDigest returns prefix followed by the hex SHA-256 digest of s, cut to
// 128 bits, which is plenty to keep keys apart.
func rlDigest(prefix, s string) string {
	sum := sha256.Sum256([]byte(s))
	return prefix + hex.EncodeToString(sum[:16])
}
