package redisqueue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/queue"
)

// Defaults of [Options].
const (
	DefaultPrefix      = "keel:queue:"
	DefaultRetention   = 24 * time.Hour
	DefaultMaxFinished = 10_000
	DefaultMaxWait     = 5 * time.Second
	promoteBatch       = 1000
)

// Options configures a [Broker]. Every zero field means its default.
type Options struct {
	// Prefix starts every key and channel the broker uses, so that
	// several applications (or test runs) share a server. It must not
	// contain braces, which Redis Cluster reads as hash tags. Default:
	// "keel:queue:".
	Prefix string
	// Retention is how long completed jobs and their results are kept
	// for inspection. Default: 24 hours; negative keeps none.
	Retention time.Duration
	// MaxFinished bounds, per queue, the completed jobs kept and
	// separately the archived ones; the oldest go first. Default: 10,000.
	MaxFinished int
	// MaxWait bounds how long a Fetch waits without asking the server
	// again. A waiting Fetch wakes on the notification an enqueue
	// publishes and on a timer set for the next scheduled job or lease
	// expiry; MaxWait only covers a notification lost while the
	// subscription reconnects. Default: 5s.
	MaxWait time.Duration
}

// Broker is a durable, at-least-once [queue.Broker] on Redis (6.2 or
// later). It also implements [queue.Inspector], [queue.Pauser] and
// [queue.TickClaimer].
//
// Every state change is one Lua script over one queue's keys, which share
// the queue's hash tag, so the broker runs on Redis Cluster too. A waiting
// Fetch is woken by a pub/sub notification from Enqueue, and by a timer
// set to the next run time or lease expiry the server reported, so an idle
// queue starts a new job within milliseconds without polling.
//
// The zero value is not usable; call [New]. A Broker is safe for
// concurrent use. Its first Fetch starts one goroutine (the notification
// subscriber), which Close stops; a broker that only enqueues neither
// starts it nor receives notifications. Close does not close the client.
type Broker struct {
	rdb       redis.UniversalClient
	opts      Options
	notify    string // channel
	notifyArg any    // notify, boxed once for enqueueOne's arguments
	plain     *plainOptions

	mu        sync.Mutex
	closed    bool
	listening bool // the subscriber has started
	signal    chan struct{}
	done      chan struct{}
	quit      chan struct{}
	pubsub    *redis.PubSub
	tokenNo   uint64
	inst      string // random per broker, in lease tokens

	keyCache sync.Map // queue name -> keys, built once per queue
	known    sync.Map // queue names this broker has added to the queues set
}

var (
	_ queue.Broker      = (*Broker)(nil)
	_ queue.Inspector   = (*Broker)(nil)
	_ queue.Pauser      = (*Broker)(nil)
	_ queue.TickClaimer = (*Broker)(nil)
)

