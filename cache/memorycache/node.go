package memorycache

import "sync/atomic"

// Queues a node can be in, for the TinyLFU policy.
const (
	inWindow uint8 = iota
	inProbation
	inProtected
)

// item is what the table holds for a key: the key, the value and its
// deadline, never changed once published, so that readers, which take no
// lock, find key and value side by side. A write of an existing key
// publishes a new item for the same node. ref is the reference bit of
// the adaptive policy: set by reads without a lock, cleared by the
// policy.
type item[K comparable, V any] struct {
	key   K
	value V
	// exp is the deadline in nanoseconds on the cache's clock, 0 for none.
	exp int64
	// ref is read and written atomically once the item is published.
	ref  uint32
	node *node[K, V]
}

// touch sets the reference bit, writing only if it is clear, so that
// concurrent reads of a popular item do not contend on its cache line.
func (it *item[K, V]) touch() {
	if atomic.LoadUint32(&it.ref) == 0 {
		atomic.StoreUint32(&it.ref, 1)
	}
}

// node is an entry as the policy sees it. Its first item is part of it,
// so that a new entry is one allocation and, while the entry has not
// been written again, the item readers use and the fields the clock of
// the adaptive policy walks share a cache line. The key (first.key) and
// hash never change. cur is one of the entry's items: the one in the
// table, unless the fast path of Set (Cache.replace), which takes only
// the shard's lock and leaves the node's cache line alone, has published
// a newer one since; shard.find returns the current one. cur, like every
// other field but first, belongs to the policy and is used only under the
// policy lock.
type node[K comparable, V any] struct {
	first      item[K, V]
	cur        *item[K, V]
	prev, next *node[K, V] // list links (LRU, FIFO, TinyLFU, Adaptive)

	hash uint64
	cost int64
	// expiresAt is the deadline of cur, as the expiry heap and the TTL
	// policy order by it.
	expiresAt int64
	seq       uint64 // last use for LFU, insertion for TTL
	heapIdx   int    // position in the policy heap (LFU, TTL)
	expIdx    int    // position in the expiry heap, -1 if none
	freq      uint8  // LFU count
	queue     uint8  // TinyLFU or Adaptive queue
	dead      bool   // removed from the cache
}

// key returns the entry's key.
func (n *node[K, V]) key() K { return n.first.key }

// touch sets the reference bit of n.cur, the current item after a write
// under the policy lock.
func (n *node[K, V]) touch() { n.cur.touch() }

// list is a doubly linked list of nodes; front is the eviction end
// (least recently used), back the most recent. The zero value is empty.
type list[K comparable, V any] struct {
	front, back *node[K, V]
	len         int
}

func (l *list[K, V]) pushBack(n *node[K, V]) {
	n.prev, n.next = l.back, nil
	if l.back == nil {
		l.front = n
	} else {
		l.back.next = n
	}
	l.back = n
	l.len++
}

func (l *list[K, V]) remove(n *node[K, V]) {
	if n.prev == nil {
		l.front = n.next
	} else {
		n.prev.next = n.next
	}
	if n.next == nil {
		l.back = n.prev
	} else {
		n.next.prev = n.prev
	}
	n.prev, n.next = nil, nil
	l.len--
}

func (l *list[K, V]) moveToBack(n *node[K, V]) {
	if l.back == n {
		return
	}
	l.remove(n)
	l.pushBack(n)
}

// nodeHeap is a binary min-heap of nodes ordered by less; each node
// records its position in the field idx points to, so that it can be
// fixed or removed in O(log n).
type nodeHeap[K comparable, V any] struct {
	nodes []*node[K, V]
	less  func(a, b *node[K, V]) bool
	idx   func(n *node[K, V]) *int
}

func (h *nodeHeap[K, V]) len() int { return len(h.nodes) }

func (h *nodeHeap[K, V]) min() *node[K, V] {
	if len(h.nodes) == 0 {
		return nil
	}
	return h.nodes[0]
}

func (h *nodeHeap[K, V]) push(n *node[K, V]) {
	*h.idx(n) = len(h.nodes)
	h.nodes = append(h.nodes, n)
	h.up(len(h.nodes) - 1)
}

func (h *nodeHeap[K, V]) remove(n *node[K, V]) {
	i := *h.idx(n)
	last := len(h.nodes) - 1
	if i != last {
		h.swap(i, last)
	}
	h.nodes[last] = nil
	h.nodes = h.nodes[:last]
	*h.idx(n) = -1
	if i != last {
		h.fix(i)
	}
}

// fix restores the order after the key of the node at i changed.
func (h *nodeHeap[K, V]) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

// init restores the order of the whole heap.
func (h *nodeHeap[K, V]) init() {
	for i := len(h.nodes)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *nodeHeap[K, V]) swap(i, j int) {
	h.nodes[i], h.nodes[j] = h.nodes[j], h.nodes[i]
	*h.idx(h.nodes[i]) = i
	*h.idx(h.nodes[j]) = j
}

func (h *nodeHeap[K, V]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.nodes[i], h.nodes[p]) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

// down sifts the node at i down and reports whether it moved.
func (h *nodeHeap[K, V]) down(i int) bool {
	start := i
	n := len(h.nodes)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.less(h.nodes[r], h.nodes[l]) {
			m = r
		}
		if !h.less(h.nodes[m], h.nodes[i]) {
			break
		}
		h.swap(i, m)
		i = m
	}
	return i > start
}
