package memorycache

import "math/rand/v2"

// Tuning of the TinyLFU policy, from Caffeine.
const (
	windowPercent         = 0.01   // initial share of the window
	protectedPercent      = 0.80   // share of the main space that is protected
	climberRestart        = 0.05   // a hit-ratio change this big restarts the climb
	climberStepPercent    = 0.0625 // a restarted step, as a share of capacity
	climberStepDecay      = 0.98   // each further step shrinks by this factor
	admitHashDoSThreshold = 6      // above this, a losing candidate may win at random
	transferLimit         = 1000   // nodes moved between queues per adjustment
)

// tinyLFU is W-TinyLFU with a hill-climbing window (Caffeine's policy).
// New nodes enter the window, an LRU queue. The window's overflow goes to
// the probation segment of the main space, where each candidate competes
// with probation's least recently used node: the one the frequency sketch
// deems less popular is evicted. A node read in probation moves to the
// protected segment; protected overflow goes back to probation. Every
// sample period the climber compares the hit ratio with the previous
// period and moves the window's size in the direction that helped.
type tinyLFU[K comparable, V any] struct {
	window, probation, protected list[K, V]
	sketch                       sketch

	capacity                      int64
	weighted                      bool
	weight                        int64 // of all three queues
	windowWeight, protectedWeight int64
	windowMax, protectedMax       int64

	step         float64
	adjustment   int64
	hits, misses uint64 // in the current sample
	prevHitRate  float64
}

func newTinyLFU[K comparable, V any](capacity int64, weighted bool) *tinyLFU[K, V] {
	p := &tinyLFU[K, V]{capacity: capacity, weighted: weighted}
	p.windowMax = max(1, int64(windowPercent*float64(capacity)))
	p.protectedMax = int64(protectedPercent * float64(capacity-p.windowMax))
	p.step = -climberStepPercent * float64(capacity)
	return p
}

func (p *tinyLFU[K, V]) add(n *node[K, V]) {
	p.weight += n.cost
	if p.weight >= p.capacity/2 {
		expected := uint64(p.capacity)
		if p.weighted {
			expected = uint64(p.window.len + p.probation.len + p.protected.len + 1)
		}
		p.sketch.ensureCapacity(expected)
	}
	p.sketch.increment(n.hash)
	p.misses++
	n.queue = inWindow
	p.window.pushBack(n)
	p.windowWeight += n.cost
}

func (p *tinyLFU[K, V]) access(n *node[K, V]) {
	p.sketch.increment(n.hash)
	p.hits++
	p.reorder(n)
}

func (p *tinyLFU[K, V]) reorder(n *node[K, V]) {
	switch n.queue {
	case inWindow:
		p.window.moveToBack(n)
	case inProbation:
		if n.cost > p.protectedMax {
			p.probation.moveToBack(n)
			return
		}
		p.probation.remove(n)
		n.queue = inProtected
		p.protected.pushBack(n)
		p.protectedWeight += n.cost
	case inProtected:
		p.protected.moveToBack(n)
	}
}

func (p *tinyLFU[K, V]) update(n *node[K, V], oldCost int64) {
	d := n.cost - oldCost
	p.weight += d
	switch n.queue {
	case inWindow:
		p.windowWeight += d
	case inProtected:
		p.protectedWeight += d
	}
	p.access(n)
}

func (p *tinyLFU[K, V]) remove(n *node[K, V]) {
	p.weight -= n.cost
	switch n.queue {
	case inWindow:
		p.window.remove(n)
		p.windowWeight -= n.cost
	case inProbation:
		p.probation.remove(n)
	case inProtected:
		p.protected.remove(n)
		p.protectedWeight -= n.cost
	}
}

func (p *tinyLFU[K, V]) evict(c *Cache[K, V]) {
	candidate := p.evictFromWindow()
	p.evictFromMain(c, candidate)
	p.climb()
}

// evictFromWindow moves the window's overflow to the back of probation
// and returns the first node moved, nil if none.
func (p *tinyLFU[K, V]) evictFromWindow() *node[K, V] {
	var first *node[K, V]
	for p.windowWeight > p.windowMax && p.window.front != nil {
		n := p.window.front
		p.window.remove(n)
		p.windowWeight -= n.cost
		n.queue = inProbation
		p.probation.pushBack(n)
		if first == nil {
			first = n
		}
	}
	return first
}

