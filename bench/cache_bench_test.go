package bench_test

import (
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/keel-go/keel/bench"
)

// Sizes of the parallel cache benchmark. The capacity is the same in both
// modes; evict=no uses half as many keys, all of them held, and evict=yes
// ten times as many, so that most writes evict.
const (
	benchCapacity = 1 << 16
	benchTraceLen = 1 << 20
)

// BenchmarkCacheParallel measures the throughput of each cache under
// b.RunParallel: every goroutine walks a Zipf (s = 1.01) trace from its
// own offset; with reads=90 one operation in ten is a Set, with
// reads=100 all are Gets. The names are
// reads=90|100/key=int|string/evict=no|yes/lib=name, so that benchstat
// puts the libraries in columns (-col /lib).
func BenchmarkCacheParallel(b *testing.B) {
	for _, reads := range []int{90, 100} {
		b.Run("reads="+strconv.Itoa(reads), func(b *testing.B) {
			b.Run("key=int", func(b *testing.B) {
				benchCacheKeys(b, reads, func(i int) int { return i })
			})
			b.Run("key=string", func(b *testing.B) {
				benchCacheKeys(b, reads, func(i int) string { return "key:" + strconv.Itoa(i) })
			})
		})
	}
}

func benchCacheKeys[K bench.CacheKey](b *testing.B, reads int, key func(int) K) {
	for _, evict := range []string{"no", "yes"} {
		b.Run("evict="+evict, func(b *testing.B) {
			keys := benchCapacity / 2
			if evict == "yes" {
				keys = 10 * benchCapacity
			}
			z := bench.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.01, keys)
			trace := make([]K, benchTraceLen)
			for i := range trace {
				trace[i] = key(z.Next())
			}
			for _, lib := range bench.CacheLibs[K](false) {
				b.Run("lib="+lib.Name, func(b *testing.B) {
					c := lib.New(benchCapacity, false)
					defer c.Close()
					for i := range min(keys, benchCapacity) {
						c.Set(key(i), i)
					}
					benchCacheLoop(b, c, trace, reads)
				})
			}
		})
	}
}

func benchCacheLoop[K bench.CacheKey](b *testing.B, c bench.Cache[K], trace []K, reads int) {
	var offset atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		i := int(offset.Add(benchTraceLen/8*3+1)) & (benchTraceLen - 1)
		writeEvery := 0
		if reads < 100 {
			writeEvery = 100 / (100 - reads)
		}
		n := 0
		for pb.Next() {
			k := trace[i]
			if writeEvery > 0 && n == 0 {
				c.Set(k, i)
			} else {
				c.Get(k)
			}
			if n++; n == writeEvery {
				n = 0
			}
			i = (i + 1) & (benchTraceLen - 1)
		}
	})
}
