package lockout_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keel-go/keel/auth/lockout"
	"github.com/keel-go/keel/auth/lockout/lockouttest"
)

func TestMemoryStore(t *testing.T) {
	lockouttest.Run(t, func(*testing.T) lockout.Store { return lockout.NewMemoryStore() })
}

func TestMemoryStoreSweeps(t *testing.T) {
	s := lockout.NewMemoryStore()
	ctx := context.Background()
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		key := fmt.Sprint("spray-", i)
		s.Fail(ctx, key, time.Minute, t0)
		s.Lock(ctx, key, t0.Add(time.Minute), t0)
	}
	if got := s.Len(); got != 2000 {
		t.Fatalf("Len = %d, want 2000", got)
	}
	later := t0.Add(time.Hour)
	for i := range 100 {
		s.Fail(ctx, fmt.Sprint("late-", i), time.Minute, later)
	}
	if got := s.Len(); got != 100 {
		t.Errorf("Len after the sweep = %d, want 100: expired records must go", got)
	}
}
