package cache

import (
	"context"
	"fmt"
	"hash/maphash"
	"runtime/debug"
	"sync"
	"time"

	"github.com/keel-go/keel/errors"
)

// WriteBackOptions configures a [WriteBack]. Every zero field means its
// default.
type WriteBackOptions[V any] struct {
	// Store writes a batch of values to the source of truth, in one
	// transaction or round trip if it can. The map is the callee's to
	// keep. An error means none of the batch is taken to be written: it
	// is kept and retried, so Store must be idempotent (an upsert).
	// Required.
	Store func(ctx context.Context, items map[string]V) error
	// Remove deletes a batch of keys from the source of truth; an absent
	// key must not be an error. Required for Delete, which fails
	// without it.
	Remove func(ctx context.Context, keys []string) error
	// TTL is the cache TTL of written values, with the meaning
	// [Cache.Set] gives it. Default 0: no expiry.
	TTL time.Duration
	// MaxBatch is the most entries one Store or Remove call receives,
	// and the number of buffered entries that starts a flush before
	// Interval is up. Default 100.
	MaxBatch int
	// Interval is how often the buffer is flushed. It bounds how long a
	// write waits in memory while the store is healthy. Default 1 second.
	Interval time.Duration
	// MaxPending bounds the number of buffered keys (waiting or being
	// flushed). When it is reached, Set and Delete of a key that is not
	// already waiting block until a flush frees room or their ctx is
	// done. (A write racing the flush of its own key can exceed the bound
	// by one.) Must be at least MaxBatch. Default 10 × MaxBatch.
	MaxPending int
	// FlushTimeout bounds each Store or Remove call. Default 30 seconds.
	FlushTimeout time.Duration
	// RetryBackoff is the wait before retrying after a failed flush; it
	// doubles after each consecutive failure up to MaxRetryBackoff.
	// Default 100 milliseconds.
	RetryBackoff time.Duration
	// MaxRetryBackoff caps RetryBackoff's growth. Default 30 seconds.
	MaxRetryBackoff time.Duration
	// OnError receives the errors of background flushes, which no caller
	// receives. Default: dropped (the entries are kept and retried all
	// the same).
	OnError func(err error)
}

func (o WriteBackOptions[V]) withDefaults() WriteBackOptions[V] {
	if o.MaxBatch == 0 {
		o.MaxBatch = 100
	}
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	if o.MaxPending == 0 {
		o.MaxPending = 10 * o.MaxBatch
	}
	if o.FlushTimeout == 0 {
		o.FlushTimeout = 30 * time.Second
	}
	if o.RetryBackoff == 0 {
		o.RetryBackoff = 100 * time.Millisecond
	}
	if o.MaxRetryBackoff == 0 {
		o.MaxRetryBackoff = max(30*time.Second, o.RetryBackoff)
	}
	return o
}

func (o WriteBackOptions[V]) validate() error {
	switch {
	case o.Store == nil:
		return errors.New("cache: WriteBackOptions.Store is nil")
	case o.TTL < 0:
		return fmt.Errorf("cache: WriteBackOptions.TTL %v is negative", o.TTL)
	case o.MaxBatch < 0:
		return fmt.Errorf("cache: WriteBackOptions.MaxBatch %d is negative", o.MaxBatch)
	case o.Interval < 0:
		return fmt.Errorf("cache: WriteBackOptions.Interval %v is negative", o.Interval)
	case o.MaxPending < o.MaxBatch:
		return fmt.Errorf("cache: WriteBackOptions.MaxPending %d is less than MaxBatch %d", o.MaxPending, o.MaxBatch)
	case o.FlushTimeout < 0:
		return fmt.Errorf("cache: WriteBackOptions.FlushTimeout %v is negative", o.FlushTimeout)
	case o.RetryBackoff < 0:
		return fmt.Errorf("cache: WriteBackOptions.RetryBackoff %v is negative", o.RetryBackoff)
	case o.MaxRetryBackoff < o.RetryBackoff:
		return fmt.Errorf("cache: WriteBackOptions.MaxRetryBackoff %v is less than RetryBackoff %v", o.MaxRetryBackoff, o.RetryBackoff)
	}
	return nil
}

