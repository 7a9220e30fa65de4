package cache_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
)

// db is a store for the write strategies: a map with a log of calls and
// injectable failures.
type db struct {
	mu   sync.Mutex
	m    map[string]string
	log  []string
	fail error // returned (after recording nothing) while set
}

func newDB() *db { return &db{m: make(map[string]string)} }

func (d *db) store(_ context.Context, key, v string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log = append(d.log, "store "+key+"="+v)
	if d.fail != nil {
		return d.fail
	}
	d.m[key] = v
	return nil
}

func (d *db) remove(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log = append(d.log, "remove "+key)
	if d.fail != nil {
		return d.fail
	}
	delete(d.m, key)
	return nil
}

func (d *db) get(key string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.m[key]
	return v, ok
}

func (d *db) setFail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail = err
}

func newWriteThrough(t *testing.T, c cache.Cache[string], d *db) *cache.WriteThrough[string] {
	t.Helper()
	w, err := cache.NewWriteThrough(c, cache.WriteThroughOptions[string]{
		Store: d.store, Remove: d.remove, TTL: time.Hour,
	})
	if err != nil {
		t.Fatalf("NewWriteThrough = %v, want nil", err)
	}
	return w
}

func TestWriteThroughSetAndDelete(t *testing.T) {
	ctx := t.Context()
	c := newMapcache[string](nil)
	d := newDB()
	var order []string
	c.setHook = func(key, v string, _ time.Duration) error {
		d.mu.Lock()
		defer d.mu.Unlock()
		order = append(order, d.log[len(d.log)-1], "cache set "+key+"="+v)
		return nil
	}
	w := newWriteThrough(t, c, d)
	if err := w.Set(ctx, "k", "v"); err != nil {
		t.Fatalf("Set = %v, want nil", err)
	}
	if got, want := strings.Join(order, ", "), "store k=v, cache set k=v"; got != want {
		t.Errorf("order = %s, want %s", got, want)
	}
	if v, ok := c.peek("k"); !ok || v != "v" || c.ttl("k") != time.Hour {
		t.Errorf("cache = (%q, %v, ttl %v), want (v, true, ttl 1h)", v, ok, c.ttl("k"))
	}
	if v, _ := d.get("k"); v != "v" {
		t.Errorf("store = %q, want v", v)
	}

	if err := w.Delete(ctx, "k"); err != nil {
		t.Fatalf("Delete = %v, want nil", err)
	}
	if _, ok := c.peek("k"); ok {
		t.Errorf("cache still holds k after Delete")
	}
	if _, ok := d.get("k"); ok {
		t.Errorf("store still holds k after Delete")
	}
	if err := w.Set(ctx, "", "v"); !errors.Is(err, cache.ErrInvalidKey) {
		t.Errorf("Set(\"\") = %v, want ErrInvalidKey", err)
	}
}

// When the store fails the cache is left without the value, and without
// the old value the store may no longer have.
func TestWriteThroughStoreFails(t *testing.T) {
	ctx := t.Context()
	errStore := errors.New("store down")
	for _, op := range []string{"Set", "Delete"} {
		t.Run(op, func(t *testing.T) {
			c := newMapcache[string](nil)
			d := newDB()
			w := newWriteThrough(t, c, d)
			if err := w.Set(ctx, "k", "old"); err != nil {
				t.Fatal(err)
			}
			d.setFail(errStore)
			var err error
			if op == "Set" {
				err = w.Set(ctx, "k", "new")
			} else {
				err = w.Delete(ctx, "k")
			}
			if !errors.Is(err, errStore) {
				t.Errorf("%s = %v, want %v", op, err, errStore)
			}
			if v, ok := c.peek("k"); ok {
				t.Errorf("cache holds %q after a failed store, want the key invalidated", v)
			}
			if sets := c.sets.Load(); sets != 1 {
				t.Errorf("cache Sets = %d, want 1 (the failed write never reached the cache)", sets)
			}
		})
	}
}

