package memoryqueue_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
	"github.com/keel-go/keel/queue/queuetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newBroker(t *testing.T) queue.Broker {
	b, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, newBroker, queuetest.Options{})
}

// TestOwnership checks who owns a Job: the caller keeps the one it
// enqueued, and a lease holder's Job does not change when the broker
// leases the job again or records a retry.
func TestOwnership(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, err := memoryqueue.New(memoryqueue.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		ctx := context.Background()
		in := &queue.Job{Type: "t", Queue: "q", Payload: []byte("abc"), MaxRetries: 3,
			Tags: []string{"x"}, Meta: map[string]string{"k": "v"}}
		if err := b.Enqueue(ctx, []*queue.Job{in}); err != nil {
			t.Fatal(err)
		}
		in.Payload[0], in.Tags[0], in.Meta["k"], in.Type = 'X', "changed", "changed", "changed"

		first, err := b.Fetch(ctx, queue.FetchRequest{Queues: []string{"q"}, Max: 1, Lease: time.Second})
		if err != nil || len(first) != 1 {
			t.Fatalf("Fetch = %d leases, %v; want 1", len(first), err)
		}
		j := first[0].Job
		if string(j.Payload) != "abc" || j.Tags[0] != "x" || j.Meta["k"] != "v" || j.Type != "t" {
			t.Errorf("leased job = %+v; want it as enqueued, not as the caller changed it later", j)
		}

		// The lease expires and the job is leased again: the first
		// holder's Job keeps its attempt.
		again, err := b.Fetch(ctx, queue.FetchRequest{Queues: []string{"q"}, Max: 1, Lease: time.Minute})
		if err != nil || len(again) != 1 {
			t.Fatalf("second Fetch = %d leases, %v; want the job again", len(again), err)
		}
		if first[0].Job.Attempt != 1 || again[0].Job.Attempt != 2 {
			t.Errorf("attempts = %d (first lease), %d (second); want 1 and 2", first[0].Job.Attempt, again[0].Job.Attempt)
		}
		if err := b.Ack(ctx, []queue.Outcome{{Lease: again[0], Kind: queue.Retry, RetryAt: time.Now(), Error: "boom"}}); err != nil {
			t.Fatal(err)
		}
		if again[0].Job.LastError != "" {
			t.Errorf("lease holder's LastError = %q after the retry was recorded; want it unchanged", again[0].Job.LastError)
		}
		third, err := b.Fetch(ctx, queue.FetchRequest{Queues: []string{"q"}, Max: 1, Lease: time.Minute})
		if err != nil || len(third) != 1 || third[0].Job.LastError != "boom" || third[0].Job.Attempt != 3 {
			t.Fatalf("third Fetch = %v, %v; want the job with attempt 3 and its error", third, err)
		}
	})
}

// TestRetentionNegativeKeepsNothing checks that with a negative
// Retention a completed job is gone at once.
func TestRetentionNegativeKeepsNothing(t *testing.T) {
	b, err := memoryqueue.New(memoryqueue.Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	in := &queue.Job{Type: "t", Queue: "q", MaxRetries: 1}
	if err := b.Enqueue(ctx, []*queue.Job{in}); err != nil {
		t.Fatal(err)
	}
	ls, err := b.Fetch(ctx, queue.FetchRequest{Queues: []string{"q"}, Max: 1, Lease: time.Minute})
	if err != nil || len(ls) != 1 {
		t.Fatalf("Fetch = %d leases, %v; want 1", len(ls), err)
	}
	if err := b.Ack(ctx, []queue.Outcome{{Lease: ls[0], Kind: queue.Done, Result: []byte("r")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Job(ctx, "q", in.ID); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("Job after completion = %v, want ErrNotFound", err)
	}
	qs, err := b.Queues(ctx)
	if err != nil || len(qs) != 1 || qs[0].Counts[queue.StateCompleted] != 0 || qs[0].Processed != 1 {
		t.Errorf("Queues = %+v, %v; want q with no completed job and 1 processed", qs, err)
	}
}
