package lockout

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
)

// Defaults of [Options].
const (
	DefaultMaxFailures   = 5
	DefaultMaxIPFailures = 50
	DefaultBaseLock      = time.Minute
	DefaultMaxLock       = time.Hour
	DefaultWindow        = 24 * time.Hour
	DefaultIPv6Prefix    = 64
)

// ErrLocked is the error [Decision.Err] returns for a locked login, with
// the time left as Retry-After: a 429 problem, the same whether or not the
// account exists. Compare with [errors.Is].
var ErrLocked = errors.TooManyRequests("Too many failed attempts. Try again later.")

// Scope says what a lock applies to.
type Scope string

// The scopes of a lock.
const (
	ScopeAccount Scope = "account" // every login to one username
	ScopeIP      Scope = "ip"      // every login from one client address
)

// Decision is a [Limiter]'s answer about one login.
type Decision struct {
	// Locked reports that the login must be refused without checking the
	// credentials.
	Locked bool
	// Scope is what is locked: the account or the client address. When
	// both are, the one locked longer.
	Scope Scope
	// Until is when the lock ends; zero when not locked.
	Until time.Time
	// RetryAfter is how long until the lock ends; zero when not locked.
	RetryAfter time.Duration
	// Failures is the account's failure count after [Limiter.Fail]; zero
	// from [Limiter.Check].
	Failures int
}

// Err returns nil when d is not locked, and otherwise [ErrLocked] with d's
// RetryAfter, which renders as 429 with a Retry-After header.
func (d Decision) Err() error {
	if !d.Locked {
		return nil
	}
	return ErrLocked.WithRetryAfter(d.RetryAfter)
}

// Store keeps failure counters and locks, shared by every [Limiter] of a
// service. [MemoryStore] serves one process; redisstore shares them.
//
// The contract for implementers, checked by lockouttest.Run:
//
//   - Fail is one atomic step: concurrent calls for one key, from any
//     process, each see a distinct count.
//   - A counter is forgotten ttl after its last failure: a Fail at or
//     after that time starts again at 1.
//   - Lock never shortens a lock: locking until an earlier time than the
//     current lock's end changes nothing.
//   - Times are the caller's clock, passed as now, to millisecond
//     precision; a store keeps absolute times and compares them with now,
//     so tests can drive it with an injected clock. A shared store may
//     also expire its records by its own clock, once they cannot matter.
//   - Keys are opaque strings under 100 bytes.
//   - Every method honours ctx.
type Store interface {
	// Fail adds one failure to key's counter, which is forgotten ttl after
	// this failure, and returns the new count.
	Fail(ctx context.Context, key string, ttl time.Duration, now time.Time) (int, error)
	// Lock locks key until until, unless it is already locked longer.
	Lock(ctx context.Context, key string, until, now time.Time) error
	// LockedUntil returns when key's lock ends, or the zero time when key
	// is not locked at now.
	LockedUntil(ctx context.Context, key string, now time.Time) (time.Time, error)
	// Reset forgets key's failures and lock.
	Reset(ctx context.Context, key string) error
}

// Options configures a [Limiter]. The zero value is ready to use.
type Options struct {
	// Store keeps the counters and locks. Default: a new [MemoryStore],
	// private to this Limiter; share a Redis store between the instances
	// of a service.
	Store Store

	// MaxFailures is how many failed logins to one account lock it.
	// Default: [DefaultMaxFailures].
	MaxFailures int
	// MaxIPFailures is how many failed logins from one client address, to
	// any accounts, lock the address: the defence against credential
	// stuffing, which tries each username once. Default:
	// [DefaultMaxIPFailures].
	MaxIPFailures int

	// BaseLock is the first lock's length. Each further failure once the
	// threshold is reached doubles it: the k-th failure past the threshold
	// locks for BaseLock·2^k. Default: [DefaultBaseLock].
	BaseLock time.Duration
	// MaxLock caps a lock's length. Default: [DefaultMaxLock].
	MaxLock time.Duration
	// Window is how long failures are remembered after the last one. It
	// must be longer than MaxLock, or a capped lock would outlive the count
	// that escalated it. Default: [DefaultWindow].
	Window time.Duration

	// IPv6Prefix is the length of the prefix IPv6 clients are counted by,
	// since one client commonly holds a whole /64. Default:
	// [DefaultIPv6Prefix].
	IPv6Prefix int

	// Auditor receives [auth.ActionLockout] when a lock starts and
	// [auth.ActionUnlock] when an administrator lifts one. Default: nil.
	Auditor auth.Auditor

	// Now returns the current time. Default: time.Now.
	Now func() time.Time
}

