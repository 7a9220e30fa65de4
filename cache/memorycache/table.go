package memorycache

import (
	"math/bits"
	"runtime"
	"sync"
)

// table is the concurrent map from keys to nodes: a power-of-two number
// of shards picked by the top bits of the key's hash, each an
// open-addressing hash table behind a read-write lock. Reads take one
// shard's read lock, so readers of different shards never write to the
// same memory. Writers take the shard's write lock, and are serialised
// by the cache's policy lock besides, which is why lookups on the write
// path need no shard lock.
type table[K comparable, V any] struct {
	shards []shard[K, V]
	shift  uint
}

// slot is one entry of a shard's array: the node and its key's hash,
// which is compared before the key itself. A nil node is an empty slot,
// which ends a probe; the tombstone node marks a deleted one, which does
// not.
type slot[K comparable, V any] struct {
	hash uint64
	n    *node[K, V]
}

// shard is one lock stripe: a linear-probing table indexed by the low
// bits of the hash, at most half full (live nodes and tombstones), so
// that a miss, which probes up to an empty slot, stays short.
type shard[K comparable, V any] struct {
	mu    sync.RWMutex
	slots []slot[K, V]
	live  int
	used  int // live and tombstones
	tomb  *node[K, V]
	_     [56]byte // to 128 bytes on 64-bit platforms
}

const minShardSlots = 8

func newTable[K comparable, V any]() table[K, V] {
	n := min(64*(1<<bits.Len(uint(runtime.GOMAXPROCS(0)-1))), 1024)
	t := table[K, V]{shards: make([]shard[K, V], n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
	tomb := new(node[K, V])
	for i := range t.shards {
		t.shards[i].slots = make([]slot[K, V], minShardSlots)
		t.shards[i].tomb = tomb
	}
	return t
}

func (t *table[K, V]) shard(hash uint64) *shard[K, V] {
	return &t.shards[hash>>t.shift]
}

// rlock takes the read lock. A writer holds a shard's lock for a few
// dozen nanoseconds, far less than parking and waking a goroutine costs,
// so a reader that finds it held retries for a while before it waits.
func (s *shard[K, V]) rlock() {
	for range 100 {
		if s.mu.TryRLock() {
			return
		}
	}
	s.mu.RLock()
}

// get returns the node of key, nil if none. The caller holds s.mu, for
// reading at least, or the policy lock.
func (s *shard[K, V]) get(key K, hash uint64) *node[K, V] {
	mask := uint64(len(s.slots) - 1)
	for i := hash & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.n == nil {
			return nil
		}
		if sl.hash == hash && sl.n != s.tomb && sl.n.key == key {
			return sl.n
		}
	}
}

// put adds n, whose key is absent. The caller holds s.mu for writing.
func (s *shard[K, V]) put(n *node[K, V]) {
	if (s.used+1)*2 > len(s.slots) {
		s.resize()
	}
	mask := uint64(len(s.slots) - 1)
	for i := n.hash & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.n == nil || sl.n == s.tomb {
			if sl.n == nil {
				s.used++
			}
			*sl = slot[K, V]{n.hash, n}
			s.live++
			return
		}
	}
}

// remove deletes n, which is present. The caller holds s.mu for writing.
func (s *shard[K, V]) remove(n *node[K, V]) {
	mask := uint64(len(s.slots) - 1)
	for i := n.hash & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.n == n {
			sl.n = s.tomb
			s.live--
			if s.live == 0 {
				// Nothing to probe past: start afresh, small.
				s.slots = make([]slot[K, V], minShardSlots)
				s.used = 0
			}
			return
		}
		if sl.n == nil {
			return
		}
	}
}

// resize rehashes the live nodes into an array twice their number (or
// more), dropping the tombstones. The caller holds s.mu for writing.
func (s *shard[K, V]) resize() {
	size := max(minShardSlots, 1<<bits.Len(uint(4*(s.live+1)-1)))
	old := s.slots
	s.slots = make([]slot[K, V], size)
	mask := uint64(size - 1)
	for _, sl := range old {
		if sl.n == nil || sl.n == s.tomb {
			continue
		}
		i := sl.hash & mask
		for s.slots[i].n != nil {
			i = (i + 1) & mask
		}
		s.slots[i] = sl
	}
	s.used = s.live
}

// clear removes every node.
func (t *table[K, V]) clear() {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		s.slots = make([]slot[K, V], minShardSlots)
		s.live, s.used = 0, 0
		s.mu.Unlock()
	}
}
