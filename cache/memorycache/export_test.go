package memorycache

import "fmt"

// CheckInvariants verifies the cache's internal bookkeeping: the table,
// the counts, the policy's queues and the expiry heap agree, and the
// bound holds. It drains the read buffer first.
func CheckInvariants[K comparable, V any](c *Cache[K, V]) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drainReads()
	var count int
	var weight int64
	for i := range c.table.shards {
		s := &c.table.shards[i]
		live := 0
		slots := s.slots()
		for j := range slots {
			sl := &slots[j]
			it := sl.item()
			if it == nil || it == s.tomb {
				continue
			}
			n, k := it.node, it.key
			if cur := n.cur; n.dead || cur == nil || cur.node != n || n.key() != k || sl.hashValue() != n.hash || s.get(k, n.hash) != it || c.table.shard(n.hash) != s {
				return fmt.Errorf("item of key %v: dead %v, not its node's, or not found where it is", k, n.dead)
			}
			live++
			if (n.expiresAt != 0) != (n.expIdx >= 0) {
				return fmt.Errorf("key %v: expiresAt %d but expiry heap index %d", k, n.expiresAt, n.expIdx)
			}
			if it.exp != n.expiresAt {
				return fmt.Errorf("key %v: item expires at %d, policy says %d", k, it.exp, n.expiresAt)
			}
			count++
			weight += n.cost
		}
		if live != s.live || s.used > len(slots)/2 {
			return fmt.Errorf("shard %d: %d live nodes, counted %d; %d of %d slots used", i, live, s.live, s.used, len(slots))
		}
	}
	if count != c.count || weight != c.weight {
		return fmt.Errorf("table holds %d entries of cost %d, counters say %d and %d", count, weight, c.count, c.weight)
	}
	if c.weight > c.capacity {
		return fmt.Errorf("cost %d over capacity %d", c.weight, c.capacity)
	}
	if c.expiry.len() > count {
		return fmt.Errorf("expiry heap holds %d nodes, table %d", c.expiry.len(), count)
	}
	for i, n := range c.expiry.nodes {
		if i > 0 && c.expiry.less(n, c.expiry.nodes[(i-1)/2]) {
			return fmt.Errorf("expiry heap out of order at %d", i)
		}
	}
	switch p := c.policy.(type) {
	case *listPolicy[K, V]:
		if n := listLen(&p.q); n != count || p.q.len != count {
			return fmt.Errorf("policy list holds %d (len %d), table %d", n, p.q.len, count)
		}
	case *lfuPolicy[K, V]:
		if p.h.len() != count {
			return fmt.Errorf("LFU heap holds %d, table %d", p.h.len(), count)
		}
	case *ttlPolicy[K, V]:
		if p.h.len() != count {
			return fmt.Errorf("TTL heap holds %d, table %d", p.h.len(), count)
		}
	case *carPolicy[K, V]:
		t1, t2, b1, b2 := listLen(&p.t1), listLen(&p.t2), listLen(&p.b1), listLen(&p.b2)
		if t1+t2 != count || p.w1+p.w2 != c.weight || p.w1 != listCost(&p.t1) || p.g1 != listCost(&p.b1) || p.g2 != listCost(&p.b2) {
			return fmt.Errorf("CAR holds %d+%d of cost %d+%d, table %d of cost %d", t1, t2, p.w1, p.w2, count, c.weight)
		}
		if b1 < 0 || b2 < 0 || len(p.ghosts) != b1+b2 || p.g1+p.g2 > p.capacity || p.p < 0 || p.p > p.capacity {
			return fmt.Errorf("CAR ghosts %d+%d (map %d) of cost %d+%d, target %d, capacity %d", b1, b2, len(p.ghosts), p.g1, p.g2, p.p, p.capacity)
		}
		for k, g := range p.ghosts {
			if c.table.shard(g.hash).get(k, g.hash) != nil {
				return fmt.Errorf("CAR key %v is both held and a ghost", k)
			}
		}
	case *tinyLFU[K, V]:
		w, pr, pt := listLen(&p.window), listLen(&p.probation), listLen(&p.protected)
		if w+pr+pt != count {
			return fmt.Errorf("adaptive queues hold %d+%d+%d, table %d", w, pr, pt, count)
		}
		if p.weight != c.weight || p.windowWeight != listCost(&p.window) || p.protectedWeight != listCost(&p.protected) {
			return fmt.Errorf("adaptive weights %d/%d/%d disagree with the queues", p.weight, p.windowWeight, p.protectedWeight)
		}
		if p.windowMax < 0 || p.protectedMax < 0 || p.windowMax+p.protectedMax > p.capacity {
			return fmt.Errorf("adaptive bounds window %d protected %d of %d", p.windowMax, p.protectedMax, p.capacity)
		}
	}
	return nil
}

func listLen[K comparable, V any](l *list[K, V]) int {
	n := 0
	var prev *node[K, V]
	for x := l.front; x != nil; x = x.next {
		if x.prev != prev {
			return -1
		}
		prev = x
		n++
	}
	if prev != l.back || n != l.len {
		return -1
	}
	return n
}

func listCost[K comparable, V any](l *list[K, V]) int64 {
	var w int64
	for x := l.front; x != nil; x = x.next {
		w += x.cost
	}
	return w
}

// LockWrites takes the cache's write lock and returns its release.
func LockWrites[K comparable, V any](c *Cache[K, V]) (unlock func()) {
	c.mu.Lock()
	return c.mu.Unlock
}
