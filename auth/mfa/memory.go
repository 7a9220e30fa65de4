package mfa

import (
	"context"
	"crypto/subtle"
	"slices"
	"sync"
	"time"
)

// sweepEvery is how many attempts a [MemoryStore] counts between sweeps
// of its expired attempt counters.
const sweepEvery = 1024

// MemoryStore is a [Store] in the process's memory, for a single instance
// and for tests. The zero value is not usable; create one with
// [NewMemoryStore]. It is safe for concurrent use and holds no goroutine.
type MemoryStore struct {
	mu       sync.Mutex
	steps    map[string]int64
	attempts map[string]attempts
	recovery map[string][]string
	writes   int
}

type attempts struct {
	n     int
	reset time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		steps:    make(map[string]int64),
		attempts: make(map[string]attempts),
		recovery: make(map[string][]string),
	}
}

// AdvanceStep implements [Store].
func (s *MemoryStore) AdvanceStep(ctx context.Context, user string, step int64) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.steps[user]; ok && step <= last {
		return false, nil
	}
	s.steps[user] = step
	return true, nil
}

// Attempt implements [Store].
func (s *MemoryStore) Attempt(ctx context.Context, user string, window time.Duration, now time.Time) (int, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return 0, time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeSweep(now)
	a := s.attempts[user]
	if !a.reset.After(now) {
		a = attempts{reset: now.Add(window)}
	}
	a.n++
	s.attempts[user] = a
	return a.n, a.reset, nil
}

// ResetAttempts implements [Store].
func (s *MemoryStore) ResetAttempts(ctx context.Context, user string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.attempts, user)
	return nil
}

// SetRecoveryCodes implements [Store].
func (s *MemoryStore) SetRecoveryCodes(ctx context.Context, user string, digests []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recovery[user] = slices.Clone(digests)
	return nil
}

// UseRecoveryCode implements [Store]. It compares digest with every one of
// user's in constant time.
func (s *MemoryStore) UseRecoveryCode(ctx context.Context, user, digest string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	codes := s.recovery[user]
	found := -1
	for i, d := range codes {
		if subtle.ConstantTimeCompare([]byte(d), []byte(digest)) == 1 {
			found = i
		}
	}
	if found < 0 {
		return false, nil
	}
	s.recovery[user] = slices.Delete(codes, found, found+1)
	return true, nil
}

// Forget implements [Store].
func (s *MemoryStore) Forget(ctx context.Context, user string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.steps, user)
	delete(s.attempts, user)
	delete(s.recovery, user)
	return nil
}

// maybeSweep removes expired attempt counters every sweepEvery attempts.
// The caller holds s.mu.
func (s *MemoryStore) maybeSweep(now time.Time) {
	s.writes++
	if s.writes < sweepEvery {
		return
	}
	s.writes = 0
	for k, a := range s.attempts {
		if !a.reset.After(now) {
			delete(s.attempts, k)
		}
	}
}
