package apikey

import (
	"context"
	"time"
)

// Store keeps API keys by ID. A [Manager] needs nothing else;
// [MemoryStore] and the redisstore sub-package implement it, and
// apikeytest.Run checks an implementation against this contract:
//
//   - Create stores a new key and indexes it under its Owner; it returns
//     an error wrapping [ErrDuplicate], and stores nothing, when the ID is
//     taken.
//   - Get returns (key, true, nil) for a stored key, revoked and expired
//     ones included (the [Manager] decides what is usable), and (zero,
//     false, nil) for an unknown ID. An error means the store could not
//     answer.
//   - ListByOwner returns the owner's keys, in no particular order.
//   - Revoke sets RevokedAt to at unless the key is already revoked (the
//     first revocation time is kept) and reports whether the key exists;
//     it never creates a key.
//   - MarkUsed advances LastUsedAt to at when at is later (it never moves
//     it back, whatever order concurrent requests finish in); it never
//     creates a key.
//   - Every method is safe for concurrent use and honours ctx where it
//     can block. Keys passed in and returned are copies.
type Store interface {
	Create(ctx context.Context, k Key) error
	Get(ctx context.Context, id string) (Key, bool, error)
	ListByOwner(ctx context.Context, owner string) ([]Key, error)
	Revoke(ctx context.Context, id string, at time.Time) (bool, error)
	MarkUsed(ctx context.Context, id string, at time.Time) error
}
