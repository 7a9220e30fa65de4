package rediscache_test

import (
	"testing"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/cachetest"
	"github.com/keel-go/keel/cache/rediscache"
)

// TestConformance runs the cache contract against a real Redis, each
// subtest under its own prefix, with the raw codec (the copy-free path)
// and with the default codec, JSON, which stores a []byte as base64.
func TestConformance(t *testing.T) {
	client := redisClient(t)
	const maxKeyLen = 256
	t.Run("raw", func(t *testing.T) {
		cachetest.Run(t, func(t *testing.T) cache.Cache[[]byte] {
			c, err := rediscache.New(client, rediscache.Options[[]byte]{
				Prefix:    testPrefix(t, client),
				Codec:     cache.Raw{},
				MaxKeyLen: maxKeyLen,
			})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, cachetest.Options{MaxKeyLen: maxKeyLen})
	})
	t.Run("json", func(t *testing.T) {
		cachetest.Run(t, func(t *testing.T) cache.Cache[[]byte] {
			c, err := rediscache.New(client, rediscache.Options[[]byte]{
				Prefix:    testPrefix(t, client),
				MaxKeyLen: maxKeyLen,
			})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, cachetest.Options{MaxKeyLen: maxKeyLen})
	})
}
