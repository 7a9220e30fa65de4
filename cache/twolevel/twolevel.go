package twolevel

import (
	"context"
	"crypto/rand"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/errors"
)

// Defaults applied by [New] to the zero fields of [Options].
const (
	// DefaultMaxNearTTL bounds how long an entry stays in the near cache
	// when Options.MaxNearTTL is zero.
	DefaultMaxNearTTL = time.Minute
	// DefaultChannel is the invalidation channel when Options.Channel is
	// empty and the far cache has no prefix to derive one from.
	DefaultChannel = "keel:twolevel:invalidate"
)

// Clearer is implemented by a near cache that can drop every entry at
// once. [New] requires it of the near cache: when the subscription to the
// invalidation channel is re-established, the messages published while it
// was down are lost, so the whole near cache is cleared.
// [github.com/keel-go/keel/cache/memorycache] implements it.
type Clearer interface {
	Clear()
}

// TTLGetter is implemented by a far cache that returns an entry's
// remaining TTL with its value, 0 meaning no expiry, in one call.
// [github.com/keel-go/keel/cache/rediscache] implements it. With it, the
// copy of an entry in the near cache expires no later than the entry;
// without it, the near copy lives Options.MaxNearTTL, and may be returned
// for up to that long after the far entry expired.
type TTLGetter[V any] interface {
	GetWithTTL(ctx context.Context, key string) (value V, ttl time.Duration, ok bool, err error)
}

// Options configures a [Cache]. Every zero field means "use the default".
type Options struct {
	// Channel is the Redis pub/sub channel on which instances announce
	// the keys they change. Every instance of one cache must use the same
	// channel, and different caches should use different ones (sharing
	// is harmless, only wasteful: an instance drops keys it did not need
	// to). Default: the far cache's Prefix()+"invalidate" when it has a
	// Prefix method (as rediscache does), else [DefaultChannel].
	Channel string
	// MaxNearTTL caps how long an entry stays in the near cache, whatever
	// its TTL in the far cache. Pub/sub delivers at most once: an
	// invalidation published while an instance is disconnected, or lost
	// in a failover, never arrives, and the instance keeps serving the old
	// value from its near cache. MaxNearTTL bounds that staleness. Default
	// [DefaultMaxNearTTL].
	MaxNearTTL time.Duration
	// Now returns the current time. The cache only measures how long a
	// call to the far cache took, to subtract it from the TTL given to the
	// near cache. Default time.Now.
	Now func() time.Time
	// OnError receives the errors of the subscriber goroutine, which has
	// no caller to return them to: a lost connection (retried with
	// backoff), a message it cannot decode (it then clears the near cache),
	// a failure of the near cache while invalidating. It is called from
	// that goroutine, never with a lock held. Default: errors are dropped.
	OnError func(error)
}

