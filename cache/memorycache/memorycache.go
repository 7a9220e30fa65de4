package memorycache

import (
	"context"
	"hash/maphash"
	"math"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/keel-go/keel/cache"
)

// Cache is an in-process cache from keys of type K to values of type V,
// bounded by entry count or by cost, with per-entry TTLs. Create it with
// [New]; the zero value is not usable. It is safe for concurrent use: reads
// take no lock, writes are serialised by one lock that also runs
// the eviction policy. A Cache[string, V] is a [cache.Cache][V] and a
// [cache.Batcher][V].
//
// Values are stored as they are, except byte slices, which are copied in
// and out so that the cache shares no memory with its callers.
//
// A Cache starts no goroutine: reclaiming expired entries and applying
// buffered reads to the policy happen during writes and, amortised,
// during reads. Close releases the entries; it is not required to stop
// anything, but every method returns [cache.ErrClosed] afterwards.
type Cache[K comparable, V any] struct {
	closed    atomic.Bool
	seed      maphash.Seed
	stringKey bool  // K is a string type: the empty key is invalid
	bytes     bool  // V is a byte slice: values are copied in and out
	word      uint8 // how a value fits in a word: notWord, plainWord or pointerWord
	readBuf   bool  // the policy orders by reads (LRU, LFU, TinyLFU)
	refBits   bool  // the policy samples reads by reference bits (Adaptive)
	stripeMax uint32
	now       func() time.Time
	epoch     time.Time
	costFn    func(K, V) int64
	onEvict   func(K, V, EvictReason)
	addFirst  bool // the policy evicts after adding (TinyLFU)
	kind      Policy
	weighted  bool

	table table[K, V]
	rings []ring[K, V]
	stats []counters

	// Everything below is written by writers; the padding keeps it off
	// the cache lines of the fields above, which every read loads.
	_                      [cacheLine]byte
	evictions, expirations atomic.Uint64

	// mu is the policy lock: it serialises writes, the policy, the expiry
	// heap and the draining of the read buffer.
	mu       sync.Mutex
	policy   policy[K, V]
	expiry   nodeHeap[K, V]
	capacity int64
	weight   int64
	reserve  int64 // cost being made room for before an insert
	count    int
	evicted  []eviction[K, V] // to notify once mu is released
}

// eviction is one pending OnEvict call.
type eviction[K comparable, V any] struct {
	key    K
	value  V
	reason EvictReason
}

var (
	_ cache.Cache[[]byte]   = (*Cache[string, []byte])(nil)
	_ cache.Batcher[[]byte] = (*Cache[string, []byte])(nil)
)

// New returns an empty cache configured by opts, or an error naming the
// first invalid option.
func New[K comparable, V any](opts Options[K, V]) (*Cache[K, V], error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	capacity, weighted := int64(opts.MaxEntries), false
	if opts.MaxCost > 0 {
		capacity, weighted = opts.MaxCost, true
	}
	n := stripes()
	c := &Cache[K, V]{
		seed:      maphash.MakeSeed(),
		stringKey: reflect.TypeFor[K]().Kind() == reflect.String,
		bytes:     isBytes[V](),
		word:      wordKind[V](),
		readBuf:   opts.Policy == LRU || opts.Policy == LFU || opts.Policy == TinyLFU,
		refBits:   opts.Policy == Adaptive,
		stripeMax: uint32(n - 1),
		now:       opts.Now,
		costFn:    opts.Cost,
		onEvict:   opts.OnEvict,
		addFirst:  opts.Policy == TinyLFU,
		kind:      opts.Policy,
		weighted:  weighted,
		table:     newTable[K, V](),
		rings:     make([]ring[K, V], n),
		stats:     make([]counters, n),
		policy:    newPolicy[K, V](opts.Policy, capacity, weighted),
		capacity:  capacity,
	}
	c.epoch = c.now()
	c.expiry.less = func(a, b *node[K, V]) bool { return a.expiresAt < b.expiresAt }
	c.expiry.idx = func(n *node[K, V]) *int { return &n.expIdx }
	return c, nil
}

