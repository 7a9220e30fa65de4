package memorycache

// Stats is a snapshot of a cache's counters since New.
type Stats struct {
	// Hits counts the reads (Get, GetMany, GetOrSet) that found a live
	// entry.
	Hits uint64
	// Misses counts the reads that found none.
	Misses uint64
	// Evictions counts the entries the policy removed to stay within the
	// bound.
	Evictions uint64
	// Expirations counts the entries removed because their TTL passed.
	Expirations uint64
}

// HitRatio returns Hits / (Hits + Misses), 0 before any read.
func (s Stats) HitRatio() float64 {
	total := s.Hits + s.Misses
	if total == 0 {
		return 0
	}
	return float64(s.Hits) / float64(total)
}

// Stats returns the current counters. The hit and miss counters are
// striped across cores, so a snapshot taken during concurrent reads is
// approximate; each counter is exact once the reads have returned.
func (c *Cache[K, V]) Stats() Stats {
	var s Stats
	for i := range c.stats {
		s.Hits += c.stats[i].hits.Load()
		s.Misses += c.stats[i].misses.Load()
	}
	s.Evictions = c.evictions.Load()
	s.Expirations = c.expirations.Load()
	return s
}