// New returns a Broker over rdb. It does not contact the server.
func New(rdb redis.UniversalClient, opts Options) (*Broker, error) {
	if rdb == nil {
		return nil, errors.New("redisqueue: New needs a client")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redisqueue: Options.Prefix %q contains a brace", opts.Prefix)
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.MaxFinished == 0 {
		opts.MaxFinished = DefaultMaxFinished
	}
	if opts.MaxWait == 0 {
		opts.MaxWait = DefaultMaxWait
	}
	if opts.MaxFinished < 0 || opts.MaxWait < 0 {
		return nil, errors.New("redisqueue: Options.MaxFinished and MaxWait must not be negative")
	}
	var inst [6]byte
	if _, err := rand.Read(inst[:]); err != nil {
		return nil, err
	}
	b := &Broker{
		rdb:    rdb,
		opts:   opts,
		notify: opts.Prefix + "notify",
		signal: make(chan struct{}),
		done:   make(chan struct{}),
		quit:   make(chan struct{}),
		inst:   hex.EncodeToString(inst[:]),
	}
	b.notifyArg = b.notify
	b.plain = newPlainOptions()
	return b, nil
}

// startListener starts the subscriber on the first Fetch; b.mu is held.
// Fetch reads the queues after it took the current signal, and listen
// wakes it once the subscription is confirmed, so a job enqueued before
// the subscription took effect is not waited for.
func (b *Broker) startListener() {
	if !b.listening {
		b.listening = true
		go b.listen()
	}
}

// listen subscribes, then wakes waiting fetches on every notification,
// once the subscription is confirmed, and after it reconnects (a
// notification may have been missed).
func (b *Broker) listen() {
	defer close(b.done)
	// Subscribing dials, so it is done here rather than under b.mu. An
	// error is seen again by Receive, which retries.
	pubsub := b.rdb.Subscribe(context.Background(), b.notify)
	b.mu.Lock()
	closed := b.closed
	b.pubsub = pubsub
	b.mu.Unlock()
	if closed { // Close ran before pubsub was set
		_ = pubsub.Close()
		return
	}
	backoff := 50 * time.Millisecond
	for {
		msg, err := pubsub.Receive(context.Background())
		if err != nil {
			// go-redis reconnects on the next Receive; wake fetchers so
			// they ask the server instead of trusting a lost message, and
			// wait a little so that a server that is down is not spun on.
			b.wake()
			t := time.NewTimer(backoff)
			select {
			case <-b.quit:
				t.Stop()
				return
			case <-t.C:
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch msg.(type) {
		case *redis.Message, *redis.Subscription:
			b.wake()
		}
	}
}

func (b *Broker) wake() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	close(b.signal)
	b.signal = make(chan struct{})
}

// Close stops the subscriber, wakes waiting fetches and makes later calls
// return [queue.ErrClosed].
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.signal)
	close(b.quit)
	listening, pubsub := b.listening, b.pubsub
	b.mu.Unlock()
	if !listening {
		return nil
	}
	var err error
	if pubsub != nil { // else listen closes it
		err = pubsub.Close()
	}
	<-b.done
	return err
}

func (b *Broker) check() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return queue.ErrClosed
	}
	return nil
}

// keys are one queue's key names, all carrying the queue's hash tag.
type keys struct {
	fixed   []string // KEYS of the scripts, in the documented order
	jobs    string   // prefix of job hashes
	uniques string   // prefix of unique-key locks

	// The arguments enqueueOne passes on every call, boxed once so that
	// building its argument list does not allocate them again.
	name      any    // the queue's name
	ready     [3]any // pending lists by 1 - priority: high, normal, low
	scheduled any
}

// hotKeys is keys for the calls a job's life makes (enqueue, fetch, ack,
// extend), kept per queue after the first. Inspection, which takes queue
// names from outside, uses keys, so that it cannot grow the cache.
func (b *Broker) hotKeys(q string) keys {
	if k, ok := b.keyCache.Load(q); ok {
		return k.(keys)
	}
	k := b.keys(q)
	b.keyCache.Store(q, k)
	return k
}

func (b *Broker) keys(q string) keys {
	base := b.opts.Prefix + "{" + q + "}:"
	k := keys{
		fixed: []string{
			base + "pending:high", base + "pending:normal", base + "pending:low",
			base + "scheduled", base + "retry", base + "active",
			base + "completed", base + "archived", base + "paused", base + "stats",
		},
		jobs:    base + "j:",
		uniques: base + "u:",
		name:    q,
	}
	k.ready = [3]any{k.fixed[0], k.fixed[1], k.fixed[2]}
	k.scheduled = k.fixed[3]
	return k
}

func (b *Broker) queuesKey() string { return b.opts.Prefix + "queues" }

// options is how a job's enqueue-time settings are stored.
type options struct {
	Priority   int               `json:"p,omitempty"`
	MaxRetries int               `json:"r,omitempty"`
	Timeout    time.Duration     `json:"t,omitempty"`
	UniqueKey  string            `json:"uk,omitempty"`
	UniqueFor  time.Duration     `json:"uf,omitempty"`
	RunAt      time.Time         `json:"at,omitzero"`
	Tags       []string          `json:"g,omitempty"`
	Meta       map[string]string `json:"md,omitempty"`
}

func validQueue(q string) bool { return q != "" && !strings.ContainsAny(q, "{}") }

func validJob(j *queue.Job) bool {
	return j != nil && j.Type != "" && validQueue(j.Queue) && j.MaxRetries >= 0 &&
		j.Priority >= queue.PriorityLow && j.Priority <= queue.PriorityHigh
}

