package dashboard

import (
	"sync"
	"time"

	"github.com/keel-go/keel/queue"
)

// rate is a queue's throughput, in attempts per minute, measured between
// two samples of its Processed and Failed counters.
type rate struct {
	// Known is false until two samples at least the rate interval apart
	// exist, and after the counters went backwards (a restarted broker).
	Known     bool
	Processed float64
	Failed    float64
	// Over is the span the rate was measured over.
	Over time.Duration
}

// rates keeps, per queue, the sample the next rate is measured from and
// the last rate measured.
type rates struct {
	interval time.Duration

	mu    sync.Mutex
	state map[string]rateState
}

type rateState struct {
	at                time.Time
	processed, failed int64
	last              rate
}

func newRates(interval time.Duration) *rates {
	return &rates{interval: interval, state: map[string]rateState{}}
}

// observe records the counters of qs seen at now and returns each
// queue's rate, indexed like qs. A sample replaces the kept one only once
// the interval has passed since it, so the rate always spans at least the
// interval however often the page is loaded. Queues that are gone are
// forgotten.
func (rs *rates) observe(qs []queue.QueueInfo, now time.Time) []rate {
	out := make([]rate, len(qs))
	rs.mu.Lock()
	defer rs.mu.Unlock()
	seen := make(map[string]rateState, len(qs))
	for i, q := range qs {
		st, ok := rs.state[q.Name]
		fresh := rateState{at: now, processed: q.Processed, failed: q.Failed}
		switch {
		case !ok || q.Processed < st.processed || q.Failed < st.failed || now.Before(st.at):
			st = fresh
		case now.Sub(st.at) >= rs.interval && now.Sub(st.at) > 0:
			span := now.Sub(st.at)
			fresh.last = rate{
				Known:     true,
				Processed: float64(q.Processed-st.processed) / span.Minutes(),
				Failed:    float64(q.Failed-st.failed) / span.Minutes(),
				Over:      span,
			}
			st = fresh
		}
		seen[q.Name] = st
		out[i] = st.last
	}
	rs.state = seen
	return out
}
