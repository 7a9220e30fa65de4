package queue

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/keel-go/keel/errors"
)

// Schedule says when a periodic job is due: Next returns the first tick
// strictly after t. It is satisfied by robfig/cron's schedules.
type Schedule interface {
	Next(t time.Time) time.Time
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Cron parses a standard five-field cron expression ("*/5 * * * *") or a
// descriptor ("@hourly", "@daily"), optionally prefixed with
// "CRON_TZ=Europe/Paris " to name its time zone (UTC otherwise).
func Cron(expr string) (s Schedule, err error) {
	// robfig/cron v3.0.1 slices out of range on a time-zone prefix with no
	// expression after it ("TZ=x"): refuse that here, and turn any other
	// panic of the parser into an error rather than trust it.
	if (strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=")) && !strings.Contains(expr, " ") {
		return nil, fmt.Errorf("queue: cron expression %q: a time zone needs an expression after it", expr)
	}
	defer func() {
		if v := recover(); v != nil {
			s, err = nil, fmt.Errorf("queue: cron expression %q: unparsable (%v)", expr, v)
		}
	}()
	s, err = cronParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("queue: cron expression %q: %w", expr, err)
	}
	if spec, ok := s.(*cron.SpecSchedule); ok && spec.Location == time.Local {
		spec.Location = time.UTC
	}
	return s, nil
}

// Every returns a Schedule ticking every d, aligned to the Unix epoch, so
// that every instance of a service computes the same ticks whenever it
// started. d must be at least a second.
func Every(d time.Duration) Schedule { return every(d) }

type every time.Duration

func (e every) Next(t time.Time) time.Time {
	d := time.Duration(e)
	return t.Truncate(d).Add(d)
}

// MissedTicks says what a [Scheduler] does with ticks that passed while it
// could not act on them (the process was paused, the broker unreachable,
// the clock jumped).
type MissedTicks uint8

// The policies for missed ticks.
const (
	// SkipMissed enqueues nothing for a tick found more than
	// SchedulerOptions.Tolerance late; the next tick runs as usual.
	SkipMissed MissedTicks = iota
	// RunOnce enqueues one job for however many ticks were missed.
	RunOnce
)

// Periodic is a job a [Scheduler] enqueues on a schedule.
type Periodic struct {
	// Name identifies the schedule across instances: two instances with
	// the same Name enqueue each tick once between them.
	Name string
	// Schedule says when it is due: [Cron] or [Every].
	Schedule Schedule
	// Type and Payload are the job enqueued at each tick.
	Type    string
	Payload any
	// Options apply to each job, as for [Client.Enqueue].
	Options []Option
}

// SchedulerOptions configures a [Scheduler]. Every zero field means its
// default.
type SchedulerOptions struct {
	// Missed is the policy for ticks found late. Default: SkipMissed.
	Missed MissedTicks
	// Tolerance is how late a tick may be found and still count as on
	// time. Default: one minute.
	Tolerance time.Duration
	// ClaimTTL is how long the claim of a tick is kept in the broker; it
	// must exceed the clock skew between instances. Default: one hour.
	ClaimTTL time.Duration
	// Logger receives enqueue failures. Default: disabled.
	Logger zerolog.Logger
}

// Scheduler enqueues periodic jobs through a [Client], exactly once per
// tick even when every instance of a service runs one: before enqueueing,
// an instance claims the (schedule, tick) pair in the broker, which must
// implement [TickClaimer] for that guarantee. It is a shutdown component.
//
// The zero value is not usable; call [NewScheduler]. Add every schedule
// before Start.
type Scheduler struct {
	client  *Client
	claimer TickClaimer
	opts    SchedulerOptions

	mu      sync.Mutex
	entries []*periodicEntry
	state   int
	cancel  context.CancelFunc
	done    chan struct{}
}

type periodicEntry struct {
	p    Periodic
	last time.Time // the last tick acted on
}