// Enqueue stores jobs, grouping them by queue: one script per queue, all in
// one pipeline (one round trip). A single job of a queue this broker has
// enqueued into before takes a leaner script of its own.
func (b *Broker) Enqueue(ctx context.Context, jobs []*queue.Job) error {
	if err := b.check(); err != nil {
		return err
	}
	if len(jobs) == 1 && validJob(jobs[0]) && b.isKnown(jobs[0].Queue) {
		return b.enqueueOne(ctx, jobs[0])
	}
	errs := make([]error, len(jobs))
	byQueue := map[string][]int{}
	var order []string
	for i, j := range jobs {
		if !validJob(j) {
			errs[i] = queue.ErrInvalidJob
			continue
		}
		if j.ID == "" {
			j.ID = newID()
		}
		if _, ok := byQueue[j.Queue]; !ok {
			order = append(order, j.Queue)
		}
		byQueue[j.Queue] = append(byQueue[j.Queue], i)
	}
	if len(order) == 0 {
		return queue.BatchErr(errs)
	}
	argsByQueue := make([][]any, len(order))
	for qi, q := range order {
		k := b.hotKeys(q)
		args := make([]any, 0, 4+8*len(byQueue[q]))
		args = append(args, k.jobs, k.uniques, b.notify, q)
		for _, i := range byQueue[q] {
			j := jobs[i]
			meta, err := b.optionsArg(j)
			if err != nil {
				return err
			}
			args = append(args, j.ID, j.Type, j.Payload, meta, j.Priority, runAtMs(j), j.UniqueKey, uniqueMs(j))
		}
		argsByQueue[qi] = args
	}
	cmds := make([]*redis.Cmd, len(order))
	var err error
	if len(order) == 1 && b.isKnown(order[0]) {
		// The common case, one known queue: a plain script call, which
		// costs less than a pipeline of one.
		cmds[0] = enqueueScript.Run(ctx, b.rdb, b.hotKeys(order[0]).fixed[:4], argsByQueue[0]...)
		err = cmds[0].Err()
	} else {
		err = b.pipelined(ctx, func(pipe redis.Pipeliner) {
			for qi, q := range order {
				cmds[qi] = enqueueScript.EvalSha(ctx, pipe, b.hotKeys(q).fixed[:4], argsByQueue[qi]...)
				if !b.isKnown(q) {
					pipe.SAdd(ctx, b.queuesKey(), q)
				}
			}
		})
		if err == nil {
			for _, q := range order {
				b.known.Store(q, struct{}{})
			}
		}
	}
	if err != nil && cmdsFailed(cmds) {
		return fmt.Errorf("redisqueue: enqueue: %w", err)
	}
	for qi, q := range order {
		res, err := cmds[qi].Int64Slice()
		if err != nil {
			return fmt.Errorf("redisqueue: enqueue: %w", err)
		}
		now := time.UnixMilli(res[0])
		for n, i := range byQueue[q] {
			switch res[n+1] {
			case 1:
				jobs[i].EnqueuedAt = now
			case 0:
				errs[i] = fmt.Errorf("%w: unique key %q", queue.ErrDuplicate, jobs[i].UniqueKey)
			default:
				errs[i] = fmt.Errorf("%w: job ID %q exists", queue.ErrDuplicate, jobs[i].ID)
			}
		}
	}
	return queue.BatchErr(errs)
}

// enqueueOne stores one valid job of a known queue with enqueueOneScript:
// the Enqueue a [queue.Client] makes for each job, so it does the least
// work per call, on the server and here.
func (b *Broker) enqueueOne(ctx context.Context, j *queue.Job) error {
	if j.ID == "" {
		j.ID = newID()
	}
	meta, err := b.optionsArg(j)
	if err != nil {
		return err
	}
	k := b.hotKeys(j.Queue)
	args := make([]any, 0, 3+4+9)
	if j.UniqueKey == "" {
		args = append(args, "evalsha", enqueueOneSha, 3, k.jobs+j.ID, k.ready[1-j.Priority], k.scheduled)
	} else {
		args = append(args, "evalsha", enqueueOneSha, 4, k.jobs+j.ID, k.ready[1-j.Priority], k.scheduled, k.uniques+j.UniqueKey)
	}
	args = append(args, j.ID, j.Type, j.Payload, meta, j.Priority, runAtMs(j), uniqueMs(j), b.notifyArg, k.name)
	cmd := redis.NewCmd(ctx, args...)
	cmd.SetFirstKeyPos(3)
	if err := b.rdb.Process(ctx, cmd); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		// The server lost the script (a restart, SCRIPT FLUSH): send its
		// source, which loads it again.
		args[0], args[1] = "eval", enqueueOneSrc
		cmd = redis.NewCmd(ctx, args...)
		cmd.SetFirstKeyPos(3)
		_ = b.rdb.Process(ctx, cmd)
	}
	res, err := cmd.Int64()
	if err != nil {
		return fmt.Errorf("redisqueue: enqueue: %w", err)
	}
	switch {
	case res > 0:
		j.EnqueuedAt = time.UnixMilli(res)
		return nil
	case res == 0:
		err = fmt.Errorf("%w: unique key %q", queue.ErrDuplicate, j.UniqueKey)
	default:
		err = fmt.Errorf("%w: job ID %q exists", queue.ErrDuplicate, j.ID)
	}
	return &queue.BatchError{Errs: []error{err}}
}

