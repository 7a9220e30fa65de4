package memorycache_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/keel-go/keel/cache/memorycache"
)

// run applies a script of operations to c: "+k" sets k, "k" gets it.
func run(tb testing.TB, c *memorycache.Cache[string, int], ops ...string) {
	tb.Helper()
	ctx := context.Background()
	for _, op := range ops {
		if op[0] == '+' {
			must(tb, c.Set(ctx, op[1:], 0, 0))
		} else if _, _, err := c.Get(ctx, op); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestPolicyEvictionOrder(t *testing.T) {
	tests := []struct {
		policy memorycache.Policy
		ops    []string
		want   string
	}{
		// LRU: the read of a saves it; b is the least recently used.
		{memorycache.LRU, []string{"+a", "+b", "+c", "a", "+d"}, "[a c d]"},
		{memorycache.LRU, []string{"+a", "+b", "+c", "a", "b", "+d", "+e"}, "[b d e]"},
		// A write counts as a use too.
		{memorycache.LRU, []string{"+a", "+b", "+c", "+a", "+d"}, "[a c d]"},
		// FIFO ignores reads and rewrites: a, the first written, goes.
		{memorycache.FIFO, []string{"+a", "+b", "+c", "a", "a", "+a", "+d"}, "[b c d]"},
		// Adaptive (ARC): a, read again, is protected from the scan of new
		// keys; then b, evicted and wanted again, returns as frequent.
		{memorycache.Adaptive, []string{"+a", "+b", "+c", "a", "+d"}, "[a c d]"},
		{memorycache.Adaptive, []string{"+a", "+b", "+c", "a", "+d", "+e", "+b", "+f"}, "[a b f]"},
		// LFU: a and b are read more often than c.
		{memorycache.LFU, []string{"+a", "+b", "+c", "a", "a", "b", "+d"}, "[a b d]"},
		// Among equal counts the least recently used goes.
		{memorycache.LFU, []string{"+a", "+b", "+c", "+d"}, "[b c d]"},
		{memorycache.LFU, []string{"+a", "+b", "+c", "a", "+d"}, "[a c d]"},
		// The newest entry is never its own victim.
		{memorycache.LFU, []string{"+a", "+b", "+c", "a", "b", "c", "+d", "+e"}, "[b c e]"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.policy, tt.ops), func(t *testing.T) {
			c := newCache(t, memorycache.Options[string, int]{Policy: tt.policy, MaxEntries: 3})
			run(t, c, tt.ops...)
			if got := fmt.Sprint(present(t, c, "a", "b", "c", "d", "e", "f")); got != tt.want {
				t.Fatalf("after %v the cache holds %s, want %s", tt.ops, got, tt.want)
			}
			checkInvariants(t, c)
		})
	}
}

func TestTTLPolicyEvictsSoonestExpiry(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	c := newCache(t, memorycache.Options[string, int]{Policy: memorycache.TTL, MaxEntries: 3, Now: clk.Now})
	must(t, c.Set(ctx, "a", 0, 10*time.Minute))
	must(t, c.Set(ctx, "b", 0, time.Minute))
	must(t, c.Set(ctx, "c", 0, 0))
	_, _, _ = c.Get(ctx, "b") // reads do not matter
	must(t, c.Set(ctx, "d", 0, 5*time.Minute))
	if got := fmt.Sprint(present(t, c, "a", "b", "c", "d")); got != "[a c d]" {
		t.Fatalf("after writing d the cache holds %s, want [a c d] (b expires first)", got)
	}
	must(t, c.Set(ctx, "e", 0, 0))
	if got := fmt.Sprint(present(t, c, "a", "b", "c", "d", "e")); got != "[a c e]" {
		t.Fatalf("after writing e the cache holds %s, want [a c e] (d expires first)", got)
	}
	// Without deadlines, the oldest write goes.
	must(t, c.Set(ctx, "a", 0, 0))
	must(t, c.Set(ctx, "f", 0, 0))
	if got := fmt.Sprint(present(t, c, "a", "c", "e", "f")); got != "[a e f]" {
		t.Fatalf("after writing f the cache holds %s, want [a e f] (c is the oldest)", got)
	}
	checkInvariants(t, c)
}

// TestAdaptsAfterShift makes ten keys very popular, then eight others:
// LFU's ageing must let the new favourites in, where a plain LFU would
// keep the old ones forever and thrash on the new; the adaptive policy
// must follow too.
func TestAdaptsAfterShift(t *testing.T) {
	for _, p := range []memorycache.Policy{memorycache.LFU, memorycache.Adaptive} {
		t.Run(p.String(), func(t *testing.T) { testAdaptsAfterShift(t, p) })
	}
}

func testAdaptsAfterShift(t *testing.T, p memorycache.Policy) {
	ctx := context.Background()
	c := newCache(t, memorycache.Options[string, int]{Policy: p, MaxEntries: 10})
	access := func(prefix string, keys, rounds int) (hits int) {
		for range rounds {
			for i := range keys {
				k := prefix + strconv.Itoa(i)
				if _, ok, _ := c.Get(ctx, k); ok {
					hits++
				} else {
					must(t, c.Set(ctx, k, i, 0))
				}
			}
		}
		return hits
	}
	access("old", 10, 100)
	access("new", 8, 60)
	if hits := access("new", 8, 10); hits != 80 {
		t.Fatalf("after the shift the new keys hit %d times in 80 reads, want 80", hits)
	}
	checkInvariants(t, c)
}

func TestLFUKeepsFrequentKeysThroughAScan(t *testing.T) {
	c := newCache(t, memorycache.Options[string, int]{Policy: memorycache.LFU, MaxEntries: 10})
	for range 5 {
		run(t, c, "+h0", "+h1", "+h2", "h0", "h1", "h2")
	}
	for i := range 100 {
		run(t, c, "+scan"+strconv.Itoa(i))
	}
	if got := fmt.Sprint(present(t, c, "h0", "h1", "h2")); got != "[h0 h1 h2]" {
		t.Fatalf("after a scan the frequent keys held are %s, want [h0 h1 h2]", got)
	}
}

// scanHitRatio runs a workload where fifty hot keys are read twice
// between scans of 200 new keys, with the cache-aside pattern, and
// returns the hit ratio of policy.
func scanHitRatio(t *testing.T, policy memorycache.Policy) float64 {
	ctx := context.Background()
	c := newCache(t, memorycache.Options[string, int]{Policy: policy, MaxEntries: 100})
	scan := 0
	for range 100 {
		for i := range 100 {
			k := "hot" + strconv.Itoa(i%50)
			if _, ok, _ := c.Get(ctx, k); !ok {
				must(t, c.Set(ctx, k, i, 0))
			}
		}
		for range 200 {
			k := "scan" + strconv.Itoa(scan)
			scan++
			if _, ok, _ := c.Get(ctx, k); !ok {
				must(t, c.Set(ctx, k, 0, 0))
			}
		}
	}
	checkInvariants(t, c)
	return c.Stats().HitRatio()
}

func TestAdaptiveBeatsLRUOnAScan(t *testing.T) {
	// The hot keys are a third of the accesses. LRU loses them to every
	// scan and hits only on their second read in a round (1/6); the
	// scan-resistant policies keep them through the scans (1/3).
	if r := scanHitRatio(t, memorycache.LRU); r > 0.17 {
		t.Fatalf("LRU hit ratio on a scan = %.3f, want 1/6", r)
	}
	for _, p := range []memorycache.Policy{memorycache.Adaptive, memorycache.TinyLFU} {
		if r := scanHitRatio(t, p); r < 0.3 {
			t.Errorf("%v hit ratio on a scan = %.3f, want about 1/3", p, r)
		}
	}
}

func TestCostBound(t *testing.T) {
	ctx := context.Background()
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			var evicted []string
			c := newCache(t, memorycache.Options[string, []byte]{
				Policy: p, MaxCost: 100,
				Cost: func(_ string, v []byte) int64 { return int64(len(v)) },
				OnEvict: func(k string, v []byte, r memorycache.EvictReason) {
					evicted = append(evicted, fmt.Sprintf("%s:%d:%v", k, len(v), r))
				},
			})
			for i := range 50 {
				must(t, c.Set(ctx, strconv.Itoa(i), make([]byte, 1+i%40), 0))
				checkInvariants(t, c) // includes: total cost <= MaxCost
			}
			if n := c.Len(); n < 3 || n > 100 {
				t.Fatalf("Len() = %d, want a handful of entries", n)
			}
			// One entry may fill the cache exactly (the adaptive policy
			// may refuse it for being less popular than what it evicts).
			must(t, c.Set(ctx, "full", make([]byte, 100), 0))
			if _, ok, _ := c.Get(ctx, "full"); !ok && p != memorycache.TinyLFU {
				t.Fatal("Get(full) missed, want the entry of cost MaxCost held")
			}
			checkInvariants(t, c)
			// An entry that alone costs more is not stored, and the
			// value it replaces is gone too.
			evicted = nil
			must(t, c.Set(ctx, "full", make([]byte, 101), 0))
			if _, ok, _ := c.Get(ctx, "full"); ok {
				t.Fatal("Get(full) hit after a write costing more than MaxCost")
			}
			if fmt.Sprint(evicted) != "[full:101:capacity]" {
				t.Fatalf("OnEvict calls = %v, want [full:101:capacity]", evicted)
			}
			checkInvariants(t, c)
		})
	}
}

func TestEntryBound(t *testing.T) {
	ctx := context.Background()
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			c := newCache(t, memorycache.Options[int, int]{Policy: p, MaxEntries: 64})
			for i := range 4000 {
				must(t, c.Set(ctx, i%500, i, 0))
				if i%7 == 0 {
					_, _, _ = c.Get(ctx, i%13)
				}
			}
			if n := c.Len(); n != 64 {
				t.Fatalf("Len() = %d, want 64", n)
			}
			if s := c.Stats(); s.Evictions == 0 {
				t.Fatalf("Stats() = %+v, want evictions", s)
			}
			checkInvariants(t, c)
		})
	}
}
