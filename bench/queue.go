package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
	"github.com/keel-go/keel/queue/redisqueue"
)

// queueJobType is the type of every job the queue benchmarks run.
const queueJobType = "bench.noop"

// queueSystem is one job queue under benchmark, seen through what the
// benchmarks need: enqueue one job, enqueue many, and run a worker whose
// handler receives each job's payload. Payloads are opaque bytes, so that
// a latency benchmark can carry the send time in them.
type queueSystem interface {
	// Enqueue stores one job in one round trip.
	Enqueue(ctx context.Context, payload []byte) error
	// EnqueueBatch stores many jobs; a system without a batch call
	// enqueues them one by one.
	EnqueueBatch(ctx context.Context, payloads [][]byte) error
	// Start starts a worker running concurrency jobs at once; handle is
	// called at the start of each job.
	Start(concurrency int, handle func(payload []byte)) error
	// Stop stops the worker started last, letting running jobs finish.
	Stop(ctx context.Context) error
	// Close stops any worker and deletes every key the system created.
	Close() error
}

// queueSystemMaker builds a fresh system, with keys of its own.
type queueSystemMaker struct {
	name string
	new  func() (queueSystem, error)
}

// queueSystems returns the systems to compare. The Redis ones need url
// (KEEL_REDIS_URL); without it only the in-memory one is returned. asynq
// works in asynqDB, because its keys cannot take a prefix.
func queueSystems(url string, asynqDB int) []queueSystemMaker {
	out := []queueSystemMaker{{"keel-memory", newKeelMemory}}
	if url == "" {
		return out
	}
	return append(out,
		queueSystemMaker{"keel-redis", func() (queueSystem, error) { return newKeelRedis(url) }},
		queueSystemMaker{"asynq", func() (queueSystem, error) { return newAsynq(url, asynqDB) }},
		queueSystemMaker{"redis-list", func() (queueSystem, error) { return newRedisList(url) }},
	)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// keelSystem runs keel's client and worker over a broker.
type keelSystem struct {
	broker queue.Broker
	client *queue.Client
	worker *queue.Worker
	close  func() error
}

func newKeelMemory() (queueSystem, error) {
	b, err := memoryqueue.New(memoryqueue.Options{Retention: -1})
	if err != nil {
		return nil, err
	}
	return newKeel(b, b.Close)
}

func newKeelRedis(url string) (queueSystem, error) {
	rdb, prefix, err := queueRedisClient(url, -1, "keelbench:queue:")
	if err != nil {
		return nil, err
	}
	// Like asynq's default, keep no completed job.
	b, err := redisqueue.New(rdb, redisqueue.Options{Prefix: prefix, Retention: -1})
	if err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return newKeel(b, func() error {
		err := b.Close()
		return errors.Join(err, deleteKeys(rdb, prefix+"*"), rdb.Close())
	})
}

func newKeel(b queue.Broker, closeFn func() error) (*keelSystem, error) {
	c, err := queue.NewClient(b, queue.ClientOptions{Codec: rawCodec{}})
	if err != nil {
		return nil, err
	}
	return &keelSystem{broker: b, client: c, close: closeFn}, nil
}

func (s *keelSystem) Enqueue(ctx context.Context, payload []byte) error {
	_, err := s.client.Enqueue(ctx, queueJobType, payload)
	return err
}

func (s *keelSystem) EnqueueBatch(ctx context.Context, payloads [][]byte) error {
	jobs := make([]*queue.Job, len(payloads))
	for i, p := range payloads {
		j, err := s.client.NewJob(ctx, queueJobType, p)
		if err != nil {
			return err
		}
		jobs[i] = j
	}
	return s.client.EnqueueJobs(ctx, jobs...)
}

// rawCodec passes []byte payloads through, as asynq takes them, so that
// neither side pays for an encoding the other does not.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: %T is not []byte", v)
	}
	return b, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	p, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: %T is not *[]byte", v)
	}
	*p = data
	return nil
}

func (s *keelSystem) Start(concurrency int, handle func([]byte)) error {
	mux := queue.NewMux(nil)
	mux.HandleFunc(queueJobType, func(_ context.Context, j *queue.Job) error {
		handle(j.Payload)
		return nil
	})
	w, err := queue.NewWorker(s.broker, mux, queue.WorkerOptions{Concurrency: concurrency})
	if err != nil {
		return err
	}
	s.worker = w
	return w.Start(context.Background())
}

func (s *keelSystem) Stop(ctx context.Context) error {
	if s.worker == nil {
		return nil
	}
	w := s.worker
	s.worker = nil
	return w.Stop(ctx)
}

func (s *keelSystem) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(s.Stop(ctx), s.close())
}

// asynqSystem runs asynq's client and server, each on a queue of its own
// so that its keys (asynq:{queue}:...) can be found and deleted after.
type asynqSystem struct {
	rdb    *redis.Client
	client *asynq.Client
	server *asynq.Server
	queue  string
}

