// Package cache defines the [Cache] contract shared by keel's cache
// backends and the caching strategies built on it: a cache-aside
// [Loader] with stampede protection, [WriteThrough] and [WriteBack]. The
// backends live in sub-packages: [github.com/keel-go/keel/cache/memorycache]
// in process, [github.com/keel-go/keel/cache/rediscache] shared between
// instances. Importing cache pulls in neither.
//
// A read path over Redis, with users loaded from the database on a miss:
//
//	rc, err := rediscache.New(redisClient, rediscache.Options[[]byte]{Prefix: "users:", Codec: cache.Raw{}})
//	if err != nil {
//		return err
//	}
//	users, err := cache.NewLoader(cache.EntryCache[User](rc, nil),
//		func(ctx context.Context, id string) (User, bool, error) {
//			u, err := db.User(ctx, id)
//			if errors.Is(err, sql.ErrNoRows) {
//				return User{}, false, nil // cached for NegativeTTL
//			}
//			return u, err == nil, err
//		},
//		cache.LoaderOptions{TTL: 5 * time.Minute, StaleWhileRevalidate: time.Minute,
//			NegativeTTL: 30 * time.Second, Jitter: 0.1})
//	if err != nil {
//		return err
//	}
//	defer users.Close()
//
//	u, found, err := users.Get(ctx, id) // one query for any number of concurrent misses
//
// # The contract
//
// A [Cache] maps string keys to values of type V. A miss is not an error:
// Get returns (zero, false, nil), and an error always means the backend
// could not answer. Set takes a TTL: positive expires the entry, zero
// keeps it until it is deleted or evicted, negative deletes it. A byte
// backend (a Cache[[]byte]) shares no memory with its callers, and treats
// nil and empty values alike: both come back as a hit of length 0. After
// Close every method returns [ErrClosed]. The full contract is on
// [Cache]; the suite in [github.com/keel-go/keel/cache/cachetest]
// enforces it, and every backend runs it.
//
// [Typed] puts any value type over a byte backend with a [Codec]: [JSON]
// by default, [Raw] for bytes, [String] for strings. A stored value that
// no longer decodes is a [*DecodeError], never a miss. [GetMany],
// [SetMany] and [DeleteMany] use a backend's [Batcher] (one round trip
// for Redis) and fall back to one call per key.
//
// # Cache-aside with a Loader
//
// A [Loader] serves Get from the cache and, on a miss, calls its
// [LoadFunc], caches the result and returns it:
//
//   - Stampede protection: concurrent misses on one key share one load.
//   - Negative caching: a LoadFunc reports an absent key as
//     (zero, false, nil), and the Loader caches that for NegativeTTL (off
//     by default), so lookups of absent keys do not all reach the source.
//   - Jitter: TTLs are spread by a random factor, so that entries loaded
//     together do not expire, and reload, together.
//   - Stale-while-revalidate: for StaleWhileRevalidate after its TTL a
//     found value is still served at once while one background load
//     refreshes it, so a hot key never makes its callers wait.
//
// Because a backend knows nothing of soft expiry or negative results, the
// Loader stores an [Entry] per key: a Cache[Entry[V]] in process, or
// [EntryCache] over a byte backend, which encodes entries with the
// compact [EntryCodec].
//
// Errors: a load error is returned to the callers waiting for that load
// and is never cached, so the next Get tries again. A cache error on Get
// (Redis down, a value that no longer decodes) is returned, not taken for
// a miss, so that an outage of the cache does not turn into a stampede on
// the source; set LoadOnCacheError to read through to the source instead.
// A failed cache write after a successful load does not fail the Get; it
// goes to OnError with the failures of background refreshes.
//
// Contexts: a caller whose ctx ends stops waiting and gets ctx.Err(), but
// the load it started goes on for the other callers and for the cache. So
// a load runs with a context that keeps the values of the ctx of the
// call that started it but not its cancellation, bounded by LoadTimeout
// and cancelled by Close. Loads run in goroutines the Loader owns; Close
// waits for them.
//
// # Write-through and write-back
//
// [WriteThrough] writes to the source of truth first and to the cache
// second; a write the source did not take never reaches the cache, and a
// half-failed write leaves the key invalidated rather than stale.
//
// [WriteBack] (write-behind) writes to the cache at once and to the
// source later, in batches, coalescing repeated writes to a key. It
// absorbs write bursts and spares the source, at a price: a crash loses
// the writes still buffered, up to Interval's worth (or MaxPending
// entries while the source is failing). A clean shutdown loses nothing:
// its Stop, which makes it a shutdown.Component, flushes everything.
// MaxPending bounds the buffer; writers block when it is full.
//
// Choose cache-aside for read-mostly data, write-through when every write
// must be durable before it is acknowledged, and write-back for frequent,
// loss-tolerant writes (counters, last-seen times, session touches).
//
// # Consistency
//
// The strategies coordinate the goroutines of one process: a Loader's
// Delete keeps an in-flight load from re-caching old data, and
// overlapping writes through one WriteThrough never leave an older value
// cached. Processes sharing a Redis cache are not coordinated with each
// other; the TTL bounds how long they can disagree.
package cache
