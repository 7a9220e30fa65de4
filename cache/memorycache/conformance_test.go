package memorycache_test

import (
	"testing"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/cachetest"
	"github.com/keel-go/keel/cache/memorycache"
)

func TestConformance(t *testing.T) {
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			clk := newFakeClock()
			cachetest.Run(t, func(t *testing.T) cache.Cache[[]byte] {
				return memorycache.MustNew(memorycache.Options[string, []byte]{Policy: p, Now: clk.Now})
			}, cachetest.Options{Advance: clk.Advance})
		})
	}
	// Once with the real clock, which the suite waits on.
	t.Run("RealClock", func(t *testing.T) {
		cachetest.Run(t, func(t *testing.T) cache.Cache[[]byte] {
			return memorycache.MustNew(memorycache.Options[string, []byte]{})
		}, cachetest.Options{})
	})
	// Cost-bounded, as a byte cache is usually configured.
	t.Run("MaxCost", func(t *testing.T) {
		clk := newFakeClock()
		cachetest.Run(t, func(t *testing.T) cache.Cache[[]byte] {
			return memorycache.MustNew(memorycache.Options[string, []byte]{
				MaxCost: 64 << 20, Now: clk.Now,
				Cost: func(k string, v []byte) int64 { return int64(len(k) + len(v)) },
			})
		}, cachetest.Options{Advance: clk.Advance})
	})
}
