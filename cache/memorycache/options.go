package memorycache

import (
	"fmt"
	"time"

	"github.com/keel-go/keel/errors"
)

// DefaultMaxEntries is the bound of a cache whose [Options] set neither
// MaxEntries nor MaxCost.
const DefaultMaxEntries = 10_000

// Policy selects which entry a full cache evicts to make room.
type Policy int

// The eviction policies. The zero value is [Adaptive].
const (
	// Adaptive is CAR, Clock with Adaptive Replacement (Bansal and
	// Modha), the clock-based form of ARC: a recency clock of entries not
	// seen again and a frequency clock of entries seen again, whose sizes
	// follow the workload through "ghost" lists remembering the keys
	// evicted recently from each. A one-off scan passes through the
	// recency clock without flushing the popular entries, and when
	// popularity shifts the cache follows within about one cache's worth
	// of misses. A hit only sets a reference bit, so reads never wait for
	// the policy. It had the best hit ratio of the policies on the traces
	// keel is benchmarked with (see the bench module). The ghosts cost
	// memory: up to one evicted key per entry of capacity (the values are
	// dropped).
	Adaptive Policy = iota
	// LRU evicts the least recently used entry (read or written).
	LRU
	// LFU evicts the least frequently used entry, the least recently used
	// one among equals. Counts saturate at 15 and are halved after every
	// ten accesses per entry of capacity, so entries that were popular
	// long ago age out when popularity shifts.
	LFU
	// FIFO evicts the entry written first; reads do not change the order.
	FIFO
	// TTL evicts the entry that expires soonest; entries without a TTL go
	// last, the least recently written first. Reads do not change the
	// order.
	TTL
	// TinyLFU is W-TinyLFU with a hill-climbing window, the policy of
	// Caffeine and otter: new entries enter a small LRU window and move to
	// the main space only if a frequency sketch (which remembers keys the
	// cache no longer holds, with ageing) rates them above the entry they
	// would replace. It excels on stable frequency-biased traffic and
	// needs little memory beyond the entries (one byte of sketch per
	// entry), but adapts more slowly than Adaptive when popularity shifts.
	TinyLFU
)

// String returns the policy's name, as written in this package's
// constants.
func (p Policy) String() string {
	switch p {
	case Adaptive:
		return "Adaptive"
	case LRU:
		return "LRU"
	case LFU:
		return "LFU"
	case FIFO:
		return "FIFO"
	case TTL:
		return "TTL"
	case TinyLFU:
		return "TinyLFU"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// EvictReason tells an [Options.OnEvict] callback why an entry left the
// cache.
type EvictReason int

// The reasons an entry is evicted.
const (
	// EvictedCapacity means the policy chose the entry to make room (or
	// the entry alone costs more than MaxCost).
	EvictedCapacity EvictReason = iota + 1
	// EvictedExpired means the entry's TTL passed.
	EvictedExpired
)

// String returns "capacity" or "expired".
func (r EvictReason) String() string {
	switch r {
	case EvictedCapacity:
		return "capacity"
	case EvictedExpired:
		return "expired"
	}
	return fmt.Sprintf("EvictReason(%d)", int(r))
}

// Options configures a [Cache]. Every zero field means "use the default".
// A cache is bounded either by entry count (MaxEntries) or by cost
// (MaxCost with Cost), never both.
type Options[K comparable, V any] struct {
	// Policy is the eviction policy. Default: Adaptive.
	Policy Policy
	// MaxEntries bounds the number of entries. Default: DefaultMaxEntries,
	// unless MaxCost is set.
	MaxEntries int
	// MaxCost bounds the sum of the entries' costs, as computed by Cost
	// (typically bytes). Default: 0, bounded by MaxEntries instead. It
	// requires Cost.
	MaxCost int64
	// Cost returns the cost of an entry, counted against MaxCost. It is
	// called once per write, outside any lock; a negative cost counts as
	// zero. Required with MaxCost, invalid without it.
	Cost func(key K, value V) int64
	// Now is the clock TTLs are measured with. Default: time.Now. Tests
	// inject a fake clock here.
	Now func() time.Time
	// OnEvict, if set, is called after an entry is evicted, for capacity
	// or expiry (not for Delete or a replacing Set). It is called outside
	// the cache's locks, on the goroutine whose call caused the eviction,
	// so it may use the cache; it should be quick. Default: nil.
	OnEvict func(key K, value V, reason EvictReason)
}

// withDefaults returns o with every zero field set to its default.
func (o Options[K, V]) withDefaults() Options[K, V] {
	if o.MaxEntries == 0 && o.MaxCost == 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// validate reports the first invalid field of o, which has its defaults.
func (o Options[K, V]) validate() error {
	switch {
	case o.Policy < Adaptive || o.Policy > TinyLFU:
		return errors.New("memorycache: Options.Policy: unknown policy " + o.Policy.String())
	case o.MaxEntries < 0:
		return errors.New("memorycache: Options.MaxEntries: negative")
	case o.MaxCost < 0:
		return errors.New("memorycache: Options.MaxCost: negative")
	case o.MaxEntries > 0 && o.MaxCost > 0:
		return errors.New("memorycache: Options.MaxEntries and Options.MaxCost: set one bound, not both")
	case o.MaxCost > 0 && o.Cost == nil:
		return errors.New("memorycache: Options.Cost: required with MaxCost")
	case o.MaxCost == 0 && o.Cost != nil:
		return errors.New("memorycache: Options.Cost: set without MaxCost")
	}
	return nil
}
