package redisqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/queue"
)

// stateKey maps a state held in a sorted set to its index in keys.fixed.
var stateKey = map[queue.State]int{
	queue.StateScheduled: 3, queue.StateRetry: 4, queue.StateActive: 5,
	queue.StateCompleted: 6, queue.StateArchived: 7,
}

// Queues lists every queue the broker has seen, with its counts, in one
// round trip after the listing.
func (b *Broker) Queues(ctx context.Context) ([]queue.QueueInfo, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	names, err := b.rdb.SMembers(ctx, b.queuesKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("redisqueue: queues: %w", err)
	}
	slices.Sort(names)
	type counts struct {
		lens   [3]*redis.IntCmd
		zcards map[queue.State]*redis.IntCmd
		paused *redis.IntCmd
		stats  *redis.MapStringStringCmd
	}
	pipe := b.rdb.Pipeline()
	all := make([]counts, len(names))
	for i, q := range names {
		k := b.keys(q)
		c := counts{zcards: map[queue.State]*redis.IntCmd{}}
		for l := range 3 {
			c.lens[l] = pipe.LLen(ctx, k.fixed[l])
		}
		for s, idx := range stateKey {
			c.zcards[s] = pipe.ZCard(ctx, k.fixed[idx])
		}
		c.paused = pipe.Exists(ctx, k.fixed[8])
		c.stats = pipe.HGetAll(ctx, k.fixed[9])
		all[i] = c
	}
	if len(names) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return nil, fmt.Errorf("redisqueue: queues: %w", err)
		}
	}
	out := make([]queue.QueueInfo, len(names))
	for i, q := range names {
		c := all[i]
		qi := queue.QueueInfo{Name: q, Paused: c.paused.Val() == 1, Counts: map[queue.State]int{}}
		for _, l := range c.lens {
			qi.Counts[queue.StatePending] += int(l.Val())
		}
		for s, z := range c.zcards {
			qi.Counts[s] = int(z.Val())
		}
		st := c.stats.Val()
		qi.Processed, _ = strconv.ParseInt(st["processed"], 10, 64)
		qi.Failed, _ = strconv.ParseInt(st["failed"], 10, 64)
		out[i] = qi
	}
	return out, nil
}

// List returns a page of a queue's jobs in one state: pending jobs in the
// order they will run, the others by time.
func (b *Broker) List(ctx context.Context, q string, state queue.State, offset, limit int) ([]queue.JobInfo, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if !validQueue(q) || limit <= 0 {
		return nil, nil
	}
	if offset < 0 {
		offset = 0
	}
	k := b.keys(q)
	var ids []string
	if state == queue.StatePending {
		skip := offset
		for l := 0; l < 3 && len(ids) < limit; l++ {
			n, err := b.rdb.LLen(ctx, k.fixed[l]).Result()
			if err != nil {
				return nil, fmt.Errorf("redisqueue: list: %w", err)
			}
			if int64(skip) >= n {
				skip -= int(n)
				continue
			}
			part, err := b.rdb.LRange(ctx, k.fixed[l], int64(skip), int64(skip+limit-len(ids)-1)).Result()
			if err != nil {
				return nil, fmt.Errorf("redisqueue: list: %w", err)
			}
			ids = append(ids, part...)
			skip = 0
		}
	} else {
		idx, ok := stateKey[state]
		if !ok {
			return nil, fmt.Errorf("redisqueue: unknown state %q", state)
		}
		var err error
		ids, err = b.rdb.ZRange(ctx, k.fixed[idx], int64(offset), int64(offset+limit-1)).Result()
		if err != nil {
			return nil, fmt.Errorf("redisqueue: list: %w", err)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := b.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, k.jobs+id)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("redisqueue: list: %w", err)
	}
	out := make([]queue.JobInfo, 0, len(ids))
	for i, id := range ids {
		h := cmds[i].Val()
		if len(h) == 0 {
			continue // removed between the two reads
		}
		ji, err := jobInfo(q, id, h)
		if err != nil {
			return nil, err
		}
		out = append(out, ji)
	}
	return out, nil
}

// Job returns one job of queue q.
func (b *Broker) Job(ctx context.Context, q, id string) (queue.JobInfo, error) {
	if err := b.check(); err != nil {
		return queue.JobInfo{}, err
	}
	if !validQueue(q) {
		return queue.JobInfo{}, queue.ErrNotFound
	}
	h, err := b.rdb.HGetAll(ctx, b.keys(q).jobs+id).Result()
	if err != nil {
		return queue.JobInfo{}, fmt.Errorf("redisqueue: job: %w", err)
	}
	if len(h) == 0 {
		return queue.JobInfo{}, queue.ErrNotFound
	}
	return jobInfo(q, id, h)
}

func jobInfo(q, id string, h map[string]string) (queue.JobInfo, error) {
	var o options
	if m := h["m"]; m != "" {
		if err := json.Unmarshal([]byte(m), &o); err != nil {
			return queue.JobInfo{}, fmt.Errorf("redisqueue: job %s options: %w", id, err)
		}
	}
	ms := func(f string) time.Time {
		n, err := strconv.ParseInt(h[f], 10, 64)
		if err != nil || n == 0 {
			return time.Time{}
		}
		return time.UnixMilli(n)
	}
	attempt, _ := strconv.Atoi(h["a"])
	ji := queue.JobInfo{
		Job: &queue.Job{
			ID: id, Type: h["t"], Queue: q, Payload: []byte(h["d"]),
			Priority: o.Priority, RunAt: o.RunAt, MaxRetries: o.MaxRetries, Timeout: o.Timeout,
			UniqueKey: o.UniqueKey, UniqueFor: o.UniqueFor, Tags: o.Tags, Meta: o.Meta,
			Attempt: attempt, EnqueuedAt: ms("c"), LastError: h["e"],
		},
		State:      queue.State(h["s"]),
		FinishedAt: ms("f"),
	}
	if ji.State == queue.StateScheduled || ji.State == queue.StateRetry {
		ji.NextRunAt = ms("n")
	}
	if r, ok := h["r"]; ok {
		ji.Result = []byte(r)
	}
	return ji, nil
}

// RetryNow makes a scheduled, retrying or archived job pending.
func (b *Broker) RetryNow(ctx context.Context, q, id string) error {
	return b.move(ctx, q, id, "retry")
}

// Delete removes a job that is not active.
func (b *Broker) Delete(ctx context.Context, q, id string) error { return b.move(ctx, q, id, "delete") }

// Archive moves a pending, scheduled or retrying job to the archive.
func (b *Broker) Archive(ctx context.Context, q, id string) error {
	return b.move(ctx, q, id, "archive")
}

func (b *Broker) move(ctx context.Context, q, id, action string) error {
	if err := b.check(); err != nil {
		return err
	}
	if !validQueue(q) {
		return queue.ErrNotFound
	}
	k := b.keys(q)
	res, err := moveScript.Run(ctx, b.rdb, k.fixed, k.jobs, id, action, b.notify, q).Int64()
	if err != nil {
		return fmt.Errorf("redisqueue: %s: %w", action, err)
	}
	switch res {
	case 1:
		return nil
	case 0:
		return queue.ErrNotFound
	case -1:
		return queue.ErrActive
	}
	return fmt.Errorf("%w: %s", queue.ErrState, action)
}
