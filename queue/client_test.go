package queue_test

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
)

func TestClientJobIDsAreIncreasingUUIDv7(t *testing.T) {
	b, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := queue.NewClient(b, queue.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().UnixMilli()
	prev := ""
	for i := range 2000 {
		j, err := c.NewJob(context.Background(), "t", nil)
		if err != nil {
			t.Fatal(err)
		}
		id := j.ID
		if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' || strings.ToLower(id) != id {
			t.Fatalf("ID %q is not a lowercase UUID", id)
		}
		raw, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
		if err != nil {
			t.Fatalf("ID %q: %v", id, err)
		}
		if raw[6]>>4 != 7 || raw[8]>>6 != 2 {
			t.Fatalf("ID %q: version %d, variant %b; want 7 and 10", id, raw[6]>>4, raw[8]>>6)
		}
		ms, _ := strconv.ParseInt(hex.EncodeToString(raw[:6]), 16, 64)
		// Many IDs within one millisecond may carry the time forward a
		// little, so allow a small margin after now.
		if now := time.Now().UnixMilli(); ms < before || ms > now+1000 {
			t.Fatalf("ID %q carries time %d, want between %d and %d", id, ms, before, now)
		}
		if id <= prev {
			t.Fatalf("ID %d = %q does not sort after %q", i, id, prev)
		}
		prev = id
	}
}
