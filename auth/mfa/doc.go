// Package mfa is a second authentication factor: TOTP codes from an
// authenticator app (RFC 6238), each accepted once, with guessing
// throttled, and single-use recovery codes for a lost device.
//
//	v := mfa.MustNew(mfa.Options{
//		Issuer:  "Keel Shop",
//		Store:   redisstore.MustNew(client, redisstore.Options{}), // shared by all instances
//		Auditor: auditor,
//	})
//
//	// Enrollment.
//	secret, _ := mfa.GenerateSecret()
//	uri := v.ProvisioningURI(user.Email, secret) // show as a QR code
//	// ...the user scans it and types a code:
//	if err := v.Enable(ctx, user.ID, secret, typed); err != nil {
//		return err
//	}
//	codes, _ := v.GenerateRecoveryCodes(ctx, user.ID) // show once
//	saveSecret(user.ID, encrypt(secret))
//
//	// Login, after the password.
//	err := v.Verify(ctx, user.ID, decrypt(user.Secret), r.FormValue("code"))
//	// nil, ErrInvalidCode (401), ErrThrottled (429 + Retry-After)
//
// # Codes
//
// Codes are RFC 6238 TOTP: HMAC-SHA1 by default (SHA256 and SHA512 on
// request), 6 digits, 30-second steps, over a 20-byte secret from
// crypto/rand encoded in base32 without padding. A code is accepted for
// the current step and one step either side (Options.Skew), to absorb
// clock drift and typing time; every step is computed and compared in
// constant time. [ParseCode] reads what users type: "123 456" and
// "123-456" are 123456.
//
// # Replay
//
// An accepted code must not be accepted again, though it stays valid for
// up to a minute and a half. The [Store] keeps, per user, the last step a
// code was accepted for and advances it atomically only forward
// (compare-and-advance): a second use of a code is refused, and so is a
// code from an earlier step once a later one was accepted, whichever
// instance of the service sees it.
//
// # Guessing
//
// A 6-digit code is one in a million, with three valid at a time: without
// a limit, an attacker holding the password would find one in hours. Each
// attempt is counted before it is checked (so parallel guesses cannot slip
// past the limit), and after Options.MaxAttempts failures (5) in
// Options.AttemptWindow (5 minutes) every attempt, right or wrong, is
// refused with [ErrThrottled] until the window ends. A success forgets the
// failures. Recovery codes count against the same limit.
//
// # Recovery codes
//
// [Verifier.GenerateRecoveryCodes] makes 10 codes of 10 characters from an
// alphabet without look-alikes (no 0/O, 1/I), shown as XXXXX-XXXXX. The
// store keeps only their SHA-256 digests, bound to the user, and consumes
// a code atomically when it is used: each works once.
//
// # What is stored where
//
// The application stores each user's TOTP secret, encrypted, with the
// user: the Verifier takes it as an argument. The [Store] — [MemoryStore]
// for one process, mfa/redisstore for a fleet — keeps the last accepted
// step, the attempt counters and the recovery code digests. mfa/mfatest
// is the conformance suite both stores pass.
//
// # Audit
//
// Enabling and disabling, failures (with the reason: wrong code, code
// already used, too many attempts) and the use of a recovery code are
// audited through Options.Auditor. No event holds a code, a recovery code
// or a secret.
package mfa