// NewScheduler returns a Scheduler enqueueing through c. It fails when the
// client's broker cannot claim ticks, since several instances would then
// enqueue every tick once each; single-process brokers such as the
// in-memory one implement the claim too.
func NewScheduler(c *Client, opts SchedulerOptions) (*Scheduler, error) {
	if c == nil {
		return nil, errors.New("queue: NewScheduler needs a client")
	}
	claimer, ok := c.broker.(TickClaimer)
	if !ok {
		return nil, fmt.Errorf("queue: broker %T cannot claim ticks (queue.TickClaimer)", c.broker)
	}
	if opts.Tolerance == 0 {
		opts.Tolerance = time.Minute
	}
	if opts.ClaimTTL == 0 {
		opts.ClaimTTL = time.Hour
	}
	if opts.Tolerance < 0 || opts.ClaimTTL < 0 {
		return nil, errors.New("queue: SchedulerOptions durations must not be negative")
	}
	return &Scheduler{client: c, claimer: claimer, opts: opts}, nil
}

// Add registers a periodic job. It fails for a missing name, schedule or
// type, a duplicate name, an interval under a second, or after Start.
func (s *Scheduler) Add(p Periodic) error {
	if p.Name == "" || p.Schedule == nil || p.Type == "" {
		return errors.New("queue: a periodic job needs a name, a schedule and a type")
	}
	if e, ok := p.Schedule.(every); ok && time.Duration(e) < time.Second {
		return fmt.Errorf("queue: periodic %q: interval %v is under a second", p.Name, time.Duration(e))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != 0 {
		return errors.New("queue: Scheduler.Add after Start")
	}
	for _, e := range s.entries {
		if e.p.Name == p.Name {
			return fmt.Errorf("queue: periodic %q added twice", p.Name)
		}
	}
	s.entries = append(s.entries, &periodicEntry{p: p})
	return nil
}

// Start begins the schedule. Ticks before Start are not caught up.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != 0 {
		return ErrClosed
	}
	s.state = 1
	now := s.client.opts.Now()
	for _, e := range s.entries {
		e.last = now
	}
	var loopCtx context.Context
	loopCtx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.done = make(chan struct{})
	go s.loop(loopCtx)
	return nil
}

// Stop ends the schedule, waiting for an enqueue in progress until ctx is
// done.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.state != 1 {
		s.mu.Unlock()
		return ErrClosed
	}
	s.state = 2
	s.mu.Unlock()
	s.cancel()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Scheduler) loop(ctx context.Context) {
	defer close(s.done)
	if len(s.entries) == 0 {
		<-ctx.Done()
		return
	}
	for {
		now := s.client.opts.Now()
		var next time.Time
		for _, e := range s.entries {
			if n := e.p.Schedule.Next(e.last); next.IsZero() || n.Before(next) {
				next = n
			}
		}
		t := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		now = s.client.opts.Now()
		for _, e := range s.entries {
			s.due(ctx, e, now)
		}
	}
}

// due acts on the ticks of e up to now.
func (s *Scheduler) due(ctx context.Context, e *periodicEntry, now time.Time) {
	tick := e.p.Schedule.Next(e.last)
	if tick.After(now) {
		return
	}
	// Find the latest tick not after now, counting how many passed.
	missed := 0
	for n := e.p.Schedule.Next(tick); !n.After(now) && missed < 1_000_000; n = e.p.Schedule.Next(tick) {
		tick = n
		missed++
	}
	e.last = tick
	if now.Sub(tick) > s.opts.Tolerance && s.opts.Missed == SkipMissed {
		s.opts.Logger.Warn().Str("schedule", e.p.Name).Time("tick", tick).Msg("periodic job tick missed; skipped")
		return
	}
	key := "schedule:" + e.p.Name + ":" + strconv.FormatInt(tick.Unix(), 10)
	won, err := s.claimer.ClaimTick(ctx, key, s.opts.ClaimTTL)
	if err != nil {
		s.opts.Logger.Error().Err(err).Str("schedule", e.p.Name).Msg("claiming a periodic tick failed")
		return
	}
	if !won {
		return
	}
	opts := append([]Option{WithID(e.p.Name + "@" + strconv.FormatInt(tick.Unix(), 10))}, e.p.Options...)
	if _, err := s.client.Enqueue(ctx, e.p.Type, e.p.Payload, opts...); err != nil {
		s.opts.Logger.Error().Err(err).Str("schedule", e.p.Name).Msg("enqueueing a periodic job failed")
	}
}