// evictFromMain evicts while the cache is over capacity. The candidates
// (from candidate to the back of probation, the nodes that just left the
// window) compete with the victims (from the front of probation); when
// one side runs out, the other is evicted without a contest, and when
// probation is empty the protected segment and then the window give up
// their least recently used nodes.
func (p *tinyLFU[K, V]) evictFromMain(c *Cache[K, V], candidate *node[K, V]) {
	victimQueue, candidateQueue := inProbation, inProbation
	victim := p.probation.front
	for c.overCapacity() {
		if candidate == nil && candidateQueue == inProbation {
			candidate = p.window.front
			candidateQueue = inWindow
		}
		if candidate == nil && victim == nil {
			switch victimQueue {
			case inProbation:
				victim = p.protected.front
				victimQueue = inProtected
				continue
			case inProtected:
				victim = p.window.front
				victimQueue = inWindow
				continue
			}
			return
		}
		var loser *node[K, V]
		switch {
		case victim == nil:
			loser, candidate = candidate, candidate.next
		case candidate == nil:
			loser, victim = victim, victim.next
		case candidate == victim:
			loser, victim, candidate = victim, victim.next, nil
		case candidate.cost > p.capacity:
			loser, candidate = candidate, candidate.next
		case p.admit(candidate, victim):
			loser, victim, candidate = victim, victim.next, candidate.next
		default:
			loser, candidate = candidate, candidate.next
		}
		c.evict(loser)
	}
}

// admit reports whether candidate should replace victim: if it is more
// popular, or, against an attacker who raises a victim's count with
// colliding keys, by a small chance when both are fairly popular.
func (p *tinyLFU[K, V]) admit(candidate, victim *node[K, V]) bool {
	cf, vf := p.sketch.frequency(candidate.hash), p.sketch.frequency(victim.hash)
	if cf > vf {
		return true
	}
	return cf >= admitHashDoSThreshold && rand.Uint32()&127 == 0
}

// climb adjusts the window's size once per sample period.
func (p *tinyLFU[K, V]) climb() {
	p.determineAdjustment()
	p.demoteFromProtected()
	switch {
	case p.adjustment > 0:
		p.increaseWindow()
	case p.adjustment < 0:
		p.decreaseWindow()
	}
}

func (p *tinyLFU[K, V]) determineAdjustment() {
	if !p.sketch.initialized() {
		p.prevHitRate, p.hits, p.misses = 0, 0, 0
		return
	}
	requests := p.hits + p.misses
	if requests < p.sketch.sampleSize {
		return
	}
	if p.weight < p.capacity/2 {
		p.hits, p.misses = 0, 0
		return
	}
	hitRate := float64(p.hits) / float64(requests)
	change := hitRate - p.prevHitRate
	amount := p.step
	if change < 0 {
		amount = -p.step
	}
	// At a bound, try the other way rather than stay stuck there: with a
	// steady hit ratio the climber would otherwise keep pushing against
	// the wall (typically a minimal window on a recency-biased trace).
	if amount < 0 && p.windowMax <= 1 || amount > 0 && p.protectedMax == 0 {
		amount = -amount
	}
	if change >= climberRestart || change <= -climberRestart {
		p.step = climberStepPercent * float64(p.capacity)
		if amount < 0 {
			p.step = -p.step
		}
	} else {
		p.step = climberStepDecay * amount
	}
	p.prevHitRate = hitRate
	p.adjustment = int64(amount)
	p.hits, p.misses = 0, 0
}

func (p *tinyLFU[K, V]) demoteFromProtected() {
	for i := 0; i < transferLimit && p.protectedWeight > p.protectedMax; i++ {
		n := p.protected.front
		if n == nil {
			break
		}
		p.protected.remove(n)
		p.protectedWeight -= n.cost
		n.queue = inProbation
		p.probation.pushBack(n)
	}
}

// increaseWindow moves up to adjustment cost from the main space's
// least recently used nodes to the window.
func (p *tinyLFU[K, V]) increaseWindow() {
	if p.protectedMax == 0 {
		return
	}
	quota := min(p.adjustment, p.protectedMax)
	p.protectedMax -= quota
	p.windowMax += quota
	p.demoteFromProtected()
	for i := 0; i < transferLimit; i++ {
		n := p.probation.front
		if n == nil || quota < n.cost {
			n = p.protected.front
		}
		if n == nil || quota < n.cost {
			break
		}
		quota -= n.cost
		if n.queue == inProbation {
			p.probation.remove(n)
		} else {
			p.protected.remove(n)
			p.protectedWeight -= n.cost
		}
		n.queue = inWindow
		p.window.pushBack(n)
		p.windowWeight += n.cost
	}
	p.protectedMax += quota
	p.windowMax -= quota
	p.adjustment = quota
}

// decreaseWindow moves up to -adjustment cost from the window's least
// recently used nodes to probation.
func (p *tinyLFU[K, V]) decreaseWindow() {
	if p.windowMax <= 1 {
		return
	}
	quota := min(-p.adjustment, p.windowMax-1)
	p.protectedMax += quota
	p.windowMax -= quota
	for i := 0; i < transferLimit; i++ {
		n := p.window.front
		if n == nil || quota < n.cost {
			break
		}
		quota -= n.cost
		p.window.remove(n)
		p.windowWeight -= n.cost
		n.queue = inProbation
		p.probation.pushBack(n)
	}
	p.protectedMax -= quota
	p.windowMax += quota
	p.adjustment = -quota
}
