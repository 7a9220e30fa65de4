package memoryqueue

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestTimeHeap drives the heap with random pushes, removals and time
// changes, and checks that it pops entries in time-then-seq order and
// keeps every entry's index.
func TestTimeHeap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	base := time.Now()
	var h timeHeap
	var seq uint64
	check := func(step int) {
		t.Helper()
		for i, e := range h {
			if e.index != i {
				t.Fatalf("step %d: entry at %d has index %d", step, i, e.index)
			}
			if i > 0 && h.less(i, (i-1)/2) {
				t.Fatalf("step %d: entry at %d sorts before its parent", step, i)
			}
		}
	}
	for step := range 5000 {
		switch op := r.IntN(10); {
		case op < 5 || len(h) == 0:
			seq++
			h.push(&entry{at: base.Add(time.Duration(r.IntN(50)) * time.Millisecond), seq: seq})
		case op < 8:
			e := h[r.IntN(len(h))]
			if got := h.remove(e.index); got != e || e.index != -1 {
				t.Fatalf("step %d: remove returned %p (index %d), want %p", step, got, e.index, e)
			}
		default:
			e := h[r.IntN(len(h))]
			e.at = base.Add(time.Duration(r.IntN(50)) * time.Millisecond)
			h.fix(e.index)
		}
		check(step)
	}
	var prev *entry
	for len(h) > 0 {
		e := h.remove(0)
		if prev != nil && (e.at.Before(prev.at) || e.at.Equal(prev.at) && e.seq < prev.seq) {
			t.Fatalf("popped %v/%d after %v/%d", e.at, e.seq, prev.at, prev.seq)
		}
		prev = e
	}
}