// MustNew is like [New] but panics if opts is invalid. It is meant for
// package-level set-up with constant options.
func MustNew[K comparable, V any](opts Options[K, V]) *Cache[K, V] {
	c, err := New(opts)
	if err != nil {
		panic(err)
	}
	return c
}

// Get returns the value stored under key and true, or the zero value and
// false if key is absent or expired. ctx is not used: Get never blocks.
// It returns [cache.ErrInvalidKey] for an empty string key and
// [cache.ErrClosed] after Close.
func (c *Cache[K, V]) Get(_ context.Context, key K) (V, bool, error) {
	var zero V
	if c.closed.Load() {
		return zero, false, cache.ErrClosed
	}
	if c.invalid(key) {
		return zero, false, cache.ErrInvalidKey
	}
	v, ok := c.get(key)
	return v, ok, nil
}

// lookup finds key, without a lock, and reports whether its entry is live
// (present and not expired), with its item.
func (c *Cache[K, V]) lookup(key K) (*item[K, V], bool) {
	h := maphash.Comparable(c.seed, key)
	it := c.table.shard(h).get(key, h)
	return it, it != nil && (it.exp == 0 || c.nanotime() < it.exp)
}

// get looks key up, records the access for the policy and counts the hit
// or miss.
func (c *Cache[K, V]) get(key K) (V, bool) {
	it, live := c.lookup(key)
	stripe := stripeHint() & c.stripeMax
	if !live {
		c.stats[stripe].misses.Add(1)
		var zero V
		return zero, false
	}
	c.stats[stripe].hits.Add(1)
	v := c.value(it)
	if c.bytes {
		v = cloneBytes(v)
	}
	if c.refBits {
		it.touch()
	} else if c.readBuf {
		c.recordRead(stripe, it.node)
	}
	return v, true
}

// recordRead adds n to the read buffer. A full stripe is drained, if the
// policy lock is free, and the read recorded again, so that a single
// goroutine loses no read; under contention the read is dropped.
func (c *Cache[K, V]) recordRead(stripe uint32, n *node[K, V]) {
	r := &c.rings[stripe]
	if r.add(n) {
		return
	}
	if !c.mu.TryLock() {
		return
	}
	if c.closed.Load() {
		c.mu.Unlock()
		return
	}
	c.drainReads()
	r.add(n)
	c.maintain()
	c.unlockAndNotify()
}

// Peek is like [Cache.Get] but does not count as a use: the policy and
// the statistics do not see it.
func (c *Cache[K, V]) Peek(_ context.Context, key K) (V, bool, error) {
	var zero V
	if c.closed.Load() {
		return zero, false, cache.ErrClosed
	}
	if c.invalid(key) {
		return zero, false, cache.ErrInvalidKey
	}
	it, live := c.lookup(key)
	if !live {
		return zero, false, nil
	}
	v := c.value(it)
	if c.bytes {
		v = cloneBytes(v)
	}
	return v, true, nil
}

// Set stores value under key, replacing any previous value and TTL, and
// evicts entries if the cache is then over its bound. A positive ttl
// makes the entry expire after that long, zero means no expiry, and a
// negative ttl deletes key. The entry is visible to every Get that
// starts after Set returns. An entry whose cost alone exceeds MaxCost is
// not stored (any previous value under key is removed) and is reported
// to OnEvict. ctx is not used. Set returns [cache.ErrInvalidKey] for an
// empty string key and [cache.ErrClosed] after Close.
func (c *Cache[K, V]) Set(_ context.Context, key K, value V, ttl time.Duration) error {
	if c.closed.Load() {
		return cache.ErrClosed
	}
	if c.invalid(key) {
		return cache.ErrInvalidKey
	}
	if ttl < 0 {
		c.mu.Lock()
		c.delete(key)
		c.unlockAndNotify()
		return nil
	}
	w := c.prepare(key, value, c.deadline(ttl))
	if c.refBits && !c.weighted && ttl == 0 && c.replace(&w) {
		return nil
	}
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return cache.ErrClosed
	}
	c.set(&w)
	c.unlockAndNotify()
	return nil
}