// When the cache write fails after the store took the value, the key is
// invalidated and the error returned.
func TestWriteThroughCacheFailsAfterStore(t *testing.T) {
	ctx := t.Context()
	errCache := errors.New("cache down")
	c := newMapcache[string](nil)
	d := newDB()
	w := newWriteThrough(t, c, d)
	if err := w.Set(ctx, "k", "old"); err != nil {
		t.Fatal(err)
	}
	c.setHook = func(string, string, time.Duration) error { return errCache }
	err := w.Set(ctx, "k", "new")
	if !errors.Is(err, errCache) {
		t.Errorf("Set = %v, want %v", err, errCache)
	}
	if v, _ := d.get("k"); v != "new" {
		t.Errorf("store = %q, want new", v)
	}
	if v, ok := c.peek("k"); ok {
		t.Errorf("cache holds %q, want the key invalidated", v)
	}

	// If the invalidation fails too, both errors are returned.
	errDelete := errors.New("delete failed")
	if err := c.put("k", "old"); err != nil {
		t.Fatal(err)
	}
	c.deleteHook = func(string) error { return errDelete }
	err = w.Set(ctx, "k", "newer")
	if !errors.Is(err, errCache) || !errors.Is(err, errDelete) {
		t.Errorf("Set = %v, want both %v and %v", err, errCache, errDelete)
	}
}

// The invalidation runs even when the caller's ctx ended during the
// write.
func TestWriteThroughInvalidatesAfterCallerCancel(t *testing.T) {
	c := newMapcache[string](nil)
	d := newDB()
	if err := c.Set(t.Context(), "k", "old", 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	w, err := cache.NewWriteThrough(c, cache.WriteThroughOptions[string]{
		Store: func(ctx context.Context, key, v string) error {
			cancel() // the caller gives up while the store commits
			return d.store(ctx, key, v)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Set(ctx, "k", "new"); !errors.Is(err, context.Canceled) {
		t.Errorf("Set = %v, want context.Canceled from the cache write", err)
	}
	if v, ok := c.peek("k"); ok {
		t.Errorf("cache holds %q, want the key invalidated despite the cancelled ctx", v)
	}
	if err := w.Delete(t.Context(), "k"); err == nil || !strings.Contains(err.Error(), "Remove") {
		t.Errorf("Delete without Remove = %v, want an error naming Remove", err)
	}
}

// Overlapping writes to one key never leave the cache with the older
// value: here the first write's cache update lands last.
func TestWriteThroughOverlappingWrites(t *testing.T) {
	ctx := t.Context()
	c := newMapcache[string](nil)
	d := newDB()
	inSet, release := make(chan struct{}), make(chan struct{})
	c.setHook = func(_ string, v string, _ time.Duration) error {
		if v == "v1" {
			close(inSet)
			<-release
		}
		return nil
	}
	w := newWriteThrough(t, c, d)
	first := make(chan error, 1)
	go func() { first <- w.Set(ctx, "k", "v1") }()
	<-inSet // v1 is stored and about to reach the cache
	if err := w.Set(ctx, "k", "v2"); err != nil {
		t.Fatalf("second Set = %v, want nil", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first Set = %v, want nil", err)
	}
	if v, _ := d.get("k"); v != "v2" {
		t.Fatalf("store = %q, want v2", v)
	}
	if v, ok := c.peek("k"); ok && v != "v2" {
		t.Errorf("cache = %q, want v2 or a miss, never the older v1", v)
	}
}

func TestNewWriteThroughValidation(t *testing.T) {
	c := newMapcache[string](nil)
	store := newDB().store
	tests := []struct {
		name  string
		opts  cache.WriteThroughOptions[string]
		field string
	}{
		{"no Store", cache.WriteThroughOptions[string]{}, "Store"},
		{"negative TTL", cache.WriteThroughOptions[string]{Store: store, TTL: -1}, "TTL"},
		{"negative InvalidateTimeout", cache.WriteThroughOptions[string]{Store: store, InvalidateTimeout: -1}, "InvalidateTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := cache.NewWriteThrough(c, tt.opts); err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("NewWriteThrough = %v, want an error naming %s", err, tt.field)
			}
		})
	}
	if _, err := cache.NewWriteThrough[string](nil, cache.WriteThroughOptions[string]{Store: store}); err == nil {
		t.Errorf("NewWriteThrough(nil cache) = nil error, want an error")
	}
}
