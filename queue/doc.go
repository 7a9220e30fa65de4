// Package queue runs background jobs: a [Client] enqueues typed jobs into
// a [Broker], a [Worker] fetches them and runs their handlers with
// retries, timeouts and graceful shutdown, and a [Scheduler] enqueues
// periodic jobs once per tick across instances.
//
//	broker, _ := memoryqueue.New(memoryqueue.Options{}) // or redisqueue for durability
//	client, _ := queue.NewClient(broker, queue.ClientOptions{})
//
//	mux := queue.NewMux(nil)
//	queue.Handle(mux, "email.send", func(ctx context.Context, e Email) error {
//		return mailer.Send(ctx, e)
//	})
//	worker, _ := queue.NewWorker(broker, mux, queue.WorkerOptions{Concurrency: 20})
//	manager.Add("jobs", worker) // a shutdown.Component: Start, then Stop drains
//
//	queue.Enqueue(ctx, client, "email.send", Email{To: "a@example.com"},
//		queue.WithDelay(time.Minute), queue.WithUnique("welcome:42", time.Hour))
//
// # Delivery
//
// Delivery is at least once. A fetched job is leased to one worker, which
// extends the lease while the handler runs; if the worker dies, the lease
// expires and another worker runs the job again. Handlers must therefore be
// idempotent, or detect a repeat (the job's ID is stable across attempts).
//
// # Failures
//
// A handler's error fails the attempt. The job is retried after the
// worker's backoff (exponential with jitter by default, overridable per
// type with [Mux.SetBackoff]) until MaxRetries is spent, then archived as
// dead with its last error. Wrap [SkipRetry] to archive at once; return
// [RetryAfter] to choose the delay. A panic is a failed attempt whose error
// carries the stack. An attempt that outlives its timeout has its context
// cancelled.
//
// # Shutdown
//
// [Worker.Stop] stops fetching, lets running jobs finish until its
// context's deadline, then cancels the rest and returns them to the broker
// at once (their attempt is not counted), so a deploy loses no job.
//
// # Tracing and logs
//
// The [Client] copies the enqueuing request's ID and trace context into
// the job. In a handler, [reqctx.Logger] returns a logger carrying the
// job's ID, type, attempt and that request ID, so a job's logs join the
// request that caused it.
package queue