// WriteBack is a write-behind cache: Set writes to the cache at once and
// buffers the write; a background goroutine flushes the buffer to the
// source of truth in batches, every Interval or as soon as MaxBatch
// entries wait. Writes to one key coalesce: only the last value
// buffered is flushed. A failed flush keeps its entries (unless a newer
// write to the same key replaced them) and is retried with exponential
// backoff. Get reads the buffer before the cache, so a caller reads its
// own writes even if the cache evicted them.
//
// # Durability
//
// A write is durable only once it is flushed. A crash loses what is
// buffered: up to Interval's worth of writes (or MaxBatch entries) while
// the store is healthy, and up to MaxPending entries while it is failing.
// A clean shutdown loses nothing: Stop flushes everything buffered,
// retrying until its ctx is done. Use [WriteThrough] for writes that must
// not be lost.
//
// # Back-pressure
//
// At most MaxPending keys are buffered. A Set or Delete of a new key then
// blocks until a flush frees room, and returns ctx.Err() if its ctx is
// done first, having changed nothing.
//
// # Lifecycle
//
// [NewWriteBack] starts the flushing goroutine. WriteBack implements the
// Start and Stop of keel's shutdown.Component: Start does nothing more,
// Stop flushes and stops, and Close flushes once and stops. Every method
// returns [ErrClosed] once Stop or Close has begun. WriteBack does not
// close the cache.
//
// The zero value is not usable. Methods are safe for concurrent use. V
// values are kept, not copied, until they are flushed: do not modify a
// value after passing it to Set.
type WriteBack[V any] struct {
	c    Cache[V]
	opts WriteBackOptions[V]

	seed    maphash.Seed
	stripes [64]sync.Mutex // orders the cache write and the buffering of one key

	flushMu sync.Mutex // one flush at a time

	kick       chan struct{} // a full batch waits
	quit       chan struct{} // closed to end the loop
	loopDone   chan struct{}
	stopped    chan struct{} // closed when Stop or Close has finished
	cancelLoop context.CancelFunc

	mu       sync.Mutex
	pending  map[string]pendingOp[V] // waiting for a flush
	inflight map[string]pendingOp[V] // in the flush running now
	reserved int                     // room taken by writers not yet buffered
	room     chan struct{}           // closed and replaced when room may have freed
	writers  int                     // Set and Delete calls in progress
	idle     chan struct{}           // closed when writers reaches 0 after closing
	closing  bool                    // Stop or Close began: no new writers
	drained  bool                    // the final flush is over: nothing more is buffered
}

// pendingOp is a buffered write: a value, or a deletion.
type pendingOp[V any] struct {
	value V
	del   bool
}

// NewWriteBack returns a WriteBack over c and starts its flushing
// goroutine. It fails if c is nil or opts is invalid. Stop or Close it to
// flush the buffer and end the goroutine.
func NewWriteBack[V any](c Cache[V], opts WriteBackOptions[V]) (*WriteBack[V], error) {
	if c == nil {
		return nil, errors.New("cache: NewWriteBack with a nil cache")
	}
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &WriteBack[V]{
		c:          c,
		opts:       opts,
		seed:       maphash.MakeSeed(),
		kick:       make(chan struct{}, 1),
		quit:       make(chan struct{}),
		loopDone:   make(chan struct{}),
		stopped:    make(chan struct{}),
		cancelLoop: cancel,
		pending:    make(map[string]pendingOp[V]),
		inflight:   make(map[string]pendingOp[V]),
		room:       make(chan struct{}),
	}
	go w.loop(ctx)
	return w, nil
}

// Start reports whether w is running: it returns nil before Stop or
// Close, and [ErrClosed] after. The flushing goroutine is started by
// [NewWriteBack], so that a WriteBack is usable without a lifecycle
// manager; Start exists to make WriteBack a shutdown.Component.
func (w *WriteBack[V]) Start(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		return ErrClosed
	}
	return nil
}

// Get returns the buffered value of key if there is one (a buffered
// Delete is a miss), and otherwise the cache's.
func (w *WriteBack[V]) Get(ctx context.Context, key string) (V, bool, error) {
	var zero V
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		return zero, false, ErrClosed
	}
	op, ok := w.pending[key]
	if !ok {
		op, ok = w.inflight[key]
	}
	w.mu.Unlock()
	if ok {
		if op.del {
			return zero, false, nil
		}
		return op.value, true, nil
	}
	return w.c.Get(ctx, key)
}

// Set writes value under key to the cache with the configured TTL and
// buffers it for the store. If the cache write fails, Set returns its
// error and buffers nothing. See the type documentation for when Set
// blocks.
func (w *WriteBack[V]) Set(ctx context.Context, key string, value V) error {
	return w.write(ctx, key, pendingOp[V]{value: value},
		func() error { return w.c.Set(ctx, key, value, w.opts.TTL) })
}

