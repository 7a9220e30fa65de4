package apikey

import (
	"context"
	"sync"
	"time"
)

// MemoryStore is an in-process [Store] for a single instance and for
// tests. Use [NewMemoryStore]; the zero value is not usable. A
// MemoryStore is safe for concurrent use.
type MemoryStore struct {
	mu      sync.Mutex
	keys    map[string]Key
	byOwner map[string][]string
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{keys: make(map[string]Key), byOwner: make(map[string][]string)}
}

// Create stores k unless its ID is taken.
func (s *MemoryStore) Create(ctx context.Context, k Key) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return ErrDuplicate
	}
	s.keys[k.ID] = k.clone()
	s.byOwner[k.Owner] = append(s.byOwner[k.Owner], k.ID)
	return nil
}

// Get returns the key stored under id.
func (s *MemoryStore) Get(ctx context.Context, id string) (Key, bool, error) {
	if err := ctx.Err(); err != nil {
		return Key{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return Key{}, false, nil
	}
	return k.clone(), true, nil
}

// ListByOwner returns the keys of owner.
func (s *MemoryStore) ListByOwner(ctx context.Context, owner string) ([]Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := s.byOwner[owner]
	out := make([]Key, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.keys[id].clone())
	}
	return out, nil
}

// Revoke marks the key stored under id revoked at at, once.
func (s *MemoryStore) Revoke(ctx context.Context, id string, at time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return false, nil
	}
	if k.RevokedAt.IsZero() {
		k.RevokedAt = at
		s.keys[id] = k
	}
	return true, nil
}

// MarkUsed advances the LastUsedAt of the key stored under id to at.
func (s *MemoryStore) MarkUsed(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[id]; ok && at.After(k.LastUsedAt) {
		k.LastUsedAt = at
		s.keys[id] = k
	}
	return nil
}