// replace is the fast path of a Set that replaces the value of a live
// entry without a TTL by another without one, for the Adaptive policy
// with an entry bound: nothing the policy lock guards changes (the cost
// is one, the expiry heap is not involved, the policy only needs the
// reference bit), so only the shard's lock is taken, to store a value
// that fits in a word in place or to publish a new item. It reports false,
// having done nothing, when the key is absent or has a TTL.
func (c *Cache[K, V]) replace(w *write[K, V]) bool {
	it := w.it
	if it == nil && c.word == notWord {
		return false // the key looked absent: the slow path inserts
	}
	s := c.table.shard(w.hash)
	s.mu.Lock()
	sl, old := s.lookup(w.key, w.hash)
	if old == nil || old.exp != 0 {
		s.mu.Unlock()
		return false
	}
	if c.word != notWord {
		c.storeValue(old, w.value)
		s.mu.Unlock()
		old.touch()
		return true
	}
	it.node = old.node
	it.ref = 1 // a write is a use; the item is not published yet
	sl.setItem(it)
	s.mu.Unlock()
	return true
}

// referenced reports whether the entry of n has been read since the
// policy last looked, and clears its reference bit. n.cur is checked
// first; when its bit is clear, a newer item may have taken its place
// (Cache.replace), so the current one is looked up and remembered. c.mu
// is held.
func (c *Cache[K, V]) referenced(n *node[K, V]) bool {
	it := n.cur
	if atomic.LoadUint32(&it.ref) == 0 {
		cur := c.table.shard(n.hash).find(n)
		if cur == nil || cur == it {
			return false
		}
		n.cur = cur
		it = cur
		if atomic.LoadUint32(&it.ref) == 0 {
			return false
		}
	}
	atomic.StoreUint32(&it.ref, 0)
	return true
}

// GetOrSet returns the live value under key and true if there is one;
// otherwise it stores value as [Cache.Set] would and returns it and
// false. The check and the store are one atomic step.
func (c *Cache[K, V]) GetOrSet(_ context.Context, key K, value V, ttl time.Duration) (actual V, loaded bool, err error) {
	if c.closed.Load() {
		return actual, false, cache.ErrClosed
	}
	if c.invalid(key) {
		return actual, false, cache.ErrInvalidKey
	}
	w := c.prepare(key, value, c.deadline(ttl))
	h := w.hash
	stripe := stripeHint() & c.stripeMax
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return actual, false, cache.ErrClosed
	}
	s := c.table.shard(h)
	if it := s.get(key, h); it != nil && (it.exp == 0 || c.nanotime() < it.exp) {
		if c.refBits {
			it.touch()
		} else {
			c.policy.access(it.node)
		}
		actual = c.value(it)
		c.mu.Unlock()
		if c.bytes {
			actual = cloneBytes(actual)
		}
		c.stats[stripe].hits.Add(1)
		return actual, true, nil
	}
	c.stats[stripe].misses.Add(1)
	if ttl < 0 {
		c.delete(key)
	} else {
		c.set(&w)
	}
	c.unlockAndNotify()
	return value, false, nil
}

// Delete removes key; deleting an absent key is not an error. ctx is not
// used. It returns [cache.ErrInvalidKey] for an empty string key and
// [cache.ErrClosed] after Close.
func (c *Cache[K, V]) Delete(_ context.Context, key K) error {
	if c.closed.Load() {
		return cache.ErrClosed
	}
	if c.invalid(key) {
		return cache.ErrInvalidKey
	}
	c.mu.Lock()
	c.delete(key)
	c.unlockAndNotify()
	return nil
}

// GetMany returns the live values of keys, each counted as a Get; a
// missing key is absent from the map.
func (c *Cache[K, V]) GetMany(_ context.Context, keys []K) (map[K]V, error) {
	if c.closed.Load() {
		return nil, cache.ErrClosed
	}
	for _, k := range keys {
		if c.invalid(k) {
			return nil, cache.ErrInvalidKey
		}
	}
	m := make(map[K]V, len(keys))
	for _, k := range keys {
		if v, ok := c.get(k); ok {
			m[k] = v
		}
	}
	return m, nil
}

