// Package queuetest is the conformance suite every [queue.Broker] runs:
// the in-memory broker always, the Redis broker when a server is set.
//
//	func TestConformance(t *testing.T) {
//		queuetest.Run(t, func(t *testing.T) queue.Broker {
//			b, _ := memoryqueue.New(memoryqueue.Options{})
//			t.Cleanup(func() { b.Close() })
//			return b
//		}, queuetest.Options{})
//	}
//
// The suite runs in real time, since a networked broker cannot follow a
// fake clock: the waits it checks are short (up to a couple of seconds,
// with margins for a loaded CI machine) and it polls under generous
// deadlines rather than sleeping.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/queue"
)

// Options adapts the suite to a broker.
type Options struct {
	// Queue prefixes the queue names the suite uses, so that runs sharing
	// a server stay apart. Default: "qt".
	Queue string
}

// Run runs the suite. newBroker returns a fresh broker for each subtest;
// it registers its own cleanup.
func Run(t *testing.T, newBroker func(t *testing.T) queue.Broker, opts Options) {
	if opts.Queue == "" {
		opts.Queue = "qt"
	}
	s := &suite{newBroker: newBroker, prefix: opts.Queue}
	tests := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"RoundTrip", s.roundTrip},
		{"PriorityWithinQueue", s.priorityWithinQueue},
		{"QueueOrderAndCaps", s.queueOrderAndCaps},
		{"FetchWaitsAndWakes", s.fetchWaitsAndWakes},
		{"FetchHonoursContext", s.fetchHonoursContext},
		{"Delayed", s.delayed},
		{"LeaseExpiry", s.leaseExpiry},
		{"Extend", s.extend},
		{"AckOutcomes", s.ackOutcomes},
		{"StaleLease", s.staleLease},
		{"Unique", s.unique},
		{"BatchErrors", s.batchErrors},
		{"ConcurrentFetchers", s.concurrentFetchers},
		{"Pause", s.pause},
		{"Inspector", s.inspector},
		{"TickClaim", s.tickClaim},
		{"Closed", s.closed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t)
		})
	}
}

type suite struct {
	newBroker func(t *testing.T) queue.Broker
	prefix    string
}

func (s *suite) q(t *testing.T, name string) string {
	return fmt.Sprintf("%s-%s-%s", s.prefix, t.Name(), name)
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func job(q, typ string, payload string) *queue.Job {
	return &queue.Job{Type: typ, Queue: q, Payload: []byte(payload), MaxRetries: 3}
}

func enqueue(t *testing.T, b queue.Broker, jobs ...*queue.Job) {
	t.Helper()
	if err := b.Enqueue(ctxFor(t, 5*time.Second), jobs); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
}

func fetch(t *testing.T, b queue.Broker, queues []string, max int, lease time.Duration) []*queue.Lease {
	t.Helper()
	ls, err := b.Fetch(ctxFor(t, 5*time.Second), queue.FetchRequest{Queues: queues, Max: max, Lease: lease})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return ls
}

// fetchNone checks that nothing is ready within d.
func fetchNone(t *testing.T, b queue.Broker, queues []string, d time.Duration) {
	t.Helper()
	ls, err := b.Fetch(ctxFor(t, d), queue.FetchRequest{Queues: queues, Max: 10, Lease: time.Minute})
	if len(ls) != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Fetch = %d leases, %v; want none and a deadline error", len(ls), err)
	}
}

func payloads(ls []*queue.Lease) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(l.Job.Payload)
	}
	return out
}

func ack(t *testing.T, b queue.Broker, outs ...queue.Outcome) {
	t.Helper()
	if err := b.Ack(ctxFor(t, 5*time.Second), outs); err != nil {
		t.Fatalf("Ack: %v", err)
	}
}

