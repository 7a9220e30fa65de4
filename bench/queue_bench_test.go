package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
)

// The queue benchmarks compare keel's worker over memoryqueue and
// redisqueue with asynq and a bare Redis list (LPUSH, BLMOVE, LREM) on
// the same server. Sub-benchmark names carry sys=, mode= and conc= for
// benchstat's -col. The Redis systems need KEEL_REDIS_URL; asynq works in
// database queueAsynqDB, since its keys take no prefix, and each run
// deletes only the keys it created.
const (
	queueRunJobs     = 20_000 // jobs per drain run
	queueLatencyRate = 500    // jobs/s of the paced producer
	queueLatencyJobs = 1_000  // jobs per latency run (2s at 500/s)
	queueProducers   = 4      // producer goroutines in mode=concurrent
	queueAsynqDB     = 15
	queueWaitLimit   = 2 * time.Minute
)

// BenchmarkMemoryQueue measures no-op jobs end to end through the
// in-memory broker: enqueued in batches of 1,000, then drained by a worker
// (mode=backlog), or drained while they are enqueued (mode=concurrent).
// One iteration is one job; jobs/s is reported as a metric.
func BenchmarkMemoryQueue(b *testing.B) {
	for _, conc := range []int{10, 50} {
		b.Run(fmt.Sprintf("mode=backlog/conc=%d", conc), func(b *testing.B) {
			runMemoryQueue(b, conc, true)
		})
		b.Run(fmt.Sprintf("mode=concurrent/conc=%d", conc), func(b *testing.B) {
			runMemoryQueue(b, conc, false)
		})
	}
}

