package memorycache

// Queues a node can be in, for the adaptive policy. A ghost is a node
// evicted from the cache that the policy still remembers by key.
const (
	inT1 uint8 = iota + 10 // resident, not yet seen again when last scanned
	inT2                   // resident, seen again
	inB1                   // ghost evicted from T1
	inB2                   // ghost evicted from T2
)

// carPolicy is CAR, Clock with Adaptive Replacement (Bansal and Modha,
// 2004), weighted by cost: ARC's hit ratio with CLOCK's cheap hits. T1
// holds entries not seen again since they arrived, T2 entries seen
// again; B1 and B2 remember the keys evicted recently from each. A hit
// only sets the node's reference bit, without a lock and without a read
// buffer; the policy looks at the bits when it needs a victim. A miss on
// a key in B1 means T1 was too small, so its target share p grows; a
// miss on a key in B2 shrinks it. A ghost is a node of its own holding
// the key and the cost: the evicted node goes, with its items, once no
// reader holds them. Dropped ghosts are kept on a free list
// for the next eviction, so that a cache at its bound allocates no
// ghosts.
type carPolicy[K comparable, V any] struct {
	t1, t2, b1, b2 list[K, V]
	w1, w2, g1, g2 int64 // costs of t1, t2, b1, b2
	p              int64 // target cost of t1
	capacity       int64
	ghosts         map[K]*node[K, V]
	free           *node[K, V] // dropped ghosts, linked by next
	freeLen        int
}

// maxFreeGhosts bounds the free list of ghost nodes. At the bound, each
// eviction adds a ghost and drops one, so a short list suffices.
const maxFreeGhosts = 256

func newCAR[K comparable, V any](capacity int64) *carPolicy[K, V] {
	return &carPolicy[K, V]{capacity: capacity, ghosts: make(map[K]*node[K, V])}
}

// add takes a new node; the cache has made room for it already.
func (p *carPolicy[K, V]) add(n *node[K, V]) {
	if g := p.ghosts[n.key()]; g != nil {
		// Evicted recently and wanted again: the list it was evicted from
		// deserved more room. It comes back as seen twice.
		if g.queue == inB1 {
			p.p = min(p.capacity, p.p+max(p.g2/max(p.g1, 1), 1)*max(n.cost, 1))
		} else {
			p.p = max(0, p.p-max(p.g1/max(p.g2, 1), 1)*max(n.cost, 1))
		}
		p.dropGhost(g)
		n.queue = inT2
		p.t2.pushBack(n)
		p.w2 += n.cost
		return
	}
	// Keep the ghosts within bounds: T1+B1 <= c, all four <= 2c.
	for p.w1+p.g1+n.cost > p.capacity && p.b1.front != nil {
		p.dropGhost(p.b1.front)
	}
	for p.w1+p.w2+p.g1+p.g2+n.cost > 2*p.capacity && p.b2.front != nil {
		p.dropGhost(p.b2.front)
	}
	n.queue = inT1
	p.t1.pushBack(n)
	p.w1 += n.cost
}

func (p *carPolicy[K, V]) dropGhost(g *node[K, V]) {
	if g.queue == inB1 {
		p.b1.remove(g)
		p.g1 -= g.cost
	} else {
		p.b2.remove(g)
		p.g2 -= g.cost
	}
	delete(p.ghosts, g.key())
	if p.freeLen < maxFreeGhosts {
		var zero K
		g.first.key = zero
		g.next = p.free
		p.free = g
		p.freeLen++
	}
}

func (p *carPolicy[K, V]) access(n *node[K, V]) { n.touch() }

func (p *carPolicy[K, V]) update(n *node[K, V], oldCost int64) {
	if n.queue == inT1 {
		p.w1 += n.cost - oldCost
	} else {
		p.w2 += n.cost - oldCost
	}
	n.touch()
}

func (p *carPolicy[K, V]) remove(n *node[K, V]) {
	switch n.queue {
	case inT1:
		p.t1.remove(n)
		p.w1 -= n.cost
	case inT2:
		p.t2.remove(n)
		p.w2 -= n.cost
	}
}

// evict runs the clock: the hand of T1 while T1 is above its target, of
// T2 otherwise. A referenced node gets a second chance (from T1 it moves
// to T2, as seen again); an unreferenced one is evicted and remembered.
func (p *carPolicy[K, V]) evict(c *Cache[K, V]) {
	// Readers may set bits again behind the hand; after two full turns
	// the hand evicts regardless, so that eviction always ends.
	chances := 2 * (p.t1.len + p.t2.len)
	for c.overCapacity() {
		fromT1 := p.t1.front != nil && (p.w1 >= max(1, p.p) || p.t2.front == nil)
		n := p.t2.front
		if fromT1 {
			n = p.t1.front
		}
		if n == nil {
			return
		}
		if c.referenced(n) && chances > 0 {
			chances--
			if fromT1 {
				p.t1.remove(n)
				p.w1 -= n.cost
				n.queue = inT2
				p.t2.pushBack(n)
				p.w2 += n.cost
			} else {
				p.t2.moveToBack(n)
			}
			continue
		}
		c.evict(n)
		p.remember(n, fromT1)
	}
}

// remember records the key of n, just evicted, as a ghost.
func (p *carPolicy[K, V]) remember(n *node[K, V], fromT1 bool) {
	g := p.free
	if g != nil {
		p.free, g.next = g.next, nil
		p.freeLen--
	} else {
		g = new(node[K, V])
	}
	g.first.key, g.hash, g.cost = n.key(), n.hash, n.cost
	if fromT1 {
		g.queue = inB1
		p.b1.pushBack(g)
		p.g1 += g.cost
	} else {
		g.queue = inB2
		p.b2.pushBack(g)
		p.g2 += g.cost
	}
	p.ghosts[g.key()] = g
	for p.g1+p.g2 > p.capacity {
		if p.b1.front != nil && (p.g1 > p.g2 || p.b2.front == nil) {
			p.dropGhost(p.b1.front)
		} else {
			p.dropGhost(p.b2.front)
		}
	}
}