func (s *suite) roundTrip(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	in := &queue.Job{
		ID: "job-1", Type: "email.send", Queue: q, Payload: []byte(`{"to":"a@example.com"}`),
		Priority: queue.PriorityHigh, MaxRetries: 7, Timeout: 3 * time.Second,
		Tags: []string{"x", "y"}, Meta: map[string]string{queue.MetaRequestID: "req-1"},
	}
	enqueue(t, b, in)
	if in.EnqueuedAt.IsZero() {
		t.Errorf("EnqueuedAt not set on the enqueued job")
	}
	ls := fetch(t, b, []string{q}, 10, time.Minute)
	if len(ls) != 1 {
		t.Fatalf("Fetch = %d leases, want 1", len(ls))
	}
	got := ls[0].Job
	if got.ID != in.ID || got.Type != in.Type || got.Queue != q || string(got.Payload) != string(in.Payload) ||
		got.Priority != in.Priority || got.MaxRetries != 7 || got.Timeout != 3*time.Second ||
		!slices.Equal(got.Tags, in.Tags) || got.Meta[queue.MetaRequestID] != "req-1" {
		t.Errorf("fetched job = %+v, want the fields of %+v", got, in)
	}
	if got.Attempt != 1 {
		t.Errorf("Attempt = %d, want 1", got.Attempt)
	}
	if ls[0].Token == "" || !ls[0].Expires.After(time.Now()) {
		t.Errorf("lease token %q, expires %v: want a token and a future expiry", ls[0].Token, ls[0].Expires)
	}
	ack(t, b, queue.Outcome{Lease: ls[0], Kind: queue.Done})
	fetchNone(t, b, []string{q}, 200*time.Millisecond)
}

func (s *suite) priorityWithinQueue(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	lo, n1, hi, n2 := job(q, "t", "low"), job(q, "t", "n1"), job(q, "t", "high"), job(q, "t", "n2")
	lo.Priority, hi.Priority = queue.PriorityLow, queue.PriorityHigh
	enqueue(t, b, lo, n1, hi, n2)
	ls := fetch(t, b, []string{q}, 10, time.Minute)
	if got, want := payloads(ls), []string{"high", "n1", "n2", "low"}; !slices.Equal(got, want) {
		t.Errorf("fetch order = %v, want %v", got, want)
	}
}

