package queue_test

import (
	"context"
	"fmt"
	"time"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
)

type Welcome struct {
	User string `json:"user"`
}

func Example() {
	broker, _ := memoryqueue.New(memoryqueue.Options{})
	defer broker.Close()
	client, _ := queue.NewClient(broker, queue.ClientOptions{})

	done := make(chan struct{})
	mux := queue.NewMux(nil)
	queue.Handle(mux, "welcome.send", func(ctx context.Context, w Welcome) error {
		fmt.Println("welcoming", w.User)
		close(done)
		return nil
	})
	worker, _ := queue.NewWorker(broker, mux, queue.WorkerOptions{Concurrency: 4})
	worker.Start(context.Background())

	if _, err := queue.Enqueue(context.Background(), client, "welcome.send", Welcome{User: "ada"}); err != nil {
		fmt.Println(err)
	}
	<-done

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println("stop:", worker.Stop(ctx))
	// Output:
	// welcoming ada
	// stop: <nil>
}

func ExampleRetryAfter() {
	mux := queue.NewMux(nil)
	mux.HandleFunc("webhook.deliver", func(ctx context.Context, j *queue.Job) error {
		// The receiver answered 429 with Retry-After: 30.
		return queue.RetryAfter(30*time.Second, fmt.Errorf("receiver throttled us"))
	})
	err := mux.ProcessJob(context.Background(), &queue.Job{Type: "webhook.deliver"})
	fmt.Println(err)
	// Output: queue: retry after 30s: receiver throttled us
}

func ExampleScheduler() {
	broker, _ := memoryqueue.New(memoryqueue.Options{})
	defer broker.Close()
	client, _ := queue.NewClient(broker, queue.ClientOptions{})
	sched, _ := queue.NewScheduler(client, queue.SchedulerOptions{})
	nightly, _ := queue.Cron("0 3 * * *")
	err := sched.Add(queue.Periodic{Name: "cleanup", Schedule: nightly, Type: "cleanup.run"})
	fmt.Println(err)
	fmt.Println(nightly.Next(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)))
	// Output:
	// <nil>
	// 2026-01-02 03:00:00 +0000 UTC
}
