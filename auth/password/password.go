package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/keel-go/keel/errors"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// The default argon2id parameters: the first of the OWASP Password Storage
// Cheat Sheet's equivalent configurations, m=19 MiB, t=2, p=1.
const (
	DefaultMemory  = 19 * 1024 // KiB
	DefaultTime    = 2
	DefaultThreads = 1
)

// Sizes of what [Hasher.Hash] generates.
const (
	SaltLen = 16 // bytes of random salt per hash
	KeyLen  = 32 // bytes of derived key
)

// Limits on the parameters of a hash, checked by [Parse] before any memory
// is allocated and by [New]: a tampered or hostile hash cannot make a
// verification allocate gigabytes or run for minutes.
const (
	MaxMemory  = 256 * 1024 // KiB: 256 MiB
	MaxTime    = 16
	MaxThreads = 16
)

// MaxBytes is the longest password, in bytes, that [Hasher.Hash] accepts
// and [Hasher.Verify] considers. It bounds the work an attacker can ask for;
// a [Policy] sets the length users may choose.
const MaxBytes = 4096

// bcryptMaxLen is the most bytes bcrypt reads of a password; it ignores
// the rest.
const bcryptMaxLen = 72

// bcryptMaxCost is the highest bcrypt cost Verify computes: 2^16 rounds
// take seconds; a higher cost in a stored hash is a tampered hash.
const bcryptMaxCost = 16

// Errors returned by a [Hasher]. Compare with [errors.Is].
var (
	// ErrMalformedHash is returned by Verify, VerifyAndRehash and Parse
	// for a stored hash that is not a valid argon2id PHC string or bcrypt
	// hash, or whose parameters exceed the limits. It is a server-side
	// fault: written with errors.Write it is a 500.
	ErrMalformedHash = errors.New("password: malformed hash")
	// ErrBusy is returned when a hash computation waited longer than
	// Options.MaxWait for a slot: the service is flooded with logins. It
	// renders as 503 with Retry-After.
	ErrBusy = errors.Unavailable("password: too many hash computations in progress").WithRetryAfter(time.Second)
	// ErrTooLong is returned by Hash for a password longer than
	// [MaxBytes]. It renders as 422.
	ErrTooLong = errors.Unprocessable("The password is too long.")
)

// Params are the argon2id cost parameters.
type Params struct {
	// Memory is the memory used per hash, in KiB. Default: [DefaultMemory].
	Memory uint32
	// Time is the number of passes over the memory. Default: [DefaultTime].
	Time uint32
	// Threads is the parallelism. Default: [DefaultThreads].
	Threads uint8
}

// withDefaults fills zero fields.
func (p Params) withDefaults() Params {
	if p.Memory == 0 {
		p.Memory = DefaultMemory
	}
	if p.Time == 0 {
		p.Time = DefaultTime
	}
	if p.Threads == 0 {
		p.Threads = DefaultThreads
	}
	return p
}

// validate checks p against argon2's rules and keel's limits.
func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > MaxTime:
		return fmt.Errorf("t=%d outside 1..%d", p.Time, MaxTime)
	case p.Threads < 1 || p.Threads > MaxThreads:
		return fmt.Errorf("p=%d outside 1..%d", p.Threads, MaxThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > MaxMemory:
		return fmt.Errorf("m=%d outside %d..%d", p.Memory, 8*uint32(p.Threads), MaxMemory)
	}
	return nil
}

// Options configures a [Hasher]. The zero value is ready to use.
type Options struct {
	// Params are the argon2id parameters of new hashes. Zero fields take
	// the defaults: m=19456 KiB, t=2, p=1 (OWASP).
	Params Params
	// MaxConcurrent bounds how many hash computations run at once, so that
	// a login flood cannot exhaust memory (each argon2id computation holds
	// Params.Memory). Default: 2×GOMAXPROCS.
	MaxConcurrent int
	// MaxWait is how long a computation waits for a slot before failing
	// with [ErrBusy]. Default: 5 s.
	MaxWait time.Duration
}

// Hasher hashes and verifies passwords with argon2id, and verifies bcrypt
// hashes migrated from elsewhere. Create one with [New]; the zero value is
// not usable. A Hasher is safe for concurrent use and holds no goroutine.
type Hasher struct {
	params  Params
	sem     chan struct{}
	maxWait time.Duration
	kdf     func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
}

// New returns a Hasher configured by opts, or an error naming the invalid
// field.
func New(opts Options) (*Hasher, error) {
	opts.Params = opts.Params.withDefaults()
	if err := opts.Params.validate(); err != nil {
		return nil, fmt.Errorf("password: Options.Params: %v", err)
	}
	if opts.MaxConcurrent < 0 {
		return nil, fmt.Errorf("password: Options.MaxConcurrent %d is negative", opts.MaxConcurrent)
	}
	if opts.MaxConcurrent == 0 {
		opts.MaxConcurrent = 2 * runtime.GOMAXPROCS(0)
	}
	if opts.MaxWait < 0 {
		return nil, fmt.Errorf("password: Options.MaxWait %v is negative", opts.MaxWait)
	}
	if opts.MaxWait == 0 {
		opts.MaxWait = 5 * time.Second
	}
	return &Hasher{
		params:  opts.Params,
		sem:     make(chan struct{}, opts.MaxConcurrent),
		maxWait: opts.MaxWait,
		kdf:     argon2.IDKey,
	}, nil
}

