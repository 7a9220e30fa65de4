package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// ClientOptions configures a [Client]. Every zero field means its default.
type ClientOptions struct {
	// Codec encodes payloads. Default: [JSON]. Workers must decode with
	// the same codec.
	Codec Codec
	// Queue is the queue of a job enqueued without [WithQueue]. Default:
	// [DefaultQueue].
	Queue string
	// MaxRetries is the retry count of a job enqueued without
	// [WithMaxRetries]. Default: [DefaultMaxRetries]; -1 means none.
	MaxRetries int
	// Now is the clock that turns [WithDelay] into a run time. Default:
	// time.Now.
	Now func() time.Time
}

// Client enqueues jobs into a [Broker]: the producer side. It is safe for
// concurrent use and holds nothing that needs closing; the broker is the
// caller's to close.
type Client struct {
	broker Broker
	opts   ClientOptions
}

// NewClient returns a Client enqueuing into b.
func NewClient(b Broker, opts ClientOptions) (*Client, error) {
	if b == nil {
		return nil, fmt.Errorf("queue: NewClient needs a broker")
	}
	if opts.Codec == nil {
		opts.Codec = JSON{}
	}
	if opts.Queue == "" {
		opts.Queue = DefaultQueue
	}
	switch {
	case opts.MaxRetries == 0:
		opts.MaxRetries = DefaultMaxRetries
	case opts.MaxRetries == -1:
		opts.MaxRetries = 0
	case opts.MaxRetries < -1:
		return nil, fmt.Errorf("queue: ClientOptions.MaxRetries %d is negative", opts.MaxRetries)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Client{broker: b, opts: opts}, nil
}

// Broker returns the broker c enqueues into.
func (c *Client) Broker() Broker { return c.broker }

// NewJob builds a job of jobType carrying payload, without enqueueing it:
// pass several to [Client.EnqueueJobs] to enqueue them in one round trip.
// The request ID and trace context of ctx travel in the job's Meta, so that
// the job's logs join the request that enqueued it.
func (c *Client) NewJob(ctx context.Context, jobType string, payload any, opts ...Option) (*Job, error) {
	if jobType == "" {
		return nil, fmt.Errorf("%w: empty job type", ErrInvalidJob)
	}
	data, err := c.opts.Codec.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("queue: encoding %s payload: %w", jobType, err)
	}
	j := &Job{Type: jobType, Queue: c.opts.Queue, Payload: data, MaxRetries: c.opts.MaxRetries}
	if len(opts) > 0 {
		// Only here: the options escape, and most jobs take none.
		o := &options{job: j}
		for _, opt := range opts {
			opt(o)
		}
		if o.delay > 0 {
			j.RunAt = c.opts.Now().Add(o.delay)
		}
	}
	if err := checkJob(j); err != nil {
		return nil, err
	}
	if j.ID == "" {
		id, err := uuid.NewV7() // increasing within the process
		if err != nil {
			return nil, fmt.Errorf("queue: job ID: %w", err)
		}
		j.ID = id.String()
	}
	if d := reqctx.From(ctx); d != nil {
		if d.RequestID != "" || d.TraceID != "" {
			j.Meta = make(map[string]string, 2)
		}
		if d.RequestID != "" {
			j.Meta[MetaRequestID] = d.RequestID
		}
		if d.TraceID != "" && d.SpanID != "" {
			j.Meta[MetaTraceParent] = "00-" + d.TraceID + "-" + d.SpanID + "-01"
		}
	}
	return j, nil
}

// Enqueue encodes payload and enqueues a job of jobType; see
// [Client.NewJob] for what travels with it. It returns [ErrDuplicate] when
// the job's unique key is held.
func (c *Client) Enqueue(ctx context.Context, jobType string, payload any, opts ...Option) (*Job, error) {
	j, err := c.NewJob(ctx, jobType, payload, opts...)
	if err != nil {
		return nil, err
	}
	if err := c.broker.Enqueue(ctx, []*Job{j}); err != nil {
		var be *BatchError
		if errors.As(err, &be) && len(be.Errs) == 1 {
			err = be.Errs[0]
		}
		return nil, err
	}
	return j, nil
}

// EnqueueJobs enqueues jobs built by [Client.NewJob] in one broker call.
// When some are refused the error is a [*BatchError] indexed like jobs.
func (c *Client) EnqueueJobs(ctx context.Context, jobs ...*Job) error {
	if len(jobs) == 0 {
		return nil
	}
	for _, j := range jobs {
		if err := checkJob(j); err != nil {
			return err
		}
	}
	return c.broker.Enqueue(ctx, jobs)
}

// Enqueue is the typed form of [Client.Enqueue]: payload's type documents
// what the handler registered with [Handle] for jobType decodes.
func Enqueue[T any](ctx context.Context, c *Client, jobType string, payload T, opts ...Option) (*Job, error) {
	return c.Enqueue(ctx, jobType, payload, opts...)
}

func checkJob(j *Job) error {
	switch {
	case j == nil:
		return fmt.Errorf("%w: nil job", ErrInvalidJob)
	case j.Type == "":
		return fmt.Errorf("%w: empty job type", ErrInvalidJob)
	case j.Queue == "":
		return fmt.Errorf("%w: empty queue name", ErrInvalidJob)
	case j.MaxRetries < 0:
		return fmt.Errorf("%w: negative MaxRetries", ErrInvalidJob)
	case j.Priority < PriorityLow || j.Priority > PriorityHigh:
		return fmt.Errorf("%w: priority %d outside PriorityLow..PriorityHigh", ErrInvalidJob, j.Priority)
	case j.Timeout < 0:
		return fmt.Errorf("%w: negative Timeout", ErrInvalidJob)
	case j.UniqueKey != "" && j.UniqueFor <= 0:
		return fmt.Errorf("%w: a unique key needs a positive window", ErrInvalidJob)
	}
	return nil
}
