package queue

import (
	"context"
	"strconv"
	"time"

	"github.com/keel-go/keel/errors"
)

// Sentinel errors of the queue contract. Callers compare with [errors.Is].
var (
	// ErrClosed is returned by a [Broker], [Client] or [Worker] used after
	// its Close or Stop.
	ErrClosed = errors.New("queue: closed")
	// ErrDuplicate is returned (inside a [*BatchError] for batches) for a
	// job whose unique key is still held by an earlier job.
	ErrDuplicate = errors.New("queue: duplicate job")
	// ErrLeaseLost is returned by [Broker.Ack] and [Broker.Extend] for a
	// lease that expired (and whose job may have been leased again) or that
	// was already settled.
	ErrLeaseLost = errors.New("queue: lease lost")
	// ErrNotFound is returned by inspection calls for a job ID the broker
	// does not hold.
	ErrNotFound = errors.New("queue: job not found")
	// ErrInvalidJob is returned by Enqueue for a job without a type or
	// queue name, or with a negative retry count.
	ErrInvalidJob = errors.New("queue: invalid job")
)

// Broker stores jobs and leases them to workers. It is the contract that
// [github.com/keel-go/keel/queue/memoryqueue] and
// [github.com/keel-go/keel/queue/redisqueue] implement and that
// [github.com/keel-go/keel/queue/queuetest] checks.
//
// Every call takes a batch so that a networked broker can serve it in one
// round trip; a worker fetches and acknowledges many jobs at once.
//
// The contract for implementers:
//
//   - Enqueue stores each job, assigning EnqueuedAt (and ID when empty).
//     A job whose RunAt is in the future becomes ready at RunAt. A job
//     whose UniqueKey is held by an earlier job (within that job's
//     UniqueFor window) is refused with [ErrDuplicate]; the others in the
//     batch are stored. When only some jobs fail the error is a
//     [*BatchError] indexed like jobs.
//   - Fetch leases up to req.Max ready jobs, taking from the queues in the
//     order req.Queues gives (the caller's priority) and at most
//     req.QueueMax[name] from a queue that has an entry there, skipping
//     paused queues; within one queue, a higher [Job.Priority] comes first,
//     then the job that became ready first. It blocks until at least one job is ready or ctx
//     is done, and returns ctx.Err() only when it leased nothing. Each
//     lease increments the job's Attempt and expires after req.Lease unless extended; an expired lease returns its job to ready,
//     so that a worker that died does not lose it.
//   - Extend pushes the expiry of live leases; Ack settles them with an
//     [Outcome]. Both refuse, per lease, one that is no longer live with
//     [ErrLeaseLost] (in a [*BatchError]), and settle the others.
//   - Every call is safe for concurrent use; Close stops every goroutine the
//     broker started and makes later calls return [ErrClosed]; it does not
//     close a client the user passed in.
type Broker interface {
	Enqueue(ctx context.Context, jobs []*Job) error
	Fetch(ctx context.Context, req FetchRequest) ([]*Lease, error)
	Extend(ctx context.Context, leases []*Lease, lease time.Duration) error
	Ack(ctx context.Context, outcomes []Outcome) error
	Close() error
}

// FetchRequest is what [Broker.Fetch] leases.
type FetchRequest struct {
	// Queues are the queues to take from, highest priority first.
	Queues []string
	// Max is the most jobs to lease in this call.
	Max int
	// QueueMax caps how many jobs this call leases from a queue; a queue
	// without an entry is capped by Max only.
	QueueMax map[string]int
	// Lease is how long the leases last unless extended.
	Lease time.Duration
}

// Lease is a job handed to one worker until Expires. Token identifies this
// lease of the job, so that a worker whose lease expired cannot settle the
// job after another worker took it. Job may be the broker's own copy and
// is read-only (see [Job]).
type Lease struct {
	Job     *Job
	Token   string
	Expires time.Time
}

// OutcomeKind says how a leased job ended.
type OutcomeKind uint8

// The outcomes of a leased job.
const (
	// Done: the handler succeeded; the job is completed.
	Done OutcomeKind = iota + 1
	// Retry: the attempt failed and the job runs again at RetryAt.
	Retry
	// Dead: the job failed for good and is archived with its error.
	Dead
	// Release: the attempt was abandoned (a worker shutting down) and the
	// job is ready again at once. Its attempt is not counted as a failure.
	Release
)

// String returns the outcome's name.
func (k OutcomeKind) String() string {
	switch k {
	case Done:
		return "done"
	case Retry:
		return "retry"
	case Dead:
		return "dead"
	case Release:
		return "release"
	}
	return "unknown"
}

// Outcome settles one [Lease].
type Outcome struct {
	Lease *Lease
	Kind  OutcomeKind
	// RetryAt is when a Retry outcome runs again.
	RetryAt time.Time
	// Error is the failure, for Retry and Dead; brokers keep it as the
	// job's LastError.
	Error string
	// Result is what a Done handler produced, kept for the broker's
	// retention time when non-nil.
	Result []byte
}

// BatchError reports which items of a batch call failed. Errs is indexed
// like the batch; a nil entry succeeded.
type BatchError struct {
	Errs []error
}

// Error summarises the failures.
func (e *BatchError) Error() string {
	n, first := 0, error(nil)
	for _, err := range e.Errs {
		if err != nil {
			if first == nil {
				first = err
			}
			n++
		}
	}
	if n == 1 {
		return "queue: 1 of " + strconv.Itoa(len(e.Errs)) + " failed: " + first.Error()
	}
	return "queue: " + strconv.Itoa(n) + " of " + strconv.Itoa(len(e.Errs)) + " failed, first: " + first.Error()
}

// Unwrap returns the failures, so that errors.Is(err, ErrDuplicate)
// reports whether any item was a duplicate.
func (e *BatchError) Unwrap() []error {
	out := make([]error, 0, len(e.Errs))
	for _, err := range e.Errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// BatchErr returns nil when every entry of errs is nil, and a
// [*BatchError] over errs otherwise. Brokers use it to build their result.
func BatchErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return &BatchError{Errs: errs}
		}
	}
	return nil
}

// TickClaimer is implemented by a broker shared by several processes, so
// that a [Scheduler] running in each enqueues a periodic job once per
// tick: ClaimTick reports true to exactly one caller per key until ttl
// passes.
type TickClaimer interface {
	ClaimTick(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Pauser is implemented by a broker whose queues can be paused: Fetch skips
// a paused queue until it is resumed. Jobs can still be enqueued into it.
type Pauser interface {
	Pause(ctx context.Context, queue string) error
	Resume(ctx context.Context, queue string) error
}
