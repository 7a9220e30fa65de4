package queue_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
	"github.com/keel-go/keel/reqctx"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type harness struct {
	broker *memoryqueue.Broker
	client *queue.Client
	mux    *queue.Mux
	worker *queue.Worker
}

func newHarness(t *testing.T, opts queue.WorkerOptions) *harness {
	t.Helper()
	b, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := queue.NewClient(b, queue.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{broker: b, client: c, mux: queue.NewMux(nil)}
}

func (h *harness) start(t *testing.T, opts queue.WorkerOptions) {
	t.Helper()
	w, err := queue.NewWorker(h.broker, h.mux, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.worker = w
}

func (h *harness) stop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.worker.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
	h.broker.Close()
}

func (h *harness) state(t *testing.T, id string) queue.JobInfo {
	t.Helper()
	ji, err := h.broker.Job(context.Background(), queue.DefaultQueue, id)
	if err != nil {
		t.Fatalf("Job(%s): %v", id, err)
	}
	return ji
}

func TestWorkerRetriesWithGrowingDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		var times []time.Time
		h.mux.HandleFunc("flaky", func(ctx context.Context, j *queue.Job) error {
			times = append(times, time.Now())
			if len(times) < 3 {
				return errors.New("not yet")
			}
			return nil
		})
		h.start(t, queue.WorkerOptions{Concurrency: 1, Backoff: func(attempt int, _ error) time.Duration {
			return time.Duration(attempt) * 10 * time.Second
		}})
		j, err := h.client.Enqueue(context.Background(), "flaky", nil)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if len(times) != 3 {
			t.Fatalf("handler ran %d times, want 3", len(times))
		}
		d1, d2 := times[1].Sub(times[0]), times[2].Sub(times[1])
		if d1 != 10*time.Second || d2 != 20*time.Second {
			t.Errorf("delays between attempts = %v, %v; want 10s, 20s", d1, d2)
		}
		if ji := h.state(t, j.ID); ji.State != queue.StateCompleted || ji.Job.Attempt != 3 {
			t.Errorf("job = %s after %d attempts, want completed after 3", ji.State, ji.Job.Attempt)
		}
		h.stop(t)
	})
}

func TestWorkerDeadLetter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		var runs atomic.Int32
		h.mux.HandleFunc("doomed", func(ctx context.Context, j *queue.Job) error {
			return fmt.Errorf("attempt %d failed", runs.Add(1))
		})
		h.start(t, queue.WorkerOptions{Backoff: func(int, error) time.Duration { return time.Second }})
		j, err := h.client.Enqueue(context.Background(), "doomed", nil, queue.WithMaxRetries(2))
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := runs.Load(); n != 3 {
			t.Errorf("handler ran %d times, want 3 (1 + 2 retries)", n)
		}
		ji := h.state(t, j.ID)
		if ji.State != queue.StateArchived || ji.Job.LastError != "attempt 3 failed" {
			t.Errorf("job = %s with error %q, want archived with the last error", ji.State, ji.Job.LastError)
		}
		h.stop(t)
	})
}

func TestWorkerSkipRetryAndRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		var skipRuns atomic.Int32
		h.mux.HandleFunc("skip", func(ctx context.Context, j *queue.Job) error {
			skipRuns.Add(1)
			return fmt.Errorf("account deleted: %w", queue.SkipRetry)
		})
		var afterTimes []time.Time
		h.mux.HandleFunc("after", func(ctx context.Context, j *queue.Job) error {
			afterTimes = append(afterTimes, time.Now())
			if len(afterTimes) == 1 {
				return queue.RetryAfter(42*time.Second, errors.New("rate limited"))
			}
			return nil
		})
		h.start(t, queue.WorkerOptions{Backoff: func(int, error) time.Duration { return time.Hour }})
		skip, _ := h.client.Enqueue(context.Background(), "skip", nil)
		if _, err := h.client.Enqueue(context.Background(), "after", nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if n := skipRuns.Load(); n != 1 {
			t.Errorf("SkipRetry job ran %d times, want 1", n)
		}
		if ji := h.state(t, skip.ID); ji.State != queue.StateArchived {
			t.Errorf("SkipRetry job is %s, want archived", ji.State)
		}
		if len(afterTimes) != 2 || afterTimes[1].Sub(afterTimes[0]) != 42*time.Second {
			t.Errorf("RetryAfter attempts at %v, want two, 42s apart", afterTimes)
		}
		h.stop(t)
	})
}

func TestWorkerTimeoutCancelsAndRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		var runs atomic.Int32
		var firstErr error
		h.mux.HandleFunc("slow", func(ctx context.Context, j *queue.Job) error {
			if runs.Add(1) == 1 {
				<-ctx.Done()
				firstErr = ctx.Err()
				return ctx.Err()
			}
			return nil
		})
		h.start(t, queue.WorkerOptions{Backoff: func(int, error) time.Duration { return time.Second }})
		j, _ := h.client.Enqueue(context.Background(), "slow", nil, queue.WithTimeout(5*time.Second))
		time.Sleep(time.Minute)
		synctest.Wait()
		if !errors.Is(firstErr, context.DeadlineExceeded) {
			t.Errorf("first attempt's context ended with %v, want DeadlineExceeded", firstErr)
		}
		if ji := h.state(t, j.ID); ji.State != queue.StateCompleted || ji.Job.Attempt != 2 {
			t.Errorf("job = %s after %d attempts, want completed after 2", ji.State, ji.Job.Attempt)
		}
		h.stop(t)
	})
}

func TestWorkerPanicIsAFailedAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		h.mux.HandleFunc("panics", func(ctx context.Context, j *queue.Job) error {
			panic("kaboom")
		})
		h.start(t, queue.WorkerOptions{})
		j, _ := h.client.Enqueue(context.Background(), "panics", nil, queue.WithMaxRetries(0))
		time.Sleep(time.Second)
		synctest.Wait()
		ji := h.state(t, j.ID)
		if ji.State != queue.StateArchived || !strings.Contains(ji.Job.LastError, "kaboom") || !strings.Contains(ji.Job.LastError, "worker_test.go") {
			t.Errorf("job = %s with error %q; want archived with the panic value and its stack", ji.State, ji.Job.LastError)
		}
		h.stop(t)
	})
}

func TestWorkerHeartbeatKeepsLongJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		var runs atomic.Int32
		h.mux.HandleFunc("long", func(ctx context.Context, j *queue.Job) error {
			runs.Add(1)
			time.Sleep(10 * time.Second) // ten leases long
			return nil
		})
		h.start(t, queue.WorkerOptions{Lease: time.Second, Concurrency: 2})
		j, _ := h.client.Enqueue(context.Background(), "long", nil)
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := runs.Load(); n != 1 {
			t.Errorf("a job longer than its lease ran %d times, want 1", n)
		}
		if ji := h.state(t, j.ID); ji.State != queue.StateCompleted {
			t.Errorf("job is %s, want completed", ji.State)
		}
		h.stop(t)
	})
}

func TestWorkerGracefulStopFinishesInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		started := make(chan struct{}, 3)
		h.mux.HandleFunc("work", func(ctx context.Context, j *queue.Job) error {
			started <- struct{}{}
			time.Sleep(5 * time.Second)
			return nil
		})
		h.start(t, queue.WorkerOptions{Concurrency: 3})
		var ids []string
		for range 3 {
			j, _ := h.client.Enqueue(context.Background(), "work", nil)
			ids = append(ids, j.ID)
		}
		for range 3 {
			<-started
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := h.worker.Stop(ctx); err != nil {
			t.Errorf("Stop = %v, want nil after a clean drain", err)
		}
		for _, id := range ids {
			if ji := h.state(t, id); ji.State != queue.StateCompleted {
				t.Errorf("in-flight job %s is %s after a graceful stop, want completed", id, ji.State)
			}
		}
		h.broker.Close()
	})
}