// optionsArg is a valid job's encoded options as a script argument: for
// most jobs, one encoded and boxed in advance.
func (b *Broker) optionsArg(j *queue.Job) (any, error) {
	if j.MaxRetries <= maxPlainRetries && plain(j) {
		return b.plain[1-j.Priority][j.MaxRetries], nil
	}
	m, err := encodeOptions(j)
	if err != nil {
		return nil, fmt.Errorf("redisqueue: encoding job %s: %w", j.ID, err)
	}
	return m, nil
}

// runAtMs is the job's run time for the enqueue scripts: 0 for now.
func runAtMs(j *queue.Job) int64 {
	if j.RunAt.IsZero() {
		return 0
	}
	return j.RunAt.UnixMilli()
}

// uniqueMs is the job's unique window for the enqueue scripts, at least
// 1ms when it has a unique key (PX takes no 0).
func uniqueMs(j *queue.Job) int64 {
	uf := j.UniqueFor.Milliseconds()
	if j.UniqueKey != "" && uf < 1 {
		uf = 1
	}
	return uf
}

// isKnown reports whether this broker has added q to the set of queues
// (which only grows), so that enqueues need not add it again.
func (b *Broker) isKnown(q string) bool {
	_, ok := b.known.Load(q)
	return ok
}

// encodeOptions encodes a job's enqueue-time settings. A plain job is
// written by hand: the same JSON that encoding/json writes, at a fraction
// of the cost.
func encodeOptions(j *queue.Job) ([]byte, error) {
	if !plain(j) {
		return json.Marshal(options{
			Priority: j.Priority, MaxRetries: j.MaxRetries, Timeout: j.Timeout,
			UniqueKey: j.UniqueKey, UniqueFor: j.UniqueFor, RunAt: j.RunAt, Tags: j.Tags, Meta: j.Meta,
		})
	}
	return encodePlain(j.Priority, j.MaxRetries), nil
}

// plain reports whether a job sets only a priority and a retry count, as
// most do.
func plain(j *queue.Job) bool {
	return j.Timeout == 0 && j.UniqueKey == "" && j.UniqueFor == 0 && j.RunAt.IsZero() && j.Tags == nil && j.Meta == nil
}

func encodePlain(priority, retries int) []byte {
	out := make([]byte, 0, 24)
	out = append(out, '{')
	if priority != 0 {
		out = append(out, `"p":`...)
		out = strconv.AppendInt(out, int64(priority), 10)
	}
	if retries != 0 {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, `"r":`...)
		out = strconv.AppendInt(out, int64(retries), 10)
	}
	return append(out, '}')
}

// plainOptions holds the encoded options of plain jobs with up to
// maxPlainRetries retries, by 1 - priority and retry count, boxed for
// enqueueOne's arguments: most jobs are plain, with the client's default
// retry count.
type plainOptions [3][maxPlainRetries + 1]any

const maxPlainRetries = 32

func newPlainOptions() *plainOptions {
	var o plainOptions
	for p := range o {
		for r := range o[p] {
			o[p][r] = encodePlain(1-p, r)
		}
	}
	return &o
}

// cmdsFailed reports whether any script call failed (a pipeline error may
// come from the SADD alone).
func cmdsFailed(cmds []*redis.Cmd) bool {
	for _, c := range cmds {
		if c.Err() != nil {
			return true
		}
	}
	return false
}

