package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/keel-go/keel/errors"
)

// ErrUnknownType is the error of an attempt whose job type no handler is
// registered for. The job is retried: in a rolling deployment another
// worker may know the type.
var ErrUnknownType = errors.New("queue: no handler for job type")

// Handler processes one job. An error fails the attempt: the job is
// retried with backoff, unless the error wraps [SkipRetry] (archived at
// once) or is a [*RetryAfterError] (retried after its delay).
type Handler interface {
	ProcessJob(ctx context.Context, job *Job) error
}

// HandlerFunc adapts a function to [Handler].
type HandlerFunc func(ctx context.Context, job *Job) error

// ProcessJob calls f(ctx, job).
func (f HandlerFunc) ProcessJob(ctx context.Context, job *Job) error { return f(ctx, job) }

// Middleware wraps a [Handler], for logging, tracing or metrics around
// every job.
type Middleware func(Handler) Handler

// Codec encodes job payloads. It must be safe for concurrent use.
type Codec interface {
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte, v any) error
}

// JSON is the default [Codec]: encoding/json.
type JSON struct{}

// Marshal encodes v as JSON.
func (JSON) Marshal(v any) ([]byte, error) { return json.Marshal(v) }

// Unmarshal decodes JSON data into v.
func (JSON) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// Mux routes jobs to handlers by type. The zero value is not usable; call
// [NewMux]. Register handlers before a [Worker] starts; a Mux is safe for
// concurrent use.
type Mux struct {
	codec Codec

	mu       sync.RWMutex
	handlers map[string]Handler
	backoffs map[string]BackoffFunc
	mw       []Middleware
}

// NewMux returns an empty Mux decoding payloads with codec (nil means
// [JSON]).
func NewMux(codec Codec) *Mux {
	if codec == nil {
		codec = JSON{}
	}
	return &Mux{codec: codec, handlers: map[string]Handler{}, backoffs: map[string]BackoffFunc{}}
}

// Handle registers h for jobType. It panics if jobType is empty, h is nil
// or jobType is already registered: those are mistakes found at start-up.
func (m *Mux) Handle(jobType string, h Handler) {
	if jobType == "" || h == nil {
		panic("queue: Handle needs a job type and a handler")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.handlers[jobType]; dup {
		panic("queue: job type " + jobType + " registered twice")
	}
	m.handlers[jobType] = h
}

// HandleFunc registers f for jobType.
func (m *Mux) HandleFunc(jobType string, f func(ctx context.Context, job *Job) error) {
	m.Handle(jobType, HandlerFunc(f))
}

// Use appends middleware that wraps every handler; the first is the
// outermost.
func (m *Mux) Use(mw ...Middleware) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mw = append(m.mw, mw...)
}

// SetBackoff overrides the worker's backoff for jobType.
func (m *Mux) SetBackoff(jobType string, f BackoffFunc) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.backoffs[jobType] = f
}

// backoff returns the override for jobType, or nil.
func (m *Mux) backoff(jobType string) BackoffFunc {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.backoffs[jobType]
}

// Types returns the registered job types.
func (m *Mux) Types() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]string, 0, len(m.handlers))
	for t := range m.handlers {
		out = append(out, t)
	}
	return out
}

// ProcessJob runs the handler registered for job.Type inside the
// middleware.
func (m *Mux) ProcessJob(ctx context.Context, job *Job) error {
	m.mu.RLock()
	h, ok := m.handlers[job.Type]
	mw := m.mw
	m.mu.RUnlock()
	if !ok {
		h = HandlerFunc(func(context.Context, *Job) error {
			return fmt.Errorf("%w %q", ErrUnknownType, job.Type)
		})
	}
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h.ProcessJob(ctx, job)
}

// Handle registers fn for jobType on m, decoding each job's payload into a
// T with m's codec. A payload that does not decode fails the job without
// retry, since no retry can fix it.
func Handle[T any](m *Mux, jobType string, fn func(ctx context.Context, payload T) error) {
	if fn == nil {
		panic("queue: Handle needs a function")
	}
	m.Handle(jobType, HandlerFunc(func(ctx context.Context, job *Job) error {
		var v T
		if err := m.codec.Unmarshal(job.Payload, &v); err != nil {
			return fmt.Errorf("queue: decoding %s payload: %w (%w)", jobType, err, SkipRetry)
		}
		return fn(ctx, v)
	}))
}

type jobKey struct{}

// JobFromContext returns the job a handler is running, or nil outside a
// handler.
func JobFromContext(ctx context.Context) *Job {
	j, _ := ctx.Value(jobKey{}).(*Job)
	return j
}
