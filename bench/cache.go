package bench

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/dgraph-io/ristretto/v2"
	"github.com/hashicorp/golang-lru/arc/v2"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/maypok86/otter/v2"

	"github.com/keel-go/keel/cache/memorycache"
)

// CacheKey is the key types the cache benchmarks use.
type CacheKey interface{ ~int | ~string }

// Cache is the common face of the caches compared in the cache
// benchmarks and the hit-ratio program: a bounded map from K to int.
type Cache[K CacheKey] interface {
	Get(key K) (int, bool)
	// Set stores value under key. When the cache was made with sync, the
	// write and the evictions it causes are complete when Set returns:
	// the ristretto adapter waits for its write buffer, the otter adapter
	// runs its pending maintenance.
	Set(key K, value int)
	Close()
}

// CacheLib names a cache implementation and makes instances of it.
type CacheLib[K CacheKey] struct {
	Name string
	// New returns a cache holding up to capacity entries. sync makes Set
	// wait until the write and its evictions are applied (it matters for
	// ristretto and otter, which apply them asynchronously).
	New func(capacity int, sync bool) Cache[K]
}

// CacheLibs returns keel's memorycache with its default policy (Adaptive,
// which is ARC) and the peers: otter v2 (W-TinyLFU), ristretto v2
// (TinyLFU with sampled LFU eviction), golang-lru v2's LRU and its ARC.
// With policies, it also returns keel's LRU, LFU, FIFO and TinyLFU
// modes, for the hit-ratio comparison.
func CacheLibs[K CacheKey](policies bool) []CacheLib[K] {
	libs := []CacheLib[K]{
		{Name: "keel", New: func(n int, _ bool) Cache[K] { return newKeelCache[K](n, memorycache.Adaptive) }},
	}
	if policies {
		for _, p := range []memorycache.Policy{memorycache.LRU, memorycache.LFU, memorycache.FIFO, memorycache.TinyLFU} {
			libs = append(libs, CacheLib[K]{
				Name: "keel-" + lower(p.String()),
				New:  func(n int, _ bool) Cache[K] { return newKeelCache[K](n, p) },
			})
		}
	}
	return append(libs,
		CacheLib[K]{Name: "otter", New: func(n int, sync bool) Cache[K] {
			return otterCache[K]{otter.Must(&otter.Options[K, int]{MaximumSize: n}), sync}
		}},
		CacheLib[K]{Name: "ristretto", New: newRistretto[K]},
		CacheLib[K]{Name: "lru", New: func(n int, _ bool) Cache[K] {
			c, err := lru.New[K, int](n)
			if err != nil {
				panic(err)
			}
			return lruCache[K]{c}
		}},
		CacheLib[K]{Name: "arc", New: func(n int, _ bool) Cache[K] {
			c, err := arc.NewARC[K, int](n)
			if err != nil {
				panic(err)
			}
			return arcCache[K]{c}
		}},
	)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

type keelCache[K CacheKey] struct {
	c   *memorycache.Cache[K, int]
	ctx context.Context
}

func newKeelCache[K CacheKey](n int, p memorycache.Policy) keelCache[K] {
	return keelCache[K]{
		c:   memorycache.MustNew(memorycache.Options[K, int]{MaxEntries: n, Policy: p}),
		ctx: context.Background(),
	}
}

func (k keelCache[K]) Get(key K) (int, bool) {
	v, ok, _ := k.c.Get(k.ctx, key)
	return v, ok
}

func (k keelCache[K]) Set(key K, value int) { _ = k.c.Set(k.ctx, key, value, 0) }
func (k keelCache[K]) Close()               { _ = k.c.Close() }

type otterCache[K CacheKey] struct {
	c    *otter.Cache[K, int]
	sync bool
}

func (o otterCache[K]) Get(key K) (int, bool) { return o.c.GetIfPresent(key) }

// Set stores the value; with sync it also runs otter's pending
// maintenance, which otter otherwise schedules on another goroutine, so
// that the cache never holds more than its capacity between writes.
func (o otterCache[K]) Set(key K, value int) {
	o.c.Set(key, value)
	if o.sync {
		o.c.CleanUp()
	}
}

func (o otterCache[K]) Close() { o.c.StopAllGoroutines() }

type ristrettoCache[K CacheKey] struct {
	c    *ristretto.Cache[K, int]
	sync bool
}

// newRistretto configures ristretto as its README recommends: ten
// counters per entry, a cost of one per entry (so MaxCost is the entry
// count, with IgnoreInternalCost) and 64-item buffers.
func newRistretto[K CacheKey](n int, sync bool) Cache[K] {
	c, err := ristretto.NewCache(&ristretto.Config[K, int]{
		NumCounters:        10 * int64(n),
		MaxCost:            int64(n),
		BufferItems:        64,
		IgnoreInternalCost: true,
	})
	if err != nil {
		panic(err)
	}
	return ristrettoCache[K]{c, sync}
}

func (r ristrettoCache[K]) Get(key K) (int, bool) { return r.c.Get(key) }

func (r ristrettoCache[K]) Set(key K, value int) {
	r.c.Set(key, value, 1)
	if r.sync {
		r.c.Wait()
	}
}

func (r ristrettoCache[K]) Close() { r.c.Close() }

type lruCache[K CacheKey] struct{ c *lru.Cache[K, int] }

func (l lruCache[K]) Get(key K) (int, bool) { return l.c.Get(key) }
func (l lruCache[K]) Set(key K, value int)  { l.c.Add(key, value) }
func (l lruCache[K]) Close()                {}

type arcCache[K CacheKey] struct{ c *arc.ARCCache[K, int] }

func (a arcCache[K]) Get(key K) (int, bool) { return a.c.Get(key) }
func (a arcCache[K]) Set(key K, value int)  { a.c.Add(key, value) }
func (a arcCache[K]) Close()                {}

// Zipf draws ranks in [0, n) with P(rank k) proportional to 1/(k+1)^s,
// for any s > 0 (math/rand/v2's Zipf needs s > 1), by binary search over
// the cumulative weights. It is deterministic for a given source.
type Zipf struct {
	cdf []float64
	r   *rand.Rand
}

// NewZipf returns a generator over n ranks with exponent s, drawing from
// r.
func NewZipf(r *rand.Rand, s float64, n int) *Zipf {
	cdf := make([]float64, n)
	sum := 0.0
	for k := range n {
		sum += math.Pow(float64(k+1), -s)
		cdf[k] = sum
	}
	for k := range cdf {
		cdf[k] /= sum
	}
	return &Zipf{cdf: cdf, r: r}
}

// Next returns the next rank.
func (z *Zipf) Next() int {
	u := z.r.Float64()
	return min(sort.SearchFloat64s(z.cdf, u), len(z.cdf)-1)
}

// Trace describes a synthetic access trace for the hit-ratio comparison.
type Trace struct {
	Name string
	// S is the Zipf exponent.
	S float64
	// Scan, when set, replaces the last tenth of every tenth of the trace
	// by a scan of keys that are never seen again.
	Scan bool
	// Shifts is how many times the popularity ranking is reshuffled
	// during the trace (0: never).
	Shifts int
}

// Traces are the four traces of the hit-ratio comparison.
var Traces = []Trace{
	{Name: "zipf-1.01", S: 1.01},
	{Name: "zipf-0.8", S: 0.8},
	{Name: "zipf-scan", S: 1.01, Scan: true},
	{Name: "zipf-shift", S: 1.01, Shifts: 10},
}

// Generate returns the keys of the trace: accesses keys drawn from a key
// space of size keys, from the seed. The same arguments always give the
// same trace. Scan keys are numbered from keys up, so they never collide
// with the Zipf keys.
func (t Trace) Generate(seed uint64, keys, accesses int) []int {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	z := NewZipf(r, t.S, keys)
	perm := identity(keys)
	phase := accesses
	if t.Shifts > 0 {
		phase = max(accesses/t.Shifts, 1)
	}
	tenth := max(accesses/10, 1)
	out := make([]int, accesses)
	scanKey := keys
	for i := range out {
		if t.Shifts > 0 && i > 0 && i%phase == 0 {
			r.Shuffle(len(perm), func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })
		}
		if t.Scan && i%tenth >= tenth-tenth/10 {
			out[i] = scanKey
			scanKey++
			continue
		}
		out[i] = perm[z.Next()]
	}
	return out
}

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}
