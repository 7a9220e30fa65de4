package cache_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
)

func TestBatchHelpers(t *testing.T) {
	ctx := t.Context()
	for _, batch := range []bool{false, true} {
		m := newMapcache[int](nil)
		bc := &batchcache[int]{mapcache: m}
		var c cache.Cache[int] = m
		if batch {
			c = bc
		}
		items := map[string]int{"a": 1, "b": 2, "c": 3}
		if err := cache.SetMany(ctx, c, items, time.Minute); err != nil {
			t.Fatalf("SetMany = %v, want nil", err)
		}
		if ttl := m.ttl("b"); ttl != time.Minute {
			t.Errorf("ttl of b = %v, want 1m", ttl)
		}
		got, err := cache.GetMany(ctx, c, []string{"a", "b", "c", "missing"})
		if err != nil || !reflect.DeepEqual(got, items) {
			t.Errorf("GetMany (batch %v) = (%v, %v), want (%v, nil)", batch, got, err, items)
		}
		if err := cache.DeleteMany(ctx, c, []string{"a", "missing"}); err != nil {
			t.Fatalf("DeleteMany = %v, want nil", err)
		}
		got, _ = cache.GetMany(ctx, c, []string{"a", "b"})
		if want := map[string]int{"b": 2}; !reflect.DeepEqual(got, want) {
			t.Errorf("GetMany after DeleteMany (batch %v) = %v, want %v", batch, got, want)
		}

		// Batcher when present, one call per key otherwise.
		wantBatch := int64(0)
		if batch {
			wantBatch = 2
		}
		if got := bc.getManys.Load(); got != wantBatch {
			t.Errorf("GetMany calls on the Batcher (batch %v) = %d, want %d", batch, got, wantBatch)
		}
		wantSets := int64(3)
		if got := m.sets.Load(); got != wantSets {
			t.Errorf("backend Sets (batch %v) = %d, want %d", batch, got, wantSets)
		}
		if batch && (bc.setManys.Load() != 1 || bc.deleteManys.Load() != 1) {
			t.Errorf("SetMany/DeleteMany calls = %d/%d, want 1/1", bc.setManys.Load(), bc.deleteManys.Load())
		}
		if !batch && m.deletes.Load() != 2 {
			t.Errorf("backend Deletes = %d, want 2", m.deletes.Load())
		}
	}
}

func TestBatchHelpersEmptyInput(t *testing.T) {
	ctx := t.Context()
	m := newMapcache[int](nil)
	c := &batchcache[int]{mapcache: m}
	got, err := cache.GetMany(ctx, cache.Cache[int](c), nil)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("GetMany(nil) = (%v, %v), want (empty map, nil)", got, err)
	}
	if err := cache.SetMany(ctx, cache.Cache[int](c), nil, 0); err != nil {
		t.Errorf("SetMany(nil) = %v, want nil", err)
	}
	if err := cache.DeleteMany(ctx, cache.Cache[int](c), nil); err != nil {
		t.Errorf("DeleteMany(nil) = %v, want nil", err)
	}
	if n := c.getManys.Load() + c.setManys.Load() + c.deleteManys.Load(); n != 0 {
		t.Errorf("backend calls for empty input = %d, want 0", n)
	}
}

func TestBatchHelpersFallbackStops(t *testing.T) {
	errBackend := errors.New("backend down")
	m := newMapcache[int](nil)
	m.getHook = func(key string) error {
		if key == "bad" {
			return errBackend
		}
		return nil
	}
	m.setHook = func(key string, _ int, _ time.Duration) error {
		if key == "bad" {
			return errBackend
		}
		return nil
	}
	m.deleteHook = m.getHook
	ctx := t.Context()
	if got, err := cache.GetMany(ctx, cache.Cache[int](m), []string{"a", "bad", "c"}); got != nil || !errors.Is(err, errBackend) {
		t.Errorf("GetMany = (%v, %v), want (nil, %v)", got, err, errBackend)
	}
	if err := cache.SetMany(ctx, cache.Cache[int](m), map[string]int{"bad": 1}, 0); !errors.Is(err, errBackend) {
		t.Errorf("SetMany = %v, want %v", err, errBackend)
	}
	if err := cache.DeleteMany(ctx, cache.Cache[int](m), []string{"bad"}); !errors.Is(err, errBackend) {
		t.Errorf("DeleteMany = %v, want %v", err, errBackend)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	before := m.gets.Load() + m.sets.Load() + m.deletes.Load()
	if _, err := cache.GetMany(cancelled, cache.Cache[int](m), []string{"a"}); !errors.Is(err, context.Canceled) {
		t.Errorf("GetMany(cancelled) = %v, want context.Canceled", err)
	}
	if err := cache.SetMany(cancelled, cache.Cache[int](m), map[string]int{"a": 1}, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("SetMany(cancelled) = %v, want context.Canceled", err)
	}
	if err := cache.DeleteMany(cancelled, cache.Cache[int](m), []string{"a"}); !errors.Is(err, context.Canceled) {
		t.Errorf("DeleteMany(cancelled) = %v, want context.Canceled", err)
	}
	if after := m.gets.Load() + m.sets.Load() + m.deletes.Load(); after != before {
		t.Errorf("backend calls with a cancelled ctx = %d, want 0", after-before)
	}
}
