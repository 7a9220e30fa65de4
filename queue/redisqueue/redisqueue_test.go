package redisqueue_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/internal/redistest"
	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/queuetest"
	"github.com/keel-go/keel/queue/redisqueue"
)

// client returns a client for KEEL_REDIS_URL (see package redistest).
func client(t testing.TB) *redis.Client { return redistest.Client(t) }

// prefix returns a key prefix of the test's own, emptied when it ends.
func prefix(t testing.TB, rdb *redis.Client) string {
	return redistest.Prefix(t, rdb, "redisqueue")
}

func newBroker(t *testing.T, rdb *redis.Client, p string) *redisqueue.Broker {
	t.Helper()
	b, err := redisqueue.New(rdb, redisqueue.Options{Prefix: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	rdb := client(t)
	p := prefix(t, rdb)
	queuetest.Run(t, func(t *testing.T) queue.Broker { return newBroker(t, rdb, p) }, queuetest.Options{})
}

// TestEnqueueOneJob checks the single-job Enqueue, which has a path of its
// own once the queue is known: every priority and retry count round-trips
// through a fetch, a delayed job is scheduled, and a repeated ID or held
// unique key is refused.
func TestEnqueueOneJob(t *testing.T) {
	rdb := client(t)
	b := newBroker(t, rdb, prefix(t, rdb))
	ctx := context.Background()
	first := &queue.Job{Type: "t", Queue: "one", Payload: []byte("first")}
	if err := b.Enqueue(ctx, []*queue.Job{first}); err != nil {
		t.Fatal(err)
	}
	var want []*queue.Job
	for _, p := range []int{queue.PriorityLow, queue.PriorityNormal, queue.PriorityHigh} {
		for _, r := range []int{0, 1, 25, 32, 33, 100, 12345} {
			j := &queue.Job{Type: "t", Queue: "one", Payload: []byte(fmt.Sprint(p, r)), Priority: p, MaxRetries: r}
			if err := b.Enqueue(ctx, []*queue.Job{j}); err != nil {
				t.Fatalf("Enqueue priority %d retries %d: %v", p, r, err)
			}
			if j.ID == "" || j.EnqueuedAt.IsZero() {
				t.Fatalf("Enqueue left ID %q, EnqueuedAt %v", j.ID, j.EnqueuedAt)
			}
			want = append(want, j)
		}
	}
	leases, err := b.Fetch(ctx, queue.FetchRequest{Queues: []string{"one"}, Max: 100, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*queue.Job{}
	for _, l := range leases {
		got[l.Job.ID] = l.Job
	}
	if len(leases) != len(want)+1 || got[first.ID] == nil {
		t.Fatalf("fetched %d jobs, want %d", len(leases), len(want)+1)
	}
	for _, w := range want {
		g := got[w.ID]
		if g == nil {
			t.Errorf("job %s (priority %d, retries %d) not fetched", w.ID, w.Priority, w.MaxRetries)
			continue
		}
		if g.Type != w.Type || string(g.Payload) != string(w.Payload) || g.Priority != w.Priority ||
			g.MaxRetries != w.MaxRetries || g.Attempt != 1 {
			t.Errorf("fetched %+v, want %+v with attempt 1", g, w)
		}
	}
	if leases[0].Job.Priority != queue.PriorityHigh || leases[len(leases)-1].Job.Priority != queue.PriorityLow {
		t.Errorf("fetched priorities %d first, %d last; want high first, low last",
			leases[0].Job.Priority, leases[len(leases)-1].Job.Priority)
	}

	later := &queue.Job{Type: "t", Queue: "one", RunAt: time.Now().Add(time.Hour), UniqueKey: "k", UniqueFor: time.Hour}
	if err := b.Enqueue(ctx, []*queue.Job{later}); err != nil {
		t.Fatal(err)
	}
	info, err := b.Job(ctx, "one", later.ID)
	if err != nil {
		t.Fatal(err)
	}
	if info.State != queue.StateScheduled || !info.NextRunAt.Equal(later.RunAt.Truncate(time.Millisecond)) ||
		info.Job.UniqueKey != "k" || info.Job.Attempt != 0 {
		t.Errorf("delayed job is %s at %v (unique key %q, attempt %d), want scheduled at %v with key k, attempt 0",
			info.State, info.NextRunAt, info.Job.UniqueKey, info.Job.Attempt, later.RunAt)
	}
	for name, j := range map[string]*queue.Job{
		"same ID":         {ID: first.ID, Type: "t", Queue: "one"},
		"same unique key": {Type: "t", Queue: "one", UniqueKey: "k", UniqueFor: time.Hour},
	} {
		err := b.Enqueue(ctx, []*queue.Job{j})
		var be *queue.BatchError
		if !errors.Is(err, queue.ErrDuplicate) || !errors.As(err, &be) || len(be.Errs) != 1 {
			t.Errorf("Enqueue with the %s = %v, want a BatchError of one ErrDuplicate", name, err)
		}
	}
}

// TestFetchWokenByAnotherBroker checks that a Fetch waiting in one broker
// wakes within milliseconds when a broker that only enqueues (and so
// never subscribes) stores a job.
func TestFetchWokenByAnotherBroker(t *testing.T) {
	rdb := client(t)
	p := prefix(t, rdb)
	consumer, producer := newBroker(t, rdb, p), newBroker(t, rdb, p)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 5 {
		type result struct {
			leases []*queue.Lease
			at     time.Time
			err    error
		}
		done := make(chan result, 1)
		go func() {
			l, err := consumer.Fetch(ctx, queue.FetchRequest{Queues: []string{"wake"}, Max: 1, Lease: time.Minute})
			done <- result{l, time.Now(), err}
		}()
		time.Sleep(50 * time.Millisecond) // let the fetch find the queue empty and wait
		sent := time.Now()
		if err := producer.Enqueue(ctx, []*queue.Job{{Type: "t", Queue: "wake"}}); err != nil {
			t.Fatal(err)
		}
		r := <-done
		if r.err != nil || len(r.leases) != 1 {
			t.Fatalf("fetch %d: %d leases, %v", i, len(r.leases), r.err)
		}
		// MaxWait is 5s: a fetch that missed the notification waits that long.
		if d := r.at.Sub(sent); d > time.Second {
			t.Errorf("fetch %d woke %v after the enqueue; want milliseconds", i, d)
		}
	}
}

// noScriptHook answers the next fail EVALSHA calls with NOSCRIPT without
// sending them, as a server that lost its script cache would.
type noScriptHook struct{ fail, failed int }

func (h *noScriptHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *noScriptHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "evalsha" && h.failed < h.fail {
			h.failed++
			cmd.SetErr(redis.ErrNoScript)
			return redis.ErrNoScript
		}
		return next(ctx, cmd)
	}
}

func (h *noScriptHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestEnqueueAfterScriptLoss checks that a single-job Enqueue still stores
// its job when the server no longer has the script (after a restart or
// SCRIPT FLUSH).
func TestEnqueueAfterScriptLoss(t *testing.T) {
	rdb := client(t)
	p := prefix(t, rdb)
	b := newBroker(t, rdb, p)
	ctx := context.Background()
	if err := b.Enqueue(ctx, []*queue.Job{{Type: "t", Queue: "lost"}}); err != nil {
		t.Fatal(err)
	}
	// Every EVALSHA fails, as on a server that lost every script: the
	// broker must send the script itself.
	hook := &noScriptHook{fail: math.MaxInt}
	rdb.AddHook(hook)
	j := &queue.Job{Type: "t", Queue: "lost", Payload: []byte("after")}
	err := b.Enqueue(ctx, []*queue.Job{j})
	hook.fail = 0
	if err != nil {
		t.Fatalf("Enqueue after the script was lost: %v", err)
	}
	if hook.failed != 1 {
		t.Fatalf("the hook failed %d EVALSHA calls, want 1", hook.failed)
	}
	info, err := b.Job(ctx, "lost", j.ID)
	if err != nil || info.State != queue.StatePending || string(info.Job.Payload) != "after" {
		t.Errorf("job after the script loss: %+v, %v; want it pending with its payload", info, err)
	}
}
