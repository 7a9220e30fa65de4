package httpcache

import "sync"

// flightGroup tracks the responses being produced, so that concurrent
// misses for one key run the handler once: the first request leads, the
// others wait for its outcome.
type flightGroup struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flight is one response being produced. rec and variant are written
// before done is closed and read after, so they need no lock.
type flight struct {
	key     string
	done    chan struct{}
	rec     *record // the response, or nil when it was not stored
	variant string  // the variant key rec was stored under, or ""
}

// join returns the flight for key, creating it when there is none, in
// which case the caller leads it and must release it.
func (g *flightGroup) join(key string) (f *flight, leader bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f := g.m[key]; f != nil {
		return f, false
	}
	f = &flight{key: key, done: make(chan struct{})}
	g.m[key] = f
	return f, true
}

// release ends f with its outcome and wakes the requests waiting for it.
// The leader calls it exactly once.
func (g *flightGroup) release(f *flight, rec *record, variant string) {
	g.mu.Lock()
	if g.m[f.key] == f {
		delete(g.m, f.key)
	}
	g.mu.Unlock()
	f.rec, f.variant = rec, variant
	close(f.done)
}
