package memoryqueue_test

import (
	"context"
	"fmt"
	"time"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
)

func ExampleNew() {
	broker, _ := memoryqueue.New(memoryqueue.Options{})
	defer broker.Close()
	client, _ := queue.NewClient(broker, queue.ClientOptions{})
	ctx := context.Background()

	client.Enqueue(ctx, "report.build", map[string]int{"month": 11})
	client.Enqueue(ctx, "report.build", map[string]int{"month": 12}, queue.WithDelay(time.Hour))

	qs, _ := broker.Queues(ctx)
	for _, q := range qs {
		fmt.Println(q.Name, "pending:", q.Counts[queue.StatePending], "scheduled:", q.Counts[queue.StateScheduled])
	}
	// Output: default pending: 1 scheduled: 1
}
