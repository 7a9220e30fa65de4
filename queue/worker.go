package queue

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// Defaults of [WorkerOptions].
const (
	DefaultConcurrency    = 10
	DefaultLease          = 30 * time.Second
	DefaultJobTimeout     = 30 * time.Minute
	DefaultReleaseTimeout = 5 * time.Second
	maxErrorLen           = 4 << 10
)

// WorkerOptions configures a [Worker]. Every zero field means its default.
type WorkerOptions struct {
	// Queues maps the queues to work on to their weights. Default: the
	// [DefaultQueue] alone.
	Queues map[string]int
	// StrictPriority makes the worker always take from the queue with the
	// highest weight that has a ready job. Without it, each fetch orders
	// the queues at random in proportion to their weights, so that a busy
	// high-priority queue slows a low one without starving it.
	StrictPriority bool
	// Concurrency is how many jobs run at once. Default: 10.
	Concurrency int
	// QueueConcurrency caps how many jobs of one queue run at once; a
	// queue without an entry is capped by Concurrency only.
	QueueConcurrency map[string]int
	// FetchBatch caps how many jobs one fetch leases. Default:
	// Concurrency.
	FetchBatch int
	// Lease is how long a fetched job is the worker's before the broker
	// gives it to another worker. The worker extends the leases of
	// running jobs every Lease/3, so a job may run longer than Lease; a
	// worker that dies loses its jobs' leases within Lease. Default: 30s.
	Lease time.Duration
	// JobTimeout bounds an attempt of a job that sets no Timeout.
	// Default: 30 minutes.
	JobTimeout time.Duration
	// Backoff spaces the retries of failed jobs; [Mux.SetBackoff]
	// overrides it per job type. Default: [DefaultBackoff].
	Backoff BackoffFunc
	// ReleaseTimeout is how long Stop, once its deadline has passed,
	// spends returning unfinished jobs to the broker and waiting for their
	// handlers to return. Default: 5s.
	ReleaseTimeout time.Duration
	// Logger receives the worker's own events, and is the base of each
	// job's logger ([reqctx.Logger] in a handler), which carries the job's
	// ID, type, attempt and originating request ID. Default: disabled.
	Logger zerolog.Logger
	// Now is the clock for retry times. Default: time.Now.
	Now func() time.Time
}

