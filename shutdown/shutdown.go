package shutdown

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

var (
	// ErrAlreadyStarted is returned by [Manager.Run] when Run has been
	// called before, and by [Server.Start] and [Task.Start] when the
	// component has already been started or stopped. Each runs once.
	ErrAlreadyStarted = errors.New("shutdown: already started")

	// ErrExited is the Err of the [ComponentError] that Run returns when a
	// component reported on [Doner.Done] that it ended without an error
	// while it was meant to be running.
	ErrExited = errors.New("shutdown: component exited")
)

// DefaultStopTimeout is the overall stop deadline used when
// [Options.StopTimeout] is zero. It is shorter than the 30 seconds that
// Kubernetes waits by default between SIGTERM and SIGKILL, so that Run
// returns, and the process logs why, before it is killed.
const DefaultStopTimeout = 25 * time.Second

// Options configures a [Manager]. The zero value is ready to use: no drain
// delay, a 25-second stop deadline, SIGINT and SIGTERM captured with
// signal.Notify, os.Exit for a forced exit, no logging.
type Options struct {
	// DrainDelay is how long Run waits, after readiness starts failing
	// and before it stops the first component, so that load balancers
	// notice the failing /readyz and stop sending new requests while the
	// servers still accept them. The wait counts against StopTimeout, and
	// a second signal cuts it short by forcing an exit.
	//
	// Default 0: no wait, which suits development and tests. Behind a
	// load balancer or in Kubernetes use a few seconds (5s is common), a
	// little more than the readiness probe's period times its failure
	// threshold, or the time the platform takes to remove an endpoint.
	DrainDelay time.Duration

	// StopTimeout bounds the whole stop: the drain delay plus every
	// component's Stop. Each Stop receives a context with this one
	// overall deadline, so a slow component leaves less time to the ones
	// stopped after it. Default [DefaultStopTimeout]. It must be longer
	// than DrainDelay.
	StopTimeout time.Duration

	// Signals, when not nil, is the channel Run reads signals from
	// instead of subscribing to SIGINT and SIGTERM with signal.Notify.
	// The first signal starts the stop; the second forces an exit. Tests
	// inject a channel here; a program that handles signals itself passes
	// a channel that never receives and cancels Run's context instead.
	Signals <-chan os.Signal

	// Exit is called with code 1 when a second signal arrives while the
	// process is starting or stopping, to force an immediate exit.
	// Default os.Exit.
	Exit func(code int)

	// Logger receives lifecycle events: components starting and
	// stopping, the reason for the stop, failing readiness checks. The
	// zero value logs nothing.
	Logger zerolog.Logger

	// ExposeCheckErrors includes each failing readiness check's error
	// text in the /readyz body. It is off by default because a driver's
	// error text can carry host names, user names or query fragments,
	// and /readyz is often reachable by anyone who can reach the port.
	// The text is always logged through Logger.
	ExposeCheckErrors bool
}

func (o Options) withDefaults() Options {
	if o.StopTimeout == 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.Exit == nil {
		o.Exit = os.Exit
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.DrainDelay < 0:
		return fmt.Errorf("shutdown: Options.DrainDelay is negative (%v)", o.DrainDelay)
	case o.StopTimeout < 0:
		return fmt.Errorf("shutdown: Options.StopTimeout is negative (%v)", o.StopTimeout)
	case o.DrainDelay >= o.StopTimeout:
		return fmt.Errorf("shutdown: Options.DrainDelay (%v) must be shorter than Options.StopTimeout (%v)",
			o.DrainDelay, o.StopTimeout)
	}
	return nil
}

// state is where a Manager is in its life; readiness reports it.
type state int32

const (
	stateStarting state = iota
	stateReady
	stateDraining
	stateStopped
)

func (s state) String() string {
	switch s {
	case stateReady:
		return "ok"
	case stateDraining:
		return "draining"
	case stateStopped:
		return "stopped"
	default:
		return "starting"
	}
}

