package redisqueue_test

import (
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/queue/redisqueue"
)

// slot is Redis Cluster's key slot: CRC16 (XMODEM) of the hash tag, or of
// the whole key when it has none, modulo 16384.
func slot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for k := 0; k < len(key); k++ {
		crc ^= uint16(key[k]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}

func TestSlotFunction(t *testing.T) {
	// Reference values from the Redis Cluster specification and redis-cli.
	for key, want := range map[string]uint16{"123456789": 0x31C3 % 16384, "foo": 12182, "{user1000}.following": slot("user1000")} {
		if got := slot(key); got != want {
			t.Errorf("slot(%q) = %d, want %d", key, got, want)
		}
	}
}

// TestKeysShareOneSlot checks that every key a script touches for one queue
// (the fixed keys, job hashes and unique locks) hashes to one slot, so the
// broker works on Redis Cluster although CI runs a single node.
func TestKeysShareOneSlot(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled for key names
	defer rdb.Close()
	b, err := redisqueue.New(rdb, redisqueue.Options{Prefix: "app:jobs:"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, q := range []string{"default", "emails", "critical:payments", "a b c", "ünïcode"} {
		fixed, jobs, uniques := b.KeysOf(q)
		keys := append(append([]string{}, fixed...), jobs+"0192f4e2-7c1d-7000-8000-000000000001", uniques+"welcome:42")
		want := slot(keys[0])
		for _, k := range keys {
			if got := slot(k); got != want {
				t.Errorf("queue %q: key %q is in slot %d, want %d like the others", q, k, got, want)
			}
		}
	}
	// Different queues spread over slots.
	f1, _, _ := b.KeysOf("q1")
	f2, _, _ := b.KeysOf("q2")
	if slot(f1[0]) == slot(f2[0]) {
		t.Errorf("queues q1 and q2 share a slot; the hash tag should be the queue name")
	}
	if _, err := redisqueue.New(rdb, redisqueue.Options{Prefix: "bad{prefix}"}); err == nil {
		t.Error("New accepted a prefix with braces")
	}
}
