// Package memoryqueue is the embedded [queue.Broker]: jobs live in the
// process, with the semantics of the durable brokers except durability
// (leases that expire, retries at their time, unique keys, priorities,
// pause, inspection and tick claims for the scheduler). It suits tests,
// development and single-process services that can lose queued jobs on a
// crash; package [github.com/keel-go/keel/queue/redisqueue] is the durable
// one behind the same interface.
//
//	broker, _ := memoryqueue.New(memoryqueue.Options{Retention: time.Hour})
//	defer broker.Close()
//	client, _ := queue.NewClient(broker, queue.ClientOptions{})
//
// It starts no goroutine: a waiting Fetch sleeps on a channel that
// Enqueue, Ack and Resume close, or on a timer set to the next run time or
// lease expiry, so tests can drive it with testing/synctest.
package memoryqueue