// MustNew is like [New] but panics on invalid options.
func MustNew(opts Options) *Hasher {
	h, err := New(opts)
	if err != nil {
		panic(err.Error())
	}
	return h
}

// Params returns the parameters of the hashes h makes.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the argon2id hash of password in PHC format,
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// with a fresh 16-byte salt from crypto/rand and a 32-byte key. It returns
// [ErrTooLong] for a password over [MaxBytes], [ErrBusy] when no slot
// freed up in time, and ctx's error when ctx ends first. Check the
// password against a [Policy] before hashing it.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > MaxBytes {
		return "", ErrTooLong
	}
	salt := make([]byte, SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	key := h.kdf([]byte(password), salt, h.params.Time, h.params.Memory, h.params.Threads, KeyLen)
	h.release()
	return Encode(h.params, salt, key), nil
}

// Verify reports whether password matches the stored hash encoded: an
// argon2id PHC string or a bcrypt hash ($2a$, $2b$, $2y$). The comparison
// is constant-time.
//
// An empty encoded means the account does not exist: Verify then does the
// same work as for a real hash (see [Hasher.VerifyUnknown]) and reports
// false, so that response times do not tell which accounts exist.
//
// A password over 72 bytes never matches a bcrypt hash: bcrypt reads only
// the first 72 bytes, and matching on them would accept any password that
// shares them. Such a user resets the password (the argon2id hash that
// follows has no such limit). A password over [MaxBytes] never matches.
//
// Verify returns [ErrMalformedHash] for a hash it cannot read, [ErrBusy]
// when no slot freed up in time, and ctx's error when ctx ends first.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	if len(password) > MaxBytes {
		return false, nil
	}
	switch {
	case encoded == "":
		return false, h.VerifyUnknown(ctx, password)
	case strings.HasPrefix(encoded, "$argon2id$"):
		p, salt, key, err := Parse(encoded)
		if err != nil {
			return false, err
		}
		if err := h.acquire(ctx); err != nil {
			return false, err
		}
		got := h.kdf([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
		h.release()
		return subtle.ConstantTimeCompare(got, key) == 1, nil
	case isBcrypt(encoded):
		cost, err := bcrypt.Cost([]byte(encoded))
		if err != nil || cost > bcryptMaxCost {
			return false, fmt.Errorf("%w: bcrypt hash unreadable or cost above %d", ErrMalformedHash, bcryptMaxCost)
		}
		if len(password) > bcryptMaxLen {
			return false, h.VerifyUnknown(ctx, password)
		}
		if err := h.acquire(ctx); err != nil {
			return false, err
		}
		err = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
		h.release()
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, nil
		}
		return false, fmt.Errorf("%w: bcrypt: %v", ErrMalformedHash, err)
	}
	return false, fmt.Errorf("%w: unknown scheme", ErrMalformedHash)
}

// VerifyUnknown does the work of verifying password against a hash with
// h's parameters, and nothing else. Call it when the user does not exist,
// so that a login for an unknown account takes as long as one for a known
// account. It returns only [ErrBusy] or ctx's error.
func (h *Hasher) VerifyUnknown(ctx context.Context, password string) error {
	if len(password) > MaxBytes {
		return nil
	}
	if err := h.acquire(ctx); err != nil {
		return err
	}
	got := h.kdf([]byte(password), dummySalt[:], h.params.Time, h.params.Memory, h.params.Threads, KeyLen)
	h.release()
	// Comparing keeps the work observable, as for a real hash.
	subtle.ConstantTimeCompare(got, dummyKey[:])
	return nil
}

// VerifyAndRehash verifies password like [Hasher.Verify] and, when it
// matches a hash that [Hasher.NeedsRehash], also hashes it anew with h's
// parameters: the caller stores newHash when it is not empty. This is how
// bcrypt hashes and hashes with older parameters migrate, one login at a
// time.
//
// A failure to compute the new hash does not fail the login: newHash is
// then empty and the next login tries again. err reports only a failure to
// verify.
func (h *Hasher) VerifyAndRehash(ctx context.Context, encoded, password string) (ok bool, newHash string, err error) {
	ok, err = h.Verify(ctx, encoded, password)
	if !ok || err != nil || !h.NeedsRehash(encoded) {
		return ok, "", err
	}
	newHash, err = h.Hash(ctx, password)
	if err != nil {
		return true, "", nil
	}
	return true, newHash, nil
}

// NeedsRehash reports whether encoded is not an argon2id hash with h's
// parameters, a salt of at least 16 bytes and a 32-byte key: a bcrypt hash,
// a hash with other parameters, or one that cannot be read.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, salt, key, err := Parse(encoded)
	return err != nil || p != h.params || len(salt) < SaltLen || len(key) != KeyLen
}

// acquire takes a computation slot, waiting at most h.maxWait.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrBusy
	}
}

// release frees the slot acquire took.
func (h *Hasher) release() { <-h.sem }

// The salt and key VerifyUnknown computes with. Their values do not
// matter: only the work does.
var (
	dummySalt = [SaltLen]byte{'k', 'e', 'e', 'l', '-', 'u', 'n', 'k', 'n', 'o', 'w', 'n', '-', 'u', 's', 'r'}
	dummyKey  [KeyLen]byte
)

// isBcrypt reports whether encoded has a bcrypt prefix keel verifies.
func isBcrypt(encoded string) bool {
	return strings.HasPrefix(encoded, "$2a$") || strings.HasPrefix(encoded, "$2b$") || strings.HasPrefix(encoded, "$2y$")
}
