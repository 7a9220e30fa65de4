package cache

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// DecodeError reports a stored value that the [Codec] of a [Typed] cache
// could not decode: the entry was written by another version of the
// program or with another codec, or it is corrupt. Get and GetMany return
// it instead of reporting a miss, so that a bad entry is seen rather than
// silently reloaded on every call; callers find it with [errors.As] and
// usually delete the key.
type DecodeError struct {
	// Key is the key whose value failed to decode.
	Key string
	// Err is the codec's error.
	Err error
}

// Error returns a message naming the key and the codec's error.
func (e *DecodeError) Error() string {
	return "cache: decode value of " + strconv.Quote(e.Key) + ": " + e.Err.Error()
}

// Unwrap returns the codec's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Typed returns a Cache[V] that stores its values in c, a byte-level
// cache, encoded with codec; a nil codec means [JSON][V]. The result
// implements [Batcher][V] exactly when c implements [Batcher][[]byte], so
// [GetMany] and friends keep their single round trip.
//
// An encoding failure is returned by Set; a stored value that does not
// decode is returned by Get as a [*DecodeError], never as a miss. A Set
// with a negative ttl deletes the key without encoding the value. Close
// closes c.
//
// The result is safe for concurrent use if c and codec are.
func Typed[V any](c Cache[[]byte], codec Codec[V]) Cache[V] {
	if codec == nil {
		codec = JSON[V]{}
	}
	t := &typed[V]{c: c, codec: codec}
	if b, ok := c.(Batcher[[]byte]); ok {
		return &typedBatcher[V]{typed: t, b: b}
	}
	return t
}

// typed is Typed's result over a cache without a Batcher.
type typed[V any] struct {
	c     Cache[[]byte]
	codec Codec[V]
}

var _ Cache[int] = (*typed[int])(nil)

func (t *typed[V]) Get(ctx context.Context, key string) (V, bool, error) {
	var zero V
	data, ok, err := t.c.Get(ctx, key)
	if err != nil || !ok {
		return zero, false, err
	}
	v, err := t.codec.Unmarshal(data)
	if err != nil {
		return zero, false, &DecodeError{Key: key, Err: err}
	}
	return v, true, nil
}

func (t *typed[V]) Set(ctx context.Context, key string, value V, ttl time.Duration) error {
	if ttl < 0 {
		return t.c.Delete(ctx, key)
	}
	data, err := t.codec.Marshal(value)
	if err != nil {
		return encodeError(key, err)
	}
	return t.c.Set(ctx, key, data, ttl)
}

func (t *typed[V]) Delete(ctx context.Context, key string) error {
	return t.c.Delete(ctx, key)
}

func (t *typed[V]) Close() error { return t.c.Close() }

// typedBatcher is Typed's result over a cache with a Batcher.
type typedBatcher[V any] struct {
	*typed[V]
	b Batcher[[]byte]
}

var (
	_ Cache[int]   = (*typedBatcher[int])(nil)
	_ Batcher[int] = (*typedBatcher[int])(nil)
)

func (t *typedBatcher[V]) GetMany(ctx context.Context, keys []string) (map[string]V, error) {
	raw, err := t.b.GetMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]V, len(raw))
	for k, data := range raw {
		v, err := t.codec.Unmarshal(data)
		if err != nil {
			return nil, &DecodeError{Key: k, Err: err}
		}
		out[k] = v
	}
	return out, nil
}

func (t *typedBatcher[V]) SetMany(ctx context.Context, items map[string]V, ttl time.Duration) error {
	if ttl < 0 {
		keys := make([]string, 0, len(items))
		for k := range items {
			keys = append(keys, k)
		}
		return t.b.DeleteMany(ctx, keys)
	}
	raw := make(map[string][]byte, len(items))
	for k, v := range items {
		data, err := t.codec.Marshal(v)
		if err != nil {
			return encodeError(k, err)
		}
		raw[k] = data
	}
	return t.b.SetMany(ctx, raw, ttl)
}

func (t *typedBatcher[V]) DeleteMany(ctx context.Context, keys []string) error {
	return t.b.DeleteMany(ctx, keys)
}

func encodeError(key string, err error) error {
	return fmt.Errorf("cache: encode value of %q: %w", key, err)
}