func runMemoryQueue(b *testing.B, conc int, backlog bool) {
	broker, err := memoryqueue.New(memoryqueue.Options{Retention: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	client, _ := queue.NewClient(broker, queue.ClientOptions{})
	var done atomic.Int64
	finished := make(chan struct{})
	n := int64(b.N)
	mux := queue.NewMux(nil)
	mux.HandleFunc("noop", func(context.Context, *queue.Job) error {
		if done.Add(1) == n {
			close(finished)
		}
		return nil
	})
	worker, err := queue.NewWorker(broker, mux, queue.WorkerOptions{Concurrency: conc})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	enqueueAll := func() {
		batch := make([]*queue.Job, 0, 1000)
		for i := 0; i < b.N; i++ {
			j, err := client.NewJob(ctx, "noop", nil)
			if err != nil {
				b.Error(err)
				return
			}
			batch = append(batch, j)
			if len(batch) == cap(batch) || i == b.N-1 {
				if err := client.EnqueueJobs(ctx, batch...); err != nil {
					b.Error(err)
					return
				}
				batch = batch[:0]
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if backlog {
		enqueueAll()
		worker.Start(ctx)
	} else {
		worker.Start(ctx)
		enqueueAll()
	}
	<-finished
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	worker.Stop(stopCtx)
}

// BenchmarkQueueDrain runs no-op jobs through each system, queueRunJobs
// per iteration. mode=backlog enqueues them all first (not timed) and
// times starting the worker and draining the queue; mode=concurrent times
// queueProducers goroutines enqueueing one job per call while the worker
// runs. Run it with -benchtime=1x -count=N: jobs/s is the metric to read.
func BenchmarkQueueDrain(b *testing.B) {
	for _, sys := range queueSystems(os.Getenv("KEEL_REDIS_URL"), queueAsynqDB) {
		for _, mode := range []string{"backlog", "concurrent"} {
			for _, conc := range []int{10, 50} {
				b.Run(fmt.Sprintf("sys=%s/mode=%s/conc=%d", sys.name, mode, conc), func(b *testing.B) {
					runQueueDrain(b, sys, mode == "backlog", conc)
				})
			}
		}
	}
}

func runQueueDrain(b *testing.B, mk queueSystemMaker, backlog bool, conc int) {
	ctx := context.Background()
	payloads := make([][]byte, queueRunJobs)
	for i := range payloads {
		payloads[i] = []byte("{}")
	}
	var elapsed time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		sys, err := mk.new()
		if err != nil {
			b.Fatal(err)
		}
		var done atomic.Int64
		finished := make(chan struct{})
		handle := func([]byte) {
			if done.Add(1) == queueRunJobs {
				close(finished)
			}
		}
		if backlog {
			for chunk := range slices.Chunk(payloads, 1000) {
				if err := sys.EnqueueBatch(ctx, chunk); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StartTimer()
		start := time.Now()
		if err := sys.Start(conc, handle); err != nil {
			b.Fatal(err)
		}
		if !backlog {
			produceQueue(b, sys, queueProducers, queueRunJobs)
		}
		select {
		case <-finished:
		case <-time.After(queueWaitLimit):
			b.Fatalf("%d of %d jobs ran within %v", done.Load(), queueRunJobs, queueWaitLimit)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		if err := sys.Close(); err != nil {
			b.Error(err)
		}
	}
	b.ReportMetric(float64(b.N*queueRunJobs)/elapsed.Seconds(), "jobs/s")
}

// produceQueue enqueues n jobs one per call from producers goroutines.
func produceQueue(b *testing.B, sys queueSystem, producers, n int) {
	var wg sync.WaitGroup
	ctx := context.Background()
	payload := []byte("{}")
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := p; i < n; i += producers {
				if err := sys.Enqueue(ctx, payload); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkQueueEnqueue measures enqueueing from one goroutine: batch=1
// is one call (one round trip) per job, batch=1000 one call per 1,000 jobs
// (asynq has no batch call and is left out there). One iteration is one
// job.
func BenchmarkQueueEnqueue(b *testing.B) {
	for _, sys := range queueSystems(os.Getenv("KEEL_REDIS_URL"), queueAsynqDB) {
		for _, batch := range []int{1, 1000} {
			if batch > 1 && sys.name == "asynq" {
				continue
			}
			b.Run(fmt.Sprintf("sys=%s/batch=%d", sys.name, batch), func(b *testing.B) {
				runQueueEnqueue(b, sys, batch)
			})
		}
	}
}

func runQueueEnqueue(b *testing.B, mk queueSystemMaker, batch int) {
	sys, err := mk.new()
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := sys.Close(); err != nil {
			b.Error(err)
		}
	}()
	ctx := context.Background()
	payloads := make([][]byte, batch)
	for i := range payloads {
		payloads[i] = []byte("{}")
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i += batch {
		var err error
		if batch == 1 {
			err = sys.Enqueue(ctx, payloads[0])
		} else {
			err = sys.EnqueueBatch(ctx, payloads[:min(batch, b.N-i)])
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
}

// BenchmarkQueueLatency measures enqueue-to-start latency: a producer
// paced at queueLatencyRate jobs/s stamps each payload with the time just
// before its enqueue call, and the handler records how long ago that was.
// One iteration is one run of queueLatencyJobs jobs on a fresh system with
// a worker of concurrency 10, started before the first job; p50-ms and
// p99-ms are over every job of every iteration.
func BenchmarkQueueLatency(b *testing.B) {
	for _, sys := range queueSystems(os.Getenv("KEEL_REDIS_URL"), queueAsynqDB) {
		if sys.name == "redis-list" {
			continue // BLMOVE wakes at once; it measures nothing of a queue
		}
		b.Run("sys="+sys.name, func(b *testing.B) { runQueueLatency(b, sys) })
	}
}

func runQueueLatency(b *testing.B, mk queueSystemMaker) {
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N*queueLatencyJobs)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		sys, err := mk.new()
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var done atomic.Int64
		finished := make(chan struct{})
		err = sys.Start(10, func(p []byte) {
			d := time.Duration(time.Now().UnixNano() - int64(binary.LittleEndian.Uint64(p)))
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
			if done.Add(1) == queueLatencyJobs {
				close(finished)
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		interval := time.Second / queueLatencyRate
		start := time.Now()
		for i := range queueLatencyJobs {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				time.Sleep(d)
			}
			p := binary.LittleEndian.AppendUint64(nil, uint64(time.Now().UnixNano()))
			if err := sys.Enqueue(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
		select {
		case <-finished:
		case <-time.After(queueWaitLimit):
			b.Fatalf("%d of %d jobs ran within %v", done.Load(), queueLatencyJobs, queueWaitLimit)
		}
		b.StopTimer()
		if err := sys.Close(); err != nil {
			b.Error(err)
		}
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
