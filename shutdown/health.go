package shutdown

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// DefaultCheckTimeout is the timeout of a readiness check added with a zero
// timeout. Kubernetes gives a probe one second by default, so the checks of
// one /readyz request, which run concurrently, should finish within that.
const DefaultCheckTimeout = time.Second

// Check statuses reported in the /readyz body.
const (
	statusOK      = "ok"
	statusFailing = "failing"
	statusTimeout = "timeout"
)

type check struct {
	name    string
	fn      func(ctx context.Context) error
	timeout time.Duration
}

// CheckResult is the outcome of one readiness check, as listed in the
// /readyz body.
type CheckResult struct {
	// Name is the name the check was added under.
	Name string `json:"name"`
	// Status is "ok", "failing", or "timeout" when the check did not
	// finish within its timeout.
	Status string `json:"status"`
	// Error is the check's error text, present only when
	// [Options.ExposeCheckErrors] is set.
	Error string `json:"error,omitempty"`
}

// Readiness is the JSON body of the /readyz endpoint.
type Readiness struct {
	// Status is "ok" when the process is ready; otherwise "starting"
	// before every component has started, "failing" when a check fails,
	// "draining" once the stop has begun, or "stopped" after Run returns.
	Status string `json:"status"`
	// Checks lists every check in the order they were added. It is
	// empty when the checks did not run because the process is not
	// started or is stopping.
	Checks []CheckResult `json:"checks,omitempty"`
}

// AddCheck registers a readiness check: a cheap call proving that a
// dependency the process needs to serve traffic is reachable, such as a
// database or Redis ping. /readyz runs every check concurrently, each under
// its own timeout (zero means [DefaultCheckTimeout]), with a context derived
// from the probe request. A check must honour its context; one that does not
// is reported as timed out and left to finish in the background.
//
// AddCheck may be called at any time, also while Run is running. It panics
// if name is empty or already used, if fn is nil, or if timeout is
// negative.
func (m *Manager) AddCheck(name string, fn func(ctx context.Context) error, timeout time.Duration) {
	switch {
	case name == "":
		panic("shutdown: AddCheck with empty name")
	case fn == nil:
		panic("shutdown: AddCheck " + name + " with nil function")
	case timeout < 0:
		panic("shutdown: AddCheck " + name + " with negative timeout")
	}
	if timeout == 0 {
		timeout = DefaultCheckTimeout
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if slices.ContainsFunc(m.checks, func(c check) bool { return c.name == name }) {
		panic("shutdown: AddCheck: duplicate check name " + name)
	}
	m.checks = append(m.checks, check{name: name, fn: fn, timeout: timeout})
}

// LivezHandler returns the liveness endpoint, usually mounted at /livez.
// It answers 200 with {"status":"ok"} to GET and HEAD as long as the process
// can serve HTTP at all, and checks no dependency: a liveness failure makes
// the orchestrator restart the process, and restarting every replica
// because a shared database is down only adds a restart storm to the
// outage. Dependencies belong to readiness.
func (m *Manager) LivezHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowProbeMethod(w, r) {
			return
		}
		writeJSON(w, http.StatusOK, Readiness{Status: statusOK})
	})
}

// ReadyzHandler returns the readiness endpoint, usually mounted at /readyz.
// It answers GET and HEAD with a JSON [Readiness] body: 200 when every
// component has started and every check (see [Manager.AddCheck]) passes;
// 503 while starting, when any check fails or times out (the body names
// it), and from the moment the stop begins, so that load balancers take
// the process out of rotation during [Options.DrainDelay].
func (m *Manager) ReadyzHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowProbeMethod(w, r) {
			return
		}
		if st := state(m.state.Load()); st != stateReady {
			writeJSON(w, http.StatusServiceUnavailable, Readiness{Status: st.String()})
			return
		}
		m.mu.Lock()
		checks := slices.Clone(m.checks)
		m.mu.Unlock()

		body := Readiness{Status: statusOK, Checks: m.runChecks(r.Context(), checks)}
		for _, c := range body.Checks {
			if c.Status != statusOK {
				body.Status = statusFailing
			}
		}
		// The stop may have begun while the checks ran.
		if st := state(m.state.Load()); st != stateReady {
			body = Readiness{Status: st.String()}
		}
		code := http.StatusOK
		if body.Status != statusOK {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, body)
	})
}

// runChecks runs checks concurrently and waits for each until it returns or
// its timeout passes.
func (m *Manager) runChecks(ctx context.Context, checks []check) []CheckResult {
	type running struct {
		ctx    context.Context
		cancel context.CancelFunc
		result chan error
	}
	runs := make([]running, len(checks))
	for i, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, c.timeout)
		// Buffered, so that a check that outlives its timeout can still
		// deliver its result and end.
		result := make(chan error, 1)
		runs[i] = running{ctx: cctx, cancel: cancel, result: result}
		go func() { result <- runCheck(cctx, c.fn) }()
	}

	results := make([]CheckResult, len(checks))
	for i, c := range checks {
		var err error
		select {
		case err = <-runs[i].result:
		case <-runs[i].ctx.Done():
			err = runs[i].ctx.Err()
		}
		runs[i].cancel()
		res := CheckResult{Name: c.name, Status: statusOK}
		if err != nil {
			res.Status = statusFailing
			if errors.Is(err, context.DeadlineExceeded) {
				res.Status = statusTimeout
			}
			if m.opts.ExposeCheckErrors {
				res.Error = err.Error()
			}
			m.opts.Logger.Warn().Err(err).Str("check", c.name).Str("status", res.Status).
				Msg("readiness check failed")
		}
		results[i] = res
	}
	return results
}

// runCheck calls fn, turning a panic into an error: the check runs in its
// own goroutine, where a panic would otherwise end the process.
func runCheck(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("shutdown: check panicked: %v", p)
		}
	}()
	return fn(ctx)
}

func allowProbeMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusMethodNotAllowed)
	fmt.Fprint(w, `{"type":"about:blank","title":"Method Not Allowed","status":405,`+
		`"detail":"probe endpoints accept GET and HEAD only"}`)
	return false
}

func writeJSON(w http.ResponseWriter, code int, v Readiness) {
	// A Readiness always encodes.
	b, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}
