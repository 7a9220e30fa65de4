package memoryqueue

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/keel-go/keel/queue"
)

// TestIndexMatchesMap drives the ID index and a map with the same random
// adds and removes, through growth and shrinking, and checks that they
// agree after every step.
func TestIndexMatchesMap(t *testing.T) {
	x := newIndex()
	want := map[string]*entry{}
	r := rand.New(rand.NewPCG(1, 2))
	var held []*entry
	for step := range 40_000 {
		// Grow to a few thousand entries, then drain, then grow again.
		grow := step%20_000 < 12_000
		if len(held) == 0 || grow && r.IntN(3) > 0 || !grow && r.IntN(4) == 0 {
			id := strconv.Itoa(r.IntN(20_000))
			e := &entry{job: &queue.Job{ID: id}, hash: x.hash(id)}
			_, dup := want[id]
			if got := x.add(e); got == dup {
				t.Fatalf("step %d: add(%q) = %v with the ID held = %v", step, id, got, dup)
			}
			if !dup {
				want[id] = e
				held = append(held, e)
			}
		} else {
			i := r.IntN(len(held))
			e := held[i]
			held[i] = held[len(held)-1]
			held = held[:len(held)-1]
			x.remove(e)
			delete(want, e.job.ID)
		}
		if x.n != len(want) {
			t.Fatalf("step %d: index holds %d, want %d", step, x.n, len(want))
		}
		if step%97 == 0 {
			for id, e := range want {
				if got := x.get(id); got != e {
					t.Fatalf("step %d: get(%q) = %p, want %p", step, id, got, e)
				}
			}
			if got := x.get("missing"); got != nil {
				t.Fatalf("step %d: get(missing) = %p, want nil", step, got)
			}
			n := 0
			x.all(func(*entry) { n++ })
			if n != len(want) {
				t.Fatalf("step %d: all visits %d, want %d", step, n, len(want))
			}
		}
	}
	if len(x.slots) > 4*minIndexSlots*8 && x.n == 0 {
		t.Errorf("empty index keeps %d slots", len(x.slots))
	}
}