func TestWorkerStopDeadlineReturnsUnfinishedJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		started := make(chan struct{}, 2)
		h.mux.HandleFunc("stuck", func(ctx context.Context, j *queue.Job) error {
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		})
		h.start(t, queue.WorkerOptions{Concurrency: 2})
		a, _ := h.client.Enqueue(context.Background(), "stuck", nil)
		b, _ := h.client.Enqueue(context.Background(), "stuck", nil)
		<-started
		<-started
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.worker.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop = %v, want DeadlineExceeded", err)
		}
		for _, id := range []string{a.ID, b.ID} {
			ji := h.state(t, id)
			if ji.State != queue.StatePending || ji.Job.Attempt != 0 {
				t.Errorf("unfinished job %s is %s with attempt %d; want pending again, attempt not counted", id, ji.State, ji.Job.Attempt)
			}
		}
		h.broker.Close()
	})
}

func TestRequestIDTravelsIntoJobLogs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		var buf bytes.Buffer
		var mu sync.Mutex
		logger := zerolog.New(zerolog.SyncWriter(lockedWriter{&mu, &buf}))
		h.mux.HandleFunc("log", func(ctx context.Context, j *queue.Job) error {
			reqctx.Logger(ctx).Info().Msg("sending")
			return nil
		})
		h.start(t, queue.WorkerOptions{Logger: logger})
		reqCtx := reqctx.WithData(context.Background(), reqctx.Data{RequestID: "req-123"})
		j, err := h.client.Enqueue(reqCtx, "log", nil)
		if err != nil {
			t.Fatal(err)
		}
		if j.Meta[queue.MetaRequestID] != "req-123" {
			t.Errorf("job Meta = %v, want the request ID", j.Meta)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		h.stop(t)
		mu.Lock()
		out := buf.String()
		mu.Unlock()
		if !strings.Contains(out, `"request_id":"req-123"`) || !strings.Contains(out, `"job_id":"`+j.ID+`"`) {
			t.Errorf("job log = %s, want the request ID and job ID", out)
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestWorkerStrictPriority(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		var order []string
		h.mux.HandleFunc("t", func(ctx context.Context, j *queue.Job) error {
			order = append(order, j.Queue)
			return nil
		})
		for i := range 6 {
			q := "low"
			if i%2 == 0 {
				q = "high"
			}
			if _, err := h.client.Enqueue(context.Background(), "t", nil, queue.WithQueue(q)); err != nil {
				t.Fatal(err)
			}
		}
		h.start(t, queue.WorkerOptions{Concurrency: 1, StrictPriority: true, Queues: map[string]int{"high": 5, "low": 1}})
		time.Sleep(time.Second)
		synctest.Wait()
		want := "high high high low low low"
		if got := strings.Join(order, " "); got != want {
			t.Errorf("order = %s, want %s", got, want)
		}
		h.stop(t)
	})
}

func TestWorkerWeightedPriorityDoesNotStarve(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		var order []string
		h.mux.HandleFunc("t", func(ctx context.Context, j *queue.Job) error {
			order = append(order, j.Queue)
			return nil
		})
		for i := range 400 {
			q := "low"
			if i%2 == 0 {
				q = "high"
			}
			if _, err := h.client.Enqueue(context.Background(), "t", nil, queue.WithQueue(q)); err != nil {
				t.Fatal(err)
			}
		}
		h.start(t, queue.WorkerOptions{Concurrency: 1, Queues: map[string]int{"high": 3, "low": 1}})
		time.Sleep(time.Second)
		synctest.Wait()
		low := 0
		for _, q := range order[:200] {
			if q == "low" {
				low++
			}
		}
		// With weights 3:1 the low queue goes first about a quarter of the
		// time: it must not starve, nor be served as often as high.
		if low < 20 || low > 80 {
			t.Errorf("low queue served %d of the first 200 jobs, want about 50", low)
		}
		h.stop(t)
	})
}

func TestWorkerQueueConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		var running, peak, total atomic.Int32
		h.mux.HandleFunc("t", func(ctx context.Context, j *queue.Job) error {
			if j.Queue == "narrow" {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(time.Second)
				running.Add(-1)
			}
			total.Add(1)
			return nil
		})
		for range 6 {
			h.client.Enqueue(context.Background(), "t", nil, queue.WithQueue("narrow"))
			h.client.Enqueue(context.Background(), "t", nil, queue.WithQueue("wide"))
		}
		h.start(t, queue.WorkerOptions{Concurrency: 4, Queues: map[string]int{"narrow": 1, "wide": 1},
			QueueConcurrency: map[string]int{"narrow": 2}})
		time.Sleep(time.Minute)
		synctest.Wait()
		if p := peak.Load(); p != 2 {
			t.Errorf("peak concurrency of the capped queue = %d, want 2", p)
		}
		if n := total.Load(); n != 12 {
			t.Errorf("%d jobs ran, want 12", n)
		}
		h.stop(t)
	})
}

