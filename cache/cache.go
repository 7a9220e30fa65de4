package cache

import (
	"context"
	"time"

	"github.com/keel-go/keel/errors"
)

// Sentinel errors shared by every backend. Callers compare with [errors.Is].
var (
	// ErrClosed is returned by every method of a [Cache] after its Close,
	// by the strategies built on a closed cache, and by a [Loader] or a
	// [WriteBack] after its own Close (or Stop).
	ErrClosed = errors.New("cache: closed")
	// ErrInvalidKey is returned by Get, Set and Delete for a key a backend
	// cannot hold (the empty key, or one longer than the backend allows),
	// and by the strategies for the empty key.
	ErrInvalidKey = errors.New("cache: invalid key")
)

// Cache is the contract every backend implements: an in-process cache
// ([github.com/keel-go/keel/cache/memorycache]), Redis
// ([github.com/keel-go/keel/cache/rediscache]) or a composition of them.
// Keys are strings; V is the value type (a byte-level backend is a
// Cache[[]byte], and [Typed] puts any V over it with a [Codec]).
//
// The contract for implementers, enforced by
// [github.com/keel-go/keel/cache/cachetest]:
//
//   - Get reports a miss as (zero, false, nil). A key that was never set,
//     was deleted, was evicted or whose TTL has passed is a miss; an
//     expired entry is never returned, even before the backend has
//     reclaimed its memory. An error means the backend could not answer
//     (network, decoding, closed): it is never reported as a miss, and a
//     miss is never reported as an error.
//   - Set stores value under key, replacing any previous value and TTL. A
//     positive ttl makes the entry expire after that long; a zero ttl
//     means no expiry (the entry may still be evicted by a bounded
//     backend); a negative ttl means the entry is already expired, so Set
//     removes key. A Set that returned nil is visible to the very next Get
//     from any goroutine (no write is dropped or applied asynchronously).
//   - Delete removes key; deleting an absent key is not an error.
//   - The empty key is invalid: Get, Set and Delete return
//     [ErrInvalidKey] for it, as for any key the backend cannot hold.
//   - A byte-level backend (a Cache[[]byte]) shares no memory with its
//     callers: Set does not keep the caller's slice after it returns,
//     and the slice Get returns belongs to the caller, so mutating either
//     never changes the cache. An empty value, nil or not, is stored and
//     comes back as a hit of length 0; whether it comes back nil or
//     empty is up to the backend (Redis cannot tell them apart), so
//     callers test len(v) == 0, not v == nil.
//   - Every method is safe for concurrent use and honours ctx where it
//     can block: a call whose ctx is already done returns promptly,
//     either having done its work or with an error that matches ctx.Err()
//     under [errors.Is].
//   - After Close every method returns [ErrClosed]; Close is idempotent (a
//     second Close returns nil) and stops every goroutine the backend
//     started. Close does not close a client the user passed in.
type Cache[V any] interface {
	Get(ctx context.Context, key string) (value V, ok bool, err error)
	Set(ctx context.Context, key string, value V, ttl time.Duration) error
	Delete(ctx context.Context, key string) error
	Close() error
}

// Batcher is implemented by a backend that serves several keys in one
// step (one round trip for Redis). [GetMany], [SetMany] and [DeleteMany]
// use it when present and fall back to one call per key otherwise.
//
// GetMany returns only the keys that hit; a missing key is absent from
// the map, never an error. SetMany applies one ttl to every item with the
// meaning [Cache.Set] gives it.
type Batcher[V any] interface {
	GetMany(ctx context.Context, keys []string) (map[string]V, error)
	SetMany(ctx context.Context, items map[string]V, ttl time.Duration) error
	DeleteMany(ctx context.Context, keys []string) error
}
