package jwtauth

import (
	"context"
	"sync"
	"time"
)

// Store keeps the state of refresh-token rotation and revocation. Every
// entry carries an expiry after which the store may forget it: an entry
// about a token is useless once the token has expired.
//
// [MemoryStore] keeps it in process; jwtauth/redisstore in Redis, shared
// by every instance of a service. jwtauth/jwtauthtest checks an
// implementation against this contract. Implementations must be safe for
// concurrent use.
type Store interface {
	RevocationChecker
	// UseRefresh marks the refresh token jti of family as used, until
	// exp (or for MinUsedMark if exp is sooner), atomically with the
	// checks: it returns ErrRevoked if the family is revoked,
	// ErrTokenReused if jti was already used, and nil after marking it.
	// Of any number of concurrent calls with the same family and jti at
	// most one returns nil.
	UseRefresh(ctx context.Context, family, jti string, exp time.Time) error
	// RevokeFamily revokes every token whose family (sid) is family,
	// until the time until. A later revocation never shortens an earlier
	// one. An until in the past is a no-op.
	RevokeFamily(ctx context.Context, family string, until time.Time) error
	// RevokeJTI revokes the token with ID jti until the time until, which
	// should be the token's expiry. An until in the past is a no-op.
	RevokeJTI(ctx context.Context, jti string, until time.Time) error
}

// MinUsedMark is the shortest time a [Store] remembers a used refresh
// token, so that a token just past its expiry (within the verifier's
// leeway) cannot be used twice.
const MinUsedMark = time.Minute

// MemoryStoreOptions configure a [MemoryStore].
type MemoryStoreOptions struct {
	// Now is the clock that expires entries. Default time.Now.
	Now func() time.Time
}

// MemoryStore is a [Store] held in process memory, for a single instance
// of a service and for tests. Expired entries are dropped as it is written
// to; it starts no goroutine and needs no cleanup.
//
// Create one with [NewMemoryStore]; the zero value is not usable. A
// MemoryStore is safe for concurrent use.
type MemoryStore struct {
	now func() time.Time

	mu       sync.Mutex
	used     map[string]time.Time // family + "\x00" + jti → expiry
	families map[string]time.Time
	jtis     map[string]time.Time
	writes   int // since the last sweep
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(opts MemoryStoreOptions) *MemoryStore {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &MemoryStore{
		now:      opts.Now,
		used:     make(map[string]time.Time),
		families: make(map[string]time.Time),
		jtis:     make(map[string]time.Time),
	}
}

// Revoked implements [RevocationChecker].
func (s *MemoryStore) Revoked(_ context.Context, jti, family string) (bool, error) {
	if jti == "" && family == "" {
		return false, nil
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return (jti != "" && live(s.jtis, jti, now)) || (family != "" && live(s.families, family, now)), nil
}

// UseRefresh implements [Store].
func (s *MemoryStore) UseRefresh(_ context.Context, family, jti string, exp time.Time) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if live(s.families, family, now) {
		return ErrRevoked
	}
	key := family + "\x00" + jti
	if live(s.used, key, now) {
		return ErrTokenReused
	}
	s.put(s.used, key, later(exp, now.Add(MinUsedMark)), now)
	return nil
}

// RevokeFamily implements [Store].
func (s *MemoryStore) RevokeFamily(_ context.Context, family string, until time.Time) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(s.families, family, until, now)
	return nil
}

// RevokeJTI implements [Store].
func (s *MemoryStore) RevokeJTI(_ context.Context, jti string, until time.Time) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(s.jtis, jti, until, now)
	return nil
}

// put records key until exp, never shortening a later expiry; the caller
// holds s.mu.
func (s *MemoryStore) put(m map[string]time.Time, key string, exp, now time.Time) {
	if !exp.After(now) {
		return
	}
	if old, ok := m[key]; !ok || exp.After(old) {
		m[key] = exp
	}
	s.writes++
	if n := len(s.used) + len(s.families) + len(s.jtis); s.writes >= max(1024, n/2) {
		s.sweep(now)
	}
}

// sweep drops expired entries. Run after writes numbering half the
// entries, its cost is amortised to O(1) per write.
func (s *MemoryStore) sweep(now time.Time) {
	for _, m := range []map[string]time.Time{s.used, s.families, s.jtis} {
		for k, exp := range m {
			if !exp.After(now) {
				delete(m, k)
			}
		}
	}
	s.writes = 0
}

func live(m map[string]time.Time, key string, now time.Time) bool {
	exp, ok := m[key]
	return ok && exp.After(now)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