// SetMany stores every item with one ttl, as [Cache.Set] would, under one
// acquisition of the write lock.
func (c *Cache[K, V]) SetMany(ctx context.Context, items map[K]V, ttl time.Duration) error {
	if c.closed.Load() {
		return cache.ErrClosed
	}
	for k := range items {
		if c.invalid(k) {
			return cache.ErrInvalidKey
		}
	}
	if ttl < 0 {
		keys := make([]K, 0, len(items))
		for k := range items {
			keys = append(keys, k)
		}
		return c.DeleteMany(ctx, keys)
	}
	exp := c.deadline(ttl)
	writes := make([]write[K, V], 0, len(items))
	for k, v := range items {
		writes = append(writes, c.prepare(k, v, exp))
	}
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return cache.ErrClosed
	}
	for i := range writes {
		c.set(&writes[i])
	}
	c.unlockAndNotify()
	return nil
}

// DeleteMany removes every key under one acquisition of the write lock.
func (c *Cache[K, V]) DeleteMany(_ context.Context, keys []K) error {
	if c.closed.Load() {
		return cache.ErrClosed
	}
	for _, k := range keys {
		if c.invalid(k) {
			return cache.ErrInvalidKey
		}
	}
	c.mu.Lock()
	for _, k := range keys {
		c.delete(k)
	}
	c.unlockAndNotify()
	return nil
}

// Len returns the number of live entries. It first reclaims the expired
// ones, so it never counts an entry that Get would not return.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return 0
	}
	c.drainReads()
	c.maintain()
	n := c.count
	c.unlockAndNotify()
	return n
}

// Close removes every entry (without calling OnEvict) and makes every
// later call return [cache.ErrClosed]. It is idempotent and always
// returns nil.
func (c *Cache[K, V]) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Swap(true) {
		return nil
	}
	c.table.clear()
	// Nodes still in the read buffer are never drained after this: every
	// drain checks closed first.
	c.policy = newPolicy[K, V](c.kind, c.capacity, c.weighted)
	c.expiry.nodes = nil
	c.weight, c.count, c.evicted = 0, 0, nil
	return nil
}

// Clear removes every entry, without calling OnEvict; the cache stays
// open and its statistics are kept. A near cache in front of a shared one
// (package [github.com/keel-go/keel/cache/twolevel]) clears itself when it
// may have missed an invalidation. Clear is safe for concurrent use; a
// write that runs concurrently lands either before it (and is removed) or
// after it (and stays).
func (c *Cache[K, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return
	}
	c.drainReads()
	for i := range c.table.shards {
		sh := &c.table.shards[i]
		sh.mu.Lock()
		sh.each(func(it *item[K, V]) { it.node.dead = true })
		sh.reset()
		sh.mu.Unlock()
	}
	c.policy = newPolicy[K, V](c.kind, c.capacity, c.weighted)
	c.expiry.nodes = nil
	c.weight, c.count, c.evicted = 0, 0, nil
}

// invalid reports whether key is one the cache refuses: the empty string.
func (c *Cache[K, V]) invalid(key K) bool {
	var zero K
	return c.stringKey && key == zero
}

// nanotime returns the time on the cache's clock, in nanoseconds since
// New.
func (c *Cache[K, V]) nanotime() int64 {
	return int64(c.now().Sub(c.epoch))
}

// deadline returns the expiry of an entry written now with ttl, 0 for
// none.
func (c *Cache[K, V]) deadline(ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	now := c.nanotime()
	exp := now + int64(ttl)
	if exp < now { // overflow: as good as never
		exp = math.MaxInt64
	}
	if exp == 0 {
		exp = 1
	}
	return exp
}

func (c *Cache[K, V]) entryCost(key K, value V) int64 {
	if c.costFn == nil {
		return 1
	}
	return max(c.costFn(key, value), 0)
}

// write is a Set prepared outside the policy lock, to keep the time
// spent under it short: the hash, the cost, the copy of a byte value and
// the allocation are ready: a new node with its first item if the key
// looked absent, a new item for the existing node otherwise.
type write[K comparable, V any] struct {
	key   K
	value V
	hash  uint64
	cost  int64
	exp   int64
	n     *node[K, V]
	it    *item[K, V]
}

