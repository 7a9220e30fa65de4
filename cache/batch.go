package cache

import (
	"context"
	"time"
)

// GetMany returns the values of the keys that hit in c; a missing key is
// absent from the map, never an error. It makes one [Batcher.GetMany]
// call when c implements [Batcher], and one Get per key otherwise,
// stopping at the first error (the map is then nil) or when ctx is done.
// An empty keys returns an empty map without calling c.
func GetMany[V any](ctx context.Context, c Cache[V], keys []string) (map[string]V, error) {
	if len(keys) == 0 {
		return map[string]V{}, nil
	}
	if b, ok := c.(Batcher[V]); ok {
		return b.GetMany(ctx, keys)
	}
	out := make(map[string]V, len(keys))
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v, ok, err := c.Get(ctx, k)
		if err != nil {
			return nil, err
		}
		if ok {
			out[k] = v
		}
	}
	return out, nil
}

// SetMany stores every item of items with one ttl, which has the meaning
// [Cache.Set] gives it. It makes one [Batcher.SetMany] call when c
// implements [Batcher], and one Set per item otherwise, stopping at the
// first error or when ctx is done; the items set before the error stay
// set. An empty items returns nil without calling c.
func SetMany[V any](ctx context.Context, c Cache[V], items map[string]V, ttl time.Duration) error {
	if len(items) == 0 {
		return nil
	}
	if b, ok := c.(Batcher[V]); ok {
		return b.SetMany(ctx, items, ttl)
	}
	for k, v := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.Set(ctx, k, v, ttl); err != nil {
			return err
		}
	}
	return nil
}

// DeleteMany removes every key of keys; an absent key is not an error. It
// makes one [Batcher.DeleteMany] call when c implements [Batcher], and one
// Delete per key otherwise, stopping at the first error or when ctx is
// done. An empty keys returns nil without calling c.
func DeleteMany[V any](ctx context.Context, c Cache[V], keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if b, ok := c.(Batcher[V]); ok {
		return b.DeleteMany(ctx, keys)
	}
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}