func (o WorkerOptions) withDefaults() WorkerOptions {
	if len(o.Queues) == 0 {
		o.Queues = map[string]int{DefaultQueue: 1}
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.FetchBatch == 0 || (o.Concurrency > 0 && o.FetchBatch > o.Concurrency) {
		o.FetchBatch = o.Concurrency
	}
	if o.Lease == 0 {
		o.Lease = DefaultLease
	}
	if o.JobTimeout == 0 {
		o.JobTimeout = DefaultJobTimeout
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.ReleaseTimeout == 0 {
		o.ReleaseTimeout = DefaultReleaseTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func (o WorkerOptions) validate() error {
	for name, w := range o.Queues {
		if name == "" || w <= 0 {
			return fmt.Errorf("queue: WorkerOptions.Queues[%q] = %d: names must be non-empty and weights positive", name, w)
		}
	}
	for name, n := range o.QueueConcurrency {
		if _, ok := o.Queues[name]; !ok || n <= 0 {
			return fmt.Errorf("queue: WorkerOptions.QueueConcurrency[%q] = %d: must name a worked queue and be positive", name, n)
		}
	}
	switch {
	case o.Concurrency < 0:
		return fmt.Errorf("queue: WorkerOptions.Concurrency %d is negative", o.Concurrency)
	case o.FetchBatch < 0:
		return fmt.Errorf("queue: WorkerOptions.FetchBatch %d is negative", o.FetchBatch)
	case o.Lease < 100*time.Millisecond:
		return fmt.Errorf("queue: WorkerOptions.Lease %v is under 100ms", o.Lease)
	case o.JobTimeout < 0 || o.ReleaseTimeout < 0:
		return fmt.Errorf("queue: WorkerOptions timeouts must not be negative")
	}
	return nil
}

// PanicError is the error of an attempt whose handler panicked. The job is
// retried like any failed attempt; its last error carries the stack.
type PanicError struct {
	Value any
	Stack []byte
}

// Error returns the panic value and the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("queue: handler panicked: %v\n%s", e.Value, e.Stack)
}

// Worker fetches jobs from a [Broker] and runs them through a [Handler],
// usually a [*Mux]. It is a shutdown component: Start begins fetching, and
// Stop stops fetching, lets the running jobs finish until its deadline,
// then returns the unfinished ones to the broker, so that none is lost.
//
// Results are acknowledged in batches: whatever finished while the
// previous acknowledgement was in flight goes in the next one, so an idle
// worker acknowledges at once and a busy one in few round trips.
//
// The zero value is not usable; call [NewWorker]. A Worker runs once:
// after Stop it cannot be started again.
type Worker struct {
	broker  Broker
	handler Handler
	mux     *Mux
	opts    WorkerOptions
	log     zerolog.Logger
	strict  []string // queues by weight, for StrictPriority

	logJobs bool // whether Logger can write at all, so job loggers are worth setting up

	slots    chan struct{}
	outcomes chan Outcome
	work     chan *attempt  // leased jobs for the runners
	runners  sync.WaitGroup // the runner goroutines
	active   sync.WaitGroup // jobs launched and not yet finished

	mu       sync.Mutex
	state    int            // 0 new, 1 running, 2 stopping/stopped
	inflight []*attempt     // running attempts by slot; nil when free
	free     []int          // free indexes of inflight
	perQueue map[string]int // running jobs per queue, kept with QueueConcurrency only
	capped   chan struct{}  // closed and replaced when a capped queue frees a slot

	base        context.Context // parent of job contexts, never cancelled before abandon
	fetchCancel context.CancelFunc
	hbCancel    context.CancelFunc
	fetchDone   chan struct{}
	hbDone      chan struct{}
	ackQuit     chan struct{}
	ackDone     chan struct{}
	done        chan error
}

// attempt is one run of a leased job: its context and the worker's
// bookkeeping. The attempts of one fetch share one allocation.
type attempt struct {
	ctx       jobContext
	lease     *Lease
	slot      int  // index in Worker.inflight
	abandoned bool // settled by someone else: Stop released it, or its lease was lost; guarded by Worker.mu
}

// NewWorker returns a Worker running jobs from b through h. When h is a
// [*Mux], its per-type backoffs apply.
func NewWorker(b Broker, h Handler, opts WorkerOptions) (*Worker, error) {
	if b == nil || h == nil {
		return nil, fmt.Errorf("queue: NewWorker needs a broker and a handler")
	}
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	w := &Worker{
		broker:   b,
		handler:  h,
		opts:     opts,
		log:      opts.Logger.With().Str("component", "queue.worker").Logger(),
		slots:    make(chan struct{}, opts.Concurrency),
		outcomes: make(chan Outcome, opts.Concurrency),
		work:     make(chan *attempt, opts.Concurrency),
		inflight: make([]*attempt, opts.Concurrency),
		free:     make([]int, opts.Concurrency),
		perQueue: make(map[string]int, len(opts.Queues)),
		capped:   make(chan struct{}),
		done:     make(chan error, 1),
	}
	w.mux, _ = h.(*Mux)
	w.logJobs = loggerEnabled(opts.Logger)
	for i := 0; i < opts.Concurrency; i++ {
		w.slots <- struct{}{}
		w.free[i] = opts.Concurrency - 1 - i
	}
	for name := range opts.Queues {
		w.strict = append(w.strict, name)
	}
	slices.SortFunc(w.strict, func(a, b string) int {
		if c := cmp.Compare(opts.Queues[b], opts.Queues[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return w, nil
}

// Start begins fetching and running jobs and returns at once.
func (w *Worker) Start(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state != 0 {
		return ErrClosed
	}
	w.state = 1
	w.base = context.WithoutCancel(ctx)
	var fetchCtx, hbCtx context.Context
	fetchCtx, w.fetchCancel = context.WithCancel(w.base)
	hbCtx, w.hbCancel = context.WithCancel(w.base)
	w.fetchDone, w.hbDone = make(chan struct{}), make(chan struct{})
	w.ackQuit, w.ackDone = make(chan struct{}), make(chan struct{})
	w.runners.Add(w.opts.Concurrency)
	for range w.opts.Concurrency {
		go w.runner()
	}
	go w.fetchLoop(fetchCtx)
	go w.heartbeatLoop(hbCtx)
	go w.ackLoop()
	return nil
}

// Done reports the worker's end when it stops on its own: a broker that
// was closed under it.
func (w *Worker) Done() <-chan error { return w.done }

// Stop stops fetching, waits for running jobs until ctx is done, then
// cancels the ones still running, returns them to the broker and waits up
// to ReleaseTimeout for their handlers. It returns ctx.Err() when the
// deadline cut jobs short, and nil after a clean drain.
func (w *Worker) Stop(ctx context.Context) error {
	w.mu.Lock()
	if w.state != 1 {
		w.mu.Unlock()
		return ErrClosed
	}
	w.state = 2
	w.mu.Unlock()

	w.fetchCancel()
	<-w.fetchDone

	// Nothing launches jobs any more: the runners end once they finish
	// theirs.
	close(w.work)
	drained := make(chan struct{})
	go func() { w.active.Wait(); close(drained) }()
	var result error
	select {
	case <-drained:
	case <-ctx.Done():
		result = ctx.Err()
		w.release()
		t := time.NewTimer(w.opts.ReleaseTimeout)
		select {
		case <-drained:
		case <-t.C:
			w.log.Error().Msg("job handlers still running after shutdown; their jobs were returned to the broker")
		}
		t.Stop()
	}
	w.hbCancel()
	<-w.hbDone
	close(w.ackQuit)
	<-w.ackDone
	close(w.done)
	return result
}

// release cancels every running job and returns its lease to the broker.
func (w *Worker) release() {
	w.mu.Lock()
	outs := make([]Outcome, 0, len(w.inflight))
	for _, a := range w.inflight {
		if a == nil {
			continue
		}
		a.abandoned = true
		a.ctx.cancel(context.Canceled)
		outs = append(outs, Outcome{Lease: a.lease, Kind: Release})
	}
	w.mu.Unlock()
	if len(outs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(w.base, w.opts.ReleaseTimeout)
	defer cancel()
	if err := w.broker.Ack(ctx, outs); err != nil {
		w.log.Error().Err(err).Int("jobs", len(outs)).Msg("returning unfinished jobs to the broker failed; their leases will expire")
		return
	}
	w.log.Warn().Int("jobs", len(outs)).Msg("returned unfinished jobs to the broker at shutdown")
}

func (w *Worker) fetchLoop(ctx context.Context) {
	defer close(w.fetchDone)
	failures := 0
	for {
		select {
		case <-w.slots:
		case <-ctx.Done():
			return
		}
		n := w.takeSlots(1)
		if n < w.opts.FetchBatch {
			// Jobs that are about to finish free their slots if they get
			// to run first: one yield makes a fetch of short jobs fill
			// its batch instead of leasing one job per round trip.
			runtime.Gosched()
			n = w.takeSlots(n)
		}
		req, capped := w.request(n)
		if len(req.Queues) == 0 {
			w.putSlots(n)
			select {
			case <-capped:
				continue
			case <-ctx.Done():
				return
			}
		}
		leases, err := w.fetch(ctx, req, capped)
		w.putSlots(n - len(leases))
		if err != nil && len(leases) == 0 {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, errRecapped) {
				continue
			}
			if errors.Is(err, ErrClosed) {
				w.log.Error().Msg("broker closed; worker stops fetching")
				w.done <- err
				return
			}
			failures++
			d := time.Duration(math.Min(float64(5*time.Second), float64(50*time.Millisecond)*math.Pow(2, float64(failures-1))))
			w.log.Error().Err(err).Dur("retry_in", d).Msg("fetching jobs failed")
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		failures = 0
		w.launch(leases)
	}
}

// errRecapped ends a fetch that left out a queue at its concurrency cap
// when that queue frees a slot, so that the next fetch includes it.
var errRecapped = errors.New("queue: capped queue freed a slot")

// fetch calls the broker. When req leaves out capped queues, the call is
// cut short as soon as one of them frees a slot.
func (w *Worker) fetch(ctx context.Context, req FetchRequest, capped <-chan struct{}) ([]*Lease, error) {
	if capped == nil || len(req.Queues) == len(w.strict) {
		return w.broker.Fetch(ctx, req)
	}
	fctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-capped:
			cancel(errRecapped)
		case <-stop:
		}
	}()
	leases, err := w.broker.Fetch(fctx, req)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(fctx), errRecapped) {
		err = errRecapped
	}
	return leases, err
}

// request builds a fetch for n jobs: the queues in priority order, less
// those at their concurrency cap, with the caps of the rest. When every
// queue is capped it returns no queues and a channel closed when one frees.
func (w *Worker) request(n int) (FetchRequest, <-chan struct{}) {
	req := FetchRequest{Max: n, Lease: w.opts.Lease}
	var order []string
	if w.opts.StrictPriority || len(w.strict) == 1 {
		order = w.strict
	} else {
		order = weightedOrder(w.strict, w.opts.Queues)
	}
	if len(w.opts.QueueConcurrency) == 0 {
		req.Queues = order
		return req, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	req.QueueMax = make(map[string]int, len(w.opts.QueueConcurrency))
	for _, q := range order {
		limit, ok := w.opts.QueueConcurrency[q]
		if !ok {
			req.Queues = append(req.Queues, q)
			continue
		}
		if free := limit - w.perQueue[q]; free > 0 {
			req.Queues = append(req.Queues, q)
			req.QueueMax[q] = free
		}
	}
	return req, w.capped
}

// weightedOrder returns the queues in a random order where each comes
// first with a probability proportional to its weight (Efraimidis and
// Spirakis: sort by u^(1/w)).
func weightedOrder(queues []string, weights map[string]int) []string {
	type keyed struct {
		name string
		key  float64
	}
	ks := make([]keyed, len(queues))
	for i, q := range queues {
		ks[i] = keyed{q, math.Pow(rand.Float64(), 1/float64(weights[q]))}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(b.key, a.key) })
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.name
	}
	return out
}

// takeSlots takes the free slots, up to FetchBatch, without waiting, and
// returns how many the fetch loop holds then, n before.
func (w *Worker) takeSlots(n int) int {
	for n < w.opts.FetchBatch {
		select {
		case <-w.slots:
			n++
		default:
			return n
		}
	}
	return n
}

func (w *Worker) putSlots(n int) {
	for range n {
		w.slots <- struct{}{}
	}
}

// launch hands leased jobs to the runners. The attempts of one fetch are
// allocated together and share one reading of the clock for their start
// and deadline.
func (w *Worker) launch(leases []*Lease) {
	now := time.Now()
	capped := len(w.opts.QueueConcurrency) > 0
	as := make([]attempt, len(leases))
	w.mu.Lock()
	for i, l := range leases {
		job := l.Job
		timeout := job.Timeout
		if timeout <= 0 {
			timeout = w.opts.JobTimeout
		}
		a := &as[i]
		a.lease = l
		a.ctx = jobContext{w: w, job: job, start: now, deadline: now.Add(timeout)}
		a.slot = w.free[len(w.free)-1]
		w.free = w.free[:len(w.free)-1]
		w.inflight[a.slot] = a
		if capped {
			w.perQueue[job.Queue]++
		}
	}
	w.mu.Unlock()
	w.active.Add(len(as))
	for i := range as {
		w.work <- &as[i] // never blocks: the channel holds Concurrency, the slots allow no more
	}
}

// runner runs jobs until Stop closes the work channel. A fixed pool of
// runners, rather than a goroutine per job, keeps short jobs cheap.
func (w *Worker) runner() {
	defer w.runners.Done()
	for a := range w.work {
		w.run(a)
	}
}

func (w *Worker) run(a *attempt) {
	defer w.active.Done()
	l := a.lease
	err := w.call(&a.ctx, l.Job)
	a.ctx.cancel(context.Canceled)
	out := w.decide(l, err)

	w.mu.Lock()
	w.inflight[a.slot] = nil
	w.free = append(w.free, a.slot)
	if len(w.opts.QueueConcurrency) > 0 {
		q := l.Job.Queue
		w.perQueue[q]--
		if _, ok := w.opts.QueueConcurrency[q]; ok {
			close(w.capped)
			w.capped = make(chan struct{})
		}
	}
	abandoned := a.abandoned
	w.mu.Unlock()

	if !abandoned {
		select {
		case w.outcomes <- out:
		case <-w.ackDone:
		}
	}
	w.slots <- struct{}{}
}

func (w *Worker) call(ctx context.Context, job *Job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
			reqctx.Logger(ctx).Error().Err(err).Msg("job handler panicked")
		}
	}()
	return w.handler.ProcessJob(ctx, job)
}

// decide turns an attempt's error into the outcome the broker records.
func (w *Worker) decide(l *Lease, err error) Outcome {
	job := l.Job
	if err == nil {
		return Outcome{Lease: l, Kind: Done}
	}
	msg := err.Error()
	if len(msg) > maxErrorLen {
		msg = msg[:maxErrorLen]
	}
	if errors.Is(err, SkipRetry) || job.Attempt > job.MaxRetries {
		return Outcome{Lease: l, Kind: Dead, Error: msg}
	}
	var delay time.Duration
	if ra, ok := errors.AsType[*RetryAfterError](err); ok {
		delay = ra.Delay
	} else {
		backoff := w.opts.Backoff
		if w.mux != nil {
			if b := w.mux.backoff(job.Type); b != nil {
				backoff = b
			}
		}
		delay = backoff(job.Attempt, err)
	}
	return Outcome{Lease: l, Kind: Retry, RetryAt: w.opts.Now().Add(delay), Error: msg}
}

func (w *Worker) ackLoop() {
	defer close(w.ackDone)
	batch := make([]Outcome, 0, w.opts.Concurrency)
	for {
		select {
		case o := <-w.outcomes:
			batch = append(batch[:0], o)
			if len(w.outcomes) < cap(w.outcomes)-1 {
				// Like the fetch loop: one yield lets the jobs about to
				// finish join this acknowledgement instead of waking this
				// loop one at a time.
				runtime.Gosched()
			}
		drain:
			for len(batch) < cap(batch) {
				select {
				case o := <-w.outcomes:
					batch = append(batch, o)
				default:
					break drain
				}
			}
			w.ack(batch)
		case <-w.ackQuit:
			batch = batch[:0]
			for {
				select {
				case o := <-w.outcomes:
					batch = append(batch, o)
					continue
				default:
				}
				break
			}
			if len(batch) > 0 {
				w.ack(batch)
			}
			return
		}
	}
}

// ack settles a batch, retrying a failed call a few times within the
// lease: a job whose outcome cannot be recorded runs again when its lease
// expires, which is the at-least-once promise.
func (w *Worker) ack(batch []Outcome) {
	for attempt := 0; ; attempt++ {
		ctx := &jobContext{w: w, deadline: time.Now().Add(w.opts.Lease / 3)}
		err := w.broker.Ack(ctx, batch)
		ctx.cancel(context.Canceled)
		if err == nil {
			return
		}
		if be, ok := errors.AsType[*BatchError](err); ok {
			for i, e := range be.Errs {
				if e != nil && i < len(batch) {
					w.log.Warn().Err(e).Str("job_id", batch[i].Lease.Job.ID).
						Str("outcome", batch[i].Kind.String()).Msg("job outcome not recorded")
				}
			}
			return
		}
		if attempt == 3 || errors.Is(err, ErrClosed) {
			w.log.Error().Err(err).Int("jobs", len(batch)).Msg("recording job outcomes failed; the jobs will run again when their leases expire")
			return
		}
		time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
	}
}

func (w *Worker) heartbeatLoop(ctx context.Context) {
	defer close(w.hbDone)
	t := time.NewTicker(w.opts.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		w.mu.Lock()
		leases := make([]*Lease, 0, len(w.inflight))
		atts := make([]*attempt, 0, len(w.inflight))
		for _, a := range w.inflight {
			if a != nil && !a.abandoned {
				leases = append(leases, a.lease)
				atts = append(atts, a)
			}
		}
		w.mu.Unlock()
		if len(leases) == 0 {
			continue
		}
		err := w.broker.Extend(ctx, leases, w.opts.Lease)
		if err == nil {
			continue
		}
		be, ok := errors.AsType[*BatchError](err)
		if !ok {
			w.log.Error().Err(err).Int("jobs", len(leases)).Msg("extending job leases failed")
			continue
		}
		w.mu.Lock()
		for i, e := range be.Errs {
			if e == nil || i >= len(leases) {
				continue
			}
			// The attempt may have finished meanwhile, and its slot been
			// taken by another.
			if a := atts[i]; w.inflight[a.slot] == a && errors.Is(e, ErrLeaseLost) {
				a.abandoned = true
				a.ctx.cancel(context.Canceled)
				w.log.Warn().Str("job_id", leases[i].Job.ID).Msg("job lease lost; cancelling the attempt")
			}
		}
		w.mu.Unlock()
	}
}

// traceID returns the trace ID of a W3C traceparent, or "".
func traceID(tp string) string {
	// version "-" trace-id(32) "-" parent-id(16) "-" flags
	if len(tp) < 55 || tp[2] != '-' || tp[35] != '-' {
		return ""
	}
	return tp[3:35]
}

// jobContext is the context of one attempt: the job for [JobFromContext],
// the job's [reqctx.Data] (request ID, trace ID, start, logger), the
// attempt's deadline, and cancellation by the worker (the attempt ended,
// Stop gave up on it, or its lease was lost). It does what
// reqctx.WithData, context.WithValue and context.WithTimeout would in one
// allocation, and puts off the costly parts until a handler needs them:
// the reqctx node is built at the first Value call, and the deadline timer
// is armed at the first Done call. Most short handlers do neither; Err
// notices a passed deadline without the timer.
//
// With a nil job it is a plain deadline context over the worker's base,
// for the worker's own broker calls.
type jobContext struct {
	w        *Worker
	job      *Job
	start    time.Time
	deadline time.Time

	mu    sync.Mutex
	data  context.Context // the attempt's reqctx node, made by the first Value
	done  chan struct{}   // made by the first Done
	err   error
	timer *time.Timer
}

func (c *jobContext) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *jobContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		c.expire(time.Now())
		if c.err != nil {
			close(c.done)
		} else {
			c.timer = time.AfterFunc(time.Until(c.deadline), func() { c.cancel(context.DeadlineExceeded) })
		}
	}
	return c.done
}

