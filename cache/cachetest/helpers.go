package cachetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/errors"
)

func mustSet(t *testing.T, c cache.Cache[[]byte], key string, v []byte, ttl time.Duration) {
	t.Helper()
	if err := c.Set(t.Context(), key, v, ttl); err != nil {
		t.Fatalf("Set(%s, ttl %v) = %v, want nil", key, ttl, err)
	}
}

func wantHit(t *testing.T, c cache.Cache[[]byte], key string, want []byte) {
	t.Helper()
	v, ok, err := c.Get(t.Context(), key)
	if err != nil || !ok || !bytes.Equal(v, want) {
		t.Errorf("Get(%s) = (%s, %v, %v), want (%s, true, nil)", key, short(v), ok, err, short(want))
	}
}

func wantMiss(t *testing.T, c cache.Cache[[]byte], key string) {
	t.Helper()
	v, ok, err := c.Get(t.Context(), key)
	if ok || err != nil {
		t.Errorf("Get(%s) = (%s, %v, %v), want (nil, false, nil)", key, short(v), ok, err)
	}
}

func wantMap(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("GetMany returned %d keys %v, want %d: %v", len(got), keysOf(got), len(want), keysOf(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || !bytes.Equal(g, w) {
			t.Errorf("GetMany[%s] = (%s, %v), want (%s, true)", k, short(g), ok, short(w))
		}
	}
}

func wantErr(t *testing.T, op string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s = %v, want %v", op, err, target)
	}
}

func keysOf(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// short formats a value for a message, eliding the middle of a long one.
func short(v []byte) string {
	if len(v) > 64 {
		return fmt.Sprintf("%q…(%d bytes)", v[:32], len(v))
	}
	return fmt.Sprintf("%q", v)
}
