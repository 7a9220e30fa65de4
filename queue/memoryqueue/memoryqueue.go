package memoryqueue

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/keel-go/keel/queue"
)

// Defaults of [Options].
const (
	DefaultRetention   = time.Hour
	DefaultMaxFinished = 10_000
)

// Options configures a [Broker]. Every zero field means its default.
type Options struct {
	// Retention is how long completed jobs are kept for inspection.
	// Default: one hour; negative keeps none.
	Retention time.Duration
	// MaxFinished bounds the completed jobs kept, and separately the
	// archived ones; the oldest go first. Default: 10,000.
	MaxFinished int
	// Now is the broker's clock. Default: time.Now. Fetch waits with the
	// runtime's timers, so tests that move time use testing/synctest.
	Now func() time.Time
}

// Broker is an in-process [queue.Broker] with the semantics of the durable
// brokers except durability: jobs live in memory and die with the process.
// It suits tests and single-process applications. It also implements
// [queue.Inspector], [queue.Pauser] and [queue.TickClaimer].
//
// Enqueue stores a copy of each job, so the caller may reuse or change its
// Jobs afterwards. Fetch does not copy: a lease carries the broker's own
// Job, which the broker never changes once handed out (a later attempt,
// retry or release works on a new copy), so the lease holder must treat it
// as read-only, as [queue.Job] says of every leased job.
//
// The zero value is not usable; call [New]. A Broker is safe for
// concurrent use and starts no goroutine; Close wakes every waiting Fetch.
type Broker struct {
	opts Options

	mu        sync.Mutex
	closed    bool
	seq       uint64
	leases    uint64 // leases granted, numbering lease tokens
	jobs      index
	active    map[uint64]*entry // leased entries by lease number
	queues    map[string]*queueState
	waiting   timeHeap // scheduled and retrying jobs, by run time
	leased    timeHeap // active jobs, by lease expiry
	unique    map[string]time.Time
	sweepAt   int // size of unique at which expired keys are swept
	ticks     map[string]time.Time
	completed []*entry // in finish order, for retention
	archived  []*entry
	signal    chan struct{} // closed and replaced when jobs become ready
}

// entry is the broker's record of a job.
//
// Who owns what: Enqueue copies the caller's Job into the entry (own), so
// that storing a job takes one allocation and the caller keeps its Job. A
// lease hands out job itself rather than a copy, and from then on the
// broker treats that Job as read-only: when it must change a field (the
// next attempt, a retry's error, a release) it changes a fresh copy (see
// writable). So a job that runs once and succeeds is never copied again,
// and a worker holding an old lease never sees a field change under it.
type entry struct {
	job      *queue.Job // the current version: own, or a later copy
	own      queue.Job  // the first version, allocated with the entry
	q        *queueState
	state    state
	shared   bool      // job has been handed out with a lease
	ready    bool      // in its queue's ready FIFOs
	readyGen uint32    // generation of its live FIFO slot
	index    int       // position in the time heap holding it, or -1
	at       time.Time // run time (waiting) or lease expiry (leased)
	seq      uint64    // readiness order
	lease    uint64    // number of its live lease while active, else 0
	hash     uint64    // hash of the job's ID in Broker.jobs
	finished time.Time
	result   []byte
}

// state is a job's [queue.State] as an index, so that counting states
// costs no map access on the hot path.
type state uint8

const (
	stateNone state = iota
	statePending
	stateScheduled
	stateActive
	stateRetry
	stateCompleted
	stateArchived
	numStates
)

// stateNames maps a state to its [queue.State]; [queue.States] lists them
// in the same order.
var stateNames = [numStates]queue.State{
	"", queue.StatePending, queue.StateScheduled, queue.StateActive, queue.StateRetry,
	queue.StateCompleted, queue.StateArchived,
}

func (s state) String() string { return string(stateNames[s]) }

