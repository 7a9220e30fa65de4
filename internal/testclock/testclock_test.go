package testclock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/internal/testclock"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := testclock.New(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now() = %v, want %v", got, start)
	}
	c.Advance(90 * time.Second)
	if got := c.Now(); !got.Equal(start.Add(90 * time.Second)) {
		t.Fatalf("after Advance(90s) Now() = %v", got)
	}
	c.Set(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("after Set Now() = %v, want %v", got, start)
	}
	var zero testclock.Clock
	if !zero.Now().IsZero() {
		t.Errorf("zero Clock reads %v, want the zero time", zero.Now())
	}
}

func TestClockConcurrentUse(t *testing.T) {
	c := testclock.New(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				c.Advance(time.Millisecond)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(time.Unix(4, 0)) {
		t.Errorf("Now() = %v after 4000 Advance(1ms), want %v", got, time.Unix(4, 0))
	}
}
