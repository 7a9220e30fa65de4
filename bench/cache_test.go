package bench_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/keel-go/keel/bench"
)

func TestCacheAdaptersRoundTrip(t *testing.T) {
	for _, sync := range []bool{false, true} {
		for _, lib := range bench.CacheLibs[int](true) {
			c := lib.New(100, sync)
			c.Set(7, 42)
			if sync || lib.Name != "ristretto" { // ristretto's Set is asynchronous unless waited for
				if v, ok := c.Get(7); !ok || v != 42 {
					t.Errorf("%s (sync %v): Get(7) after Set(7, 42) = %d, %v, want 42, true", lib.Name, sync, v, ok)
				}
			}
			if _, ok := c.Get(8); ok {
				t.Errorf("%s: Get(8) hit, want miss", lib.Name)
			}
			c.Close()
		}
	}
	for _, lib := range bench.CacheLibs[string](false) {
		c := lib.New(100, true)
		c.Set("k", 1)
		if v, ok := c.Get("k"); !ok || v != 1 {
			t.Errorf("%s: Get(k) after Set(k, 1) = %d, %v, want 1, true", lib.Name, v, ok)
		}
		c.Close()
	}
}

func TestCacheAdaptersBounded(t *testing.T) {
	for _, lib := range bench.CacheLibs[int](true) {
		c := lib.New(100, true)
		for i := range 1000 {
			c.Set(i, i)
		}
		held := 0
		for i := range 1000 {
			if _, ok := c.Get(i); ok {
				held++
			}
		}
		// otter and ristretto may hold slightly more than asked for.
		if held == 0 || held > 110 {
			t.Errorf("%s: holds %d of 1000 keys written with capacity 100", lib.Name, held)
		}
		c.Close()
	}
}

func TestTracesAreDeterministic(t *testing.T) {
	for _, tr := range bench.Traces {
		a := tr.Generate(1, 1000, 20_000)
		b := tr.Generate(1, 1000, 20_000)
		c := tr.Generate(2, 1000, 20_000)
		if !slices.Equal(a, b) {
			t.Errorf("%s: two traces from seed 1 differ", tr.Name)
		}
		if slices.Equal(a, c) {
			t.Errorf("%s: traces from seeds 1 and 2 are equal", tr.Name)
		}
		scans := 0
		for _, k := range a {
			if k < 0 || k >= 1000 {
				scans++
			}
		}
		if want := 0; !tr.Scan && scans != want {
			t.Errorf("%s: %d keys outside the key space, want 0", tr.Name, scans)
		}
		if tr.Scan && (scans < 1500 || scans > 2500) {
			t.Errorf("%s: %d scan keys in 20000, want about 2000", tr.Name, scans)
		}
	}
}

func TestZipf(t *testing.T) {
	for _, s := range []float64{0.8, 1.01} {
		z := bench.NewZipf(rand.New(rand.NewPCG(1, 1)), s, 1000)
		counts := make([]int, 1000)
		for range 200_000 {
			counts[z.Next()]++
		}
		// P(rank 0) / P(rank 9) = 10^s.
		ratio := float64(counts[0]) / float64(counts[9])
		want := 6.3 // s = 0.8
		if s > 1 {
			want = 10.2
		}
		if ratio < want*0.85 || ratio > want*1.15 {
			t.Errorf("s=%v: rank 0 drawn %.2f times as often as rank 9, want about %.1f", s, ratio, want)
		}
	}
}

// TestKeelLRUMatchesGolangLRU checks that keel's LRU mode is exact when
// used from one goroutine: its buffered reads are applied in order, so it
// hits exactly when golang-lru's LRU does.
func TestKeelLRUMatchesGolangLRU(t *testing.T) {
	trace := bench.Traces[0].Generate(1, 20_000, 100_000)
	var keel, lru bench.CacheLib[int]
	for _, l := range bench.CacheLibs[int](true) {
		switch l.Name {
		case "keel-lru":
			keel = l
		case "lru":
			lru = l
		}
	}
	for _, capacity := range []int{100, 2000} {
		hits := func(l bench.CacheLib[int]) int {
			c := l.New(capacity, true)
			defer c.Close()
			n := 0
			for _, k := range trace {
				if _, ok := c.Get(k); ok {
					n++
				} else {
					c.Set(k, k)
				}
			}
			return n
		}
		if got, want := hits(keel), hits(lru); got != want {
			t.Errorf("capacity %d: keel-lru hits %d times, golang-lru %d, want equal", capacity, got, want)
		}
	}
}