// withDefaults returns opts with every zero field set to its default.
func (opts Options) withDefaults() Options {
	if opts.Store == nil {
		opts.Store = NewMemoryStore()
	}
	if opts.MaxFailures == 0 {
		opts.MaxFailures = DefaultMaxFailures
	}
	if opts.MaxIPFailures == 0 {
		opts.MaxIPFailures = DefaultMaxIPFailures
	}
	if opts.BaseLock == 0 {
		opts.BaseLock = DefaultBaseLock
	}
	if opts.MaxLock == 0 {
		opts.MaxLock = DefaultMaxLock
	}
	if opts.Window == 0 {
		opts.Window = DefaultWindow
	}
	if opts.IPv6Prefix == 0 {
		opts.IPv6Prefix = DefaultIPv6Prefix
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts
}

// validate reports the first invalid field of opts.
func (opts Options) validate() error {
	switch {
	case opts.MaxFailures < 0:
		return fmt.Errorf("lockout: Options.MaxFailures %d is negative", opts.MaxFailures)
	case opts.MaxIPFailures < 0:
		return fmt.Errorf("lockout: Options.MaxIPFailures %d is negative", opts.MaxIPFailures)
	case opts.BaseLock < time.Millisecond:
		return fmt.Errorf("lockout: Options.BaseLock %v is under a millisecond", opts.BaseLock)
	case opts.MaxLock < opts.BaseLock:
		return fmt.Errorf("lockout: Options.MaxLock %v is shorter than BaseLock %v", opts.MaxLock, opts.BaseLock)
	case opts.Window <= opts.MaxLock:
		return fmt.Errorf("lockout: Options.Window %v is not longer than MaxLock %v", opts.Window, opts.MaxLock)
	case opts.IPv6Prefix < 1 || opts.IPv6Prefix > 128:
		return fmt.Errorf("lockout: Options.IPv6Prefix %d is outside 1..128", opts.IPv6Prefix)
	}
	return nil
}

// Limiter protects logins against guessing: it counts failures per
// account and per client address and locks either for exponentially longer
// once it fails too often. Create one with [New]; the zero value is not
// usable. A Limiter is safe for concurrent use, holds no goroutine, and
// any number of Limiters over one [Store] act as one.
//
// A login handler checks first, then records the outcome:
//
//	d, err := lim.Check(ctx, username, ip)
//	if err != nil {
//		return err
//	}
//	if d.Locked {
//		return d.Err() // 429 + Retry-After, whether or not username exists
//	}
//	if !verify(username, pw) { // also for unknown usernames
//		lim.Fail(ctx, username, ip)
//		return errInvalidLogin
//	}
//	lim.Succeed(ctx, username)
//
// Usernames are compared case-insensitively after trimming spaces, and kept
// in the store only as SHA-256 digests.
type Limiter struct {
	opts Options
}

// New returns a Limiter configured by opts, or an error naming the invalid
// field.
func New(opts Options) (*Limiter, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Limiter{opts: opts}, nil
}

// MustNew is like [New] but panics on invalid options.
func MustNew(opts Options) *Limiter {
	l, err := New(opts)
	if err != nil {
		panic(err.Error())
	}
	return l
}

// Check reports whether a login for user from ip must be refused because
// the account or the address is locked. An empty ip is not checked. Check
// counts nothing: refused logins do not extend a lock.
func (l *Limiter) Check(ctx context.Context, user, ip string) (Decision, error) {
	now := l.opts.Now()
	var d Decision
	for _, k := range l.keys(user, ip) {
		until, err := l.opts.Store.LockedUntil(ctx, k.key, now)
		if err != nil {
			return Decision{}, fmt.Errorf("lockout: check: %w", err)
		}
		if until.After(now) && until.After(d.Until) {
			d = Decision{Locked: true, Scope: k.scope, Until: until, RetryAfter: until.Sub(now)}
		}
	}
	return d, nil
}

// Fail records a failed login for user from ip — whether or not user
// exists — and locks the account or the address when its count reaches
// the threshold, for BaseLock·2^(count−threshold) capped at MaxLock. The
// decision reports the lock that results, if any. An empty ip is not
// counted.
func (l *Limiter) Fail(ctx context.Context, user, ip string) (Decision, error) {
	now := l.opts.Now()
	var d Decision
	for _, k := range l.keys(user, ip) {
		n, err := l.opts.Store.Fail(ctx, k.key, l.opts.Window, now)
		if err != nil {
			return Decision{}, fmt.Errorf("lockout: fail: %w", err)
		}
		limit := l.opts.MaxFailures
		if k.scope == ScopeAccount {
			d.Failures = n
		} else {
			limit = l.opts.MaxIPFailures
		}
		if n < limit {
			continue
		}
		until := now.Add(l.lockFor(n - limit))
		if err := l.opts.Store.Lock(ctx, k.key, until, now); err != nil {
			return Decision{}, fmt.Errorf("lockout: lock: %w", err)
		}
		l.audit(ctx, auth.ActionLockout, user, k.scope, n, until)
		if until.After(d.Until) {
			d.Locked, d.Scope, d.Until, d.RetryAfter = true, k.scope, until, until.Sub(now)
		}
	}
	return d, nil
}

// Succeed records a successful login for user: the account's failures are
// forgotten. The address's count is kept, so that a credential stuffer
// holding one valid password cannot reset it.
func (l *Limiter) Succeed(ctx context.Context, user string) error {
	if err := l.opts.Store.Reset(ctx, l.userKey(user)); err != nil {
		return fmt.Errorf("lockout: reset: %w", err)
	}
	return nil
}

// Unlock lifts the lock on user's account and forgets its failures, for an
// administrator. It is audited as [auth.ActionUnlock], with the principal
// in ctx, if any, as the actor.
func (l *Limiter) Unlock(ctx context.Context, user string) error {
	if err := l.opts.Store.Reset(ctx, l.userKey(user)); err != nil {
		return fmt.Errorf("lockout: unlock: %w", err)
	}
	l.audit(ctx, auth.ActionUnlock, user, ScopeAccount, 0, time.Time{})
	return nil
}

// UnlockIP lifts the lock on a client address and forgets its failures,
// for an administrator. It is audited like [Limiter.Unlock].
func (l *Limiter) UnlockIP(ctx context.Context, ip string) error {
	if err := l.opts.Store.Reset(ctx, l.ipKey(ip)); err != nil {
		return fmt.Errorf("lockout: unlock: %w", err)
	}
	l.audit(ctx, auth.ActionUnlock, ip, ScopeIP, 0, time.Time{})
	return nil
}

// lockFor returns the lock length after excess failures past the
// threshold.
func (l *Limiter) lockFor(excess int) time.Duration {
	base := l.opts.BaseLock
	if excess >= 62 || bits.Len64(uint64(base))+excess >= 63 {
		return l.opts.MaxLock
	}
	return min(base<<excess, l.opts.MaxLock)
}

type scopedKey struct {
	scope Scope
	key   string
}

// keys returns the store keys of a login: the account's, and the
// address's when ip is not empty.
func (l *Limiter) keys(user, ip string) []scopedKey {
	ks := []scopedKey{{ScopeAccount, l.userKey(user)}}
	if ip != "" {
		ks = append(ks, scopedKey{ScopeIP, l.ipKey(ip)})
	}
	return ks
}

// userKey returns the store key of an account: a digest of the
// normalized username, so that keys have a bounded length and the store
// holds no usernames.
func (l *Limiter) userKey(user string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(user))))
	return "u:" + hex.EncodeToString(sum[:16])
}