// Manager runs a process's components: it starts them in order, waits for
// a signal, a cancelled context or a component failure, then drains and
// stops them in reverse order under one deadline. It also serves the
// process's liveness and readiness endpoints.
//
// Create a Manager with [New]; the zero value is not usable. Add, AddCheck,
// Shutdown and the handlers are safe for concurrent use; Run is called
// once. A Manager starts goroutines only inside Run, and they have all
// ended when Run returns.
type Manager struct {
	opts Options

	state atomic.Int32 // a state

	stop     chan struct{} // closed by requestStop
	stopOnce sync.Once
	started  chan struct{} // closed when every component has started

	mu          sync.Mutex
	components  []entry
	checks      []check
	ran         bool
	cancelStart context.CancelFunc
	cause       error // the component failure that started the stop, if any
}

type entry struct {
	name string
	c    Component
}

// New returns a Manager configured by opts. It returns an error naming the
// field if opts is invalid.
func New(opts Options) (*Manager, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Manager{opts: opts, stop: make(chan struct{}), started: make(chan struct{})}, nil
}

// Add registers a component under a name used in logs and errors.
// Components start in the order they are added and stop in reverse order,
// so add what others depend on first: the database before the server that
// uses it.
//
// Add panics if name is empty or already used, if c is nil, or if Run has
// been called.
func (m *Manager) Add(name string, c Component) {
	if name == "" {
		panic("shutdown: Add with empty name")
	}
	if c == nil {
		panic("shutdown: Add " + name + " with nil component")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ran {
		panic("shutdown: Add " + name + " after Run")
	}
	if slices.ContainsFunc(m.components, func(e entry) bool { return e.name == name }) {
		panic("shutdown: Add: duplicate component name " + name)
	}
	m.components = append(m.components, entry{name: name, c: c})
}

// Shutdown asks Run to stop, as a first signal would, and returns at once.
// A stop requested while components are starting cancels the context of
// the Start in progress, whose error, if it returns one, Run reports, and
// skips the components not yet started. If Shutdown is called before Run, Run starts
// nothing and returns nil. Calls after the first do nothing.
func (m *Manager) Shutdown() { m.requestStop("shutdown requested", nil) }

// Started returns a channel that is closed once Run has started every
// component, at the moment /readyz begins to answer according to its
// checks. It is never closed if a Start fails or the stop begins first, so
// wait on it together with Run's return.
func (m *Manager) Started() <-chan struct{} { return m.started }

// Run starts the components in the order they were added, then waits for
// SIGINT or SIGTERM, for ctx to be cancelled, for [Manager.Shutdown], or for
// a component to fail (see [Doner]). Then it makes /readyz fail, waits
// [Options.DrainDelay], and stops the started components in reverse order,
// all under one [Options.StopTimeout] deadline. Each component is stopped
// once. A second signal at any point calls [Options.Exit] with code 1.
// Unless [Options.Signals] is set, Run subscribes to the signals with
// signal.Notify for its own duration and unsubscribes before it returns.
//
// If a component fails to start, Run stops the ones already started, in
// reverse order and without the drain delay, and returns the start error.
//
// Run returns nil after a clean stop, whatever triggered it. Otherwise it
// returns, joined with [errors.Join], the component failure that triggered
// the stop or the start error, then every stop error in stop order,
// each a [*ComponentError]; a Stop that overran the deadline typically
// contributes [context.DeadlineExceeded]. Run returns by the deadline
// provided each Stop honours its context. A second call returns
// [ErrAlreadyStarted].
func (m *Manager) Run(ctx context.Context) error {
	m.mu.Lock()
	if m.ran {
		m.mu.Unlock()
		return ErrAlreadyStarted
	}
	m.ran = true
	components := slices.Clone(m.components)
	startCtx, cancelStart := context.WithCancel(ctx)
	m.cancelStart = cancelStart
	m.mu.Unlock()
	defer cancelStart()

	signals := m.opts.Signals
	if signals == nil {
		ch := make(chan os.Signal, 2)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(ch)
		signals = ch
	}

	// Every goroutine started here ends before Run returns.
	runDone := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(runDone)
		wg.Wait()
	}()
	wg.Go(func() { m.watchRun(ctx, signals, runDone) })

	log := &m.opts.Logger
	started := 0
	var startErr error
	for _, e := range components {
		if m.stopRequested(ctx) {
			break
		}
		log.Debug().Str("component", e.name).Msg("starting component")
		if err := e.c.Start(startCtx); err != nil {
			startErr = &ComponentError{Name: e.name, Op: "start", Err: err}
			log.Error().Err(err).Str("component", e.name).Msg("component failed to start")
			break
		}
		started++
		if d, ok := e.c.(Doner); ok {
			done := d.Done()
			wg.Go(func() { m.watch(e.name, done, runDone) })
		}
	}
	cancelStart()

	ready := startErr == nil && !m.stopRequested(ctx)
	if ready {
		m.state.Store(int32(stateReady))
		close(m.started)
		log.Info().Int("components", started).Msg("started")
		<-m.stop
	}
	m.state.Store(int32(stateDraining))

	stopCtx, cancelStop := context.WithTimeout(context.WithoutCancel(ctx), m.opts.StopTimeout)
	defer cancelStop()
	if ready && m.opts.DrainDelay > 0 {
		log.Info().Dur("delay", m.opts.DrainDelay).Msg("readiness failing, draining")
		drain := time.NewTimer(m.opts.DrainDelay)
		select {
		case <-drain.C:
		case <-stopCtx.Done():
		}
		drain.Stop()
	}

	var errs []error
	m.mu.Lock()
	if m.cause != nil {
		errs = append(errs, m.cause)
	}
	m.mu.Unlock()
	if startErr != nil {
		errs = append(errs, startErr)
	}
	for i := started - 1; i >= 0; i-- {
		e := components[i]
		log.Debug().Str("component", e.name).Msg("stopping component")
		if err := e.c.Stop(stopCtx); err != nil {
			log.Error().Err(err).Str("component", e.name).Msg("component failed to stop")
			errs = append(errs, &ComponentError{Name: e.name, Op: "stop", Err: err})
		}
	}
	m.state.Store(int32(stateStopped))
	log.Info().Msg("stopped")
	return errors.Join(errs...)
}

