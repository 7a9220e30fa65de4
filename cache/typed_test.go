package cache_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
)

type user struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func TestTypedRoundTrip(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name  string
		codec cache.Codec[user]
	}{
		{"nil codec is JSON", nil},
		{"JSON", cache.JSON[user]{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := newMapcache[[]byte](nil)
			c := cache.Typed(raw, tt.codec)
			want := user{ID: 7, Name: "Ada"}
			if err := c.Set(ctx, "u", want, time.Hour); err != nil {
				t.Fatalf("Set = %v, want nil", err)
			}
			got, ok, err := c.Get(ctx, "u")
			if err != nil || !ok || got != want {
				t.Fatalf("Get = (%v, %v, %v), want (%v, true, nil)", got, ok, err, want)
			}
			if b, _ := raw.peek("u"); string(b) != `{"id":7,"name":"Ada"}` {
				t.Errorf("stored bytes = %s, want the JSON encoding", b)
			}
			if ttl := raw.ttl("u"); ttl != time.Hour {
				t.Errorf("backend ttl = %v, want %v", ttl, time.Hour)
			}
			if _, ok, err := c.Get(ctx, "absent"); ok || err != nil {
				t.Errorf("Get(absent) = (_, %v, %v), want (_, false, nil)", ok, err)
			}
			if err := c.Delete(ctx, "u"); err != nil {
				t.Fatalf("Delete = %v, want nil", err)
			}
			if _, ok, err := c.Get(ctx, "u"); ok || err != nil {
				t.Errorf("Get after Delete = (_, %v, %v), want (_, false, nil)", ok, err)
			}
		})
	}

	s := cache.Typed[string](newMapcache[[]byte](nil), cache.String{})
	if err := s.Set(ctx, "s", "héllo", 0); err != nil {
		t.Fatalf("Set(string) = %v, want nil", err)
	}
	if got, ok, err := s.Get(ctx, "s"); got != "héllo" || !ok || err != nil {
		t.Errorf("Get(string) = (%q, %v, %v), want (héllo, true, nil)", got, ok, err)
	}
}

// A value that does not decode is an error, never a miss.
func TestTypedDecodeErrorIsNotMiss(t *testing.T) {
	ctx := t.Context()
	raw := &batchcache[[]byte]{mapcache: newMapcache[[]byte](nil)}
	if err := raw.Set(ctx, "u", []byte("not json"), 0); err != nil {
		t.Fatal(err)
	}
	c := cache.Typed[user](raw, nil)
	v, ok, err := c.Get(ctx, "u")
	var de *cache.DecodeError
	if !errors.As(err, &de) || ok || v != (user{}) {
		t.Fatalf("Get(corrupt) = (%v, %v, %v), want (zero, false, *DecodeError)", v, ok, err)
	}
	if de.Key != "u" || de.Unwrap() == nil || !strings.Contains(de.Error(), `"u"`) {
		t.Errorf("DecodeError = %+v (%q), want Key u, a cause and the key in the message", de, de.Error())
	}
	m, err := cache.GetMany(ctx, c, []string{"u"})
	if !errors.As(err, &de) || m != nil {
		t.Errorf("GetMany(corrupt) = (%v, %v), want (nil, *DecodeError)", m, err)
	}
}

type failingCodec struct{ err error }

func (f failingCodec) Marshal(user) ([]byte, error)   { return nil, f.err }
func (f failingCodec) Unmarshal([]byte) (user, error) { return user{}, f.err }

