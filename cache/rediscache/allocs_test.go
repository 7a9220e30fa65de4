package rediscache_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// sink keeps the compiler from dropping the values the allocation tests
// read.
var sink []byte

// TestAllocs pins the cost of the cache over go-redis used directly: one
// allocation more per Get and per Set of a []byte, the Prefix+key string,
// and one more per batch, whose keys share one string. The value itself is
// neither copied nor encoded.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	client := redisClient(t)
	ctx := context.Background()
	c := newBytes(t, client)
	key, full := "k", c.Prefix()+"k"
	value := make([]byte, 512)
	if err := c.Set(ctx, key, value, time.Minute); err != nil {
		t.Fatal(err)
	}
	names := []string{"k", "a", "b", "c", "d", "e", "f", "g", "h", "i"}
	fulls := make([]string, len(names))
	for i, name := range names {
		fulls[i] = c.Prefix() + name
	}
	var batch map[string][]byte
	tests := []struct {
		name         string
		keel, direct func()
	}{
		{
			"Get",
			func() { sink, _, _ = c.Get(ctx, key) },
			func() { sink, _ = client.Get(ctx, full).Bytes() },
		},
		{
			"Set",
			func() { _ = c.Set(ctx, key, value, time.Minute) },
			func() { _ = client.Set(ctx, full, value, time.Minute).Err() },
		},
		{
			"GetMany",
			func() { batch, _ = c.GetMany(ctx, names) },
			func() {
				pipe := client.Pipeline()
				cmds := make([]*redis.StringCmd, len(fulls))
				for i, key := range fulls {
					cmds[i] = pipe.Get(ctx, key)
				}
				_, _ = pipe.Exec(ctx)
				batch = make(map[string][]byte, len(fulls))
				for i, cmd := range cmds {
					if v, err := cmd.Bytes(); err == nil {
						batch[names[i]] = v
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			direct := testing.AllocsPerRun(100, tt.direct)
			keel := testing.AllocsPerRun(100, tt.keel)
			if keel > direct+1 {
				t.Errorf("%s allocates %v times per call, go-redis directly %v: want at most 1 more", tt.name, keel, direct)
			}
			t.Logf("%s: keel %v allocs, go-redis %v", tt.name, keel, direct)
		})
	}
}
