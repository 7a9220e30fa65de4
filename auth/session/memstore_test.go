package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/auth/session/sessiontest"
)

func TestMemoryStore(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Store {
		return session.NewMemoryStore(nil)
	})
}

func TestMemoryStoreReclaimsExpired(t *testing.T) {
	c := newClock()
	s := session.NewMemoryStore(c.Now)
	ctx := context.Background()
	for range 100 {
		rec := sessiontest.NewRecord("gone")
		rec.ExpiresAt = c.Now().Add(time.Minute)
		if err := s.Create(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	c.Advance(2 * time.Minute)
	for range 200 {
		rec := sessiontest.NewRecord("live")
		rec.ExpiresAt = c.Now().Add(time.Hour)
		if err := s.Create(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	// Each write inspects a bounded batch, so most expired records are
	// gone without any goroutine.
	if got := s.Len(); got >= 250 {
		t.Fatalf("Len after 200 writes = %d, want most of the 100 expired records reclaimed", got)
	}
	if recs, err := s.ListByUser(ctx, "gone"); err != nil || len(recs) != 0 {
		t.Fatalf("ListByUser(gone) = %d, %v, want 0, nil", len(recs), err)
	}
	if got := s.Len(); got != 200 {
		t.Fatalf("Len after listing the expired user = %d, want 200", got)
	}
}
