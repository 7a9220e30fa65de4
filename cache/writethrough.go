package cache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/keel-go/keel/errors"
)

// WriteThroughOptions configures a [WriteThrough]. Every zero field means
// its default.
type WriteThroughOptions[V any] struct {
	// Store writes value under key to the source of truth. Required.
	Store func(ctx context.Context, key string, value V) error
	// Remove deletes key from the source of truth; removing an absent
	// key should not be an error. Required for Delete, which fails
	// without it.
	Remove func(ctx context.Context, key string) error
	// TTL is the cache TTL of written values, with the meaning
	// [Cache.Set] gives it. Default 0: no expiry.
	TTL time.Duration
	// InvalidateTimeout bounds the cache delete that follows a failed
	// write. That delete runs even when the caller's ctx is done, since
	// skipping it could leave the cache disagreeing with the source.
	// Default 5 seconds.
	InvalidateTimeout time.Duration
}

func (o WriteThroughOptions[V]) withDefaults() WriteThroughOptions[V] {
	if o.InvalidateTimeout == 0 {
		o.InvalidateTimeout = 5 * time.Second
	}
	return o
}

func (o WriteThroughOptions[V]) validate() error {
	switch {
	case o.Store == nil:
		return errors.New("cache: WriteThroughOptions.Store is nil")
	case o.TTL < 0:
		return fmt.Errorf("cache: WriteThroughOptions.TTL %v is negative", o.TTL)
	case o.InvalidateTimeout < 0:
		return fmt.Errorf("cache: WriteThroughOptions.InvalidateTimeout %v is negative", o.InvalidateTimeout)
	}
	return nil
}

// WriteThrough keeps a cache in step with a source of truth on writes:
// Set writes to the store first and then to the cache, Delete removes
// from the store first and then from the cache. A write the store did not
// take never reaches the cache. Read with the cache itself, or with a
// [Loader] over the same data for misses.
//
// When a write fails half-way the key is invalidated (deleted from the
// cache) so that the next read goes to the store:
//
//   - The store fails: the error is returned and the key is deleted from
//     the cache, since a store that timed out may or may not have applied
//     the write, and the old cached value may no longer be its value.
//   - The store succeeds and the cache write fails: the key is deleted
//     from the cache and the cache's error is returned (wrapped; the
//     store has the new value). If that delete fails too, both errors are
//     returned and the cache may still hold the old value until its TTL.
//
// Concurrent writes to one key through one WriteThrough cannot leave the
// cache holding an older value than the store: when writes overlap, the
// ones that finish knowing a newer write started invalidate the key
// instead of trusting their order. Writers in other processes are not
// coordinated; give the cache a TTL to bound any disagreement.
//
// Create a WriteThrough with [NewWriteThrough]; the zero value is not
// usable. Its methods are safe for concurrent use. It starts no
// goroutines and does not close the cache.
type WriteThrough[V any] struct {
	c    Cache[V]
	opts WriteThroughOptions[V]

	mu   sync.Mutex
	keys map[string]*writeSeq // writes in progress, by key
}

// writeSeq counts the writes to one key: seq is the number of the latest
// write started, active how many are in progress.
type writeSeq struct {
	seq    uint64
	active int
}

// NewWriteThrough returns a WriteThrough over c. It fails if c is nil or
// opts is invalid.
func NewWriteThrough[V any](c Cache[V], opts WriteThroughOptions[V]) (*WriteThrough[V], error) {
	if c == nil {
		return nil, errors.New("cache: NewWriteThrough with a nil cache")
	}
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &WriteThrough[V]{c: c, opts: opts, keys: make(map[string]*writeSeq)}, nil
}

// Set writes value under key to the store, then to the cache with the
// configured TTL. On failure it returns the error and leaves key
// invalidated in the cache, as the type documentation describes.
func (w *WriteThrough[V]) Set(ctx context.Context, key string, value V) error {
	return w.write(ctx, key, func() error { return w.opts.Store(ctx, key, value) },
		func() error { return w.c.Set(ctx, key, value, w.opts.TTL) })
}

// Delete removes key from the store, then from the cache. If the store
// fails, the key is still deleted from the cache and the store's error is
// returned. Without [WriteThroughOptions].Remove it returns an error and
// changes nothing.
func (w *WriteThrough[V]) Delete(ctx context.Context, key string) error {
	if w.opts.Remove == nil {
		return errors.New("cache: WriteThrough.Delete needs WriteThroughOptions.Remove")
	}
	return w.write(ctx, key, func() error { return w.opts.Remove(ctx, key) },
		func() error { return w.c.Delete(ctx, key) })
}

// write runs one store write then one cache write for key, invalidating
// the key when either fails or when a newer write to key started before
// this one finished.
func (w *WriteThrough[V]) write(ctx context.Context, key string, store, update func() error) error {
	if key == "" {
		return ErrInvalidKey
	}
	seq := w.begin(key)
	if err := store(); err != nil {
		w.end(key)
		return errors.Join(err, w.invalidate(ctx, key))
	}
	err := update()
	newer := w.end(key) != seq
	if err != nil {
		return errors.Join(fmt.Errorf("cache: write-through: stored, but the cache write failed: %w", err),
			w.invalidate(ctx, key))
	}
	if newer {
		return w.invalidate(ctx, key)
	}
	return nil
}

// begin registers a write to key and returns its number.
func (w *WriteThrough[V]) begin(key string) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.keys[key]
	if s == nil {
		s = &writeSeq{}
		w.keys[key] = s
	}
	s.seq++
	s.active++
	return s.seq
}

// end unregisters a write to key and returns the number of the latest
// write to key started so far.
func (w *WriteThrough[V]) end(key string) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.keys[key]
	s.active--
	if s.active == 0 {
		delete(w.keys, key)
	}
	return s.seq
}

// invalidate deletes key from the cache with a context that survives the
// caller's cancellation.
func (w *WriteThrough[V]) invalidate(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.opts.InvalidateTimeout)
	defer cancel()
	if err := w.c.Delete(ctx, key); err != nil {
		return fmt.Errorf("cache: write-through: invalidate %q: %w", key, err)
	}
	return nil
}
