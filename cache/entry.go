package cache

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/keel-go/keel/errors"
)

// Entry is what a [Loader] stores for a key: the loaded value, or the
// fact that the source had none, with the time until which it is fresh.
// The backend's own TTL on the entry is its hard expiry; FreshUntil is the
// soft one, which a backend knows nothing about, so it travels with the
// value.
type Entry[V any] struct {
	// Value is the loaded value; the zero V when Found is false.
	Value V
	// Found is false for a negative entry: the source reported that the
	// key does not exist.
	Found bool
	// FreshUntil is when the entry stops being fresh. Until then a
	// Loader serves it as is; after it, a found entry is served stale
	// while it is reloaded in the background, for as long as
	// [LoaderOptions].StaleWhileRevalidate allows.
	FreshUntil time.Time
}

// EntryCache returns a Cache of [Entry] values stored in c, a byte-level
// cache such as Redis, encoded with [EntryCodec] around codec (nil means
// [JSON][V]). It is the cache a [Loader] needs over a byte backend:
//
//	l, err := cache.NewLoader(cache.EntryCache[User](redisBytes, nil), loadUser, opts)
func EntryCache[V any](c Cache[[]byte], codec Codec[V]) Cache[Entry[V]] {
	return Typed[Entry[V]](c, EntryCodec[V]{Value: codec})
}

// EntryCodec is the [Codec] of an [Entry]: a compact binary envelope
// around the value's own encoding. The zero value encodes values with
// [JSON][V].
//
// The encoding is one version byte (1), one flags byte (bit 0: found,
// bit 1: FreshUntil is set), then, if FreshUntil is set, its Unix seconds
// as a big-endian int64 and its nanoseconds as a big-endian uint32, then,
// for a found entry, the bytes Value produces. A negative entry stores no
// value. Unmarshal rejects anything else, so every byte string it accepts
// is exactly what Marshal produces for the entry it returns.
//
// EntryCodec is safe for concurrent use if Value is.
type EntryCodec[V any] struct {
	// Value encodes the entry's value. Nil means [JSON][V].
	Value Codec[V]
}

const (
	entryVersion   = 1
	entryFound     = 1 << 0
	entryHasFresh  = 1 << 1
	entryHeaderLen = 2
	entryTimeLen   = 12

	// Limits of FreshUntil: from one second after the zero time (which
	// the flags byte encodes) to the end of year 9999, a range in which a
	// time round-trips through its Unix seconds.
	minEntryUnix = -62135596799
	maxEntryUnix = 253402300799
)

var errEntryFormat = errors.New("cache: malformed entry")

// Marshal encodes e. It fails if a non-zero e.FreshUntil is outside the
// years 1 to 9999 or if the value codec fails.
func (ec EntryCodec[V]) Marshal(e Entry[V]) ([]byte, error) {
	var flags byte
	size := entryHeaderLen
	if e.Found {
		flags |= entryFound
	}
	if !e.FreshUntil.IsZero() {
		flags |= entryHasFresh
		size += entryTimeLen
	}
	var val []byte
	if e.Found {
		var err error
		if val, err = ec.codec().Marshal(e.Value); err != nil {
			return nil, err
		}
	}
	b := make([]byte, size, size+len(val))
	b[0], b[1] = entryVersion, flags
	if flags&entryHasFresh != 0 {
		sec := e.FreshUntil.Unix()
		if sec < minEntryUnix || sec > maxEntryUnix {
			return nil, fmt.Errorf("cache: entry FreshUntil %v out of range", e.FreshUntil)
		}
		binary.BigEndian.PutUint64(b[2:], uint64(sec))
		binary.BigEndian.PutUint32(b[10:], uint32(e.FreshUntil.Nanosecond()))
	}
	return append(b, val...), nil
}

// Unmarshal decodes data written by Marshal. It fails on a version it
// does not know, unknown flags, a truncated or out-of-range time, bytes
// after a negative entry, or a value its codec rejects.
func (ec EntryCodec[V]) Unmarshal(data []byte) (Entry[V], error) {
	var e Entry[V]
	if len(data) < entryHeaderLen {
		return e, fmt.Errorf("%w: %d bytes", errEntryFormat, len(data))
	}
	if data[0] != entryVersion {
		return e, fmt.Errorf("%w: version %d", errEntryFormat, data[0])
	}
	flags := data[1]
	if flags&^(entryFound|entryHasFresh) != 0 {
		return e, fmt.Errorf("%w: flags %#x", errEntryFormat, flags)
	}
	rest := data[entryHeaderLen:]
	if flags&entryHasFresh != 0 {
		if len(rest) < entryTimeLen {
			return e, fmt.Errorf("%w: truncated time", errEntryFormat)
		}
		sec := int64(binary.BigEndian.Uint64(rest))
		nsec := binary.BigEndian.Uint32(rest[8:])
		if sec < minEntryUnix || sec > maxEntryUnix || nsec >= 1e9 {
			return e, fmt.Errorf("%w: time out of range", errEntryFormat)
		}
		e.FreshUntil = time.Unix(sec, int64(nsec))
		rest = rest[entryTimeLen:]
	}
	if flags&entryFound == 0 {
		if len(rest) != 0 {
			return e, fmt.Errorf("%w: value in a negative entry", errEntryFormat)
		}
		return e, nil
	}
	v, err := ec.codec().Unmarshal(rest)
	if err != nil {
		return e, err
	}
	e.Value, e.Found = v, true
	return e, nil
}

func (ec EntryCodec[V]) codec() Codec[V] {
	if ec.Value == nil {
		return JSON[V]{}
	}
	return ec.Value
}

var _ Codec[Entry[int]] = EntryCodec[int]{}
