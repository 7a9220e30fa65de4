package redisqueue_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keel-go/keel/queue"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWorkerOnRedis runs the failure paths through a real worker and the
// Redis broker: retries with growing delays, dead-lettering with the last
// error, and a timeout that cancels an attempt which is then retried.
func TestWorkerOnRedis(t *testing.T) {
	rdb := client(t)
	b := newBroker(t, rdb, prefix(t, rdb))
	c, _ := queue.NewClient(b, queue.ClientOptions{})
	ctx := context.Background()

	var mu sync.Mutex
	var flakyTimes []time.Time
	var doomedRuns, slowRuns atomic.Int32
	var slowErr error
	mux := queue.NewMux(nil)
	mux.HandleFunc("flaky", func(ctx context.Context, j *queue.Job) error {
		mu.Lock()
		defer mu.Unlock()
		flakyTimes = append(flakyTimes, time.Now())
		if len(flakyTimes) < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	mux.HandleFunc("doomed", func(ctx context.Context, j *queue.Job) error {
		return fmt.Errorf("attempt %d failed", doomedRuns.Add(1))
	})
	mux.HandleFunc("slow", func(ctx context.Context, j *queue.Job) error {
		if slowRuns.Add(1) == 1 {
			<-ctx.Done()
			mu.Lock()
			slowErr = ctx.Err()
			mu.Unlock()
			return ctx.Err()
		}
		return nil
	})
	w, err := queue.NewWorker(b, mux, queue.WorkerOptions{
		Concurrency: 4,
		Backoff:     func(attempt int, _ error) time.Duration { return time.Duration(attempt) * 200 * time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Start(ctx)
	defer func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := w.Stop(stopCtx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	}()

	flaky, _ := c.Enqueue(ctx, "flaky", nil)
	doomed, _ := c.Enqueue(ctx, "doomed", nil, queue.WithMaxRetries(2))
	slow, _ := c.Enqueue(ctx, "slow", nil, queue.WithTimeout(300*time.Millisecond))

	state := func(id string) queue.JobInfo {
		ji, err := b.Job(ctx, queue.DefaultQueue, id)
		if err != nil {
			t.Fatalf("Job(%s): %v", id, err)
		}
		return ji
	}
	waitFor(t, "the flaky job to complete", 20*time.Second, func() bool { return state(flaky.ID).State == queue.StateCompleted })
	mu.Lock()
	times := slices.Clone(flakyTimes)
	mu.Unlock()
	if len(times) != 3 {
		t.Fatalf("flaky job ran %d times, want 3", len(times))
	}
	d1, d2 := times[1].Sub(times[0]), times[2].Sub(times[1])
	if d1 < 190*time.Millisecond || d2 < 390*time.Millisecond || d2 <= d1 {
		t.Errorf("delays between attempts %v, %v; want about 200ms then 400ms, growing", d1, d2)
	}

	waitFor(t, "the doomed job to be archived", 20*time.Second, func() bool { return state(doomed.ID).State == queue.StateArchived })
	if ji := state(doomed.ID); ji.Job.LastError != "attempt 3 failed" || doomedRuns.Load() != 3 {
		t.Errorf("dead job after %d runs has error %q; want 3 runs and the last error", doomedRuns.Load(), ji.Job.LastError)
	}
	dead, err := b.List(ctx, queue.DefaultQueue, queue.StateArchived, 0, 10)
	if err != nil || len(dead) != 1 || dead[0].Job.ID != doomed.ID {
		t.Errorf("dead set = %v, %v; want the doomed job", dead, err)
	}

	waitFor(t, "the slow job to complete", 20*time.Second, func() bool { return state(slow.ID).State == queue.StateCompleted })
	mu.Lock()
	if !errors.Is(slowErr, context.DeadlineExceeded) {
		t.Errorf("the timed-out attempt's context ended with %v, want DeadlineExceeded", slowErr)
	}
	mu.Unlock()
	if n := slowRuns.Load(); n != 2 {
		t.Errorf("slow job ran %d times, want 2 (timed out, then retried)", n)
	}
}

// TestIdleQueueStartsJobsPromptly checks that a worker waiting on an idle
// queue starts a new job within milliseconds (a notification, not a poll),
// and that a delayed job starts on time.
func TestIdleQueueStartsJobsPromptly(t *testing.T) {
	rdb := client(t)
	b := newBroker(t, rdb, prefix(t, rdb))
	c, _ := queue.NewClient(b, queue.ClientOptions{})
	ctx := context.Background()
	started := make(chan time.Time, 100)
	mux := queue.NewMux(nil)
	mux.HandleFunc("ping", func(ctx context.Context, j *queue.Job) error {
		started <- time.Now()
		return nil
	})
	w, _ := queue.NewWorker(b, mux, queue.WorkerOptions{Concurrency: 2})
	w.Start(ctx)
	defer func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		w.Stop(stopCtx)
	}()
	var lat []time.Duration
	for range 20 {
		time.Sleep(20 * time.Millisecond) // let the worker go idle again
		at := time.Now()
		if _, err := c.Enqueue(ctx, "ping", nil); err != nil {
			t.Fatal(err)
		}
		select {
		case s := <-started:
			lat = append(lat, s.Sub(at))
		case <-time.After(10 * time.Second):
			t.Fatal("job did not start")
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("enqueue-to-start on an idle queue: p50 %v, max %v", lat[len(lat)/2], lat[len(lat)-1])
	if p50 := lat[len(lat)/2]; p50 > 100*time.Millisecond {
		t.Errorf("median enqueue-to-start %v on an idle queue; want milliseconds, not a poll interval", p50)
	}
	runAt := time.Now().Add(500 * time.Millisecond)
	if _, err := c.Enqueue(ctx, "ping", nil, queue.WithRunAt(runAt)); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-started:
		if late := s.Sub(runAt); late < -5*time.Millisecond || late > time.Second {
			t.Errorf("delayed job started %v after its run time; want on time", late)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("delayed job did not start")
	}
}
