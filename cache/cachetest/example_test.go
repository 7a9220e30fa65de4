package cachetest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/cachetest"
	"github.com/keel-go/keel/cache/memorycache"
)

// manualClock is a clock a test moves by hand.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// A backend's conformance test, here for an in-process cache with an
// injected clock, which the suite advances instead of waiting for TTLs.
// A generic backend runs the suite with []byte values through
// cache.Typed and cache.Raw, which copy, so that callers and the cache
// share no memory.
//
// The suite needs the *testing.T of a running test, so this example is
// compiled but not run: the function below is what goes in a _test.go
// file as TestConformance.
func ExampleRun() {
	testConformance := func(t *testing.T) {
		clock := &manualClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
		cachetest.Run(t, func(t *testing.T) cache.Cache[[]byte] {
			c, err := memorycache.New(memorycache.Options[string, []byte]{Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			return cache.Typed[[]byte](c, cache.Raw{})
		}, cachetest.Options{Advance: clock.Advance})
	}
	_ = testConformance
}

// The same test run for real, against memorycache: the example above
// must hold.
func TestExampleRunMemorycache(t *testing.T) {
	clock := &manualClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	cachetest.Run(t, func(t *testing.T) cache.Cache[[]byte] {
		c, err := memorycache.New(memorycache.Options[string, []byte]{Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		return cache.Typed[[]byte](c, cache.Raw{})
	}, cachetest.Options{Advance: clock.Advance})
}
