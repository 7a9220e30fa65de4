package mfa

import (
	"context"
	"crypto/subtle"
	"fmt"
	"hash"
	"strings"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
)

// Defaults of [Options].
const (
	DefaultDigits        = 6
	DefaultPeriod        = 30 * time.Second
	DefaultSkew          = 1
	DefaultMaxAttempts   = 5
	DefaultAttemptWindow = 5 * time.Minute
	DefaultRecoveryCodes = 10
)

// Limits on [Options].
const (
	maxSkew   = 3
	maxPeriod = 10 * time.Minute
)

// Errors returned by a [Verifier]. Compare with [errors.Is].
var (
	// ErrInvalidCode is returned for a code or recovery code that is
	// wrong, malformed, or already used: the client is not told which. It
	// renders as 401 with code "invalid_code".
	ErrInvalidCode = errors.Unauthorized("The code is not valid.").WithCode("invalid_code")
	// ErrThrottled is returned, with the time left as Retry-After, once a
	// user has made Options.MaxAttempts failed attempts in the attempt
	// window; even a right code is refused then. It renders as 429.
	ErrThrottled = errors.TooManyRequests("Too many attempts. Try again later.")
	// ErrMalformedSecret is returned for a stored secret that is not
	// base32 of 16 to 128 bytes: a server-side fault, a 500.
	ErrMalformedSecret = errors.New("mfa: malformed secret")
)

// Store keeps what a [Verifier] must share between its calls and between
// instances: the last time step each user's code was accepted at, attempt
// counters, and recovery code digests. [MemoryStore] serves one process;
// mfa/redisstore shares them.
//
// The contract for implementers, checked by mfatest.Run:
//
//   - AdvanceStep is a compare-and-advance: it records step only when it
//     is greater than the step recorded for user, atomically, and reports
//     whether it did. Of concurrent calls with one step, one succeeds.
//     A record may expire once it is a day old: by then every step a code
//     can be accepted for is greater.
//   - Attempt adds one to user's attempt count and returns it, atomically.
//     The count's window starts at the attempt that finds none and lasts
//     window, by the caller's clock (now); the count restarts after it.
//   - UseRecoveryCode removes digest from user's set and reports whether
//     it was there, atomically: a code is used once, even by concurrent
//     calls. Digests are hex SHA-256 strings.
//   - Forget removes everything about user.
//   - Every method honours ctx.
type Store interface {
	// AdvanceStep records step as user's last accepted time step if it is
	// greater than the one recorded, and reports whether it was.
	AdvanceStep(ctx context.Context, user string, step int64) (bool, error)
	// Attempt counts one attempt by user and returns the count in the
	// current window and when the window ends.
	Attempt(ctx context.Context, user string, window time.Duration, now time.Time) (count int, reset time.Time, err error)
	// ResetAttempts forgets user's attempts.
	ResetAttempts(ctx context.Context, user string) error
	// SetRecoveryCodes replaces user's recovery code digests.
	SetRecoveryCodes(ctx context.Context, user string, digests []string) error
	// UseRecoveryCode removes digest from user's recovery codes and
	// reports whether it was one of them.
	UseRecoveryCode(ctx context.Context, user, digest string) (bool, error)
	// Forget removes user's step, attempts and recovery codes.
	Forget(ctx context.Context, user string) error
}

// Options configures a [Verifier].
type Options struct {
	// Issuer names the service in authenticator apps. Required; it must
	// not contain ':'.
	Issuer string

	// Store keeps steps, attempts and recovery codes. Default: a new
	// [MemoryStore], private to this Verifier; share a Redis store between
	// the instances of a service, or a code accepted by one is accepted
	// again by another.
	Store Store

	// Algorithm is the HMAC hash. Default: [SHA1], which every app
	// supports.
	Algorithm Algorithm
	// Digits is the code length, 6 to 8. Default: [DefaultDigits].
	Digits int
	// Period is the time step, a whole number of seconds up to 10
	// minutes. Default: [DefaultPeriod].
	Period time.Duration
	// Skew is how many steps before and after the current one a code is
	// accepted for, to absorb clock drift and typing time; at most 3.
	// Default: [DefaultSkew]. Set -1 to accept the current step only.
	Skew int

	// MaxAttempts is how many failed attempts (codes and recovery codes
	// together) a user may make per AttemptWindow; the next are refused
	// with [ErrThrottled]. A success forgets the failures. Default:
	// [DefaultMaxAttempts].
	MaxAttempts int
	// AttemptWindow is the window MaxAttempts counts over, from the first
	// failure. Default: [DefaultAttemptWindow].
	AttemptWindow time.Duration

	// RecoveryCodes is how many codes [Verifier.GenerateRecoveryCodes]
	// makes. Default: [DefaultRecoveryCodes].
	RecoveryCodes int

	// Auditor receives [auth.ActionMFAEnabled], [auth.ActionMFADisabled],
	// [auth.ActionMFAFailed] and [auth.ActionRecoveryUsed]. Default: nil.
	Auditor auth.Auditor

	// Now returns the current time. Default: time.Now.
	Now func() time.Time
}