func (o Options) withDefaults(far any) Options {
	if o.Channel == "" {
		o.Channel = DefaultChannel
		if p, ok := far.(interface{ Prefix() string }); ok && p.Prefix() != "" {
			o.Channel = p.Prefix() + "invalidate"
		}
	}
	if o.MaxNearTTL == 0 {
		o.MaxNearTTL = DefaultMaxNearTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OnError == nil {
		o.OnError = func(error) {}
	}
	return o
}

func (o Options) validate() error {
	if o.MaxNearTTL < 0 {
		return fmt.Errorf("twolevel: Options.MaxNearTTL is %v, want a positive duration or 0 for the default", o.MaxNearTTL)
	}
	return nil
}

// numStripes is the number of invalidation counters. A stripe is shared by
// the keys that hash to it; more stripes mean fewer near-cache fills
// skipped because another key of the stripe changed.
const numStripes = 256

// stripe orders the writes to the near cache of the keys that hash to it.
// gen counts the changes to those keys (local writes, invalidations from
// other instances, clears); it is written with mu held and read without.
type stripe struct {
	mu  sync.Mutex
	gen atomic.Uint64
}

// Cache is a [cache.Cache] made of a near cache in process memory in front
// of a far cache shared by every instance, typically a memorycache in
// front of a rediscache. Reads are served from the near cache when they
// can; writes go to the far cache and are announced on a Redis channel so
// that every other instance drops the key from its near cache.
//
// The zero value is invalid: use [New]. A Cache is safe for concurrent
// use. It runs one goroutine, the subscriber; Close stops it. Close closes
// neither cache nor the Redis client, which belong to the caller.
type Cache[V any] struct {
	near       cache.Cache[V]
	clearer    Clearer
	far        cache.Cache[V]
	farTTL     TTLGetter[V] // nil if far does not implement it
	client     redis.UniversalClient
	channel    string
	maxNearTTL time.Duration
	now        func() time.Time
	onError    func(error)
	origin     string // this instance's ID in the messages it publishes
	seed       maphash.Seed
	stripes    [numStripes]stripe

	// subscribed is true while the subscription is known to be up. The
	// near cache is written only then: a write made while invalidations
	// may be missed could stay stale until MaxNearTTL.
	subscribed atomic.Bool
	closed     atomic.Bool
	closeOnce  sync.Once
	pubsub     *redis.PubSub
	done       chan struct{} // closed by Close
	stopped    chan struct{} // closed when the subscriber returns
}

var _ cache.Cache[any] = (*Cache[any])(nil)

// New returns a Cache with near in front of far, announcing and receiving
// invalidations through client, which must reach the same Redis
// deployment as every other instance. near must be dedicated to this
// Cache (it is cleared on reconnection) and implement [Clearer]; New fails
// if it does not, or if an argument is nil or opts is invalid.
//
// New does not wait for the subscription: until it is confirmed, reads
// are served from far and do not fill near. New starts the subscriber
// goroutine; Close stops it.
func New[V any](near, far cache.Cache[V], client redis.UniversalClient, opts Options) (*Cache[V], error) {
	switch {
	case near == nil:
		return nil, errors.New("twolevel: nil near cache")
	case far == nil:
		return nil, errors.New("twolevel: nil far cache")
	case client == nil:
		return nil, errors.New("twolevel: nil client")
	}
	clearer, ok := near.(Clearer)
	if !ok {
		return nil, fmt.Errorf("twolevel: near cache %T has no Clear method: it could not be emptied after a lost subscription", near)
	}
	opts = opts.withDefaults(far)
	if err := opts.validate(); err != nil {
		return nil, err
	}
	c := &Cache[V]{
		near:       near,
		clearer:    clearer,
		far:        far,
		client:     client,
		channel:    opts.Channel,
		maxNearTTL: opts.MaxNearTTL,
		now:        opts.Now,
		onError:    opts.OnError,
		origin:     rand.Text(),
		seed:       maphash.MakeSeed(),
		done:       make(chan struct{}),
		stopped:    make(chan struct{}),
	}
	c.farTTL, _ = far.(TTLGetter[V])
	// Without channels, Subscribe only creates the PubSub; the subscriber
	// goroutine connects and subscribes.
	c.pubsub = client.Subscribe(context.Background())
	go c.subscribe()
	return c, nil
}

// Channel returns the pub/sub channel of the invalidations.
func (c *Cache[V]) Channel() string { return c.channel }

// Get returns the value of key from the near cache, or else from the far
// cache, copying it into the near cache for the time it has left to live,
// at most Options.MaxNearTTL. A miss in both is (zero, false, nil); an
// error of either cache is returned.
func (c *Cache[V]) Get(ctx context.Context, key string) (V, bool, error) {
	var zero V
	if c.closed.Load() {
		return zero, false, cache.ErrClosed
	}
	if v, ok, err := c.near.Get(ctx, key); err != nil || ok {
		return v, ok, err
	}
	s := c.stripe(key)
	gen, subscribed := s.gen.Load(), c.subscribed.Load()
	start := c.now()
	var (
		v   V
		ttl time.Duration
		ok  bool
		err error
	)
	if c.farTTL != nil {
		v, ttl, ok, err = c.farTTL.GetWithTTL(ctx, key)
	} else {
		v, ok, err = c.far.Get(ctx, key)
	}
	if err != nil || !ok {
		return zero, false, err
	}
	if subscribed {
		if nearTTL := c.nearTTL(ttl, start); nearTTL > 0 {
			c.fill(ctx, s, gen, key, v, nearTTL)
		}
	}
	return v, true, nil
}

// fill copies a value read from the far cache into the near cache, unless
// the key's stripe changed since the read began: the value may then be
// older than the change. A failure of the near cache only costs the copy.
func (c *Cache[V]) fill(ctx context.Context, s *stripe, gen uint64, key string, v V, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen.Load() == gen {
		_ = c.near.Set(ctx, key, v, ttl)
	}
}

// Set stores value in the far cache, then in the near cache, then
// announces the change so that other instances drop key from theirs. A
// negative ttl deletes key, as Delete does. The near copy expires with
// the entry, or after Options.MaxNearTTL if that is sooner.
//
// An error from the far cache is returned and nothing is announced; key
// is dropped from the local near cache, since the far cache may have
// applied the write anyway. An error publishing the announcement is
// returned after the write succeeded: other instances may then serve
// their old copy for up to MaxNearTTL.
func (c *Cache[V]) Set(ctx context.Context, key string, value V, ttl time.Duration) error {
	if c.closed.Load() {
		return cache.ErrClosed
	}
	if ttl < 0 {
		return c.Delete(ctx, key)
	}
	s := c.stripe(key)
	gen, subscribed := s.gen.Load(), c.subscribed.Load()
	start := c.now()
	if err := c.far.Set(ctx, key, value, ttl); err != nil {
		c.dropNear(ctx, s, key)
		return err
	}
	nearTTL := c.nearTTL(ttl, start)
	s.mu.Lock()
	var err error
	if subscribed && nearTTL > 0 && s.gen.Load() == gen {
		err = c.near.Set(ctx, key, value, nearTTL)
	} else {
		// Another write to the stripe ran concurrently, and the far cache
		// may hold its value rather than ours.
		err = c.near.Delete(ctx, key)
	}
	s.gen.Add(1)
	s.mu.Unlock()
	// The far cache changed: announce it even if the near cache failed.
	return errors.Join(err, c.publish(ctx, key))
}

// Delete removes key from the far cache, then from the near cache, then
// announces the change so that other instances drop key from theirs.
// Errors are handled as by Set.
func (c *Cache[V]) Delete(ctx context.Context, key string) error {
	if c.closed.Load() {
		return cache.ErrClosed
	}
	s := c.stripe(key)
	if err := c.far.Delete(ctx, key); err != nil {
		c.dropNear(ctx, s, key)
		return err
	}
	err := c.dropNear(ctx, s, key)
	return errors.Join(err, c.publish(ctx, key))
}

// Close stops the subscriber goroutine and waits for it to return; every
// later call returns [cache.ErrClosed]. It closes neither the near cache,
// nor the far cache, nor the client. Close is idempotent and returns nil.
func (c *Cache[V]) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		close(c.done)
		_ = c.pubsub.Close() // unblocks the subscriber's Receive
		<-c.stopped
		c.subscribed.Store(false)
	})
	return nil
}

// dropNear removes key from the near cache and marks its stripe changed,
// so that a read of the far cache that began earlier does not put an old
// value back.
func (c *Cache[V]) dropNear(ctx context.Context, s *stripe, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen.Add(1)
	return c.near.Delete(ctx, key)
}

// clearNear empties the near cache after invalidations may have been
// lost. Every stripe changes first, so that no read that began before
// puts an old value back after the Clear.
func (c *Cache[V]) clearNear() {
	for i := range c.stripes {
		s := &c.stripes[i]
		s.mu.Lock()
		s.gen.Add(1)
		s.mu.Unlock()
	}
	c.clearer.Clear()
}

func (c *Cache[V]) stripe(key string) *stripe {
	return &c.stripes[maphash.String(c.seed, key)%numStripes]
}

// nearTTL returns the TTL of a near copy of an entry whose far TTL was
// ttl (0: no expiry) when the call that wrote or read it began at start.
// It is at most maxNearTTL, and not positive if the entry has expired.
func (c *Cache[V]) nearTTL(ttl time.Duration, start time.Time) time.Duration {
	if ttl == 0 {
		return c.maxNearTTL
	}
	return min(ttl-c.now().Sub(start), c.maxNearTTL)
}