// Fetch leases ready jobs, taking the queues in order with one script call
// each until req.Max is reached, and waits for a notification or the next
// due time when there is none.
func (b *Broker) Fetch(ctx context.Context, req queue.FetchRequest) ([]*queue.Lease, error) {
	if req.Max <= 0 || req.Lease < time.Millisecond {
		return nil, errors.New("redisqueue: Fetch needs a positive Max and a Lease of at least 1ms")
	}
	for {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return nil, queue.ErrClosed
		}
		b.startListener()
		signal := b.signal
		b.mu.Unlock()

		leases, wait, err := b.fetchOnce(ctx, req)
		if err != nil || len(leases) > 0 {
			if err != nil && ctx.Err() != nil {
				return leases, ctx.Err()
			}
			return leases, err
		}
		if wait <= 0 || wait > b.opts.MaxWait {
			wait = b.opts.MaxWait
		}
		t := time.NewTimer(wait)
		select {
		case <-signal:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		t.Stop()
	}
}

// fetchOnce runs the fetch script on each queue until req.Max jobs are
// leased. It returns how long until the earliest due time the server
// reported, or 0 when it knows none.
func (b *Broker) fetchOnce(ctx context.Context, req queue.FetchRequest) ([]*queue.Lease, time.Duration, error) {
	var leases []*queue.Lease
	var wait time.Duration
	for _, q := range req.Queues {
		want := req.Max - len(leases)
		if want <= 0 {
			break
		}
		if m, ok := req.QueueMax[q]; ok && m < want {
			want = m
		}
		if want <= 0 || !validQueue(q) {
			continue
		}
		k := b.hotKeys(q)
		tok := b.token()
		res, err := fetchScript.Run(ctx, b.rdb, k.fixed, k.jobs, want, req.Lease.Milliseconds(), tok, promoteBatch).Slice()
		if err == nil && (len(res) < 3 || (len(res)-3)%6 != 0) {
			err = fmt.Errorf("fetch returned %d fields", len(res))
		}
		if err != nil {
			if len(leases) > 0 {
				// Keep what was leased; the caller runs it. The failed
				// queue is tried again on the next fetch.
				return leases, 0, nil
			}
			return nil, 0, fmt.Errorf("redisqueue: fetch: %w", err)
		}
		now, next, expires := res[0].(int64), res[1].(int64), time.UnixMilli(res[2].(int64))
		if next >= 0 {
			if d := time.Duration(next-now+1) * time.Millisecond; wait == 0 || d < wait {
				wait = d
			}
		}
		for n, f := 1, res[3:]; len(f) >= 6; n, f = n+1, f[6:] {
			j, err := decodeJob(q, f[:6])
			if err != nil {
				return leases, 0, err
			}
			leases = append(leases, &queue.Lease{Job: j, Token: tok + strconv.Itoa(n), Expires: expires})
		}
	}
	return leases, wait, nil
}

// decodeJob decodes a leased job's fields: id, attempt, type, payload,
// options, last error.
func decodeJob(q string, f []any) (*queue.Job, error) {
	str := func(i int) string { s, _ := f[i].(string); return s }
	attempt, _ := f[1].(int64)
	j := &queue.Job{ID: str(0), Type: str(2), Queue: q, Payload: []byte(str(3)), Attempt: int(attempt), LastError: str(5)}
	if err := decodeOptions(j, str(4)); err != nil {
		return nil, fmt.Errorf("redisqueue: job %s options: %w", j.ID, err)
	}
	return j, nil
}

// decodeOptions sets j's enqueue-time settings from their encoding. The
// plain encodings that encodePlain writes are read by hand.
func decodeOptions(j *queue.Job, m string) error {
	if p, r, ok := decodePlain(m); ok {
		j.Priority, j.MaxRetries = p, r
		return nil
	}
	if m == "" {
		return nil
	}
	var o options
	if err := json.Unmarshal([]byte(m), &o); err != nil {
		return err
	}
	j.Priority, j.RunAt, j.MaxRetries, j.Timeout = o.Priority, o.RunAt, o.MaxRetries, o.Timeout
	j.UniqueKey, j.UniqueFor, j.Tags, j.Meta = o.UniqueKey, o.UniqueFor, o.Tags, o.Meta
	return nil
}

