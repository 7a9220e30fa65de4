// Package memorycache is keel's in-process cache: a concurrent map from
// keys to values, bounded by entry count or by cost, with per-entry TTLs
// and a choice of eviction policy. A Cache[string, V] implements
// [cache.Cache] and [cache.Batcher], so it can stand in for Redis behind
// the strategies of package [github.com/keel-go/keel/cache].
//
//	users, err := memorycache.New(memorycache.Options[string, User]{
//		MaxEntries: 100_000, // or MaxCost with a Cost function
//	})
//	if err != nil {
//		return err
//	}
//	defer users.Close()
//
//	_ = users.Set(ctx, "u:42", u, 10*time.Minute) // 0: no expiry; <0: delete
//	if u, ok, err := users.Get(ctx, "u:42"); err == nil && ok {
//		_ = u // a hit
//	}
//	ratio := users.Stats().HitRatio()
//
// # Policies
//
// [Adaptive], the default, is CAR (Clock with Adaptive Replacement): ARC's
// balance of recency and frequency, which resists scans and follows
// shifts in popularity, with hits as cheap as a bit set. On keel's
// hit-ratio benchmarks it matches or beats both otter's W-TinyLFU and
// ARC. [TinyLFU] is that W-TinyLFU (Caffeine's policy), best on stable
// frequency-biased traffic. [LRU], [LFU] (with ageing), [FIFO] and [TTL]
// (evict what expires soonest) are there for workloads known to suit
// them. Every policy evicts only to stay within the bound: a cache that
// is not full evicts nothing.
//
// # Consistency
//
// A Set is applied before it returns: the next Get from any goroutine
// sees it (unlike caches that buffer writes and may drop them). A Get
// never returns an entry whose TTL has passed, even if the entry has not
// been reclaimed yet.
//
// # Performance
//
// Reads take no lock: the table is sharded into open-addressing arrays
// that readers probe with atomic loads, so a read never waits for a
// writer. An entry's value is either one word (a pointer, map, chan or
// func, or an 8-byte integer or float), which a write of the same key
// without a TTL stores in place atomically, or anything else (or a write
// with a TTL), which a write replaces by publishing a new immutable item
// (one allocation). With the Adaptive
// policy a hit then only sets the entry's reference bit; with LRU, LFU
// and TinyLFU it records the access in a striped, lossy buffer that the
// policy drains under its lock later (losing a record when a stripe is
// contended only makes the policy slightly less precise). A hit allocates
// nothing. Writes are serialised by the policy lock (a replacing write
// without a TTL under the Adaptive policy takes only a shard's lock). There
// is no background goroutine: expired entries are reclaimed, through an
// expiry heap, by the maintenance that writes run and that a full read
// buffer triggers, so memory stays bounded by the live entries even when
// expired keys are never read again. Len also reclaims before counting.
//
// # Pitfalls
//
// Values are stored as they are, except byte slices: a cached pointer,
// map or slice of another type shares memory with the caller, who must
// not modify it afterwards. A Cache[K, []byte] (or of any byte-slice
// type) copies values in Set and out of Get, as the byte-level contract
// of [cache.Cache] requires; that Get allocates the copy, while a hit of
// any other value type allocates nothing. The context passed to the
// methods is ignored; nothing blocks. OnEvict runs on the
// goroutine whose write caused the eviction, after the locks are released.
package memorycache
