package rediscache_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"
)

// TestBatchOneRoundTrip proves that each batch method is one pipeline,
// that is one round trip, with a go-redis hook that counts what the
// client sends.
func TestBatchOneRoundTrip(t *testing.T) {
	client := redisClient(t)
	hook := &countingHook{}
	client.AddHook(hook)
	ctx := context.Background()
	c := newBytes(t, client)

	keys := make([]string, 10)
	items := make(map[string][]byte, len(keys))
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
		items[keys[i]] = []byte(fmt.Sprintf("v%d", i))
	}
	tests := []struct {
		name  string
		call  func() error
		piped int
	}{
		{"SetMany", func() error { return c.SetMany(ctx, items, time.Minute) }, 10},
		{"GetMany", func() error {
			got, err := c.GetMany(ctx, append(keys, "absent"))
			if err == nil && !maps.EqualFunc(got, items, func(a, b []byte) bool { return string(a) == string(b) }) {
				t.Errorf("GetMany() = %q, want %q", got, items)
			}
			return err
		}, 11},
		{"DeleteMany", func() error { return c.DeleteMany(ctx, keys) }, 10},
		{"SetMany negative ttl", func() error { return c.SetMany(ctx, items, -1) }, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*hook = countingHook{}
			if err := tt.call(); err != nil {
				t.Fatalf("%s() = %v", tt.name, err)
			}
			if hook.pipelines != 1 || hook.process != 0 || hook.piped != tt.piped {
				t.Errorf("%s sent %d pipelines of %d commands and %d single commands, want 1 pipeline of %d and none",
					tt.name, hook.pipelines, hook.piped, hook.process, tt.piped)
			}
		})
	}
	if n := countKeys(t, client, c.Prefix()); n != 0 {
		t.Errorf("keys after DeleteMany = %d, want 0", n)
	}

	*hook = countingHook{}
	if m, err := c.GetMany(ctx, nil); err != nil || len(m) != 0 || m == nil {
		t.Errorf("GetMany(nil) = %#v, %v, want an empty map", m, err)
	}
	if err := c.SetMany(ctx, nil, 0); err != nil {
		t.Errorf("SetMany(nil) = %v", err)
	}
	if err := c.DeleteMany(ctx, nil); err != nil {
		t.Errorf("DeleteMany(nil) = %v", err)
	}
	if hook.pipelines+hook.process != 0 {
		t.Errorf("empty batches sent %d pipelines and %d commands, want nothing", hook.pipelines, hook.process)
	}
}

func TestSetManyTTL(t *testing.T) {
	client := redisClient(t)
	ctx := context.Background()
	c := newBytes(t, client)
	if err := c.SetMany(ctx, map[string][]byte{"a": []byte("1"), "b": []byte("2")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"a", "b"} {
		if got := client.PTTL(ctx, c.Prefix()+key).Val(); got <= 50*time.Second || got > time.Minute {
			t.Errorf("PTTL(%s) after SetMany(ttl 1m) = %v, want within (50s, 1m]", key, got)
		}
	}
	if err := c.SetMany(ctx, map[string][]byte{"c": []byte("3")}, 0); err != nil {
		t.Fatal(err)
	}
	if got := client.PTTL(ctx, c.Prefix()+"c").Val(); got != -1 {
		t.Errorf("PTTL(c) after SetMany(ttl 0) = %v, want -1 (no expiry)", got)
	}
}
