package shutdown

import (
	"context"
	"errors"
	"strconv"
	"sync"
)

// Component is a part of a process with a lifetime: an HTTP server, a
// database pool, a queue worker, a tracer provider. A [Manager] starts
// components in the order they were added and stops them in reverse order.
//
// Start returns once the component is ready to do its work (a server is
// listening, a pool is connected) and not before; it must not block for the
// component's whole lifetime. The ctx passed to Start bounds the start only:
// it is cancelled when Start's caller is done with it, so a component must
// not keep it to bound its own lifetime. Use [context.WithoutCancel] to keep
// its values. If Start returns an error the component is considered not
// started and its Stop is not called.
//
// Stop releases what Start acquired. It honours the deadline in ctx: once
// ctx is done it abandons any graceful work, closes what is left and
// returns, typically ctx.Err(). Stop is called once, and is called even if
// the component reported a failure on [Doner.Done], so it can release its
// resources.
type Component interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Doner is the optional interface of a [Component] that can die on its own
// while running: a server whose listener fails, a worker whose loop returns.
// A [Manager] detects it by type assertion.
//
// Done returns a channel that receives the error that ended the component
// and is then closed; a nil error, or a closed channel, means the component
// stopped without an error. A Manager treats any receive before it begins
// to stop as a failure that stops the whole process; after it begins to
// stop it no longer watches the channel.
type Doner interface {
	Done() <-chan error
}

// ComponentError reports which component failed and in which phase. Run
// returns it, wrapped in [errors.Join] with any other error; callers find it
// with [errors.As] and the underlying cause with [errors.Is].
type ComponentError struct {
	// Name is the name the component was added under.
	Name string
	// Op is the phase that failed: "start", "stop", or "run" for a
	// failure reported on [Doner.Done] while running.
	Op string
	// Err is the component's error. It is [ErrExited] when the
	// component ended without an error while it was meant to be running.
	Err error
}

// Error returns a message naming the component and the phase.
func (e *ComponentError) Error() string {
	if e.Op == "run" {
		return "shutdown: " + strconv.Quote(e.Name) + " failed while running: " + e.Err.Error()
	}
	return "shutdown: " + e.Op + " " + strconv.Quote(e.Name) + ": " + e.Err.Error()
}

// Unwrap returns the component's error.
func (e *ComponentError) Unwrap() error { return e.Err }

// Hook is a [Component] made of two plain functions, for work that needs no
// type of its own: closing a database pool, flushing a tracer, logging a
// banner. A nil function does nothing and returns nil.
//
// The zero value is a valid Hook that does nothing. A Hook calls its
// functions and holds no state, so it is as safe for concurrent use as they
// are.
type Hook struct {
	// OnStart runs when the Hook is started.
	OnStart func(ctx context.Context) error
	// OnStop runs when the Hook is stopped. It must honour the deadline
	// in ctx.
	OnStop func(ctx context.Context) error
}

var _ Component = Hook{}

// Start calls h.OnStart if it is set.
func (h Hook) Start(ctx context.Context) error {
	if h.OnStart == nil {
		return nil
	}
	return h.OnStart(ctx)
}

// Stop calls h.OnStop if it is set.
func (h Hook) Stop(ctx context.Context) error {
	if h.OnStop == nil {
		return nil
	}
	return h.OnStop(ctx)
}

// Task is a [Component] that runs a function in its own goroutine from
// Start until Stop, in the style of oklog/run actors: the function receives a
// context that is cancelled when Stop is called, and should return soon
// after. A queue worker's Run(ctx), a cache janitor or a config watcher fits.
// If the function returns before Stop, the task reports it on [Task.Done],
// which stops the [Manager] that runs it.
//
// A Task runs once: Start after Start or Stop returns [ErrAlreadyStarted].
// Its methods are safe for concurrent use. Stop waits for the function to
// return, or for ctx to be done, whichever comes first; a function that
// ignores cancellation keeps its goroutine running after Stop gives up.
type Task struct {
	run  func(ctx context.Context) error
	done chan error

	mu       sync.Mutex
	started  bool
	stopping bool
	cancel   context.CancelFunc
	finished chan struct{}
	err      error // run's result, read after finished is closed
}

var (
	_ Component = (*Task)(nil)
	_ Doner     = (*Task)(nil)
)

// NewTask returns a Task that runs run. It panics if run is nil.
func NewTask(run func(ctx context.Context) error) *Task {
	if run == nil {
		panic("shutdown: NewTask with nil function")
	}
	return &Task{
		run:      run,
		done:     make(chan error, 1),
		finished: make(chan struct{}),
	}
}

// Start starts the function in a new goroutine and returns at once. The
// function's context carries the values of ctx but not its cancellation.
func (t *Task) Start(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.started || t.stopping {
		return ErrAlreadyStarted
	}
	t.started = true
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t.cancel = cancel
	go t.loop(runCtx)
	return nil
}

func (t *Task) loop(ctx context.Context) {
	err := t.run(ctx)
	t.cancel()
	// Under the lock so that Stop sees either a task that ended on its
	// own (and reported it on Done) or one it is stopping, never both.
	t.mu.Lock()
	t.err = err
	close(t.finished)
	if !t.stopping {
		t.done <- err
	}
	close(t.done)
	t.mu.Unlock()
}

// Stop cancels the function's context and waits for it to return. It
// returns the function's error, except that nil and [context.Canceled] count
// as a clean stop; if the function had already returned before Stop, its
// error was reported on Done and Stop returns nil. If ctx is done first,
// Stop returns ctx.Err().
func (t *Task) Stop(ctx context.Context) error {
	t.mu.Lock()
	if t.stopping {
		t.mu.Unlock()
		return nil
	}
	t.stopping = true
	if !t.started {
		t.mu.Unlock()
		close(t.done)
		return nil
	}
	select {
	case <-t.finished:
		// Already ended on its own: the error went to Done.
		t.mu.Unlock()
		return nil
	default:
	}
	t.cancel()
	t.mu.Unlock()

	select {
	case <-t.finished:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := t.err; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// Done returns a channel that receives the function's error if it returns
// before Stop is called, and is closed once the task has ended or been
// stopped.
func (t *Task) Done() <-chan error { return t.done }