// Delete removes key from the cache and buffers the deletion for the
// store's Remove. Without [WriteBackOptions].Remove it returns an error
// and changes nothing.
func (w *WriteBack[V]) Delete(ctx context.Context, key string) error {
	if w.opts.Remove == nil {
		return errors.New("cache: WriteBack.Delete needs WriteBackOptions.Remove")
	}
	return w.write(ctx, key, pendingOp[V]{del: true},
		func() error { return w.c.Delete(ctx, key) })
}

// Flush writes everything buffered now to the store, in batches of
// MaxBatch, and returns the first error; the entries of a failed batch
// stay buffered. It waits for a background flush in progress. After Stop
// or Close it returns [ErrClosed].
func (w *WriteBack[V]) Flush(ctx context.Context) error {
	w.mu.Lock()
	closing := w.closing
	w.mu.Unlock()
	if closing {
		return ErrClosed
	}
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	return w.flushAll(ctx, nil)
}

// Pending returns the number of buffered keys, including those being
// flushed.
func (w *WriteBack[V]) Pending() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending) + len(w.inflight)
}

// Stop stops accepting writes, waits for the writes in progress, and
// flushes everything buffered, retrying failed batches with backoff until
// all are written or ctx is done. It returns nil when everything was
// written. When ctx ends first it returns an error matching ctx.Err():
// joined with the last flush error if writes were lost, and also when
// writers were still in progress, which then return [ErrClosed] without
// buffering. A flush in progress when ctx ends is cancelled. Stop is
// idempotent: a later call waits for the first to finish (or for its own
// ctx) and returns nil.
func (w *WriteBack[V]) Stop(ctx context.Context) error {
	return w.shutdown(ctx, true)
}

// Close stops w like Stop without a deadline, except that each buffered
// batch is tried once: if the store fails, Close returns the error and
// the batch is lost. It is idempotent.
func (w *WriteBack[V]) Close() error {
	return w.shutdown(context.Background(), false)
}

func (w *WriteBack[V]) shutdown(ctx context.Context, retry bool) error {
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		select {
		case <-w.stopped:
		case <-ctx.Done():
		}
		return nil
	}
	w.closing = true
	close(w.room) // wakes blocked writers, which then see closing
	w.idle = make(chan struct{})
	if w.writers == 0 {
		close(w.idle)
	}
	idle := w.idle
	w.mu.Unlock()
	defer close(w.stopped)
	defer w.cancelLoop()

	close(w.quit)
	abandoned := false // writers still in progress when ctx ended
	select {
	case <-idle:
	case <-ctx.Done():
		abandoned = true
	}
	select {
	case <-w.loopDone:
	case <-ctx.Done():
		w.cancelLoop()
		<-w.loopDone
	}

	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	backoff := w.opts.RetryBackoff
	for {
		err := w.flushAll(ctx, nil)
		if err == nil {
			if w.drain(false) > 0 {
				continue // a writer still in progress after ctx ended buffered more
			}
			if abandoned {
				return fmt.Errorf("cache: write-back stopped before its writers returned: %w", ctx.Err())
			}
			return nil
		}
		if !retry {
			return fmt.Errorf("cache: write-back closed with %d writes lost: %w", w.drain(true), err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
			backoff = min(2*backoff, w.opts.MaxRetryBackoff)
		case <-ctx.Done():
			t.Stop()
			return errors.Join(ctx.Err(),
				fmt.Errorf("cache: write-back stopped with %d writes lost: %w", w.drain(true), err))
		}
	}
}

// drain ends buffering if nothing is buffered, or in any case if force is
// set, and returns the number of buffered keys. Once it has ended
// buffering, a writer still in progress gets ErrClosed instead of
// buffering a write nobody would flush.
func (w *WriteBack[V]) drain(force bool) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.pending) + len(w.inflight)
	if n == 0 || force {
		w.drained = true
	}
	return n
}

