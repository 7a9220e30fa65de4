package memorycache_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/keel-go/keel/cache/memorycache"
)

// modelEntry is an entry of the reference model.
type modelEntry struct {
	value    int
	deadline time.Time // zero: none
}

// TestModel runs random operations against the cache and a plain map
// with the same clock, and compares every answer. Unbounded (the cache
// never fills), the two must agree exactly; bounded, the cache may miss
// a key the model holds (it was evicted) but must never return a value
// the model does not hold, and must stay within its bound.
func TestModel(t *testing.T) {
	ctx := context.Background()
	for _, bounded := range []bool{false, true} {
		for _, p := range policies {
			for seed := range uint64(3) {
				t.Run(fmt.Sprintf("%v/bounded=%v/seed=%d", p, bounded, seed), func(t *testing.T) {
					r := rand.New(rand.NewPCG(seed, 7))
					clk := newFakeClock()
					capacity := 1 << 20
					if bounded {
						capacity = 16
					}
					c := newCache(t, memorycache.Options[int, int]{Policy: p, MaxEntries: capacity, Now: clk.Now})
					model := map[int]modelEntry{}
					live := func(k int) (modelEntry, bool) {
						e, ok := model[k]
						if ok && !e.deadline.IsZero() && !clk.Now().Before(e.deadline) {
							return e, false
						}
						return e, ok
					}
					for i := range 3000 {
						k := r.IntN(40)
						switch op := r.IntN(10); op {
						case 0, 1, 2:
							ttl := time.Duration(r.IntN(4)-1) * time.Second // -1s, 0, 1s, 2s
							must(t, c.Set(ctx, k, i, ttl))
							switch {
							case ttl < 0:
								delete(model, k)
							case ttl == 0:
								model[k] = modelEntry{value: i}
							default:
								model[k] = modelEntry{value: i, deadline: clk.Now().Add(ttl)}
							}
						case 3:
							must(t, c.Delete(ctx, k))
							delete(model, k)
						case 4:
							clk.Advance(time.Duration(r.IntN(1000)) * time.Millisecond)
						case 5:
							want, wantOK := live(k)
							v, loaded, err := c.GetOrSet(ctx, k, i, 0)
							must(t, err)
							switch {
							case loaded && (!wantOK || v != want.value):
								t.Fatalf("op %d: GetOrSet(%d) loaded %d, model has %v %v", i, k, v, want, wantOK)
							case !loaded && wantOK && !bounded:
								t.Fatalf("op %d: GetOrSet(%d) stored, model has %v", i, k, want)
							case !loaded:
								model[k] = modelEntry{value: i}
							}
						default:
							want, wantOK := live(k)
							v, ok, err := c.Get(ctx, k)
							must(t, err)
							if ok && (!wantOK || v != want.value) || !ok && wantOK && !bounded {
								t.Fatalf("op %d: Get(%d) = %d, %v; model has %v, %v", i, k, v, ok, want, wantOK)
							}
						}
						if i%500 == 0 {
							checkInvariants(t, c)
						}
					}
					n := 0
					for k := range model {
						if _, ok := live(k); ok {
							n++
						}
					}
					if got := c.Len(); !bounded && got != n || bounded && got > min(n, capacity) {
						t.Fatalf("Len() = %d, model holds %d live entries (bounded %v)", got, n, bounded)
					}
					checkInvariants(t, c)
				})
			}
		}
	}
}