func newAsynq(url string, db int) (queueSystem, error) {
	rdb, _, err := queueRedisClient(url, db, "")
	if err != nil {
		return nil, err
	}
	return &asynqSystem{rdb: rdb, client: asynq.NewClientFromRedisClient(rdb), queue: "bench" + randomHex(6)}, nil
}

func (s *asynqSystem) Enqueue(ctx context.Context, payload []byte) error {
	_, err := s.client.EnqueueContext(ctx, asynq.NewTask(queueJobType, payload), asynq.Queue(s.queue))
	return err
}

func (s *asynqSystem) EnqueueBatch(ctx context.Context, payloads [][]byte) error {
	for _, p := range payloads {
		if err := s.Enqueue(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (s *asynqSystem) Start(concurrency int, handle func([]byte)) error {
	s.server = asynq.NewServerFromRedisClient(s.rdb, asynq.Config{
		Concurrency: concurrency,
		Queues:      map[string]int{s.queue: 1},
		LogLevel:    asynq.FatalLevel,
	})
	return s.server.Start(asynq.HandlerFunc(func(_ context.Context, t *asynq.Task) error {
		handle(t.Payload())
		return nil
	}))
}

func (s *asynqSystem) Stop(context.Context) error {
	if s.server != nil {
		s.server.Shutdown()
		s.server = nil
	}
	return nil
}

func (s *asynqSystem) Close() error {
	err := s.Stop(context.Background())
	ctx := context.Background()
	// The client shares s.rdb, so it has nothing of its own to close.
	err = errors.Join(err,
		deleteKeys(s.rdb, "asynq:{"+s.queue+"}:*"),
		s.rdb.SRem(ctx, "asynq:queues", s.queue).Err())
	return errors.Join(err, s.rdb.Close())
}

// listSystem is the floor a Redis queue is measured against: LPUSH to
// enqueue, and per worker goroutine BLMOVE to a processing list then LREM
// to acknowledge, two round trips per job, with no retry, lease or state.
type listSystem struct {
	rdb     *redis.Client
	pending string
	working string
	stop    chan struct{}
	wg      sync.WaitGroup
	prefix  string
}

func newRedisList(url string) (queueSystem, error) {
	rdb, prefix, err := queueRedisClient(url, -1, "keelbench:list:")
	if err != nil {
		return nil, err
	}
	return &listSystem{rdb: rdb, pending: prefix + "pending", working: prefix + "working", prefix: prefix}, nil
}

func (s *listSystem) Enqueue(ctx context.Context, payload []byte) error {
	return s.rdb.LPush(ctx, s.pending, payload).Err()
}

func (s *listSystem) EnqueueBatch(ctx context.Context, payloads [][]byte) error {
	args := make([]any, len(payloads))
	for i, p := range payloads {
		args[i] = p
	}
	return s.rdb.LPush(ctx, s.pending, args...).Err()
}

func (s *listSystem) Start(concurrency int, handle func([]byte)) error {
	s.stop = make(chan struct{})
	var failed atomic.Bool
	for range concurrency {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			ctx := context.Background()
			for {
				select {
				case <-s.stop:
					return
				default:
				}
				v, err := s.rdb.BLMove(ctx, s.pending, s.working, "RIGHT", "LEFT", time.Second).Result()
				if errors.Is(err, redis.Nil) {
					continue
				}
				if err != nil {
					if failed.CompareAndSwap(false, true) {
						fmt.Println("redis-list worker:", err)
					}
					return
				}
				handle([]byte(v))
				s.rdb.LRem(ctx, s.working, 1, v)
			}
		}()
	}
	return nil
}

func (s *listSystem) Stop(context.Context) error {
	if s.stop != nil {
		close(s.stop)
		s.wg.Wait()
		s.stop = nil
	}
	return nil
}

func (s *listSystem) Close() error {
	err := s.Stop(context.Background())
	return errors.Join(err, deleteKeys(s.rdb, s.prefix+"*"), s.rdb.Close())
}

// queueRedisClient connects to url, in database db unless db is -1, and
// checks the server answers. With base set it also returns a fresh key
// prefix under base.
func queueRedisClient(url string, db int, base string) (*redis.Client, string, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, "", err
	}
	if db >= 0 {
		opts.DB = db
	}
	// Room for 50 workers blocked in BLMOVE (redis-list) beside producers.
	opts.PoolSize = 128
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, "", fmt.Errorf("redis at %s: %w", url, err)
	}
	prefix := ""
	if base != "" {
		prefix = base + randomHex(6) + ":"
	}
	return rdb, prefix, nil
}

// deleteKeys deletes the keys matching pattern (SCAN, then DEL).
func deleteKeys(rdb *redis.Client, pattern string) error {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			if err := rdb.Del(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return rdb.Del(ctx, batch...).Err()
	}
	return nil
}
