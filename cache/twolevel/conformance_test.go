package twolevel_test

import (
	"testing"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/cachetest"
	"github.com/keel-go/keel/cache/memorycache"
	"github.com/keel-go/keel/cache/rediscache"
	"github.com/keel-go/keel/cache/twolevel"
)

// TestConformance runs the cache contract on a two-level cache over a
// real Redis, each subtest under its own prefix and channel, with a map
// as the near cache and with memorycache.
func TestConformance(t *testing.T) {
	client := redisClient(t, "")
	t.Run("map", func(t *testing.T) {
		cachetest.Run(t, func(t *testing.T) cache.Cache[[]byte] {
			return newInstance(t, client, testPrefix(t, client), twolevel.Options{}).Cache
		}, cachetest.Options{MaxKeyLen: rediscache.DefaultMaxKeyLen})
	})
	t.Run("memorycache", func(t *testing.T) {
		cachetest.Run(t, func(t *testing.T) cache.Cache[[]byte] {
			near, err := memorycache.New(memorycache.Options[string, []byte]{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = near.Close() })
			c, err := twolevel.New[[]byte](near, newFar(t, client, testPrefix(t, client)), client, twolevel.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, cachetest.Options{MaxKeyLen: rediscache.DefaultMaxKeyLen})
	})
}

// memorycache is the near cache twolevel is designed for.
var _ twolevel.Clearer = (*memorycache.Cache[string, []byte])(nil)