// withDefaults returns opts with every zero field set to its default.
func (opts Options) withDefaults() Options {
	if opts.Store == nil {
		opts.Store = NewMemoryStore()
	}
	if opts.Algorithm == "" {
		opts.Algorithm = SHA1
	}
	if opts.Digits == 0 {
		opts.Digits = DefaultDigits
	}
	if opts.Period == 0 {
		opts.Period = DefaultPeriod
	}
	switch opts.Skew {
	case 0:
		opts.Skew = DefaultSkew
	case -1:
		opts.Skew = 0
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.AttemptWindow == 0 {
		opts.AttemptWindow = DefaultAttemptWindow
	}
	if opts.RecoveryCodes == 0 {
		opts.RecoveryCodes = DefaultRecoveryCodes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return opts
}

// validate reports the first invalid field of opts.
func (opts Options) validate() error {
	switch {
	case opts.Issuer == "" || strings.Contains(opts.Issuer, ":"):
		return fmt.Errorf("mfa: Options.Issuer %q is empty or contains ':'", opts.Issuer)
	case opts.Algorithm.newHash() == nil:
		return fmt.Errorf("mfa: Options.Algorithm %q is not SHA1, SHA256 or SHA512", opts.Algorithm)
	case opts.Digits < 6 || opts.Digits > 8:
		return fmt.Errorf("mfa: Options.Digits %d is outside 6..8", opts.Digits)
	case opts.Period < time.Second || opts.Period > maxPeriod || opts.Period%time.Second != 0:
		return fmt.Errorf("mfa: Options.Period %v is not a whole number of seconds up to %v", opts.Period, maxPeriod)
	case opts.Skew < 0 || opts.Skew > maxSkew:
		return fmt.Errorf("mfa: Options.Skew %d is outside -1..%d", opts.Skew, maxSkew)
	case opts.MaxAttempts < 1:
		return fmt.Errorf("mfa: Options.MaxAttempts %d is not positive", opts.MaxAttempts)
	case opts.AttemptWindow < time.Second:
		return fmt.Errorf("mfa: Options.AttemptWindow %v is under a second", opts.AttemptWindow)
	case opts.RecoveryCodes < 1 || opts.RecoveryCodes > 100:
		return fmt.Errorf("mfa: Options.RecoveryCodes %d is outside 1..100", opts.RecoveryCodes)
	}
	return nil
}

// Verifier checks TOTP codes (RFC 6238) and recovery codes for a second
// factor. Create one with [New]; the zero value is not usable. A Verifier
// is safe for concurrent use and holds no goroutine.
//
// The Verifier does not keep users' TOTP secrets: the application stores
// each user's secret (encrypted) and passes it in. The Verifier keeps, in
// its [Store], what makes codes single-use and guessing slow.
type Verifier struct {
	opts      Options
	newHash   func() hash.Hash
	periodSec int64
}

// New returns a Verifier configured by opts, or an error naming the
// invalid field.
func New(opts Options) (*Verifier, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Verifier{opts: opts, newHash: opts.Algorithm.newHash(), periodSec: int64(opts.Period / time.Second)}, nil
}

// MustNew is like [New] but panics on invalid options.
func MustNew(opts Options) *Verifier {
	v, err := New(opts)
	if err != nil {
		panic(err.Error())
	}
	return v
}

// ProvisioningURI returns the otpauth:// URI that enrolls secret for
// account in an authenticator app (shown as a QR code):
//
//	otpauth://totp/Issuer:alice%40example.com?secret=...&issuer=Issuer&algorithm=SHA1&digits=6&period=30
//
// Issuer and account are percent-encoded, so a ':' or '&' in them cannot
// change the URI's meaning.
func (v *Verifier) ProvisioningURI(account, secret string) string {
	return provisioningURI(v.opts.Issuer, account, secret, v.opts.Algorithm, v.opts.Digits, v.periodSec)
}

// Code returns the code for secret at time t, as an authenticator app
// shows it. Tests and demos use it; a server never needs to send a code.
func (v *Verifier) Code(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	dst := make([]byte, v.opts.Digits)
	hotp(v.newHash, key, uint64(t.Unix()/v.periodSec), v.opts.Digits, dst)
	return string(dst), nil
}

// Verify checks code, as user typed it, against user's secret. It returns
// nil when the code is right for the current time step or one within Skew
// of it, and later than any step accepted for user before: a code is
// accepted once, and after a code another from an earlier step is refused
// too. Otherwise it returns [ErrInvalidCode], [ErrThrottled] once the
// user has failed too often, [ErrMalformedSecret], or the store's error.
// Failures are audited as [auth.ActionMFAFailed] with the reason.
//
// Codes are compared in constant time, and every step of the window is
// computed and compared whatever matches.
func (v *Verifier) Verify(ctx context.Context, user, secret, code string) error {
	now := v.opts.Now()
	if err := v.attempt(ctx, user, now); err != nil {
		return err
	}
	key, err := decodeSecret(secret)
	if err != nil {
		return err
	}
	digits, ok := ParseCode(code, v.opts.Digits)
	if !ok {
		return v.fail(ctx, user, "malformed code")
	}
	step := now.Unix() / v.periodSec
	matched := int64(-1)
	buf := make([]byte, v.opts.Digits)
	for s := step - int64(v.opts.Skew); s <= step+int64(v.opts.Skew); s++ {
		if s < 0 {
			continue
		}
		hotp(v.newHash, key, uint64(s), v.opts.Digits, buf)
		if subtle.ConstantTimeCompare(buf, []byte(digits)) == 1 {
			matched = s
		}
	}
	if matched < 0 {
		return v.fail(ctx, user, "wrong code")
	}
	advanced, err := v.opts.Store.AdvanceStep(ctx, user, matched)
	if err != nil {
		return fmt.Errorf("mfa: advance step: %w", err)
	}
	if !advanced {
		return v.fail(ctx, user, "code already used")
	}
	if err := v.opts.Store.ResetAttempts(ctx, user); err != nil {
		return fmt.Errorf("mfa: reset attempts: %w", err)
	}
	return nil
}

// Enable confirms enrollment: the user typed a code from the app that
// scanned secret's [Verifier.ProvisioningURI]. It verifies the code as
// [Verifier.Verify] does and, when it is right, audits
// [auth.ActionMFAEnabled]; the caller then stores secret with the user.
func (v *Verifier) Enable(ctx context.Context, user, secret, code string) error {
	if err := v.Verify(ctx, user, secret, code); err != nil {
		return err
	}
	v.audit(ctx, auth.ActionMFAEnabled, user, auth.ResultSuccess, "")
	return nil
}

// Disable forgets everything the store holds about user — last step,
// attempts, recovery codes — and audits [auth.ActionMFADisabled]. The
// caller deletes the user's secret.
func (v *Verifier) Disable(ctx context.Context, user string) error {
	if err := v.opts.Store.Forget(ctx, user); err != nil {
		return fmt.Errorf("mfa: forget: %w", err)
	}
	v.audit(ctx, auth.ActionMFADisabled, user, auth.ResultSuccess, "")
	return nil
}

// attempt counts an attempt and refuses it when the user has failed too
// often.
func (v *Verifier) attempt(ctx context.Context, user string, now time.Time) error {
	n, reset, err := v.opts.Store.Attempt(ctx, user, v.opts.AttemptWindow, now)
	if err != nil {
		return fmt.Errorf("mfa: count attempt: %w", err)
	}
	if n > v.opts.MaxAttempts {
		v.audit(ctx, auth.ActionMFAFailed, user, auth.ResultDenied, "too many attempts")
		return ErrThrottled.WithRetryAfter(reset.Sub(now))
	}
	return nil
}

// fail audits a failed attempt and returns [ErrInvalidCode].
func (v *Verifier) fail(ctx context.Context, user, reason string) error {
	v.audit(ctx, auth.ActionMFAFailed, user, auth.ResultFailure, reason)
	return ErrInvalidCode
}

// audit sends an event about user's second factor.
func (v *Verifier) audit(ctx context.Context, action, user, result, reason string) {
	if v.opts.Auditor == nil {
		return
	}
	e := auth.EventFromContext(ctx, action)
	e.Time = v.opts.Now()
	e.Actor = user
	e.Result = result
	e.Reason = reason
	v.opts.Auditor.Audit(ctx, e)
}
