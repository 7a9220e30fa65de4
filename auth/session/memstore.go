package session

import (
	"context"
	"sync"
	"time"
)

// sweepBatch is how many records a write to a [MemoryStore] inspects for
// expiry, so that memory held by sessions nobody comes back to is
// reclaimed without a background goroutine and at a bounded cost per
// write.
const sweepBatch = 16

// MemoryStore is an in-process [Store] for a single instance and for tests.
// Expired records are never returned; their memory is reclaimed a few at a
// time on each write, and a user's on [MemoryStore.ListByUser], with no
// goroutine to stop.
//
// Use [NewMemoryStore]; the zero value is not usable. A MemoryStore is safe
// for concurrent use.
type MemoryStore struct {
	now func() time.Time

	mu     sync.Mutex
	recs   map[string]Record
	byUser map[string]map[string]struct{}
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore that tells expired records
// by now, or by time.Now when now is nil. Pass the [Options].Now of the
// [Manager] when it is a test clock.
func NewMemoryStore(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{
		now:    now,
		recs:   make(map[string]Record),
		byUser: make(map[string]map[string]struct{}),
	}
}

// Create stores rec under rec.ID and indexes it under rec.UserID.
func (s *MemoryStore) Create(ctx context.Context, rec Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	if old, ok := s.recs[rec.ID]; ok {
		s.removeLocked(old)
	}
	s.recs[rec.ID] = rec.Clone()
	ids := s.byUser[rec.UserID]
	if ids == nil {
		ids = make(map[string]struct{})
		s.byUser[rec.UserID] = ids
	}
	ids[rec.ID] = struct{}{}
	return nil
}

// Get returns the live record stored under id.
func (s *MemoryStore) Get(ctx context.Context, id string) (Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, false, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.recs[id]
	if !ok || !now.Before(rec.ExpiresAt) {
		return Record{}, false, nil
	}
	return rec.Clone(), true, nil
}

// Touch sets the LastSeen and ExpiresAt of the live record stored under
// id and reports whether there was one.
func (s *MemoryStore) Touch(ctx context.Context, id string, lastSeen, expiresAt time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.recs[id]
	if !ok || !now.Before(rec.ExpiresAt) {
		return false, nil
	}
	rec.LastSeen, rec.ExpiresAt = lastSeen, expiresAt
	s.recs[id] = rec
	s.sweepLocked(now)
	return true, nil
}

// Update replaces the Principal and Data of the live record stored under
// rec.ID and reports whether there was one.
func (s *MemoryStore) Update(ctx context.Context, rec Record) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.recs[rec.ID]
	if !ok || !now.Before(old.ExpiresAt) {
		return false, nil
	}
	c := rec.Clone()
	old.Principal, old.Data = c.Principal, c.Data
	s.recs[rec.ID] = old
	s.sweepLocked(now)
	return true, nil
}

// Delete removes the record stored under id, if any.
func (s *MemoryStore) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec, ok := s.recs[id]; ok {
		s.removeLocked(rec)
	}
	return nil
}

// ListByUser returns the live records of userID and drops its expired
// ones.
func (s *MemoryStore) ListByUser(ctx context.Context, userID string) ([]Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for id := range s.byUser[userID] {
		rec := s.recs[id]
		if !now.Before(rec.ExpiresAt) {
			s.removeLocked(rec)
			continue
		}
		out = append(out, rec.Clone())
	}
	return out, nil
}

// DeleteByUser removes every record of userID and returns how many were
// live.
func (s *MemoryStore) DeleteByUser(ctx context.Context, userID string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id := range s.byUser[userID] {
		rec := s.recs[id]
		if now.Before(rec.ExpiresAt) {
			n++
		}
		delete(s.recs, id)
	}
	delete(s.byUser, userID)
	return n, nil
}

// removeLocked deletes rec and its index entry. s.mu must be held.
func (s *MemoryStore) removeLocked(rec Record) {
	delete(s.recs, rec.ID)
	if ids := s.byUser[rec.UserID]; ids != nil {
		delete(ids, rec.ID)
		if len(ids) == 0 {
			delete(s.byUser, rec.UserID)
		}
	}
}

// sweepLocked removes the expired records among up to sweepBatch records,
// taken in the map's random iteration order. s.mu must be held.
func (s *MemoryStore) sweepLocked(now time.Time) {
	i := 0
	for _, rec := range s.recs {
		if i == sweepBatch {
			return
		}
		i++
		if !now.Before(rec.ExpiresAt) {
			s.removeLocked(rec)
		}
	}
}

// Len returns how many records s holds, counting expired records whose
// memory has not been reclaimed yet.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
}
