package queue

import (
	"context"
	"time"

	"github.com/keel-go/keel/errors"
)

// State is where a job is in its life.
type State string

// The states a broker keeps jobs in.
const (
	// StatePending: ready, waiting for a worker.
	StatePending State = "pending"
	// StateScheduled: enqueued to run at a later time.
	StateScheduled State = "scheduled"
	// StateActive: leased to a worker.
	StateActive State = "active"
	// StateRetry: failed, waiting for its next attempt.
	StateRetry State = "retry"
	// StateCompleted: succeeded, kept for the broker's retention time.
	StateCompleted State = "completed"
	// StateArchived: failed for good (dead-lettered) or archived by hand,
	// kept with its last error until deleted or retried.
	StateArchived State = "archived"
)

// States lists every State in life order.
var States = []State{StatePending, StateScheduled, StateActive, StateRetry, StateCompleted, StateArchived}

// JobInfo is a job as inspection shows it.
type JobInfo struct {
	Job *Job
	// State is where the job is.
	State State
	// NextRunAt is when a scheduled or retrying job runs next.
	NextRunAt time.Time
	// FinishedAt is when a completed or archived job ended.
	FinishedAt time.Time
	// Result is what a completed job's handler recorded, if anything.
	Result []byte
}

// QueueInfo summarises one queue.
type QueueInfo struct {
	Name   string
	Paused bool
	// Counts holds the number of jobs in each state.
	Counts map[State]int
	// Processed and Failed count the attempts settled since the broker
	// started (or, for a durable broker, within its stats window).
	Processed int64
	Failed    int64
}

// Inspector is implemented by brokers that can show and change their jobs,
// for dashboards and operations. Every method is safe for concurrent use.
//
//   - Queues lists every queue the broker knows, with counts per state.
//   - List returns the jobs of queue in state, oldest first, paged by
//     offset and limit.
//   - Job returns one job of queue, or [ErrNotFound]. Jobs are addressed
//     by queue and ID so that a broker can keep each queue's keys together
//     (one hash slot per queue on Redis Cluster).
//   - RetryNow makes a scheduled, retrying or archived job pending now.
//   - Delete removes a job that is not active.
//   - Archive moves a pending, scheduled or retrying job to the archive.
type Inspector interface {
	Queues(ctx context.Context) ([]QueueInfo, error)
	List(ctx context.Context, queue string, state State, offset, limit int) ([]JobInfo, error)
	Job(ctx context.Context, queue, id string) (JobInfo, error)
	RetryNow(ctx context.Context, queue, id string) error
	Delete(ctx context.Context, queue, id string) error
	Archive(ctx context.Context, queue, id string) error
}

// Errors of [Inspector] calls; compare with [errors.Is].
var (
	// ErrActive is returned by calls that cannot act on a job a worker
	// holds.
	ErrActive = errors.New("queue: job is active")
	// ErrState is returned by RetryNow and Archive for a job whose state
	// does not allow it (retrying a pending job, archiving a completed
	// one).
	ErrState = errors.New("queue: the job's state does not allow this")
)
