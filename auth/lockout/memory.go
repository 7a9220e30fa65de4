package lockout

import (
	"context"
	"sync"
	"time"
)

// sweepEvery is how many writes a [MemoryStore] makes between sweeps of
// its expired records.
const sweepEvery = 1024

// MemoryStore is a [Store] in the process's memory, for a single instance
// and for tests. Expired records are swept as it writes, so its size
// follows the failures of the last Window. The zero value is not usable;
// create one with [NewMemoryStore]. It is safe for concurrent use and
// holds no goroutine.
type MemoryStore struct {
	mu       sync.Mutex
	counters map[string]counter
	locks    map[string]time.Time
	writes   int
}

type counter struct {
	n       int
	expires time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{counters: make(map[string]counter), locks: make(map[string]time.Time)}
}

// Fail implements [Store].
func (s *MemoryStore) Fail(ctx context.Context, key string, ttl time.Duration, now time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeSweep(now)
	c := s.counters[key]
	if !c.expires.After(now) {
		c.n = 0
	}
	c.n++
	c.expires = now.Add(ttl)
	s.counters[key] = c
	return c.n, nil
}

// Lock implements [Store].
func (s *MemoryStore) Lock(ctx context.Context, key string, until, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeSweep(now)
	if until.After(now) && until.After(s.locks[key]) {
		s.locks[key] = until
	}
	return nil
}

// LockedUntil implements [Store].
func (s *MemoryStore) LockedUntil(ctx context.Context, key string, now time.Time) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if until, ok := s.locks[key]; ok && until.After(now) {
		return until, nil
	}
	return time.Time{}, nil
}

// Reset implements [Store].
func (s *MemoryStore) Reset(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.counters, key)
	delete(s.locks, key)
	return nil
}

// Len returns how many counters and locks the store holds, expired ones
// not yet swept included.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.counters) + len(s.locks)
}

// maybeSweep removes expired records every sweepEvery writes. The caller
// holds s.mu.
func (s *MemoryStore) maybeSweep(now time.Time) {
	s.writes++
	if s.writes < sweepEvery {
		return
	}
	s.writes = 0
	for k, c := range s.counters {
		if !c.expires.After(now) {
			delete(s.counters, k)
		}
	}
	for k, until := range s.locks {
		if !until.After(now) {
			delete(s.locks, k)
		}
	}
}
