package memorycache

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// table is the concurrent map from keys to items: a power-of-two number
// of shards picked by the top bits of the key's hash, each an
// open-addressing hash table. Reads take no lock: they load the shard's
// slot array and its slots atomically, so readers never write to shared
// memory and never wait for a writer. Writers take the shard's lock, and
// all but the value-only fast path (Cache.replace) are serialised by the
// cache's policy lock besides, which is why lookups on the write path need
// no shard lock.
//
// A slot array only ever grows in one direction: an empty slot becomes a
// node, a node becomes the tombstone, and the tombstone becomes a node
// again. Clearing, shrinking and rehashing build a new array and publish
// it whole, so a reader probing an array never finds a hole that was not
// there when the array was published, and a reader still walking a
// replaced array sees a consistent, slightly older table.
type table[K comparable, V any] struct {
	shards []shard[K, V]
	shift  uint
}

// slot is one entry of a shard's array: the item and its key's hash,
// which is compared before the key itself. A nil item is an empty slot,
// which ends a probe; the tombstone item marks a deleted one, which does
// not. Once the array is published its slots are read and written
// atomically (the methods below); before, plainly. Writers store the
// hash before the item, so a reader that loads an item sees its hash.
type slot[K comparable, V any] struct {
	hash uint64
	it   *item[K, V]
}

func (sl *slot[K, V]) item() *item[K, V] {
	return (*item[K, V])(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&sl.it))))
}

func (sl *slot[K, V]) hashValue() uint64 { return atomic.LoadUint64(&sl.hash) }

func (sl *slot[K, V]) setItem(it *item[K, V]) {
	atomic.StorePointer((*unsafe.Pointer)(unsafe.Pointer(&sl.it)), unsafe.Pointer(it))
}

func (sl *slot[K, V]) set(hash uint64, it *item[K, V]) {
	atomic.StoreUint64(&sl.hash, hash)
	sl.setItem(it)
}

// shard is one stripe: a linear-probing table indexed by the low bits of
// the hash, at most half full (live nodes and tombstones), so that a miss,
// which probes up to an empty slot, stays short.
//
// The array is published as a pointer to its first slot, a header whose
// hash is the mask of the slots after it, so that a reader reaches a slot
// through one load of the pointer, without a slice header in between.
// What readers load sits on the shard's first cache line, what writers
// change on its second.
type shard[K comparable, V any] struct {
	head atomic.Pointer[slot[K, V]]
	tomb *item[K, V]
	_    [cacheLine - 16]byte

	mu   sync.Mutex // held by writers
	live int
	used int // live and tombstones
	_    [cacheLine - 32]byte
}

const minShardSlots = 8

func newTable[K comparable, V any]() table[K, V] {
	n := min(64*(1<<bits.Len(uint(runtime.GOMAXPROCS(0)-1))), 1024)
	t := table[K, V]{shards: make([]shard[K, V], n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
	tomb := new(item[K, V])
	for i := range t.shards {
		t.shards[i].tomb = tomb
		t.shards[i].reset()
	}
	return t
}

func (t *table[K, V]) shard(hash uint64) *shard[K, V] {
	return &t.shards[hash>>t.shift]
}

// newSlots returns an array of size empty slots (a power of two) and its
// header, to be published with s.head.Store.
func newSlots[K comparable, V any](size int) (*slot[K, V], []slot[K, V]) {
	a := make([]slot[K, V], size+1)
	a[0].hash = uint64(size - 1)
	return &a[0], a[1:]
}

// slots returns the published array. It takes no lock.
func (s *shard[K, V]) slots() []slot[K, V] {
	h := s.head.Load()
	return unsafe.Slice(h, h.hashValue()+2)[1:]
}

// get returns the item of key, nil if none. It takes no lock and may run
// concurrently with writers.
func (s *shard[K, V]) get(key K, hash uint64) *item[K, V] {
	_, it := s.lookup(key, hash)
	return it
}

// lookup returns the slot holding the item of key and the item, nils if
// none. It takes no lock; under s.mu the answer stays true until the lock
// is released.
func (s *shard[K, V]) lookup(key K, hash uint64) (*slot[K, V], *item[K, V]) {
	slots := s.slots()
	mask := uint64(len(slots) - 1)
	for i := hash & mask; ; i = (i + 1) & mask {
		sl := &slots[i]
		it := sl.item()
		if it == nil {
			return nil, nil
		}
		if it != s.tomb && sl.hashValue() == hash && it.key == key {
			return sl, it
		}
	}
}

// put adds it, whose key is absent. The caller holds s.mu.
func (s *shard[K, V]) put(it *item[K, V], hash uint64) {
	if (s.used+1)*2 > len(s.slots()) {
		s.resize()
	}
	slots := s.slots()
	mask := uint64(len(slots) - 1)
	for i := hash & mask; ; i = (i + 1) & mask {
		sl := &slots[i]
		old := sl.item()
		if old == nil || old == s.tomb {
			if old == nil {
				s.used++
			}
			sl.set(hash, it)
			s.live++
			return
		}
	}
}

// find returns the item of n in the table, nil if none. It takes no lock;
// under s.mu the answer stays true until the lock is released.
func (s *shard[K, V]) find(n *node[K, V]) *item[K, V] {
	_, it := s.locate(n)
	return it
}

// locate returns the slot holding the item of n and the item.
func (s *shard[K, V]) locate(n *node[K, V]) (*slot[K, V], *item[K, V]) {
	slots := s.slots()
	mask := uint64(len(slots) - 1)
	for i := n.hash & mask; ; i = (i + 1) & mask {
		sl := &slots[i]
		it := sl.item()
		if it == nil {
			return nil, nil
		}
		if it != s.tomb && sl.hashValue() == n.hash && it.node == n {
			return sl, it
		}
	}
}

// remove deletes the item of n, which is present, and returns it. The
// caller holds s.mu.
func (s *shard[K, V]) remove(n *node[K, V]) *item[K, V] {
	sl, it := s.locate(n)
	if sl == nil {
		return nil
	}
	sl.setItem(s.tomb)
	s.live--
	if s.live == 0 {
		// Nothing to probe past: start afresh, small.
		s.reset()
	}
	return it
}

// reset publishes an empty array of the smallest size. The caller holds
// s.mu, or owns s.
func (s *shard[K, V]) reset() {
	h, _ := newSlots[K, V](minShardSlots)
	s.head.Store(h)
	s.live, s.used = 0, 0
}

// resize rehashes the live nodes into an array twice their number (or
// more), dropping the tombstones, and publishes it. The caller holds
// s.mu.
func (s *shard[K, V]) resize() {
	size := max(minShardSlots, 1<<bits.Len(uint(4*(s.live+1)-1)))
	old := s.slots()
	h, slots := newSlots[K, V](size)
	mask := uint64(size - 1)
	for j := range old {
		it := old[j].item()
		if it == nil || it == s.tomb {
			continue
		}
		h := old[j].hashValue()
		i := h & mask
		for slots[i].it != nil { // not published yet: plain
			i = (i + 1) & mask
		}
		slots[i] = slot[K, V]{h, it}
	}
	s.head.Store(h)
	s.used = s.live
}

// each calls fn for every live item. The caller holds s.mu.
func (s *shard[K, V]) each(fn func(*item[K, V])) {
	slots := s.slots()
	for i := range slots {
		if it := slots[i].item(); it != nil && it != s.tomb {
			fn(it)
		}
	}
}

// clear removes every node.
func (t *table[K, V]) clear() {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		s.reset()
		s.mu.Unlock()
	}
}