func (s *suite) queueOrderAndCaps(t *testing.T) {
	b := s.newBroker(t)
	qa, qb := s.q(t, "a"), s.q(t, "b")
	enqueue(t, b, job(qa, "t", "a1"), job(qa, "t", "a2"), job(qa, "t", "a3"), job(qb, "t", "b1"), job(qb, "t", "b2"))
	ls, err := b.Fetch(ctxFor(t, 5*time.Second), queue.FetchRequest{
		Queues: []string{qb, qa}, Max: 4, Lease: time.Minute, QueueMax: map[string]int{qb: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := payloads(ls), []string{"b1", "a1", "a2", "a3"}; !slices.Equal(got, want) {
		t.Errorf("fetch = %v, want %v (queue order, b capped at 1, Max 4)", got, want)
	}
}

func (s *suite) fetchWaitsAndWakes(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	got := make(chan []*queue.Lease, 1)
	errc := make(chan error, 1)
	go func() {
		ls, err := b.Fetch(ctxFor(t, 10*time.Second), queue.FetchRequest{Queues: []string{q}, Max: 5, Lease: time.Minute})
		got <- ls
		errc <- err
	}()
	// Give the fetch time to start waiting; the check below is that it
	// wakes quickly, whether or not it was already waiting.
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	enqueue(t, b, job(q, "t", "x"))
	ls := <-got
	if err := <-errc; err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(ls) != 1 {
		t.Fatalf("Fetch = %d leases, want 1", len(ls))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a waiting Fetch took %v to see a new job; want it woken, not polling", d)
	}
}

func (s *suite) fetchHonoursContext(t *testing.T) {
	b := s.newBroker(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := b.Fetch(ctx, queue.FetchRequest{Queues: []string{s.q(t, "a")}, Max: 1, Lease: time.Minute})
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Fetch after cancel = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Fetch did not return after its context was cancelled")
	}
}

func (s *suite) delayed(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	j := job(q, "t", "later")
	j.RunAt = time.Now().Add(1500 * time.Millisecond)
	enqueue(t, b, j)
	fetchNone(t, b, []string{q}, 100*time.Millisecond)
	ls := fetch(t, b, []string{q}, 1, time.Minute) // waits until RunAt
	if len(ls) != 1 || string(ls[0].Job.Payload) != "later" {
		t.Fatalf("Fetch = %v, want the delayed job", payloads(ls))
	}
	if early := time.Until(j.RunAt); early > 20*time.Millisecond {
		t.Errorf("delayed job leased %v before its run time", early)
	}
}

func (s *suite) leaseExpiry(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	enqueue(t, b, job(q, "t", "x"))
	first := fetch(t, b, []string{q}, 1, 300*time.Millisecond)
	if len(first) != 1 {
		t.Fatalf("Fetch = %d leases, want 1", len(first))
	}
	// The lease holder "dies": the job comes back once the lease expires.
	again := fetch(t, b, []string{q}, 1, time.Minute)
	if len(again) != 1 || again[0].Job.ID != first[0].Job.ID {
		t.Fatalf("after expiry Fetch = %v, want the same job again", payloads(again))
	}
	if again[0].Job.Attempt != 2 {
		t.Errorf("Attempt after a lost lease = %d, want 2", again[0].Job.Attempt)
	}
	if time.Now().Before(first[0].Expires.Add(-20 * time.Millisecond)) {
		t.Errorf("job re-leased before its first lease expired")
	}
	err := b.Ack(ctxFor(t, 5*time.Second), []queue.Outcome{{Lease: first[0], Kind: queue.Done}})
	if !errors.Is(err, queue.ErrLeaseLost) {
		t.Errorf("Ack of the expired lease = %v, want ErrLeaseLost", err)
	}
	ack(t, b, queue.Outcome{Lease: again[0], Kind: queue.Done})
}

func (s *suite) extend(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	enqueue(t, b, job(q, "t", "x"))
	ls := fetch(t, b, []string{q}, 1, 2*time.Second)
	deadline := time.Now().Add(1200 * time.Millisecond)
	for time.Now().Before(deadline) {
		if err := b.Extend(ctxFor(t, 5*time.Second), ls, 2*time.Second); err != nil {
			t.Fatalf("Extend: %v", err)
		}
		if !ls[0].Expires.After(time.Now()) {
			t.Fatalf("Extend left Expires %v in the past", ls[0].Expires)
		}
		fetchNone(t, b, []string{q}, 100*time.Millisecond)
	}
	ack(t, b, queue.Outcome{Lease: ls[0], Kind: queue.Done})
}

func (s *suite) ackOutcomes(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	enqueue(t, b, job(q, "t", "retry"), job(q, "t", "dead"), job(q, "t", "release"))
	ls := fetch(t, b, []string{q}, 3, time.Minute)
	if len(ls) != 3 {
		t.Fatalf("Fetch = %d, want 3", len(ls))
	}
	ack(t, b,
		queue.Outcome{Lease: ls[0], Kind: queue.Retry, RetryAt: time.Now().Add(1500 * time.Millisecond), Error: "boom"},
		queue.Outcome{Lease: ls[1], Kind: queue.Dead, Error: "fatal"},
		queue.Outcome{Lease: ls[2], Kind: queue.Release},
	)
	// The released job is ready at once, with its attempt not counted.
	rel := fetch(t, b, []string{q}, 10, time.Minute)
	if got := payloads(rel); !slices.Equal(got, []string{"release"}) {
		t.Fatalf("after Ack, Fetch = %v, want only the released job", got)
	}
	if rel[0].Job.Attempt != 1 {
		t.Errorf("released job's Attempt = %d, want 1 (a release is not an attempt)", rel[0].Job.Attempt)
	}
	// The retried job comes back at RetryAt with its error and attempt.
	ret := fetch(t, b, []string{q}, 10, time.Minute)
	if got := payloads(ret); !slices.Equal(got, []string{"retry"}) {
		t.Fatalf("Fetch = %v, want the retried job", got)
	}
	if ret[0].Job.Attempt != 2 || ret[0].Job.LastError != "boom" {
		t.Errorf("retried job Attempt %d, LastError %q; want 2, boom", ret[0].Job.Attempt, ret[0].Job.LastError)
	}
	ack(t, b, queue.Outcome{Lease: rel[0], Kind: queue.Done}, queue.Outcome{Lease: ret[0], Kind: queue.Done, Result: []byte("ok")})
	if in, ok := b.(queue.Inspector); ok {
		infos, err := in.List(ctxFor(t, 5*time.Second), q, queue.StateArchived, 0, 10)
		if err != nil || len(infos) != 1 || infos[0].Job.LastError != "fatal" {
			t.Errorf("archived = %+v, %v; want the dead job with its error", infos, err)
		}
		done, err := in.Job(ctxFor(t, 5*time.Second), q, ret[0].Job.ID)
		if err != nil || done.State != queue.StateCompleted || string(done.Result) != "ok" {
			t.Errorf("completed job = %+v, %v; want completed with its result", done, err)
		}
	}
}

func (s *suite) staleLease(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	enqueue(t, b, job(q, "t", "x"))
	ls := fetch(t, b, []string{q}, 1, time.Minute)
	forged := &queue.Lease{Job: ls[0].Job, Token: "not-the-token"}
	err := b.Ack(ctxFor(t, 5*time.Second), []queue.Outcome{{Lease: forged, Kind: queue.Done}})
	var be *queue.BatchError
	if !errors.As(err, &be) || len(be.Errs) != 1 || !errors.Is(be.Errs[0], queue.ErrLeaseLost) {
		t.Errorf("Ack with a wrong token = %v, want a BatchError with ErrLeaseLost", err)
	}
	ack(t, b, queue.Outcome{Lease: ls[0], Kind: queue.Done})
	err = b.Ack(ctxFor(t, 5*time.Second), []queue.Outcome{{Lease: ls[0], Kind: queue.Done}})
	if !errors.Is(err, queue.ErrLeaseLost) {
		t.Errorf("second Ack of one lease = %v, want ErrLeaseLost", err)
	}
	if err := b.Extend(ctxFor(t, 5*time.Second), ls, time.Minute); !errors.Is(err, queue.ErrLeaseLost) {
		t.Errorf("Extend of a settled lease = %v, want ErrLeaseLost", err)
	}
}

func (s *suite) unique(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	key := s.q(t, "key")
	first := job(q, "t", "1")
	first.UniqueKey, first.UniqueFor = key, 1500*time.Millisecond
	enqueue(t, b, first)
	dup := job(q, "t", "2")
	dup.UniqueKey, dup.UniqueFor = key, 1500*time.Millisecond
	if err := b.Enqueue(ctxFor(t, 5*time.Second), []*queue.Job{dup}); !errors.Is(err, queue.ErrDuplicate) {
		t.Fatalf("second Enqueue with the key = %v, want ErrDuplicate", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		again := job(q, "t", "3")
		again.UniqueKey, again.UniqueFor = key, time.Minute
		err := b.Enqueue(ctxFor(t, 5*time.Second), []*queue.Job{again})
		if err == nil {
			break
		}
		if !errors.Is(err, queue.ErrDuplicate) || time.Now().After(deadline) {
			t.Fatalf("Enqueue after the window = %v, want success once the window passed", err)
		}
		time.Sleep(20 * time.Millisecond) // polling the window's end
	}
}

func (s *suite) batchErrors(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	key := s.q(t, "key")
	a, c := job(q, "t", "a"), job(q, "t", "c")
	a.UniqueKey, a.UniqueFor = key, time.Minute
	c.UniqueKey, c.UniqueFor = key, time.Minute
	err := b.Enqueue(ctxFor(t, 5*time.Second), []*queue.Job{a, job(q, "t", "b"), c})
	var be *queue.BatchError
	if !errors.As(err, &be) || len(be.Errs) != 3 || be.Errs[0] != nil || be.Errs[1] != nil || !errors.Is(be.Errs[2], queue.ErrDuplicate) {
		t.Fatalf("Enqueue = %v, want a BatchError failing only the third job", err)
	}
	if got := payloads(fetch(t, b, []string{q}, 10, time.Minute)); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("stored = %v, want [a b]", got)
	}
}

func (s *suite) concurrentFetchers(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	const n = 300
	jobs := make([]*queue.Job, n)
	for i := range jobs {
		jobs[i] = job(q, "t", fmt.Sprint(i))
	}
	enqueue(t, b, jobs...)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				ls, err := b.Fetch(ctx, queue.FetchRequest{Queues: []string{q}, Max: 7, Lease: time.Minute})
				cancel()
				if err != nil {
					return
				}
				outs := make([]queue.Outcome, len(ls))
				mu.Lock()
				for i, l := range ls {
					seen[l.Job.ID]++
					outs[i] = queue.Outcome{Lease: l, Kind: queue.Done}
				}
				mu.Unlock()
				if err := b.Ack(context.Background(), outs); err != nil {
					t.Errorf("Ack: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d distinct jobs fetched, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("job %s leased %d times, want once", id, c)
		}
	}
}

func (s *suite) pause(t *testing.T) {
	b := s.newBroker(t)
	p, ok := b.(queue.Pauser)
	if !ok {
		t.Skip("broker does not implement queue.Pauser")
	}
	q := s.q(t, "a")
	if err := p.Pause(ctxFor(t, 5*time.Second), q); err != nil {
		t.Fatal(err)
	}
	enqueue(t, b, job(q, "t", "x"))
	fetchNone(t, b, []string{q}, 200*time.Millisecond)
	if err := p.Resume(ctxFor(t, 5*time.Second), q); err != nil {
		t.Fatal(err)
	}
	if ls := fetch(t, b, []string{q}, 1, time.Minute); len(ls) != 1 {
		t.Errorf("after Resume Fetch = %d, want 1", len(ls))
	}
}

func (s *suite) inspector(t *testing.T) {
	b := s.newBroker(t)
	in, ok := b.(queue.Inspector)
	if !ok {
		t.Skip("broker does not implement queue.Inspector")
	}
	ctx := ctxFor(t, 10*time.Second)
	q := s.q(t, "a")
	later := job(q, "t", "later")
	later.RunAt = time.Now().Add(time.Hour)
	enqueue(t, b, job(q, "t", "p1"), job(q, "t", "p2"), later, job(q, "t", "dead"))
	ls := fetch(t, b, []string{q}, 1, time.Minute) // p1 active
	counts := func() map[queue.State]int {
		t.Helper()
		qs, err := in.Queues(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, qi := range qs {
			if qi.Name == q {
				return qi.Counts
			}
		}
		t.Fatalf("Queues did not list %s", q)
		return nil
	}
	if c := counts(); c[queue.StatePending] != 2 || c[queue.StateActive] != 1 || c[queue.StateScheduled] != 1 {
		t.Errorf("counts = %v, want 2 pending, 1 active, 1 scheduled", c)
	}
	pending, err := in.List(ctx, q, queue.StatePending, 0, 10)
	if err != nil || len(pending) != 2 || string(pending[0].Job.Payload) != "p2" {
		t.Fatalf("List pending = %v, %v; want p2 then dead", pending, err)
	}
	deadID := pending[1].Job.ID
	if err := in.Archive(ctx, q, deadID); err != nil {
		t.Fatalf("Archive: %v", err)
	}
	if err := in.Delete(ctx, q, ls[0].Job.ID); !errors.Is(err, queue.ErrActive) {
		t.Errorf("Delete of an active job = %v, want ErrActive", err)
	}
	if err := in.RetryNow(ctx, q, pending[0].Job.ID); !errors.Is(err, queue.ErrState) {
		t.Errorf("RetryNow of a pending job = %v, want ErrState", err)
	}
	if err := in.RetryNow(ctx, q, later.ID); err != nil {
		t.Fatalf("RetryNow of a scheduled job: %v", err)
	}
	if err := in.RetryNow(ctx, q, deadID); err != nil {
		t.Fatalf("RetryNow of an archived job: %v", err)
	}
	if c := counts(); c[queue.StatePending] != 3 || c[queue.StateScheduled] != 0 || c[queue.StateArchived] != 0 {
		t.Errorf("counts after RetryNow = %v, want 3 pending", c)
	}
	if err := in.Delete(ctx, q, later.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := in.Job(ctx, q, later.ID); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("Job after Delete = %v, want ErrNotFound", err)
	}
	if _, err := in.Job(ctx, q, "no-such-job"); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("Job(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := in.Job(ctx, s.q(t, "other"), pending[0].Job.ID); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("Job in the wrong queue = %v, want ErrNotFound", err)
	}
	got := payloads(fetch(t, b, []string{q}, 10, time.Minute))
	slices.Sort(got)
	if want := []string{"dead", "p2"}; !slices.Equal(got, want) {
		t.Errorf("remaining jobs = %v, want %v", got, want)
	}
}

func (s *suite) tickClaim(t *testing.T) {
	b := s.newBroker(t)
	c, ok := b.(queue.TickClaimer)
	if !ok {
		t.Skip("broker does not implement queue.TickClaimer")
	}
	key := s.q(t, "tick")
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := c.ClaimTick(context.Background(), key, time.Minute)
			if err != nil {
				t.Errorf("ClaimTick: %v", err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of 10 concurrent claims won, want exactly 1", won)
	}
}

func (s *suite) closed(t *testing.T) {
	b := s.newBroker(t)
	q := s.q(t, "a")
	waiting := make(chan error, 1)
	go func() {
		_, err := b.Fetch(ctxFor(t, 10*time.Second), queue.FetchRequest{Queues: []string{q}, Max: 1, Lease: time.Minute})
		waiting <- err
	}()
	time.Sleep(20 * time.Millisecond) // let the fetch start waiting, if it can
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-waiting:
		if !errors.Is(err, queue.ErrClosed) && !errors.Is(err, context.Canceled) {
			t.Errorf("a Fetch waiting at Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake a waiting Fetch")
	}
	if err := b.Enqueue(context.Background(), []*queue.Job{job(q, "t", "x")}); !errors.Is(err, queue.ErrClosed) {
		t.Errorf("Enqueue after Close = %v, want ErrClosed", err)
	}
	if _, err := b.Fetch(context.Background(), queue.FetchRequest{Queues: []string{q}, Max: 1, Lease: time.Minute}); !errors.Is(err, queue.ErrClosed) {
		t.Errorf("Fetch after Close = %v, want ErrClosed", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}
