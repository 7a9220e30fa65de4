// Package lockout protects logins against password guessing: it counts
// failures per account and per client address, and locks either for
// exponentially longer each time it keeps failing.
//
//	lim := lockout.MustNew(lockout.Options{
//		Store:   redisstore.MustNew(client, redisstore.Options{}), // shared by all instances
//		Auditor: auditor,
//	})
//
//	func login(w http.ResponseWriter, r *http.Request) error {
//		user, ip := r.FormValue("username"), reqctx.ClientIP(r.Context()).String()
//		d, err := lim.Check(r.Context(), user, ip)
//		if err != nil {
//			return err // store down: refuse rather than let guesses through
//		}
//		if d.Locked {
//			return d.Err() // 429 with Retry-After
//		}
//		if !checkPassword(r.Context(), user, r.FormValue("password")) {
//			lim.Fail(r.Context(), user, ip) // unknown users too
//			return errInvalidLogin
//		}
//		return lim.Succeed(r.Context(), user)
//	}
//
// # Policy
//
// An account that fails MaxFailures times (5 by default) is locked for
// BaseLock (1 minute); each further failure, once the lock has ended,
// doubles the lock, up to MaxLock (1 hour). Failures are remembered for
// Window (24 hours) after the last one, and a successful login forgets the
// account's. A client address that fails MaxIPFailures times (50), across
// any usernames, is locked the same way: credential stuffing tries each
// username once and never trips an account's limit. IPv6 clients are
// counted by /64.
//
// # Unknown accounts
//
// The caller records failures for the username attempted whether or not it
// exists, and the limiter never knows which: a locked unknown username
// answers exactly as a locked real one (429, same body, same Retry-After),
// so lockouts do not reveal which accounts exist.
//
// # Denial of service
//
// Anyone can lock an account by failing on purpose. The exponential
// schedule with a cap keeps such a lock short, and the per-address lock
// stops one client from doing it to many accounts. Services under a
// targeted attack add a second factor ([github.com/keel-go/keel/auth/mfa])
// rather than longer locks.
//
// # Stores
//
// Counters and locks live in a [Store]: [MemoryStore] for one process,
// lockout/redisstore for a fleet, where every instance's [Limiter] sees
// the same state. lockout/lockouttest is the conformance suite both pass.
// An administrator lifts a lock with [Limiter.Unlock] or
// [Limiter.UnlockIP]; locks and unlocks are audited.
package lockout