// stateOf returns the state named s, or stateNone for a name it does not
// know.
func stateOf(s queue.State) state {
	for i, n := range stateNames {
		if i > 0 && n == s {
			return state(i)
		}
	}
	return stateNone
}

type queueState struct {
	name      string
	ready     readyQueue
	paused    bool
	counts    [numStates]int
	processed int64
	failed    int64
}

var (
	_ queue.Broker      = (*Broker)(nil)
	_ queue.Inspector   = (*Broker)(nil)
	_ queue.Pauser      = (*Broker)(nil)
	_ queue.TickClaimer = (*Broker)(nil)
)

// New returns an empty Broker.
func New(opts Options) (*Broker, error) {
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.MaxFinished == 0 {
		opts.MaxFinished = DefaultMaxFinished
	}
	if opts.MaxFinished < 0 {
		return nil, fmt.Errorf("memoryqueue: Options.MaxFinished %d is negative", opts.MaxFinished)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Broker{
		opts:    opts,
		jobs:    newIndex(),
		active:  map[uint64]*entry{},
		queues:  map[string]*queueState{},
		unique:  map[string]time.Time{},
		ticks:   map[string]time.Time{},
		signal:  make(chan struct{}),
		sweepAt: 1024,
	}, nil
}

// Close wakes every waiting Fetch and makes later calls return
// [queue.ErrClosed]. The jobs are dropped.
func (b *Broker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.signal)
	}
	return nil
}

// Enqueue stores copies of jobs: a caller's later change to a Job it
// enqueued does not reach the stored job. It sets ID (when empty) and
// EnqueuedAt on the caller's Jobs.
func (b *Broker) Enqueue(ctx context.Context, jobs []*queue.Job) error {
	var errs []error // made at the first failure
	fail := func(i int, err error) {
		if errs == nil {
			errs = make([]error, len(jobs))
		}
		errs[i] = err
	}
	// Check and copy the jobs before taking the lock, so that fetches and
	// acknowledgements wait only for the part that needs it.
	entries := make([]*entry, len(jobs))
	for i, src := range jobs {
		if src == nil || src.Type == "" || src.Queue == "" || src.MaxRetries < 0 || src.Priority < queue.PriorityLow || src.Priority > queue.PriorityHigh {
			fail(i, queue.ErrInvalidJob)
			continue
		}
		e := &entry{index: -1}
		e.job = &e.own
		copyJob(e.job, src)
		if e.job.ID == "" {
			e.job.ID = uuid.NewString()
		}
		e.hash = b.jobs.hash(e.job.ID)
		entries[i] = e
	}

	if err := b.lock(ctx); err != nil {
		return err
	}
	defer b.mu.Unlock()
	now := b.opts.Now()
	woke := false
	var q *queueState
	for i, e := range entries {
		if e == nil {
			continue
		}
		j := e.job
		if j.UniqueKey != "" {
			if until, held := b.unique[uniqueKey(j)]; held && now.Before(until) {
				fail(i, fmt.Errorf("%w: unique key %q", queue.ErrDuplicate, j.UniqueKey))
				continue
			}
		}
		if !b.jobs.add(e) {
			fail(i, fmt.Errorf("%w: job ID %q exists", queue.ErrDuplicate, j.ID))
			continue
		}
		j.EnqueuedAt, j.Attempt = now, 0
		if j.UniqueKey != "" {
			b.unique[uniqueKey(j)] = now.Add(j.UniqueFor)
		}
		jobs[i].ID, jobs[i].EnqueuedAt = j.ID, now
		if q == nil || q.name != j.Queue {
			q = b.queue(j.Queue) // a batch is mostly of one queue
		}
		e.q = q
		if j.RunAt.After(now) {
			b.wait(e, stateScheduled, j.RunAt)
		} else {
			b.makeReady(e)
			woke = true
		}
	}
	if woke {
		b.wake()
	}
	if errs == nil {
		return nil
	}
	return queue.BatchErr(errs)
}