// ipKey returns the store key of a client address: the address itself
// for IPv4, its prefix for IPv6, a digest for anything unparseable.
func (l *Limiter) ipKey(ip string) string {
	addr, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		sum := sha256.Sum256([]byte(ip))
		return "ip:x" + hex.EncodeToString(sum[:16])
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		p, _ := addr.Prefix(l.opts.IPv6Prefix)
		return "ip:" + p.String()
	}
	return "ip:" + addr.String()
}

// audit sends an event about subject (a username or an address).
func (l *Limiter) audit(ctx context.Context, action, subject string, scope Scope, failures int, until time.Time) {
	if l.opts.Auditor == nil {
		return
	}
	e := auth.EventFromContext(ctx, action)
	e.Time = l.opts.Now()
	e.Attrs = map[string]string{"scope": string(scope)}
	if action == auth.ActionLockout {
		e.Actor = subject
		e.Result = auth.ResultDenied
		e.Reason = "too many failed logins"
		e.Attrs["failures"] = strconv.Itoa(failures)
		e.Attrs["until"] = until.UTC().Format(time.RFC3339)
	} else {
		if p, ok := auth.FromContext(ctx); ok {
			e.Actor = p.Subject
		}
		e.Resource = string(scope) + ":" + subject
		e.Result = auth.ResultSuccess
	}
	l.opts.Auditor.Audit(ctx, e)
}
