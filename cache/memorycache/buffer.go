package memorycache

import (
	"math/bits"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// cacheLine is the padding that keeps hot fields of different cores apart.
const cacheLine = 64

// ringSize is the capacity of one read-buffer stripe, a power of two.
const ringSize = 16

// ring is one stripe of the read buffer: a bounded multi-producer,
// single-consumer queue of accessed nodes. Producers (readers) never
// block: when the ring is full or a concurrent producer wins the slot,
// the access is dropped, which only makes the policy slightly less
// precise. The consumer runs under the policy lock.
type ring[K comparable, V any] struct {
	head  atomic.Uint32 // next slot to drain; written by the consumer
	tail  atomic.Uint32 // next slot to fill; claimed by producers
	slots [ringSize]atomic.Pointer[node[K, V]]
	_     [cacheLine]byte
}

// add records n and reports false if the ring was full.
func (r *ring[K, V]) add(n *node[K, V]) bool {
	t := r.tail.Load()
	if t-r.head.Load() >= ringSize {
		return false
	}
	if r.tail.CompareAndSwap(t, t+1) {
		r.slots[t&(ringSize-1)].Store(n)
	}
	return true
}

// drain hands every recorded node to fn, in order, and empties the ring.
// It stops at a slot whose producer has claimed it but not yet stored
// its node; the next drain picks it up.
func (r *ring[K, V]) drain(fn func(*node[K, V])) {
	h, t := r.head.Load(), r.tail.Load()
	for ; h != t; h++ {
		s := &r.slots[h&(ringSize-1)]
		n := s.Load()
		if n == nil {
			break
		}
		s.Store(nil)
		fn(n)
	}
	r.head.Store(h)
}

// counters is one stripe of the hit and miss counters.
type counters struct {
	hits   atomic.Uint64
	misses atomic.Uint64
	_      [cacheLine - 16]byte
}

// stripes returns the number of read-buffer and counter stripes: a power
// of two, four per processor.
func stripes() int {
	n := 4 * runtime.GOMAXPROCS(0)
	return min(1<<bits.Len(uint(n-1)), 256)
}

// stripeHint returns a number that is stable for the calling goroutine and
// usually differs between goroutines running at the same time: a mix of
// its stack address. A goroutine keeps using the same stripe, which keeps
// its accesses in order and its counters in its core's cache.
func stripeHint() uint32 {
	var x byte
	// Stacks are at least 2 KiB; the bits below depend on call depth.
	a := uint64(uintptr(unsafe.Pointer(&x))) >> 11
	a *= 0x9e3779b97f4a7c15
	return uint32(a >> 32)
}
