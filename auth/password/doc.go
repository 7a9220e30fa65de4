// Package password hashes and verifies passwords: argon2id in PHC string
// format with OWASP's parameters, bcrypt verification for hashes migrated
// from elsewhere, rehashing on login, a bound on concurrent hashing, a
// password policy, and the same work for unknown accounts as for known
// ones.
//
//	h := password.MustNew(password.Options{})
//
//	// Sign-up.
//	if err := (password.Policy{Breached: pwned}).Check(ctx, pw, username); err != nil {
//		return err // 422 with field violations
//	}
//	hash, err := h.Hash(ctx, pw) // store hash
//
//	// Login. stored is "" when the user does not exist.
//	ok, newHash, err := h.VerifyAndRehash(ctx, stored, pw)
//	if err != nil {
//		return err // 503 when flooded, 500 for a corrupt hash
//	}
//	if newHash != "" {
//		saveHash(user, newHash) // bcrypt or old parameters upgraded
//	}
//
// # Parameters
//
// New hashes use argon2id with m=19456 KiB (19 MiB), t=2, p=1 — the first
// configuration of the OWASP Password Storage Cheat Sheet — a 16-byte salt
// from crypto/rand and a 32-byte key, written as
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64>$<key, base64>
//
// Verification reads the parameters from the stored hash, so raising them
// later leaves old hashes valid; [Hasher.NeedsRehash] spots them and
// [Hasher.VerifyAndRehash] replaces them at the next login. [Parse] refuses
// parameters above [MaxMemory], [MaxTime] and [MaxThreads] before
// allocating anything, so a tampered hash cannot exhaust the server.
//
// # bcrypt
//
// Hashes beginning $2a$, $2b$ or $2y$ verify with bcrypt and always need a
// rehash. bcrypt reads only a password's first 72 bytes; keel refuses
// longer passwords against a bcrypt hash rather than truncating them, so a
// password is never accepted because it shares a prefix with the right one.
//
// # Floods and timing
//
// Each argon2id computation holds its memory for tens of milliseconds.
// A [Hasher] runs at most Options.MaxConcurrent at once (2×GOMAXPROCS by
// default); the others wait, for at most Options.MaxWait and never past
// their context, and then fail with [ErrBusy], a 503 with Retry-After.
//
// A login for an account that does not exist must cost what a real one
// costs, or response times list the accounts. Pass "" as the stored hash
// (or call [Hasher.VerifyUnknown]): the Hasher runs a full argon2id with
// its parameters and reports no match.
//
// # Policy
//
// [Policy] follows NIST SP 800-63B: a length in characters (8 to 128 by
// default), no composition rules, a hook for breached-password lists and a
// refusal of words tied to the account, such as the username. Passwords
// are compared as given: normalize them (Unicode NFKC) before hashing if
// users type them on different devices.
package password