// requestStop closes m.stop once, recording cause if it is the first
// request, and abandons any Start in progress.
func (m *Manager) requestStop(reason string, cause error) {
	m.stopOnce.Do(func() {
		// Readiness fails from this moment, not from when Run wakes up.
		m.state.CompareAndSwap(int32(stateReady), int32(stateDraining))
		m.mu.Lock()
		m.cause = cause
		cancel := m.cancelStart
		m.mu.Unlock()
		ev := m.opts.Logger.Info()
		if cause != nil {
			ev = m.opts.Logger.Error().Err(cause)
		}
		ev.Str("reason", reason).Msg("stopping")
		close(m.stop)
		if cancel != nil {
			cancel()
		}
	})
}

func (m *Manager) stopRequested(ctx context.Context) bool {
	select {
	case <-m.stop:
		return true
	default:
		return ctx.Err() != nil
	}
}

// watchRun turns the cancellation of ctx and the first signal into a stop
// request, and the second signal into a forced exit.
func (m *Manager) watchRun(ctx context.Context, signals <-chan os.Signal, runDone <-chan struct{}) {
	ctxDone := ctx.Done()
	received := 0
	for {
		select {
		case <-ctxDone:
			m.requestStop("context done", nil)
			ctxDone = nil
		case sig, ok := <-signals:
			if !ok {
				signals = nil
				continue
			}
			received++
			if received == 1 {
				m.requestStop("signal "+sig.String(), nil)
				continue
			}
			m.opts.Logger.Error().Str("signal", sig.String()).Msg("second signal, exiting now")
			m.opts.Exit(1)
			return
		case <-runDone:
			return
		}
	}
}

// watch turns a component's report on its Done channel into a stop.
func (m *Manager) watch(name string, done <-chan error, runDone <-chan struct{}) {
	select {
	case err := <-done:
		if err == nil {
			err = ErrExited
		}
		m.requestStop("component failed", &ComponentError{Name: name, Op: "run", Err: err})
	case <-m.stop:
	case <-runDone:
	}
}