func (c *Cache[K, V]) prepare(key K, value V, exp int64) write[K, V] {
	if c.bytes {
		value = cloneBytes(value)
	}
	w := write[K, V]{key: key, value: value, hash: maphash.Comparable(c.seed, key), cost: c.entryCost(key, value), exp: exp}
	if w.cost <= c.capacity {
		if c.table.shard(w.hash).get(key, w.hash) != nil {
			if c.word == notWord || exp != 0 {
				w.it = &item[K, V]{key: key, value: value, exp: exp}
			}
		} else {
			w.n = c.newNode(&w)
		}
	}
	return w
}

// newNode returns the node of a new entry, its first item in place.
func (c *Cache[K, V]) newNode(w *write[K, V]) *node[K, V] {
	n := new(node[K, V])
	n.first.key, n.first.value, n.first.exp, n.first.node = w.key, w.value, w.exp, n
	n.hash, n.cost, n.expiresAt = w.hash, w.cost, w.exp
	n.heapIdx, n.expIdx = -1, -1
	n.cur = &n.first
	return n
}

// set applies a prepared write. c.mu is held.
func (c *Cache[K, V]) set(w *write[K, V]) {
	c.drainReads() // reads that happened before this write are applied first
	key, value, h, cost := w.key, w.value, w.hash, w.cost
	s := c.table.shard(h)
	cur := s.get(key, h)
	if cost > c.capacity {
		if cur != nil {
			c.remove(cur.node)
		}
		c.evictions.Add(1)
		if c.onEvict != nil {
			c.evicted = append(c.evicted, eviction[K, V]{key, value, EvictedCapacity})
		}
		c.maintain()
		return
	}
	if cur != nil {
		n := cur.node
		// Under the shard's lock the item is looked up again: the fast
		// path of Set (replace), which takes only that lock, may have
		// published a newer one since. Deletions and evictions take the
		// policy lock, held here, so the entry is still there.
		s.mu.Lock()
		sl, cur := s.locate(n)
		if c.word != notWord && cur.exp == w.exp {
			// The deadline stays: the value is stored in place.
			c.storeValue(cur, value)
			n.cur = cur
		} else {
			it := w.it
			if it == nil {
				it = &item[K, V]{key: key, value: value, exp: w.exp}
			}
			it.node = n
			sl.setItem(it)
			n.cur = it
			n.expiresAt = w.exp
		}
		s.mu.Unlock()
		old := n.cost
		n.cost = cost
		c.weight += cost - old
		c.policy.update(n, old)
		c.schedule(n)
		c.maintain()
		return
	}
	if !c.addFirst {
		// Make room first, so that the new entry is not its own victim.
		c.reserve = cost
		c.policy.evict(c)
		c.reserve = 0
	}
	n := w.n
	if n == nil {
		n = c.newNode(w)
	}
	s.mu.Lock()
	s.put(n.cur, h)
	s.mu.Unlock()
	c.weight += cost
	c.count++
	c.policy.add(n)
	c.schedule(n)
	c.maintain()
}

// schedule puts n in the expiry heap at its deadline, or takes it out.
func (c *Cache[K, V]) schedule(n *node[K, V]) {
	switch {
	case n.expiresAt != 0 && n.expIdx >= 0:
		c.expiry.fix(n.expIdx)
	case n.expiresAt != 0:
		c.expiry.push(n)
	case n.expIdx >= 0:
		c.expiry.remove(n)
	}
}

// delete removes key if present. c.mu is held.
func (c *Cache[K, V]) delete(key K) {
	h := maphash.Comparable(c.seed, key)
	if it := c.table.shard(h).get(key, h); it != nil {
		c.remove(it.node)
	}
	c.maintain()
}

// remove takes n out of the table, the policy and the expiry heap. c.mu
// is held.
func (c *Cache[K, V]) remove(n *node[K, V]) {
	s := c.table.shard(n.hash)
	s.mu.Lock()
	if it := s.remove(n); it != nil {
		n.cur = it
	}
	s.mu.Unlock()
	c.policy.remove(n)
	if n.expIdx >= 0 {
		c.expiry.remove(n)
	}
	c.weight -= n.cost
	c.count--
	n.dead = true
}

// overCapacity reports whether the policy must evict. c.mu is held.
func (c *Cache[K, V]) overCapacity() bool {
	return c.weight+c.reserve > c.capacity
}