// decodePlain reads {}, {"p":P}, {"r":R} and {"p":P,"r":R}, with P and R
// integers of at most four digits (P may be negative), and reports false
// for anything else.
func decodePlain(m string) (priority, retries int, ok bool) {
	rest, ok := strings.CutPrefix(m, "{")
	if !ok {
		return 0, 0, false
	}
	if v, ok := strings.CutPrefix(rest, `"p":`); ok {
		if priority, rest, ok = plainInt(v); !ok {
			return 0, 0, false
		}
		if rest != "}" {
			if rest, ok = strings.CutPrefix(rest, ","); !ok {
				return 0, 0, false
			}
		}
	}
	if v, ok := strings.CutPrefix(rest, `"r":`); ok {
		if retries, rest, ok = plainInt(v); !ok {
			return 0, 0, false
		}
	}
	return priority, retries, rest == "}"
}

// plainInt reads an optionally negative integer of one to four digits
// from the start of s.
func plainInt(s string) (n int, rest string, ok bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	i := 0
	for i < len(s) && i < 5 && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i == 0 || i > 4 {
		return 0, s, false
	}
	if neg {
		n = -n
	}
	return n, s[i:], true
}

// token returns a lease-token prefix unique to this call.
func (b *Broker) token() string {
	b.mu.Lock()
	b.tokenNo++
	n := b.tokenNo
	b.mu.Unlock()
	return b.inst + "." + strconv.FormatUint(n, 36) + "."
}

// group splits a batch by queue, keeping each item's index.
func group[T any](items []T, queueOf func(T) (string, bool)) (map[string][]int, []string, []error) {
	errs := make([]error, len(items))
	by := map[string][]int{}
	var order []string
	for i, it := range items {
		q, ok := queueOf(it)
		if !ok || !validQueue(q) {
			errs[i] = queue.ErrLeaseLost
			continue
		}
		if _, seen := by[q]; !seen {
			order = append(order, q)
		}
		by[q] = append(by[q], i)
	}
	return by, order, errs
}

// Extend pushes the expiry of live leases, one script per queue in one
// pipeline.
func (b *Broker) Extend(ctx context.Context, leases []*queue.Lease, d time.Duration) error {
	if err := b.check(); err != nil {
		return err
	}
	by, order, errs := group(leases, func(l *queue.Lease) (string, bool) {
		if l == nil || l.Job == nil {
			return "", false
		}
		return l.Job.Queue, true
	})
	cmds := make([]*redis.Cmd, len(order))
	if len(order) > 0 {
		err := b.pipelined(ctx, func(pipe redis.Pipeliner) {
			for qi, q := range order {
				k := b.hotKeys(q)
				args := []any{k.jobs, d.Milliseconds()}
				for _, i := range by[q] {
					args = append(args, leases[i].Job.ID, leases[i].Token)
				}
				cmds[qi] = extendScript.EvalSha(ctx, pipe, k.fixed, args...)
			}
		})
		if err != nil {
			return fmt.Errorf("redisqueue: extend: %w", err)
		}
	}
	for qi, q := range order {
		res, err := cmds[qi].Int64Slice()
		if err != nil {
			return fmt.Errorf("redisqueue: extend: %w", err)
		}
		expires := time.UnixMilli(res[0])
		for n, i := range by[q] {
			if res[n+1] == 1 {
				leases[i].Expires = expires
			} else {
				errs[i] = queue.ErrLeaseLost
			}
		}
	}
	return queue.BatchErr(errs)
}

