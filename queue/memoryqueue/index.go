package memoryqueue

import (
	"hash/maphash"
	"math/bits"
)

// index finds entries by job ID. It is an open-addressing hash table with
// linear probing that keeps each slot's hash beside its entry, so that
// probing reads only the table: a map[string]*entry costs several cache
// misses per operation once it holds a large backlog (its control word,
// its slot, the key's bytes), and the broker pays for three operations per
// job (the duplicate check, the insert and the delete). Here the duplicate
// check and the insert are one probe, and a delete finds its slot by the
// entry's stored hash and pointer without hashing or comparing IDs.
//
// The table holds at most half its slots and doubles when it would pass
// that; when it falls under a thirty-second it shrinks to hold a quarter,
// so a drained backlog gives its memory back.
type index struct {
	seed  maphash.Seed
	slots []idSlot // length a power of two, or zero
	n     int
}

type idSlot struct {
	hash uint64
	e    *entry // nil for an empty slot
}

const minIndexSlots = 64

func newIndex() index { return index{seed: maphash.MakeSeed()} }

// get returns the entry of the job with ID id, or nil.
func (x *index) get(id string) *entry {
	if x.n == 0 {
		return nil
	}
	h := x.hash(id)
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.e == nil {
			return nil
		}
		if s.hash == h && s.e.job.ID == id {
			return s.e
		}
	}
}

// hash returns the hash of a job ID, which add expects in entry.hash.
func (x *index) hash(id string) uint64 { return maphash.String(x.seed, id) }

// add stores e under its job's ID and reports true, or reports false and
// stores nothing when an entry with that ID is held. e.hash must be the
// hash of the ID.
func (x *index) add(e *entry) bool {
	if 2*(x.n+1) > len(x.slots) {
		x.resize(max(minIndexSlots, 2*len(x.slots)))
	}
	id, h := e.job.ID, e.hash
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.e == nil {
			*s = idSlot{hash: h, e: e}
			x.n++
			return true
		}
		if s.hash == h && s.e.job.ID == id {
			return false
		}
	}
}

// remove takes out e, which the index holds.
func (x *index) remove(e *entry) {
	mask := uint64(len(x.slots) - 1)
	i := e.hash & mask
	for x.slots[i].e != e {
		i = (i + 1) & mask
	}
	// Shift later slots of the probe run back over the hole, so that no
	// lookup stops early at it.
	for j := (i + 1) & mask; x.slots[j].e != nil; j = (j + 1) & mask {
		home := x.slots[j].hash & mask
		// The slot at j stays when its home lies cyclically in (i, j].
		if i <= j && i < home && home <= j || i > j && (i < home || home <= j) {
			continue
		}
		x.slots[i] = x.slots[j]
		i = j
	}
	x.slots[i] = idSlot{}
	x.n--
	if len(x.slots) > minIndexSlots && 32*x.n < len(x.slots) {
		// Shrink to a quarter full in one step: a backlog draining
		// through repeated halvings would move its entries many times.
		x.resize(max(minIndexSlots, 1<<bits.Len(uint(4*x.n))))
	}
}

// all calls f with every entry, in no particular order.
func (x *index) all(f func(*entry)) {
	for _, s := range x.slots {
		if s.e != nil {
			f(s.e)
		}
	}
}

func (x *index) resize(n int) {
	old := x.slots
	x.slots = make([]idSlot, n)
	mask := uint64(n - 1)
	for _, s := range old {
		if s.e == nil {
			continue
		}
		i := s.hash & mask
		for x.slots[i].e != nil {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}
