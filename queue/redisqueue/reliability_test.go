package redisqueue_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/redisqueue"
)

// The reliability test re-executes the test binary as worker processes;
// these variables tell a process it is one.
const (
	envWorkerPrefix = "KEEL_REDISQUEUE_WORKER_PREFIX"
	workerQueue     = "reliability"
	workerConc      = 5
)

// runWorkerProcess runs a worker until the process is killed or its
// standard input closes (the test ended), and reports whether this process
// was one.
func runWorkerProcess() bool {
	p := os.Getenv(envWorkerPrefix)
	if p == "" {
		return false
	}
	opts, err := redis.ParseURL(os.Getenv("KEEL_REDIS_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	rdb := redis.NewClient(opts)
	b, err := redisqueue.New(rdb, redisqueue.Options{Prefix: p, MaxFinished: 100_000})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	mux := queue.NewMux(nil)
	mux.HandleFunc("work", func(ctx context.Context, j *queue.Job) error {
		time.Sleep(time.Duration(5+rand.IntN(6)) * time.Millisecond)
		return rdb.HIncrBy(ctx, p+"runs", j.ID, 1).Err()
	})
	w, err := queue.NewWorker(b, mux, queue.WorkerOptions{
		Queues: map[string]int{workerQueue: 1}, Concurrency: workerConc, Lease: time.Second,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w.Start(context.Background())
	io.Copy(io.Discard, os.Stdin) // until the parent closes the pipe
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w.Stop(ctx)
	b.Close()
	os.Exit(0)
	return true
}

// TestReliabilityUnderSIGKILL enqueues 10,000 jobs of 5-10 ms each, runs
// them on three worker processes with a one-second lease, and kills one
// worker with SIGKILL about every second (restarting it) until every job
// has completed. No job may be lost; a job runs more than once only if it
// was in flight at a kill.
func TestReliabilityUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("the SIGKILL reliability test takes several seconds")
	}
	rdb := client(t)
	p := prefix(t, rdb)
	ctx := context.Background()
	b := newBroker(t, rdb, p)
	c, err := queue.NewClient(b, queue.ClientOptions{Queue: workerQueue})
	if err != nil {
		t.Fatal(err)
	}
	const total = 10_000
	batch := make([]*queue.Job, 0, 1000)
	for i := range total {
		j, err := c.NewJob(ctx, "work", i)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, j)
		if len(batch) == cap(batch) {
			if err := c.EnqueueJobs(ctx, batch...); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}

	var mu sync.Mutex
	procs := make([]*exec.Cmd, 3)
	pipes := make([]io.WriteCloser, 3)
	start := func(i int) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envWorkerPrefix+"="+p)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs[i], pipes[i] = cmd, in
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for i, cmd := range procs {
			if cmd != nil && cmd.Process != nil {
				pipes[i].Close()
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				cmd.Wait()
			}
		}
	})
	mu.Lock()
	for i := range procs {
		start(i)
	}
	mu.Unlock()

	deadline := time.Now().Add(90 * time.Second)
	kills := 0
	completed := 0
	for time.Now().Before(deadline) {
		time.Sleep(time.Second) // the kill cadence, not synchronisation
		qs, err := b.Queues(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			if q.Name == workerQueue {
				completed = q.Counts[queue.StateCompleted]
			}
		}
		if completed == total {
			break
		}
		victim := kills % len(procs)
		mu.Lock()
		syscall.Kill(-procs[victim].Process.Pid, syscall.SIGKILL)
		procs[victim].Wait()
		pipes[victim].Close()
		start(victim)
		mu.Unlock()
		kills++
	}
	runs, err := rdb.HGetAll(ctx, p+"runs").Result()
	if err != nil {
		t.Fatal(err)
	}
	duplicates := 0
	for _, v := range runs {
		n, _ := strconv.Atoi(v)
		duplicates += n - 1
	}
	qs, _ := b.Queues(ctx)
	t.Logf("%d jobs, %d kills, %d completed, %d distinct jobs ran, %d duplicate runs", total, kills, completed, len(runs), duplicates)
	if completed != total || len(runs) != total {
		t.Fatalf("completed %d and ran %d distinct jobs of %d (queues %+v): jobs were lost", completed, len(runs), total, qs)
	}
	if kills == 0 {
		t.Errorf("no worker was killed: the run finished within the first second")
	}
	if limit := kills * workerConc; duplicates > limit {
		t.Errorf("%d duplicate runs after %d kills of workers running %d jobs each: more than the jobs in flight at the kills (%d)", duplicates, kills, workerConc, limit)
	}
}