// Ack settles leases, one script per queue in one pipeline.
func (b *Broker) Ack(ctx context.Context, outcomes []queue.Outcome) error {
	if err := b.check(); err != nil {
		return err
	}
	by, order, errs := group(outcomes, func(o queue.Outcome) (string, bool) {
		if o.Lease == nil || o.Lease.Job == nil {
			return "", false
		}
		return o.Lease.Job.Queue, true
	})
	retention := b.opts.Retention.Milliseconds()
	if retention < 0 {
		retention = 0
	}
	argsByQueue := make([][]any, len(order))
	for qi, q := range order {
		k := b.hotKeys(q)
		args := make([]any, 0, 5+7*len(by[q]))
		args = append(args, k.jobs, retention, b.opts.MaxFinished, b.notifyArg, k.name)
		for _, i := range by[q] {
			o := outcomes[i]
			var kind string
			var retryAt int64 // boxed without allocating unless set
			switch o.Kind {
			case queue.Done:
				kind = "done"
			case queue.Retry:
				kind, retryAt = "retry", o.RetryAt.UnixMilli()
			case queue.Dead:
				kind = "dead"
			case queue.Release:
				kind = "release"
			default:
				return fmt.Errorf("redisqueue: unknown outcome %d", o.Kind)
			}
			has := "0"
			if o.Result != nil {
				has = "1"
			}
			args = append(args, o.Lease.Job.ID, o.Lease.Token, kind, retryAt, o.Error, o.Result, has)
		}
		argsByQueue[qi] = args
	}
	cmds := make([]*redis.Cmd, len(order))
	if len(order) == 1 {
		cmds[0] = ackScript.Run(ctx, b.rdb, b.hotKeys(order[0]).fixed, argsByQueue[0]...)
	} else if len(order) > 1 {
		err := b.pipelined(ctx, func(pipe redis.Pipeliner) {
			for qi, q := range order {
				cmds[qi] = ackScript.EvalSha(ctx, pipe, b.hotKeys(q).fixed, argsByQueue[qi]...)
			}
		})
		if err != nil {
			return fmt.Errorf("redisqueue: ack: %w", err)
		}
	}
	for qi, q := range order {
		res, err := cmds[qi].Int64Slice()
		if err != nil {
			return fmt.Errorf("redisqueue: ack: %w", err)
		}
		for n, i := range by[q] {
			if res[n] != 1 {
				errs[i] = queue.ErrLeaseLost
			}
		}
	}
	return queue.BatchErr(errs)
}

// ClaimTick reports true to the first caller for key until ttl passes
// (SET NX PX).
func (b *Broker) ClaimTick(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := b.check(); err != nil {
		return false, err
	}
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	ok, err := b.rdb.SetNX(ctx, b.opts.Prefix+"tick:"+key, 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redisqueue: claim tick: %w", err)
	}
	return ok, nil
}

// Pause makes Fetch skip the queue until Resume.
func (b *Broker) Pause(ctx context.Context, q string) error {
	if err := b.check(); err != nil {
		return err
	}
	if !validQueue(q) {
		return queue.ErrInvalidJob
	}
	pipe := b.rdb.Pipeline()
	pipe.Set(ctx, b.keys(q).fixed[8], 1, 0)
	pipe.SAdd(ctx, b.queuesKey(), q)
	_, err := pipe.Exec(ctx)
	if err == nil {
		b.known.Store(q, struct{}{})
	}
	return err
}

// Resume lets Fetch take from the queue again.
func (b *Broker) Resume(ctx context.Context, q string) error {
	if err := b.check(); err != nil {
		return err
	}
	if !validQueue(q) {
		return queue.ErrInvalidJob
	}
	pipe := b.rdb.Pipeline()
	pipe.Del(ctx, b.keys(q).fixed[8])
	pipe.Publish(ctx, b.notify, q)
	_, err := pipe.Exec(ctx)
	return err
}

var allScripts = []*redis.Script{enqueueOneScript, enqueueScript, fetchScript, ackScript, extendScript, moveScript}

// loadScripts loads every script into the server's cache (each master's,
// on a cluster), so that pipelines can call them by digest.
func (b *Broker) loadScripts(ctx context.Context) error {
	load := func(ctx context.Context, c redis.Scripter) error {
		for _, s := range allScripts {
			if err := s.Load(ctx, c).Err(); err != nil {
				return err
			}
		}
		return nil
	}
	if cc, ok := b.rdb.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return load(ctx, c) })
	}
	return load(ctx, b.rdb)
}

// pipelined runs the commands build queues in one round trip. Scripts are
// called by digest; if the server has lost them (a restart, SCRIPT FLUSH)
// they are loaded again and the pipeline rebuilt and sent once more.
func (b *Broker) pipelined(ctx context.Context, build func(pipe redis.Pipeliner)) error {
	for attempt := 0; ; attempt++ {
		pipe := b.rdb.Pipeline()
		build(pipe)
		cmds, err := pipe.Exec(ctx)
		if err == nil || attempt > 0 || !noScript(cmds) {
			return err
		}
		if err := b.loadScripts(ctx); err != nil {
			return err
		}
	}
}

func noScript(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if err := c.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
			return true
		}
	}
	return false
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
