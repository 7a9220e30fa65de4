// Package redisqueue is a durable, at-least-once [queue.Broker] on Redis
// (6.2 or later, or Redis Cluster), with inspection, pausing and tick
// claims for the scheduler.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	broker, err := redisqueue.New(rdb, redisqueue.Options{Prefix: "myapp:jobs:"})
//	if err != nil { ... }
//	defer broker.Close()
//	client, _ := queue.NewClient(broker, queue.ClientOptions{})
//	worker, _ := queue.NewWorker(broker, mux, queue.WorkerOptions{Lease: 30 * time.Second})
//
// # Keys
//
// Every key of a queue carries the queue's name as its hash tag
// ("myapp:jobs:{emails}:pending:normal", "myapp:jobs:{emails}:j:<id>"), so
// that each script touches one slot and the broker runs on Redis Cluster.
// A queue has three pending lists (one per priority), sorted sets of
// scheduled, retrying, active (scored by lease expiry), completed and
// archived jobs, a paused flag and counters; each job is a hash. The set
// of known queues and the tick claims of the scheduler are outside the
// tags. Unique keys are scoped to their queue.
//
// # Leases and crashes
//
// Fetch moves jobs to the active set with an expiry; a worker extends it
// while the job runs. When a worker dies, its jobs' leases expire and the
// next fetch on that queue returns them to the front of their list, so
// another worker runs them within the lease time. Every transition is one
// Lua script on the server's clock. Enqueue, Ack and Extend for many jobs
// are one pipeline, one round trip.
//
// # Waiting
//
// A Fetch that finds nothing waits for a notification (PUBLISH from the
// scripts, received by the broker's one subscriber goroutine) or for a
// timer set to the earliest scheduled run time or lease expiry the server
// reported. No polling interval delays a job; Options.MaxWait only bounds
// the wait when a notification was lost while the subscription reconnected.
// The subscriber starts with the broker's first Fetch, so a process that
// only enqueues holds no subscription and is sent no notifications.
package redisqueue