func (c *jobContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && c.expire(time.Now()) && c.done != nil {
		close(c.done)
		c.timer.Stop()
	}
	return c.err
}

// expire records DeadlineExceeded when now is past the deadline and
// reports whether it did; c.mu is held.
func (c *jobContext) expire(now time.Time) bool {
	if c.err == nil && !now.Before(c.deadline) {
		c.err = context.DeadlineExceeded
		return true
	}
	return false
}

func (c *jobContext) Value(key any) any {
	if c.job == nil {
		return c.w.base.Value(key)
	}
	if key == (jobKey{}) {
		return c.job
	}
	return c.node().Value(key)
}

// node returns the attempt's reqctx node, making it at the first call.
func (c *jobContext) node() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data != nil {
		return c.data
	}
	w, job := c.w, c.job
	c.data = reqctx.WithData(w.base, reqctx.Data{
		RequestID: job.Meta[MetaRequestID],
		TraceID:   traceID(job.Meta[MetaTraceParent]),
		Start:     c.start,
	})
	if w.logJobs {
		reqctx.From(c.data).SetLogger(w.opts.Logger, func(zc zerolog.Context, d *reqctx.Data) zerolog.Context {
			zc = zc.Str("job_id", job.ID).Str("job_type", job.Type).Str("queue", job.Queue).Int("attempt", job.Attempt)
			if d.RequestID != "" {
				zc = zc.Str("request_id", d.RequestID)
			}
			return zc
		})
	}
	return c.data
}

func (c *jobContext) String() string { return "queue.jobContext" }

// cancel ends the context with err unless it has ended already.
func (c *jobContext) cancel(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = err
	if c.done != nil {
		close(c.done)
	}
	if c.timer != nil {
		c.timer.Stop()
	}
}

// loggerEnabled reports whether l writes anything at some level: the zero
// Logger, with no writer, does not, and then the worker builds no job
// loggers.
func loggerEnabled(l zerolog.Logger) bool {
	l = l.Sample(nil) // a sampler could drop the probe
	e := l.WithLevel(zerolog.PanicLevel)
	ok := e.Enabled()
	e.Discard()
	return ok
}
