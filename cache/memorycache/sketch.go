package memorycache

import "math/bits"

// sketch is a count-min sketch of 4-bit counters that estimates how often
// a key hash was seen recently (TinyLFU's frequency filter). Each hash
// maps to four counters in one 64-byte block, so an update touches one
// cache line. When the number of increments reaches sampleSize every
// counter is halved: that ageing lets the sketch follow a shift in
// popularity. The zero value is uninitialised and counts nothing.
type sketch struct {
	table      []uint64
	blockMask  uint64
	sampleSize uint64
	size       uint64
}

const (
	sketchResetMask = 0x7777777777777777
	sketchOneMask   = 0x1111111111111111
)

func (s *sketch) initialized() bool { return s.table != nil }

// ensureCapacity sizes the sketch for n distinct keys, clearing it if it
// has to grow.
func (s *sketch) ensureCapacity(n uint64) {
	n = max(n, 8)
	if uint64(len(s.table)) >= n {
		return
	}
	size := uint64(1) << bits.Len64(n-1)
	s.table = make([]uint64, size)
	s.blockMask = size/8 - 1
	s.sampleSize = 10 * n
	s.size = 0
}

// slots returns the index of the block and the four counter selectors of h.
func (s *sketch) block(h uint64) (block, counters uint64) {
	block = (h & s.blockMask) << 3
	counters = (h >> 32) * 0x9e3779b97f4a7c15
	counters ^= counters >> 29
	return block, counters
}

func (s *sketch) frequency(h uint64) uint64 {
	if s.table == nil {
		return 0
	}
	block, c := s.block(h)
	freq := uint64(15)
	for i := uint64(0); i < 4; i++ {
		x := c >> (i << 3)
		index := (x >> 1) & 15
		slot := block + (x & 1) + (i << 1)
		freq = min(freq, (s.table[slot]>>(index<<2))&0xf)
	}
	return freq
}

func (s *sketch) increment(h uint64) {
	if s.table == nil {
		return
	}
	block, c := s.block(h)
	added := false
	for i := uint64(0); i < 4; i++ {
		x := c >> (i << 3)
		offset := ((x >> 1) & 15) << 2
		slot := block + (x & 1) + (i << 1)
		if mask := uint64(0xf) << offset; s.table[slot]&mask != mask {
			s.table[slot] += 1 << offset
			added = true
		}
	}
	if added {
		s.size++
		if s.size >= s.sampleSize {
			s.reset()
		}
	}
}

// reset halves every counter.
func (s *sketch) reset() {
	odd := 0
	for i, v := range s.table {
		odd += bits.OnesCount64(v & sketchOneMask)
		s.table[i] = (v >> 1) & sketchResetMask
	}
	s.size = (s.size - uint64(odd)/4) / 2
}