func TestMiddlewareAndTypedHandlers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		type email struct {
			To string `json:"to"`
		}
		var calls []string
		h.mux.Use(func(next queue.Handler) queue.Handler {
			return queue.HandlerFunc(func(ctx context.Context, j *queue.Job) error {
				calls = append(calls, "before "+j.Type)
				err := next.ProcessJob(ctx, j)
				calls = append(calls, fmt.Sprintf("after %v", err))
				return err
			})
		})
		var got []string
		queue.Handle(h.mux, "email.send", func(ctx context.Context, e email) error {
			got = append(got, e.To)
			if queue.JobFromContext(ctx) == nil {
				t.Error("JobFromContext = nil inside a handler")
			}
			return nil
		})
		h.start(t, queue.WorkerOptions{Concurrency: 1})
		if _, err := queue.Enqueue(context.Background(), h.client, "email.send", email{To: "a@example.com"}); err != nil {
			t.Fatal(err)
		}
		bad := &queue.Job{Type: "email.send", Queue: queue.DefaultQueue, Payload: []byte("{not json"), MaxRetries: 5}
		if err := h.client.EnqueueJobs(context.Background(), bad); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if len(got) != 1 || got[0] != "a@example.com" {
			t.Errorf("typed handler got %v, want the decoded payload", got)
		}
		if len(calls) != 4 || calls[0] != "before email.send" || calls[1] != "after <nil>" {
			t.Errorf("middleware calls = %q", calls)
		}
		if ji := h.state(t, bad.ID); ji.State != queue.StateArchived || ji.Job.Attempt != 1 {
			t.Errorf("undecodable job = %s after %d attempts; want archived at once", ji.State, ji.Job.Attempt)
		}
		h.stop(t)
	})
}

func TestUnknownTypeIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, queue.WorkerOptions{})
		h.start(t, queue.WorkerOptions{Backoff: func(int, error) time.Duration { return time.Hour }})
		j, _ := h.client.Enqueue(context.Background(), "nobody.handles", nil)
		time.Sleep(time.Second)
		synctest.Wait()
		ji := h.state(t, j.ID)
		if ji.State != queue.StateRetry || !strings.Contains(ji.Job.LastError, "no handler") {
			t.Errorf("job = %s with %q, want retrying with a no-handler error", ji.State, ji.Job.LastError)
		}
		h.stop(t)
	})
}

func TestExponentialBackoff(t *testing.T) {
	b := queue.ExponentialBackoff(time.Second, time.Minute)
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 7: time.Minute, 100: time.Minute} {
		for range 50 {
			if d := b(attempt, nil); d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}

func TestInvalidOptions(t *testing.T) {
	b, _ := memoryqueue.New(memoryqueue.Options{})
	defer b.Close()
	for _, opts := range []queue.WorkerOptions{
		{Queues: map[string]int{"a": 0}},
		{Queues: map[string]int{"": 1}},
		{QueueConcurrency: map[string]int{"other": 1}},
		{Concurrency: -1},
		{Lease: time.Millisecond},
	} {
		if _, err := queue.NewWorker(b, queue.NewMux(nil), opts); err == nil {
			t.Errorf("NewWorker(%+v) = nil error, want one", opts)
		}
	}
	c, _ := queue.NewClient(b, queue.ClientOptions{})
	for _, tc := range []struct {
		typ  string
		opts []queue.Option
	}{
		{"", nil},
		{"t", []queue.Option{queue.WithQueue("")}},
		{"t", []queue.Option{queue.WithMaxRetries(-2)}},
		{"t", []queue.Option{queue.WithUnique("k", 0)}},
	} {
		if _, err := c.Enqueue(context.Background(), tc.typ, nil, tc.opts...); !errors.Is(err, queue.ErrInvalidJob) {
			t.Errorf("Enqueue(%q) = %v, want ErrInvalidJob", tc.typ, err)
		}
	}
}