// evict removes n, which the policy chose, and queues its OnEvict call.
// c.mu is held.
func (c *Cache[K, V]) evict(n *node[K, V]) {
	c.remove(n)
	c.evictions.Add(1)
	c.notifyLater(n, EvictedCapacity)
}

// maintain reclaims expired entries and evicts down to capacity. c.mu is
// held.
func (c *Cache[K, V]) maintain() {
	if c.expiry.len() > 0 {
		now := c.nanotime()
		for n := c.expiry.min(); n != nil && n.expiresAt <= now; n = c.expiry.min() {
			c.remove(n)
			c.expirations.Add(1)
			c.notifyLater(n, EvictedExpired)
		}
	}
	c.policy.evict(c)
}

// drainReads applies the buffered reads to the policy. c.mu is held.
func (c *Cache[K, V]) drainReads() {
	if !c.readBuf {
		return
	}
	for i := range c.rings {
		c.rings[i].drain(c.applyRead)
	}
}

func (c *Cache[K, V]) applyRead(n *node[K, V]) {
	if !n.dead {
		c.policy.access(n)
	}
}

// notifyLater queues the OnEvict call for n, which has just been
// removed, with the value it had (c.remove leaves it in n.cur). c.mu is
// held.
func (c *Cache[K, V]) notifyLater(n *node[K, V], reason EvictReason) {
	if c.onEvict != nil {
		c.evicted = append(c.evicted, eviction[K, V]{n.key(), c.value(n.cur), reason})
	}
}

// unlockAndNotify releases c.mu and then calls OnEvict for the evictions
// made while it was held.
func (c *Cache[K, V]) unlockAndNotify() {
	evicted := c.evicted
	c.evicted = nil
	c.mu.Unlock()
	for _, e := range evicted {
		c.onEvict(e.key, e.value, e.reason)
	}
}

// How a value fits in one machine word that is loaded and stored
// atomically, so that a write of an existing key stores it in place
// instead of publishing a new item.
const (
	notWord     uint8 = iota // a new item per write
	plainWord                // 8 bytes, 8-aligned, without pointers
	pointerWord              // a single pointer
)

// wordKind returns how a value of type V fits in a word.
func wordKind[V any]() uint8 {
	switch reflect.TypeFor[V]().Kind() {
	case reflect.Pointer, reflect.UnsafePointer, reflect.Map, reflect.Chan, reflect.Func:
		return pointerWord
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64, reflect.Uintptr, reflect.Float64:
		if unsafe.Sizeof(*new(V)) == 8 && unsafe.Alignof(*new(V)) == 8 {
			return plainWord
		}
	}
	return notWord
}

// value returns the value of it. A value that fits in a word may be
// stored in place (storeValue), so it is loaded atomically; any other is
// never changed once it is published.
func (c *Cache[K, V]) value(it *item[K, V]) V {
	switch c.word {
	case plainWord:
		u := atomic.LoadUint64((*uint64)(unsafe.Pointer(&it.value)))
		return *(*V)(unsafe.Pointer(&u))
	case pointerWord:
		p := atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&it.value)))
		return *(*V)(unsafe.Pointer(&p))
	}
	return it.value
}

// storeValue replaces the value of it, a published item, in place. V
// fits in a word; the shard's lock is held.
func (c *Cache[K, V]) storeValue(it *item[K, V], v V) {
	if c.word == plainWord {
		atomic.StoreUint64((*uint64)(unsafe.Pointer(&it.value)), *(*uint64)(unsafe.Pointer(&v)))
	} else {
		atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&it.value)), *(*unsafe.Pointer)(unsafe.Pointer(&v)))
	}
}

// isBytes reports whether V is a byte slice type.
func isBytes[V any]() bool {
	t := reflect.TypeFor[V]()
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
}

// cloneBytes returns a copy of v, which must be a byte slice (isBytes),
// so that the cache and its callers share no memory. nil stays nil.
func cloneBytes[V any](v V) V {
	b := *(*[]byte)(unsafe.Pointer(&v))
	if b == nil {
		return v
	}
	b = append(make([]byte, 0, len(b)), b...)
	return *(*V)(unsafe.Pointer(&b))
}
