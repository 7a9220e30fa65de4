package queue

import (
	"time"
)

// Job priorities within one queue: a higher priority is fetched first.
// These three are the only values; priorities between queues are the
// [Worker]'s (see [WorkerOptions]).
const (
	PriorityLow    = -1
	PriorityNormal = 0
	PriorityHigh   = 1
)

// DefaultQueue is the queue a job goes to unless [WithQueue] says
// otherwise.
const DefaultQueue = "default"

// DefaultMaxRetries is how many times a failed job is retried unless
// [WithMaxRetries] or [ClientOptions.MaxRetries] says otherwise.
const DefaultMaxRetries = 25

// Meta keys the [Client] sets from the enqueuing context, so that a job's
// logs and traces join the request that enqueued it.
const (
	MetaRequestID   = "request_id"
	MetaTraceParent = "traceparent"
)

// Job is one unit of background work as a [Broker] stores it. Producers
// build jobs through a [Client]; handlers receive the decoded payload and
// can read the job itself with [JobFromContext].
//
// Who owns a Job: a producer's Job stays the producer's after Enqueue (the
// broker stores a copy or an encoding of it). A leased Job, the one in a
// [Lease] and the one a [Handler] runs, may be the broker's own, so it is
// read-only: a handler that needs a changed job works on [Job.Clone].
type Job struct {
	// ID identifies the job; the client assigns a UUIDv7 when empty.
	ID string
	// Type names the handler, such as "email.send".
	Type string
	// Queue is the queue the job waits in.
	Queue string
	// Payload is the encoded argument of the handler.
	Payload []byte
	// Priority orders jobs within a queue: PriorityHigh, PriorityNormal
	// or PriorityLow.
	Priority int
	// RunAt is the earliest time the job may run; zero means now.
	RunAt time.Time
	// MaxRetries is how many times the job is retried after a failed
	// attempt before it is archived as dead.
	MaxRetries int
	// Timeout bounds one attempt through its context; zero means the
	// worker's default.
	Timeout time.Duration
	// UniqueKey, when set, refuses any other job of the same queue with
	// the same key for UniqueFor after this one was enqueued.
	UniqueKey string
	// UniqueFor is the deduplication window of UniqueKey.
	UniqueFor time.Duration
	// Tags are free-form labels for inspection and metrics.
	Tags []string
	// Meta carries context from the producer: request ID, trace parent.
	Meta map[string]string

	// Attempt counts the attempts started so far, including the running
	// one. The broker sets it when it leases the job.
	Attempt int
	// EnqueuedAt is when the broker stored the job.
	EnqueuedAt time.Time
	// LastError is the error of the latest failed attempt.
	LastError string
}

// Clone returns a copy of j that shares no slice or map with it.
func (j *Job) Clone() *Job {
	c := *j
	c.Payload = append([]byte(nil), j.Payload...)
	if j.Tags != nil {
		c.Tags = append([]string(nil), j.Tags...)
	}
	if j.Meta != nil {
		c.Meta = make(map[string]string, len(j.Meta))
		for k, v := range j.Meta {
			c.Meta[k] = v
		}
	}
	return &c
}

// Option sets a property of a job at enqueue time.
type Option func(*options)

// options is what the Options of one Enqueue call set: the job, and a
// delay that the client turns into RunAt with its own clock.
type options struct {
	job   *Job
	delay time.Duration
}

// WithQueue puts the job in the named queue.
func WithQueue(name string) Option { return func(o *options) { o.job.Queue = name } }

// WithPriority sets the job's priority within its queue.
func WithPriority(p int) Option { return func(o *options) { o.job.Priority = p } }

// WithDelay makes the job ready d after it is enqueued.
func WithDelay(d time.Duration) Option {
	return func(o *options) { o.delay, o.job.RunAt = d, time.Time{} }
}

// WithRunAt makes the job ready at t.
func WithRunAt(t time.Time) Option {
	return func(o *options) { o.job.RunAt, o.delay = t, 0 }
}

// WithMaxRetries sets how many times the job is retried after failing.
func WithMaxRetries(n int) Option { return func(o *options) { o.job.MaxRetries = n } }

// WithTimeout bounds each attempt of the job.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.job.Timeout = d } }

// WithUnique refuses, with [ErrDuplicate], any other job with key for
// window after this one is enqueued.
func WithUnique(key string, window time.Duration) Option {
	return func(o *options) { o.job.UniqueKey, o.job.UniqueFor = key, window }
}

// WithTags labels the job.
func WithTags(tags ...string) Option {
	return func(o *options) { o.job.Tags = append(o.job.Tags, tags...) }
}

// WithID sets the job's ID instead of a generated one.
func WithID(id string) Option { return func(o *options) { o.job.ID = id } }
