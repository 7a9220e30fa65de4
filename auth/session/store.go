package session

import (
	"context"
	"time"

	"github.com/keel-go/keel/auth"
)

// Record is what a [Store] keeps for one session. It never holds the
// session token itself: ID is the SHA-256 of the token, so a copy of the
// store does not yield a cookie that works.
type Record struct {
	// ID is the store key: the base64url (unpadded) SHA-256 of the token
	// carried by the cookie. It doubles as the session's public handle.
	ID string
	// UserID is the subject the session belongs to; stores index sessions
	// by it for [Store.ListByUser] and [Store.DeleteByUser]. It never
	// changes during a session's life.
	UserID string
	// Principal is the authenticated caller, as given at login or renewal.
	// Its Attributes must be representable in JSON for stores that
	// serialize records (a number comes back as a float64).
	Principal *auth.Principal
	// Data is the application's small string map.
	Data map[string]string
	// CreatedAt is when the user logged in; the absolute timeout counts
	// from it and renewal keeps it.
	CreatedAt time.Time
	// LastSeen is the last recorded activity; the idle timeout counts from
	// it.
	LastSeen time.Time
	// ExpiresAt is when the session ends unless it is used again: the
	// earlier of LastSeen plus the idle timeout and CreatedAt plus the
	// absolute timeout. Stores drop the record at that time.
	ExpiresAt time.Time
}

// Store keeps session records by ID (the hash of the token). A [Manager]
// needs nothing else; [MemoryStore] and the redisstore sub-package
// implement it, and sessiontest.Run checks an implementation against this
// contract:
//
//   - Create stores a new record and indexes it under its UserID. An ID
//     that is already present is replaced (IDs are 256-bit random values,
//     so this does not happen by chance).
//   - Get returns (rec, true, nil) for a live record and (zero, false,
//     nil) for a record that was never stored, was deleted or whose
//     ExpiresAt has passed. An error means the store could not answer.
//   - Touch sets the LastSeen and ExpiresAt of a live record and reports
//     true. Update replaces the Principal and Data of a live record,
//     leaving its other fields, and reports true. For an absent or
//     expired record both store nothing and report false, so that a
//     request finishing late never brings back a session that was logged
//     out or revoked meanwhile; and since neither writes what the other
//     owns, a touch never undoes a concurrent data update.
//   - Delete removes a record and its index entry; deleting an absent
//     record is not an error.
//   - ListByUser returns the user's live records, in no particular order;
//     DeleteByUser deletes them all and returns how many it deleted.
//   - Every method is safe for concurrent use and honours ctx where it
//     can block. Records passed in and returned are copies: a caller
//     changing one does not change the store.
type Store interface {
	Create(ctx context.Context, rec Record) error
	Get(ctx context.Context, id string) (Record, bool, error)
	Touch(ctx context.Context, id string, lastSeen, expiresAt time.Time) (bool, error)
	Update(ctx context.Context, rec Record) (bool, error)
	Delete(ctx context.Context, id string) error
	ListByUser(ctx context.Context, userID string) ([]Record, error)
	DeleteByUser(ctx context.Context, userID string) (int, error)
}

// Clone returns a deep copy of rec: a copy of its data map and a clone of
// its principal.
func (rec Record) Clone() Record {
	c := rec
	c.Principal = rec.Principal.Clone()
	if rec.Data != nil {
		c.Data = make(map[string]string, len(rec.Data))
		for k, v := range rec.Data {
			c.Data[k] = v
		}
	}
	return c
}