func TestTypedEncodeError(t *testing.T) {
	ctx := t.Context()
	errCodec := errors.New("codec failure")
	for _, batch := range []bool{false, true} {
		raw := newMapcache[[]byte](nil)
		var under cache.Cache[[]byte] = raw
		if batch {
			under = &batchcache[[]byte]{mapcache: raw}
		}
		c := cache.Typed[user](under, failingCodec{errCodec})
		if err := c.Set(ctx, "u", user{}, 0); !errors.Is(err, errCodec) {
			t.Errorf("Set with a failing codec = %v, want %v", err, errCodec)
		}
		if err := cache.SetMany(ctx, c, map[string]user{"v": {}}, 0); !errors.Is(err, errCodec) {
			t.Errorf("SetMany with a failing codec (batch %v) = %v, want %v", batch, err, errCodec)
		}
		if _, ok := raw.peek("u"); ok {
			t.Errorf("a value that failed to encode was stored")
		}
		// A negative ttl deletes without encoding.
		if err := raw.Set(ctx, "w", []byte("{}"), 0); err != nil {
			t.Fatal(err)
		}
		if err := c.Set(ctx, "w", user{}, -1); err != nil {
			t.Errorf("Set(ttl -1) with a failing codec = %v, want nil", err)
		}
		if err := raw.Set(ctx, "x", []byte("{}"), 0); err != nil {
			t.Fatal(err)
		}
		if err := cache.SetMany(ctx, c, map[string]user{"x": {}}, -1); err != nil {
			t.Errorf("SetMany(ttl -1) with a failing codec (batch %v) = %v, want nil", batch, err)
		}
		for _, k := range []string{"w", "x"} {
			if _, ok := raw.peek(k); ok {
				t.Errorf("Set(%s, ttl -1) left the key (batch %v)", k, batch)
			}
		}
	}
}

func TestTypedBatcher(t *testing.T) {
	ctx := t.Context()
	plain := cache.Typed[user](newMapcache[[]byte](nil), nil)
	if _, ok := plain.(cache.Batcher[user]); ok {
		t.Errorf("Typed over a cache without Batcher implements Batcher")
	}

	raw := &batchcache[[]byte]{mapcache: newMapcache[[]byte](nil)}
	c := cache.Typed[user](raw, nil)
	if _, ok := c.(cache.Batcher[user]); !ok {
		t.Fatalf("Typed over a Batcher does not implement Batcher")
	}
	items := map[string]user{"a": {ID: 1}, "b": {ID: 2}}
	if err := cache.SetMany(ctx, c, items, time.Minute); err != nil {
		t.Fatalf("SetMany = %v, want nil", err)
	}
	got, err := cache.GetMany(ctx, c, []string{"a", "b", "missing"})
	if err != nil || !reflect.DeepEqual(got, items) {
		t.Errorf("GetMany = (%v, %v), want (%v, nil)", got, err, items)
	}
	if err := cache.DeleteMany(ctx, c, []string{"a"}); err != nil {
		t.Fatalf("DeleteMany = %v, want nil", err)
	}
	if n := raw.setManys.Load() + raw.getManys.Load() + raw.deleteManys.Load(); n != 3 {
		t.Errorf("batch calls on the backend = %d, want 3 (one per helper)", n)
	}
	if n := raw.gets.Load(); n != 3 {
		// The batchcache serves GetMany with Gets internally: one per key.
		t.Errorf("backend Gets = %d, want 3 (inside the one GetMany)", n)
	}
	if _, ok, _ := c.Get(ctx, "a"); ok {
		t.Errorf("Get(a) after DeleteMany hit, want a miss")
	}
}

func TestTypedPassesBackendErrors(t *testing.T) {
	ctx := t.Context()
	errBackend := errors.New("backend down")
	raw := newMapcache[[]byte](nil)
	raw.getHook = func(string) error { return errBackend }
	c := cache.Typed[user](raw, nil)
	if _, ok, err := c.Get(ctx, "u"); ok || !errors.Is(err, errBackend) {
		t.Errorf("Get = (_, %v, %v), want (_, false, %v)", ok, err, errBackend)
	}
	if _, _, err := c.Get(ctx, ""); !errors.Is(err, cache.ErrInvalidKey) {
		t.Errorf("Get(\"\") = %v, want ErrInvalidKey", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close = %v, want nil", err)
	}
	if err := c.Set(ctx, "u", user{}, 0); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Set after Close = %v, want ErrClosed (Close closes the backend)", err)
	}
}
