package bench

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// TestQueueSystems checks that every queue system of the benchmarks runs
// each enqueued job once with its payload, whether enqueued one by one or
// in a batch, and that a worker can stop and a system close. The Redis
// systems need KEEL_REDIS_URL.
func TestQueueSystems(t *testing.T) {
	url := os.Getenv("KEEL_REDIS_URL")
	if url == "" {
		t.Run("redis", func(t *testing.T) {
			t.Skip("set KEEL_REDIS_URL=redis://127.0.0.1:6379/0 to run against Redis")
		})
	}
	for _, mk := range queueSystems(url, queueAsynqDB) {
		t.Run(mk.name, func(t *testing.T) {
			sys, err := mk.new()
			if err != nil {
				t.Fatalf("new: %v", err)
			}
			defer func() {
				if err := sys.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}()
			ctx := context.Background()
			var want []string
			for i := range 5 {
				p := fmt.Sprintf("single-%d", i)
				want = append(want, p)
				if err := sys.Enqueue(ctx, []byte(p)); err != nil {
					t.Fatalf("Enqueue(%q) = %v, want nil", p, err)
				}
			}
			var batch [][]byte
			for i := range 20 {
				p := fmt.Sprintf("batch-%d", i)
				want = append(want, p)
				batch = append(batch, []byte(p))
			}
			if err := sys.EnqueueBatch(ctx, batch); err != nil {
				t.Fatalf("EnqueueBatch(%d jobs) = %v, want nil", len(batch), err)
			}

			var mu sync.Mutex
			got := map[string]int{}
			all := make(chan struct{})
			err = sys.Start(3, func(p []byte) {
				mu.Lock()
				defer mu.Unlock()
				got[string(p)]++
				if len(got) == len(want) {
					select {
					case <-all:
					default:
						close(all)
					}
				}
			})
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			select {
			case <-all:
			case <-time.After(time.Minute):
			}
			stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := sys.Stop(stopCtx); err != nil {
				t.Errorf("Stop: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, p := range want {
				if got[p] != 1 {
					t.Errorf("job with payload %q ran %d times, want 1", p, got[p])
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d distinct payloads ran, want %d", len(got), len(want))
			}
		})
	}
}

// TestRawCodec checks the pass-through codec the keel systems use.
func TestRawCodec(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		wantErr bool
	}{
		{"bytes", []byte("abc"), false},
		{"empty", []byte{}, false},
		{"string", "abc", true},
		{"nil", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := rawCodec{}.Marshal(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Marshal(%v) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var out []byte
			if err := (rawCodec{}).Unmarshal(b, &out); err != nil || string(out) != string(tt.in.([]byte)) {
				t.Errorf("Unmarshal(Marshal(%q)) = %q, %v, want %q, nil", tt.in, out, err, tt.in)
			}
		})
	}
	var s string
	if err := (rawCodec{}).Unmarshal([]byte("x"), &s); err == nil {
		t.Errorf("Unmarshal into *string = nil, want an error")
	}
}
