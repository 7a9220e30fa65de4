package memorycache

import "math"

// policy decides which entries a full cache evicts. Every method runs
// under the cache's policy lock. The cache keeps the total cost; the
// policy keeps its own ordering.
type policy[K comparable, V any] interface {
	// add starts tracking a new node. Except for TinyLFU, which admits
	// or rejects it afterwards, the cache has made room for it already.
	add(n *node[K, V])
	// access records a read of a live node.
	access(n *node[K, V])
	// update records a write that replaced the value of a live node, whose
	// cost was oldCost before.
	update(n *node[K, V], oldCost int64)
	// remove stops tracking a node that leaves the cache.
	remove(n *node[K, V])
	// evict calls c.evict on victims, in order, while c.overCapacity().
	evict(c *Cache[K, V])
}

// newPolicy returns the implementation of p for a cache bounded by
// capacity (entries or cost).
func newPolicy[K comparable, V any](p Policy, capacity int64, weighted bool) policy[K, V] {
	switch p {
	case LRU:
		return &listPolicy[K, V]{reorder: true}
	case FIFO:
		return &listPolicy[K, V]{}
	case LFU:
		return newLFU[K, V](capacity, weighted)
	case TTL:
		return newTTLPolicy[K, V]()
	case TinyLFU:
		return newTinyLFU[K, V](capacity, weighted)
	}
	return newCAR[K, V](capacity)
}

// listPolicy is LRU (reorder) or FIFO: one queue, evicted from the front.
type listPolicy[K comparable, V any] struct {
	q       list[K, V]
	reorder bool
}

func (p *listPolicy[K, V]) add(n *node[K, V]) { p.q.pushBack(n) }

func (p *listPolicy[K, V]) access(n *node[K, V]) {
	if p.reorder {
		p.q.moveToBack(n)
	}
}

func (p *listPolicy[K, V]) update(n *node[K, V], _ int64) { p.access(n) }
func (p *listPolicy[K, V]) remove(n *node[K, V])          { p.q.remove(n) }

func (p *listPolicy[K, V]) evict(c *Cache[K, V]) {
	for c.overCapacity() && p.q.front != nil {
		c.evict(p.q.front)
	}
}

// lfuPolicy evicts the node with the lowest count, the least recently
// used among equals. Counts saturate at lfuMaxFreq; after every
// sampleSize accesses all counts are halved, so that the cache follows a
// shift in popularity instead of keeping yesterday's favourites forever.
type lfuPolicy[K comparable, V any] struct {
	h          nodeHeap[K, V]
	clock      uint64 // orders accesses
	ops        uint64 // accesses since the last ageing
	sampleSize uint64 // 0: ten per entry held
}

const lfuMaxFreq = 15

func newLFU[K comparable, V any](capacity int64, weighted bool) *lfuPolicy[K, V] {
	p := &lfuPolicy[K, V]{}
	if !weighted {
		p.sampleSize = 10 * uint64(capacity)
	}
	p.h.less = func(a, b *node[K, V]) bool {
		return a.freq < b.freq || a.freq == b.freq && a.seq < b.seq
	}
	p.h.idx = func(n *node[K, V]) *int { return &n.heapIdx }
	return p
}

func (p *lfuPolicy[K, V]) tick() uint64 {
	p.clock++
	p.ops++
	sample := p.sampleSize
	if sample == 0 {
		sample = 10 * uint64(max(p.h.len(), 16))
	}
	if p.ops >= sample {
		p.ops = 0
		for _, n := range p.h.nodes {
			n.freq >>= 1
		}
		p.h.init()
	}
	return p.clock
}

func (p *lfuPolicy[K, V]) add(n *node[K, V]) {
	n.seq = p.tick()
	n.freq = 1
	p.h.push(n)
}

func (p *lfuPolicy[K, V]) access(n *node[K, V]) {
	n.seq = p.tick()
	if n.freq < lfuMaxFreq {
		n.freq++
	}
	p.h.fix(n.heapIdx)
}

func (p *lfuPolicy[K, V]) update(n *node[K, V], _ int64) { p.access(n) }
func (p *lfuPolicy[K, V]) remove(n *node[K, V])          { p.h.remove(n) }

func (p *lfuPolicy[K, V]) evict(c *Cache[K, V]) {
	for c.overCapacity() && p.h.len() > 0 {
		c.evict(p.h.min())
	}
}

// ttlPolicy evicts the node that expires soonest; nodes without a TTL
// come last, in insertion order.
type ttlPolicy[K comparable, V any] struct {
	h   nodeHeap[K, V]
	seq uint64
}

func newTTLPolicy[K comparable, V any]() *ttlPolicy[K, V] {
	p := &ttlPolicy[K, V]{}
	p.h.less = func(a, b *node[K, V]) bool {
		ea, eb := deadline(a), deadline(b)
		return ea < eb || ea == eb && a.seq < b.seq
	}
	p.h.idx = func(n *node[K, V]) *int { return &n.heapIdx }
	return p
}

// deadline returns n's expiry, with "never" as the largest time.
func deadline[K comparable, V any](n *node[K, V]) int64 {
	if n.expiresAt == 0 {
		return math.MaxInt64
	}
	return n.expiresAt
}

func (p *ttlPolicy[K, V]) add(n *node[K, V]) {
	p.seq++
	n.seq = p.seq
	p.h.push(n)
}

func (p *ttlPolicy[K, V]) access(*node[K, V]) {}

// update treats a replacing write as a new insertion: its deadline
// changed, and among entries without one it is now the newest.
func (p *ttlPolicy[K, V]) update(n *node[K, V], _ int64) {
	p.seq++
	n.seq = p.seq
	p.h.fix(n.heapIdx)
}
func (p *ttlPolicy[K, V]) remove(n *node[K, V]) { p.h.remove(n) }

func (p *ttlPolicy[K, V]) evict(c *Cache[K, V]) {
	for c.overCapacity() && p.h.len() > 0 {
		c.evict(p.h.min())
	}
}
