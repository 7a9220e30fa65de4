package bench_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keel-go/keel/bench"
)

// A benchCase is one benchmark: the requests served per iteration.
type benchCase struct {
	name string
	// targets are the requests served in one iteration: one for the
	// single-route cases, the whole table for All.
	targets []target
}

// A target is one request and the index of the route it must reach.
type target struct {
	method, path string
	route        int
}

// benchCases returns the four cases over the table loaded by loadTable.
func benchCases(tb testing.TB, routes []bench.Route) []benchCase {
	tb.Helper()
	all := make([]target, len(routes))
	for i, rt := range routes {
		all[i] = target{method: rt.Method, path: rt.Example(), route: i}
	}
	return []benchCase{
		{name: "Static", targets: []target{{method: "GET", path: staticPath, route: find(tb, routes, staticRoute)}}},
		{name: "Param1", targets: []target{{method: "GET", path: param1Path, route: find(tb, routes, param1Route)}}},
		{name: "Param5", targets: []target{{method: "GET", path: param5Path, route: find(tb, routes, param5Route)}}},
		{name: "All", targets: all},
	}
}

// The benchmarks are named Case/req=reused|fresh/router=name so that
// benchstat can pivot on the router (-col /router). In req=reused every
// iteration serves the same *http.Request values, as most router benchmarks
// do; in req=fresh every request is a new shallow copy of a prepared one, as
// a server hands each request to its handler, and router=baseline measures
// that copy alone (with a call to a no-op handler) so that it can be
// subtracted.

func BenchmarkStatic(b *testing.B) { runCase(b, "Static") }
func BenchmarkParam1(b *testing.B) { runCase(b, "Param1") }
func BenchmarkParam5(b *testing.B) { runCase(b, "Param5") }
func BenchmarkAll(b *testing.B)    { runCase(b, "All") }

func runCase(b *testing.B, name string) {
	routes := loadTable(b)
	var bc benchCase
	for _, c := range benchCases(b, routes) {
		if c.name == name {
			bc = c
		}
	}
	for _, mode := range []string{"reused", "fresh"} {
		b.Run("req="+mode, func(b *testing.B) {
			if mode == "fresh" {
				b.Run("router=baseline", func(b *testing.B) {
					benchFresh(b, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), newRequests(bc))
				})
			}
			for _, rtr := range bench.Routers() {
				b.Run("router="+rtr.Name, func(b *testing.B) {
					var p bench.Probe
					h := rtr.New(routes, &p)
					if mode == "reused" {
						benchReused(b, h, newRequests(bc))
					} else {
						benchFresh(b, h, newRequests(bc))
					}
					last := bc.targets[len(bc.targets)-1]
					if p.Route != last.route {
						b.Fatalf("%s %s reached route %d, want %d", last.method, last.path, p.Route, last.route)
					}
				})
			}
		})
	}
}

// freshWarmup is how many fresh requests benchFresh serves before timing.
const freshWarmup = 50_000

// newRequests returns a request for each target of bc, never served yet.
// Every benchmark gets its own: a served request keeps state (the path
// values set by the router) that a fresh copy must not inherit.
func newRequests(bc benchCase) []*http.Request {
	reqs := make([]*http.Request, len(bc.targets))
	for i, tg := range bc.targets {
		reqs[i] = httptest.NewRequest(tg.method, tg.path, nil)
	}
	return reqs
}

// benchReused serves the same requests in every iteration.
func benchReused(b *testing.B, h http.Handler, reqs []*http.Request) {
	w := bench.NewWriter()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		for _, req := range reqs {
			h.ServeHTTP(w, req)
		}
	}
}

// benchFresh serves a new shallow copy of each request in every iteration.
// The copy is the cheapest realistic fresh request: one allocation, and none
// of the state (path values, pattern) that routing leaves on a request, as
// long as the prepared requests are never served themselves.
func benchFresh(b *testing.B, h http.Handler, reqs []*http.Request) {
	w := bench.NewWriter()
	serve := func() {
		for _, tmpl := range reqs {
			req := new(http.Request)
			*req = *tmpl
			h.ServeHTTP(w, req)
		}
	}
	// Grow the heap to its steady state before timing, so that whichever
	// benchmark runs first does not pay alone for faulting in fresh pages.
	for range max(1, freshWarmup/len(reqs)) {
		serve()
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		serve()
	}
}

// reportCPU starts measuring the process's CPU time; the function it returns,
// called after the benchmark loop, reports it per iteration as cpu-ns/op.
// On a shared machine the wall time (ns/op) also counts the time the process
// waited for a CPU; the CPU time does not, so its ratios between routers are
// steadier. It includes the garbage collector's work on other threads.
func reportCPU(b *testing.B) func() {
	start, ok := cpuTime()
	return func() {
		end, _ := cpuTime()
		if ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