// write performs one Set or Delete: it takes room in the buffer, applies
// update to the cache and buffers op, under key's stripe lock so that the
// order of the cache writes to key is the order of its buffered ops.
func (w *WriteBack[V]) write(ctx context.Context, key string, op pendingOp[V], update func() error) error {
	if key == "" {
		return ErrInvalidKey
	}
	reserved, err := w.reserve(ctx, key)
	if err != nil {
		return err
	}
	stripe := &w.stripes[maphash.String(w.seed, key)%uint64(len(w.stripes))]
	stripe.Lock()
	err = update()
	w.mu.Lock()
	if reserved {
		w.reserved--
	}
	if err == nil && w.drained {
		// Stop gave up waiting for this writer: the cache has the
		// write, but the store never will.
		err = ErrClosed
	}
	if err == nil {
		w.pending[key] = op
	}
	full := len(w.pending) >= w.opts.MaxBatch
	w.writers--
	if w.writers == 0 && w.closing {
		close(w.idle)
	}
	w.mu.Unlock()
	stripe.Unlock()
	if full {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	return err
}

// reserve registers a writer and takes room in the buffer for key unless
// key is already buffered, blocking while the buffer is full. It reports
// whether it took room.
func (w *WriteBack[V]) reserve(ctx context.Context, key string) (bool, error) {
	for {
		w.mu.Lock()
		if w.closing {
			w.mu.Unlock()
			return false, ErrClosed
		}
		if _, ok := w.pending[key]; ok {
			w.writers++
			w.mu.Unlock()
			return false, nil
		}
		if len(w.pending)+len(w.inflight)+w.reserved < w.opts.MaxPending {
			w.writers++
			w.reserved++
			w.mu.Unlock()
			return true, nil
		}
		room := w.room
		w.mu.Unlock()
		select {
		case w.kick <- struct{}{}:
		default:
		}
		select {
		case <-room:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// loop flushes every Interval, when a batch is full, and after a backoff
// when a flush failed, until quit is closed.
func (w *WriteBack[V]) loop(ctx context.Context) {
	defer close(w.loopDone)
	timer := time.NewTimer(w.opts.Interval)
	defer timer.Stop()
	var backoff time.Duration
	for {
		select {
		case <-w.quit:
			return
		case <-w.kick:
			if backoff > 0 {
				continue // the retry timer is running
			}
		case <-timer.C:
		}
		w.flushMu.Lock()
		err := w.flushAll(ctx, w.quit)
		w.flushMu.Unlock()
		if err != nil {
			if w.opts.OnError != nil {
				w.opts.OnError(err)
			}
			backoff = min(max(2*backoff, w.opts.RetryBackoff), w.opts.MaxRetryBackoff)
			timer.Reset(backoff)
			continue
		}
		backoff = 0
		timer.Reset(w.opts.Interval)
	}
}

// flushAll flushes batches until the entries buffered when it started are
// written, a batch fails, or quit is closed. The caller holds flushMu.
func (w *WriteBack[V]) flushAll(ctx context.Context, quit <-chan struct{}) error {
	w.mu.Lock()
	batches := len(w.pending)/w.opts.MaxBatch + 1
	w.mu.Unlock()
	for range batches {
		select {
		case <-quit:
			return nil
		default:
		}
		n, err := w.flushBatch(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}

// flushBatch moves up to MaxBatch entries to inflight, writes them, and
// either drops them or puts them back for a retry. It returns how many
// entries it took.
func (w *WriteBack[V]) flushBatch(ctx context.Context) (int, error) {
	w.mu.Lock()
	var (
		items map[string]V
		dels  []string
	)
	for k, op := range w.pending {
		if len(w.inflight) == w.opts.MaxBatch {
			break
		}
		w.inflight[k] = op
		delete(w.pending, k)
		if op.del {
			dels = append(dels, k)
		} else {
			if items == nil {
				items = make(map[string]V)
			}
			items[k] = op.value
		}
	}
	n := len(w.inflight)
	w.mu.Unlock()
	if n == 0 {
		return 0, nil
	}

	ctx, cancel := context.WithTimeout(ctx, w.opts.FlushTimeout)
	defer cancel()
	var storeErr, removeErr error
	if len(items) > 0 {
		storeErr = protect(func() error { return w.opts.Store(ctx, items) })
	}
	if storeErr == nil && len(dels) > 0 {
		removeErr = protect(func() error { return w.opts.Remove(ctx, dels) })
	}

	w.mu.Lock()
	for k, op := range w.inflight {
		failed := storeErr != nil || (removeErr != nil && op.del)
		if _, newer := w.pending[k]; failed && !newer {
			w.pending[k] = op
		}
	}
	clear(w.inflight)
	if !w.closing { // once closing, room stays closed
		close(w.room)
		w.room = make(chan struct{})
	}
	w.mu.Unlock()

	switch {
	case storeErr != nil:
		return n, fmt.Errorf("cache: write-back store of %d entries: %w", len(items), storeErr)
	case removeErr != nil:
		return n, fmt.Errorf("cache: write-back remove of %d keys: %w", len(dels), removeErr)
	}
	return n, nil
}

// protect runs f, turning a panic into an error: f runs in the flushing
// goroutine, where a panic would end the process.
func protect(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cache: write-back store panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return f()
}