// Fetch leases ready jobs, waiting for one until ctx is done.
func (b *Broker) Fetch(ctx context.Context, req queue.FetchRequest) ([]*queue.Lease, error) {
	if req.Max <= 0 || req.Lease <= 0 {
		return nil, fmt.Errorf("memoryqueue: Fetch needs a positive Max and Lease")
	}
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return nil, queue.ErrClosed
		}
		now := b.opts.Now()
		b.advance(now)
		leases := b.take(req, now)
		if len(leases) > 0 {
			b.mu.Unlock()
			return leases, nil
		}
		signal := b.signal
		var timer *time.Timer
		if next, ok := b.nextEvent(); ok {
			timer = time.NewTimer(next.Sub(now))
		}
		b.mu.Unlock()

		var fired <-chan time.Time
		if timer != nil {
			fired = timer.C
		}
		select {
		case <-signal:
		case <-fired:
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil, ctx.Err()
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// take leases up to req.Max ready jobs; b.mu is held. The leases of one
// queue are allocated together.
func (b *Broker) take(req queue.FetchRequest, now time.Time) []*queue.Lease {
	var leases []*queue.Lease
	expires := now.Add(req.Lease)
	for _, name := range req.Queues {
		q := b.queues[name]
		if q == nil || q.paused {
			continue
		}
		limit := req.Max - len(leases)
		if m, ok := req.QueueMax[name]; ok && m < limit {
			limit = m
		}
		n := min(limit, q.ready.Len())
		if n <= 0 {
			continue
		}
		if leases == nil {
			leases = make([]*queue.Lease, 0, min(req.Max, q.ready.Len()))
		}
		slab := make([]queue.Lease, n)
		for i := range slab {
			e := q.ready.pop()
			j := b.writable(e)
			j.Attempt++
			e.shared = true
			b.leases++
			e.lease = b.leases
			b.active[e.lease] = e
			b.setState(e, stateActive)
			e.at = expires
			b.leased.push(e)
			slab[i] = queue.Lease{Job: j, Token: token(e.lease), Expires: expires}
			leases = append(leases, &slab[i])
		}
		if len(leases) == req.Max {
			break
		}
	}
	return leases
}

// Extend pushes the expiry of live leases.
func (b *Broker) Extend(ctx context.Context, leases []*queue.Lease, d time.Duration) error {
	if err := b.lock(ctx); err != nil {
		return err
	}
	defer b.mu.Unlock()
	now := b.opts.Now()
	b.advance(now)
	var errs []error
	for i, l := range leases {
		e := b.live(l)
		if e == nil {
			if errs == nil {
				errs = make([]error, len(leases))
			}
			errs[i] = queue.ErrLeaseLost
			continue
		}
		e.at = now.Add(d)
		b.leased.fix(e.index)
		l.Expires = e.at
	}
	if errs == nil {
		return nil
	}
	return queue.BatchErr(errs)
}

// Ack settles leases.
func (b *Broker) Ack(ctx context.Context, outcomes []queue.Outcome) error {
	if err := b.lock(ctx); err != nil {
		return err
	}
	defer b.mu.Unlock()
	now := b.opts.Now()
	b.advance(now)
	var errs []error
	fail := func(i int, err error) {
		if errs == nil {
			errs = make([]error, len(outcomes))
		}
		errs[i] = err
	}
	woke := false
	for i, o := range outcomes {
		e := b.live(o.Lease)
		if e == nil {
			fail(i, queue.ErrLeaseLost)
			continue
		}
		b.leased.remove(e.index)
		b.unlease(e)
		q := e.q
		switch o.Kind {
		case queue.Done:
			q.processed++
			if b.opts.Retention < 0 {
				// Nothing keeps a completed job: drop it at once rather
				// than track it until the next sweep.
				q.counts[e.state]--
				b.jobs.remove(e)
				continue
			}
			if o.Result != nil {
				e.result = append([]byte(nil), o.Result...)
			}
			b.finish(e, stateCompleted, now)
		case queue.Retry:
			q.processed++
			q.failed++
			b.writable(e).LastError = o.Error
			b.wait(e, stateRetry, o.RetryAt)
			if !o.RetryAt.After(now) {
				woke = true
			}
		case queue.Dead:
			q.processed++
			q.failed++
			b.writable(e).LastError = o.Error
			b.finish(e, stateArchived, now)
		case queue.Release:
			b.writable(e).Attempt--
			b.makeReady(e)
			woke = true
		default:
			fail(i, fmt.Errorf("memoryqueue: unknown outcome %d", o.Kind))
			b.makeReady(e)
		}
	}
	if woke {
		b.advance(now)
		b.wake()
	}
	if errs == nil {
		return nil
	}
	return queue.BatchErr(errs)
}

// ClaimTick reports true to the first caller for key until ttl passes.
func (b *Broker) ClaimTick(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := b.lock(ctx); err != nil {
		return false, err
	}
	defer b.mu.Unlock()
	now := b.opts.Now()
	if until, ok := b.ticks[key]; ok && now.Before(until) {
		return false, nil
	}
	if len(b.ticks) >= 1024 {
		for k, until := range b.ticks {
			if !now.Before(until) {
				delete(b.ticks, k)
			}
		}
	}
	b.ticks[key] = now.Add(ttl)
	return true, nil
}

// Pause makes Fetch skip the queue until Resume.
func (b *Broker) Pause(ctx context.Context, name string) error { return b.setPaused(ctx, name, true) }

// Resume lets Fetch take from the queue again.
func (b *Broker) Resume(ctx context.Context, name string) error {
	return b.setPaused(ctx, name, false)
}

func (b *Broker) setPaused(ctx context.Context, name string, paused bool) error {
	if err := b.lock(ctx); err != nil {
		return err
	}
	defer b.mu.Unlock()
	b.queue(name).paused = paused
	if !paused {
		b.wake()
	}
	return nil
}

// Queues lists the queues with their counts.
func (b *Broker) Queues(ctx context.Context) ([]queue.QueueInfo, error) {
	if err := b.lock(ctx); err != nil {
		return nil, err
	}
	defer b.mu.Unlock()
	b.advance(b.opts.Now())
	out := make([]queue.QueueInfo, 0, len(b.queues))
	for name, q := range b.queues {
		counts := make(map[queue.State]int, len(queue.States))
		for s := statePending; s < numStates; s++ {
			counts[stateNames[s]] = q.counts[s]
		}
		out = append(out, queue.QueueInfo{Name: name, Paused: q.paused, Counts: counts, Processed: q.processed, Failed: q.failed})
	}
	slices.SortFunc(out, func(a, b queue.QueueInfo) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// List returns a page of the jobs of one queue in one state, in the order
// they entered it.
func (b *Broker) List(ctx context.Context, name string, st queue.State, offset, limit int) ([]queue.JobInfo, error) {
	if err := b.lock(ctx); err != nil {
		return nil, err
	}
	defer b.mu.Unlock()
	b.advance(b.opts.Now())
	s := stateOf(st)
	if s == stateNone {
		return nil, nil
	}
	var matched []*entry
	b.jobs.all(func(e *entry) {
		if e.job.Queue == name && e.state == s {
			matched = append(matched, e)
		}
	})
	slices.SortFunc(matched, func(x, y *entry) int {
		if c := cmp.Compare(x.seq, y.seq); c != 0 {
			return c
		}
		return cmp.Compare(x.job.ID, y.job.ID)
	})
	if offset < 0 {
		offset = 0
	}
	if offset >= len(matched) || limit <= 0 {
		return nil, nil
	}
	matched = matched[offset:min(len(matched), offset+limit)]
	out := make([]queue.JobInfo, len(matched))
	for i, e := range matched {
		out[i] = info(e)
	}
	return out, nil
}

// Job returns one job.
func (b *Broker) Job(ctx context.Context, name, id string) (queue.JobInfo, error) {
	if err := b.lock(ctx); err != nil {
		return queue.JobInfo{}, err
	}
	defer b.mu.Unlock()
	b.advance(b.opts.Now())
	e := b.jobs.get(id)
	if e == nil || e.job.Queue != name {
		return queue.JobInfo{}, queue.ErrNotFound
	}
	return info(e), nil
}

// RetryNow makes a scheduled, retrying or archived job pending.
func (b *Broker) RetryNow(ctx context.Context, name, id string) error {
	return b.move(ctx, name, id, func(e *entry) error {
		switch e.state {
		case stateScheduled, stateRetry:
			b.waiting.remove(e.index)
		case stateArchived:
			b.archived = removeEntry(b.archived, e)
			b.writable(e).Attempt = 0
		case stateActive:
			return queue.ErrActive
		default:
			return fmt.Errorf("%w: a %s job cannot be retried", queue.ErrState, e.state)
		}
		b.makeReady(e)
		b.wake()
		return nil
	})
}

// Delete removes a job that is not active.
func (b *Broker) Delete(ctx context.Context, name, id string) error {
	return b.move(ctx, name, id, func(e *entry) error {
		if e.state == stateActive {
			return queue.ErrActive
		}
		b.detach(e)
		e.q.counts[e.state]--
		b.jobs.remove(e)
		return nil
	})
}

// Archive moves a pending, scheduled or retrying job to the archive.
func (b *Broker) Archive(ctx context.Context, name, id string) error {
	return b.move(ctx, name, id, func(e *entry) error {
		switch e.state {
		case stateActive:
			return queue.ErrActive
		case stateArchived, stateCompleted:
			return fmt.Errorf("%w: a %s job cannot be archived", queue.ErrState, e.state)
		}
		b.detach(e)
		b.finish(e, stateArchived, b.opts.Now())
		return nil
	})
}

func (b *Broker) move(ctx context.Context, name, id string, f func(*entry) error) error {
	if err := b.lock(ctx); err != nil {
		return err
	}
	defer b.mu.Unlock()
	b.advance(b.opts.Now())
	e := b.jobs.get(id)
	if e == nil || e.job.Queue != name {
		return queue.ErrNotFound
	}
	return f(e)
}

// lock takes b.mu for a call, unless ctx is done or the broker closed:
// then it returns the error, not holding the lock.
func (b *Broker) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return queue.ErrClosed
	}
	return nil
}

// advance promotes due jobs, returns expired leases to their queues and
// drops finished jobs past retention; b.mu is held.
func (b *Broker) advance(now time.Time) {
	for b.waiting.Len() > 0 && !b.waiting[0].at.After(now) {
		e := b.waiting.remove(0)
		b.makeReady(e)
	}
	for b.leased.Len() > 0 && !b.leased[0].at.After(now) {
		e := b.leased.remove(0)
		b.unlease(e)
		b.makeReady(e)
	}
	b.completed = b.expire(b.completed, now)
	b.archived = b.expire(b.archived, now)
	if len(b.unique) >= b.sweepAt {
		for k, until := range b.unique {
			if !now.Before(until) {
				delete(b.unique, k)
			}
		}
		b.sweepAt = max(1024, 2*len(b.unique))
	}
}

// expire drops the finished entries of list past retention or beyond
// MaxFinished.
func (b *Broker) expire(list []*entry, now time.Time) []*entry {
	drop := 0
	for drop < len(list) {
		e := list[drop]
		old := e.state == stateCompleted && (b.opts.Retention < 0 || now.Sub(e.finished) >= b.opts.Retention)
		if !old && len(list)-drop <= b.opts.MaxFinished {
			break
		}
		e.q.counts[e.state]--
		b.jobs.remove(e)
		drop++
	}
	if drop == 0 {
		return list
	}
	return slices.Delete(list, 0, drop)
}

// nextEvent returns the earliest time a waiting job becomes due or a lease
// expires.
func (b *Broker) nextEvent() (time.Time, bool) {
	var next time.Time
	ok := false
	if b.waiting.Len() > 0 {
		next, ok = b.waiting[0].at, true
	}
	if b.leased.Len() > 0 && (!ok || b.leased[0].at.Before(next)) {
		next, ok = b.leased[0].at, true
	}
	return next, ok
}

// live returns the entry l leases while the lease is live, or nil.
func (b *Broker) live(l *queue.Lease) *entry {
	if l == nil || l.Job == nil {
		return nil
	}
	n, err := strconv.ParseUint(l.Token, 36, 64)
	if err != nil {
		return nil
	}
	e := b.active[n]
	if e == nil || e.job.ID != l.Job.ID {
		return nil
	}
	return e
}

// writable returns e's job for the broker to change: a copy when the
// current one was handed out with a lease, since its holder may still be
// reading it. The copy shares Payload, Tags and Meta, which nothing
// changes once stored.
func (b *Broker) writable(e *entry) *queue.Job {
	if e.shared {
		j := *e.job
		e.job, e.shared = &j, false
	}
	return e.job
}

// unlease ends e's live lease; b.mu is held.
func (b *Broker) unlease(e *entry) {
	delete(b.active, e.lease)
	e.lease = 0
}

func (b *Broker) queue(name string) *queueState {
	q := b.queues[name]
	if q == nil {
		q = &queueState{name: name}
		b.queues[name] = q
	}
	return q
}

func (b *Broker) setState(e *entry, s state) {
	e.q.counts[e.state]-- // counts[stateNone] absorbs a new entry's
	e.state = s
	e.q.counts[s]++
}

func (b *Broker) makeReady(e *entry) {
	b.setState(e, statePending)
	b.seq++
	e.seq = b.seq
	e.q.ready.push(e)
}

func (b *Broker) wait(e *entry, s state, at time.Time) {
	b.setState(e, s)
	b.seq++
	e.seq = b.seq
	e.at = at
	b.waiting.push(e)
	if e.index == 0 {
		// The earliest run time moved: waiting fetches re-arm their timers.
		b.wake()
	}
}

func (b *Broker) finish(e *entry, s state, now time.Time) {
	b.setState(e, s)
	b.seq++
	e.seq = b.seq
	e.finished = now
	if s == stateCompleted {
		b.completed = append(b.completed, e)
	} else {
		b.archived = append(b.archived, e)
	}
}

// detach removes e from whichever structure holds it.
func (b *Broker) detach(e *entry) {
	switch e.state {
	case statePending:
		e.q.ready.remove(e)
	case stateScheduled, stateRetry:
		b.waiting.remove(e.index)
	case stateCompleted:
		b.completed = removeEntry(b.completed, e)
	case stateArchived:
		b.archived = removeEntry(b.archived, e)
	}
}

func (b *Broker) wake() {
	close(b.signal)
	b.signal = make(chan struct{})
}

func info(e *entry) queue.JobInfo {
	ji := queue.JobInfo{Job: e.job.Clone(), State: stateNames[e.state], FinishedAt: e.finished}
	if e.state == stateScheduled || e.state == stateRetry {
		ji.NextRunAt = e.at
	}
	if e.result != nil {
		ji.Result = append([]byte(nil), e.result...)
	}
	return ji
}

func removeEntry(list []*entry, e *entry) []*entry {
	if i := slices.Index(list, e); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// copyJob copies src into dst, sharing no slice or map with it, so that
// neither side's later changes reach the other.
func copyJob(dst, src *queue.Job) {
	*dst = *src
	if src.Payload != nil {
		dst.Payload = append([]byte(nil), src.Payload...)
	}
	if src.Tags != nil {
		dst.Tags = append([]string(nil), src.Tags...)
	}
	if src.Meta != nil {
		dst.Meta = maps.Clone(src.Meta)
	}
}

// token names lease number n; live parses it back.
func token(n uint64) string { return strconv.FormatUint(n, 36) }

// uniqueKey scopes a job's unique key to its queue, as the Redis broker
// must (a queue's keys share one hash slot).
func uniqueKey(j *queue.Job) string { return j.Queue + "\x00" + j.UniqueKey }

// readyQueue holds a queue's ready jobs: one FIFO per priority, the
// priorities kept sorted highest first, so that taking the next job is
// O(1) however long the queue. Removal from the middle (inspection) marks
// the entry and the FIFO skips it.
type readyQueue struct {
	levels []int // priorities present, descending
	fifos  map[int]*fifo
	n      int
}

type fifo struct {
	items []slot
	head  int
}

// slot is a FIFO position: it is live while its entry is still in the
// ready queue under the same generation (an entry removed and pushed again
// leaves a stale slot behind).
type slot struct {
	e   *entry
	gen uint32
}

func (r *readyQueue) Len() int { return r.n }

func (r *readyQueue) push(e *entry) {
	p := e.job.Priority
	f := r.fifos[p]
	if f == nil {
		if r.fifos == nil {
			r.fifos = map[int]*fifo{}
		}
		f = &fifo{}
		r.fifos[p] = f
		i, _ := slices.BinarySearchFunc(r.levels, p, func(a, b int) int { return cmp.Compare(b, a) })
		r.levels = slices.Insert(r.levels, i, p)
	}
	e.readyGen++
	e.ready = true
	f.items = append(f.items, slot{e, e.readyGen})
	r.n++
}

// pop returns the next live entry, or nil.
func (r *readyQueue) pop() *entry {
	for _, p := range r.levels {
		f := r.fifos[p]
		for f.head < len(f.items) {
			sl := f.items[f.head]
			f.items[f.head] = slot{}
			f.head++
			if f.head == len(f.items) {
				f.items, f.head = f.items[:0], 0
			} else if f.head > 1024 && f.head*2 > len(f.items) {
				f.items = append(f.items[:0], f.items[f.head:]...)
				f.head = 0
			}
			if e := sl.e; e.ready && e.readyGen == sl.gen {
				e.ready = false
				r.n--
				return e
			}
		}
	}
	return nil
}

// remove takes e out of the queue lazily.
func (r *readyQueue) remove(e *entry) {
	if e.ready {
		e.ready = false
		r.n--
	}
}

// timeHeap orders entries by their time (run time or lease expiry), then
// by seq. It keeps each entry's position in entry.index. It is written
// out rather than built on container/heap, whose calls through an
// interface cost more than the comparisons on the hot path.
type timeHeap []*entry

func (h timeHeap) Len() int { return len(h) }

func (h timeHeap) less(i, j int) bool {
	if c := h[i].at.Compare(h[j].at); c != 0 {
		return c < 0
	}
	return h[i].seq < h[j].seq
}

func (h timeHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timeHeap) push(e *entry) {
	e.index = len(*h)
	*h = append(*h, e)
	h.up(e.index)
}

// remove takes out and returns the entry at position i.
func (h *timeHeap) remove(i int) *entry {
	old := *h
	n := len(old) - 1
	e := old[i]
	if i != n {
		old.swap(i, n)
	}
	old[n] = nil
	*h = old[:n]
	if i != n && !h.down(i) {
		h.up(i)
	}
	e.index = -1
	return e
}

// fix restores the order after the time of the entry at i changed.
func (h timeHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h timeHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

// down moves the entry at i towards the leaves and reports whether it
// moved.
func (h timeHeap) down(i int) bool {
	start := i
	for {
		child := 2*i + 1
		if child >= len(h) {
			break
		}
		if r := child + 1; r < len(h) && h.less(r, child) {
			child = r
		}
		if !h.less(child, i) {
			break
		}
		h.swap(i, child)
		i = child
	}
	return i > start
}
