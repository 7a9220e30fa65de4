package memoryqueue

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
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
// The zero value is not usable; call [New]. A Broker is safe for
// concurrent use and starts no goroutine; Close wakes every waiting Fetch.
type Broker struct {
	opts Options

	mu        sync.Mutex
	closed    bool
	seq       uint64
	leases    uint64 // leases granted, numbering lease tokens
	jobs      map[string]*entry
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

type entry struct {
	job      *queue.Job
	state    queue.State
	at       time.Time // run time (waiting) or lease expiry (leased)
	seq      uint64    // readiness order
	index    int       // position in the time heap holding it, or -1
	ready    bool      // in its queue's ready FIFOs
	readyGen uint32    // generation of its live FIFO slot
	token    string
	finished time.Time
	result   []byte
}

type queueState struct {
	ready     readyQueue
	paused    bool
	counts    map[queue.State]int
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
		jobs:    map[string]*entry{},
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

// Enqueue stores copies of jobs.
func (b *Broker) Enqueue(ctx context.Context, jobs []*queue.Job) error {
	if err := b.lock(ctx); err != nil {
		return err
	}
	defer b.mu.Unlock()
	now := b.opts.Now()
	errs := make([]error, len(jobs))
	woke := false
	for i, src := range jobs {
		if src == nil || src.Type == "" || src.Queue == "" || src.MaxRetries < 0 || src.Priority < queue.PriorityLow || src.Priority > queue.PriorityHigh {
			errs[i] = queue.ErrInvalidJob
			continue
		}
		if src.UniqueKey != "" {
			if until, held := b.unique[uniqueKey(src)]; held && now.Before(until) {
				errs[i] = fmt.Errorf("%w: unique key %q", queue.ErrDuplicate, src.UniqueKey)
				continue
			}
		}
		j := src.Clone()
		if j.ID == "" {
			j.ID = uuid.NewString()
		}
		if _, dup := b.jobs[j.ID]; dup {
			errs[i] = fmt.Errorf("%w: job ID %q exists", queue.ErrDuplicate, j.ID)
			continue
		}
		if j.UniqueKey != "" {
			b.unique[uniqueKey(j)] = now.Add(j.UniqueFor)
		}
		j.EnqueuedAt, j.Attempt = now, 0
		src.ID, src.EnqueuedAt = j.ID, now
		e := &entry{job: j, index: -1}
		b.jobs[j.ID] = e
		if j.RunAt.After(now) {
			b.wait(e, queue.StateScheduled, j.RunAt)
		} else {
			b.makeReady(e)
			woke = true
		}
	}
	if woke {
		b.wake()
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

// take leases up to req.Max ready jobs; b.mu is held.
func (b *Broker) take(req queue.FetchRequest, now time.Time) []*queue.Lease {
	var leases []*queue.Lease
	for _, name := range req.Queues {
		q := b.queues[name]
		if q == nil || q.paused {
			continue
		}
		limit := req.Max - len(leases)
		if m, ok := req.QueueMax[name]; ok && m < limit {
			limit = m
		}
		if leases == nil && limit > 0 && q.ready.Len() > 0 {
			leases = make([]*queue.Lease, 0, min(req.Max, q.ready.Len()))
		}
		for ; limit > 0 && q.ready.Len() > 0; limit-- {
			e := q.ready.pop()
			e.job.Attempt++
			b.leases++
			// A token only has to tell this broker's leases apart.
			e.token = strconv.FormatUint(b.leases, 36)
			b.setState(e, queue.StateActive)
			e.at = now.Add(req.Lease)
			heap.Push(&b.leased, e)
			leases = append(leases, &queue.Lease{Job: e.job.Clone(), Token: e.token, Expires: e.at})
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
	errs := make([]error, len(leases))
	for i, l := range leases {
		e := b.live(l)
		if e == nil {
			errs[i] = queue.ErrLeaseLost
			continue
		}
		e.at = now.Add(d)
		heap.Fix(&b.leased, e.index)
		l.Expires = e.at
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
	errs := make([]error, len(outcomes))
	woke := false
	for i, o := range outcomes {
		e := b.live(o.Lease)
		if e == nil {
			errs[i] = queue.ErrLeaseLost
			continue
		}
		heap.Remove(&b.leased, e.index)
		e.token = ""
		q := b.queue(e.job.Queue)
		switch o.Kind {
		case queue.Done:
			q.processed++
			e.result = append([]byte(nil), o.Result...)
			b.finish(e, queue.StateCompleted, now)
		case queue.Retry:
			q.processed++
			q.failed++
			e.job.LastError = o.Error
			b.wait(e, queue.StateRetry, o.RetryAt)
			if !o.RetryAt.After(now) {
				woke = true
			}
		case queue.Dead:
			q.processed++
			q.failed++
			e.job.LastError = o.Error
			b.finish(e, queue.StateArchived, now)
		case queue.Release:
			e.job.Attempt--
			b.makeReady(e)
			woke = true
		default:
			errs[i] = fmt.Errorf("memoryqueue: unknown outcome %d", o.Kind)
			b.makeReady(e)
		}
	}
	if woke {
		b.advance(now)
		b.wake()
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
		for _, s := range queue.States {
			counts[s] = q.counts[s]
		}
		out = append(out, queue.QueueInfo{Name: name, Paused: q.paused, Counts: counts, Processed: q.processed, Failed: q.failed})
	}
	slices.SortFunc(out, func(a, b queue.QueueInfo) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// List returns a page of the jobs of one queue in one state, in the order
// they entered it.
func (b *Broker) List(ctx context.Context, name string, state queue.State, offset, limit int) ([]queue.JobInfo, error) {
	if err := b.lock(ctx); err != nil {
		return nil, err
	}
	defer b.mu.Unlock()
	b.advance(b.opts.Now())
	var matched []*entry
	for _, e := range b.jobs {
		if e.job.Queue == name && e.state == state {
			matched = append(matched, e)
		}
	}
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
	e := b.jobs[id]
	if e == nil || e.job.Queue != name {
		return queue.JobInfo{}, queue.ErrNotFound
	}
	return info(e), nil
}

// RetryNow makes a scheduled, retrying or archived job pending.
func (b *Broker) RetryNow(ctx context.Context, name, id string) error {
	return b.move(ctx, name, id, func(e *entry) error {
		switch e.state {
		case queue.StateScheduled, queue.StateRetry:
			heap.Remove(&b.waiting, e.index)
		case queue.StateArchived:
			b.archived = removeEntry(b.archived, e)
			e.job.Attempt = 0
		case queue.StateActive:
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
		if e.state == queue.StateActive {
			return queue.ErrActive
		}
		b.detach(e)
		b.queue(e.job.Queue).counts[e.state]--
		delete(b.jobs, e.job.ID)
		return nil
	})
}

// Archive moves a pending, scheduled or retrying job to the archive.
func (b *Broker) Archive(ctx context.Context, name, id string) error {
	return b.move(ctx, name, id, func(e *entry) error {
		switch e.state {
		case queue.StateActive:
			return queue.ErrActive
		case queue.StateArchived, queue.StateCompleted:
			return fmt.Errorf("%w: a %s job cannot be archived", queue.ErrState, e.state)
		}
		b.detach(e)
		b.finish(e, queue.StateArchived, b.opts.Now())
		return nil
	})
}

func (b *Broker) move(ctx context.Context, name, id string, f func(*entry) error) error {
	if err := b.lock(ctx); err != nil {
		return err
	}
	defer b.mu.Unlock()
	b.advance(b.opts.Now())
	e := b.jobs[id]
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
		e := heap.Pop(&b.waiting).(*entry)
		b.makeReady(e)
	}
	for b.leased.Len() > 0 && !b.leased[0].at.After(now) {
		e := heap.Pop(&b.leased).(*entry)
		e.token = ""
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
		old := e.state == queue.StateCompleted && (b.opts.Retention < 0 || now.Sub(e.finished) >= b.opts.Retention)
		if !old && len(list)-drop <= b.opts.MaxFinished {
			break
		}
		b.queue(e.job.Queue).counts[e.state]--
		delete(b.jobs, e.job.ID)
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

func (b *Broker) live(l *queue.Lease) *entry {
	if l == nil || l.Job == nil {
		return nil
	}
	e := b.jobs[l.Job.ID]
	if e == nil || e.state != queue.StateActive || e.token != l.Token {
		return nil
	}
	return e
}

func (b *Broker) queue(name string) *queueState {
	q := b.queues[name]
	if q == nil {
		q = &queueState{counts: map[queue.State]int{}}
		b.queues[name] = q
	}
	return q
}

func (b *Broker) setState(e *entry, s queue.State) {
	q := b.queue(e.job.Queue)
	if e.state != "" {
		q.counts[e.state]--
	}
	e.state = s
	q.counts[s]++
}

func (b *Broker) makeReady(e *entry) {
	b.setState(e, queue.StatePending)
	b.seq++
	e.seq = b.seq
	b.queue(e.job.Queue).ready.push(e)
}

func (b *Broker) wait(e *entry, s queue.State, at time.Time) {
	b.setState(e, s)
	b.seq++
	e.seq = b.seq
	e.at = at
	heap.Push(&b.waiting, e)
	if e.index == 0 {
		// The earliest run time moved: waiting fetches re-arm their timers.
		b.wake()
	}
}

func (b *Broker) finish(e *entry, s queue.State, now time.Time) {
	b.setState(e, s)
	b.seq++
	e.seq = b.seq
	e.finished = now
	if s == queue.StateCompleted {
		b.completed = append(b.completed, e)
	} else {
		b.archived = append(b.archived, e)
	}
}

// detach removes e from whichever structure holds it.
func (b *Broker) detach(e *entry) {
	switch e.state {
	case queue.StatePending:
		b.queue(e.job.Queue).ready.remove(e)
	case queue.StateScheduled, queue.StateRetry:
		heap.Remove(&b.waiting, e.index)
	case queue.StateCompleted:
		b.completed = removeEntry(b.completed, e)
	case queue.StateArchived:
		b.archived = removeEntry(b.archived, e)
	}
}

func (b *Broker) wake() {
	close(b.signal)
	b.signal = make(chan struct{})
}

func info(e *entry) queue.JobInfo {
	ji := queue.JobInfo{Job: e.job.Clone(), State: e.state, FinishedAt: e.finished}
	if e.state == queue.StateScheduled || e.state == queue.StateRetry {
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

// timeHeap orders entries by their time: run time or lease expiry.
type timeHeap []*entry

func (h timeHeap) Len() int { return len(h) }
func (h timeHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timeHeap) Push(x any)   { e := x.(*entry); e.index = len(*h); *h = append(*h, e) }
func (h *timeHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
}
