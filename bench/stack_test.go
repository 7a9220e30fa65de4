package bench_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keel-go/keel/bench"
)

// TestStacks checks the answer of every stack to the benchmark request: 200
// with the JSON body, and, from every stack with middleware, a request ID,
// the CORS header for the allowed origin and an access log line.
func TestStacks(t *testing.T) {
	for _, st := range bench.Stacks() {
		t.Run(st.Name, func(t *testing.T) {
			var logs bytes.Buffer
			var p bench.Probe
			p.Reset()
			h := st.New(&logs, &p)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, newStackRequest())

			res := rec.Result()
			if res.StatusCode != http.StatusOK || rec.Body.String() != bench.UserBody {
				t.Errorf("GET %s = %d %q, want 200 %q", bench.UserPath, res.StatusCode, rec.Body.String(), bench.UserBody)
			}
			if got := res.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if p.Route != 0 || p.Values[0] != bench.UserID {
				t.Errorf("handler saw route %d, id %q, want 0, %q", p.Route, p.Values[0], bench.UserID)
			}
			if st.Bare {
				return
			}
			if got := res.Header.Get("X-Request-Id"); got == "" {
				t.Error("X-Request-Id is missing from the response")
			}
			if got := res.Header.Get("Access-Control-Allow-Origin"); got != bench.AllowedOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, bench.AllowedOrigin)
			}
			// The access log formats its line: each logger writes the path.
			if got := logs.String(); !strings.Contains(got, bench.UserPath) {
				t.Errorf("access log = %q, want a line with %s", got, bench.UserPath)
			}
		})
	}
}

// TestStacksRecover checks that every stack with middleware answers a
// panicking handler with 500, and that the bare router, which has none,
// lets the panic through.
func TestStacksRecover(t *testing.T) {
	for _, st := range bench.Stacks() {
		t.Run(st.Name, func(t *testing.T) {
			var p bench.Probe
			h := st.New(io.Discard, &p)
			rec := httptest.NewRecorder()
			panicked := serveRecovering(h, rec, httptest.NewRequest("GET", bench.PanicPath, nil))
			switch {
			case st.Bare && !panicked:
				t.Errorf("GET %s answered %d, want the panic to reach the caller", bench.PanicPath, rec.Code)
			case !st.Bare && panicked:
				t.Errorf("GET %s: the panic reached the caller, want a 500", bench.PanicPath)
			case !st.Bare && rec.Code != http.StatusInternalServerError:
				t.Errorf("GET %s = %d, want 500", bench.PanicPath, rec.Code)
			}
		})
	}
}

// serveRecovering serves req and reports whether the handler panicked.
func serveRecovering(h http.Handler, w http.ResponseWriter, req *http.Request) (panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	h.ServeHTTP(w, req)
	return false
}

// TestStackRequestIDs checks that the benchmark harness lets every stack
// generate a new request ID for every request, in both request modes.
func TestStackRequestIDs(t *testing.T) {
	for _, st := range bench.Stacks() {
		if st.Bare {
			continue
		}
		for _, mode := range []string{"reused", "fresh"} {
			t.Run(st.Name+"/"+mode, func(t *testing.T) {
				var p bench.Probe
				h := st.New(io.Discard, &p)
				serve := serveStack
				if mode == "fresh" {
					serve = serveFresh
				}
				w := bench.NewWriter()
				req := newStackRequest()
				first := serve(w, h, req).Header().Get("X-Request-Id")
				second := serve(w, h, req).Header().Get("X-Request-Id")
				if first == "" || first == second {
					t.Errorf("request IDs %q and %q, want two different IDs", first, second)
				}
				if got := req.Header.Get("X-Request-Id"); got != "" {
					t.Errorf("request header X-Request-Id = %q after serving, want none", got)
				}
			})
		}
	}
}

// maxStackAllocs is the most allocations keel's middleware subset (RequestID,
// AccessLog, Recover, CORS) may add to a request, over the bare router.
const maxStackAllocs = 4

// TestKeelStackAllocs pins the allocations that keel's middleware subset
// adds to a fresh request over the bare router.
func TestKeelStackAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random, so allocation counts mean nothing")
	}
	fresh := func(h http.Handler) float64 {
		w := bench.NewWriter()
		tmpl := newStackRequest()
		return testing.AllocsPerRun(1000, func() { serveFresh(w, h, tmpl) })
	}
	var p bench.Probe
	bare := fresh(bench.NewKeelBareStack(io.Discard, &p))
	stack := fresh(bench.NewKeelStack(io.Discard, &p))
	t.Logf("fresh request: keel-bare %v allocs, keel %v allocs, added %v", bare, stack, stack-bare)
	if got := stack - bare; got > maxStackAllocs {
		t.Errorf("keel's middleware subset adds %v allocs to a fresh request, want at most %d", got, maxStackAllocs)
	}
}
