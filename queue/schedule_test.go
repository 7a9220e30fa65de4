package queue_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
)

func pendingCount(t *testing.T, b *memoryqueue.Broker, q string) int {
	t.Helper()
	qs, err := b.Queues(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, qi := range qs {
		if qi.Name == q {
			return qi.Counts[queue.StatePending]
		}
	}
	return 0
}

func TestSchedulerEnqueuesOncePerTickAcrossInstances(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _ := memoryqueue.New(memoryqueue.Options{})
		defer b.Close()
		var schedulers []*queue.Scheduler
		for range 3 { // three instances of one service, one broker
			c, _ := queue.NewClient(b, queue.ClientOptions{})
			s, err := queue.NewScheduler(c, queue.SchedulerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Add(queue.Periodic{Name: "report", Schedule: queue.Every(time.Minute), Type: "report.build"}); err != nil {
				t.Fatal(err)
			}
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			schedulers = append(schedulers, s)
		}
		time.Sleep(10*time.Minute + time.Second)
		synctest.Wait()
		for _, s := range schedulers {
			if err := s.Stop(context.Background()); err != nil {
				t.Error(err)
			}
		}
		if n := pendingCount(t, b, queue.DefaultQueue); n != 10 {
			t.Errorf("%d jobs enqueued by three schedulers over ten one-minute ticks, want 10", n)
		}
	})
}

func TestSchedulerCron(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _ := memoryqueue.New(memoryqueue.Options{})
		defer b.Close()
		c, _ := queue.NewClient(b, queue.ClientOptions{})
		s, _ := queue.NewScheduler(c, queue.SchedulerOptions{})
		sched, err := queue.Cron("*/15 * * * *")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Add(queue.Periodic{Name: "quarter", Schedule: sched, Type: "t", Options: []queue.Option{queue.WithQueue("cron")}}); err != nil {
			t.Fatal(err)
		}
		s.Start(context.Background())
		time.Sleep(2 * time.Hour)
		synctest.Wait()
		s.Stop(context.Background())
		if n := pendingCount(t, b, "cron"); n != 8 {
			t.Errorf("%d jobs over two hours of */15, want 8", n)
		}
	})
}

func TestSchedulerMissedTicks(t *testing.T) {
	for _, tc := range []struct {
		policy queue.MissedTicks
		want   int
	}{
		{queue.SkipMissed, 2}, // the on-time ticks before and after the jump
		{queue.RunOnce, 3},    // plus one for everything the jump skipped
	} {
		synctest.Test(t, func(t *testing.T) {
			b, _ := memoryqueue.New(memoryqueue.Options{})
			defer b.Close()
			var offset atomic.Int64
			c, _ := queue.NewClient(b, queue.ClientOptions{Now: func() time.Time {
				return time.Now().Add(time.Duration(offset.Load()))
			}})
			s, _ := queue.NewScheduler(c, queue.SchedulerOptions{Missed: tc.policy, Tolerance: 5 * time.Second})
			s.Add(queue.Periodic{Name: "p", Schedule: queue.Every(time.Minute), Type: "t"})
			s.Start(context.Background())
			time.Sleep(time.Minute + time.Second) // one tick on time
			synctest.Wait()
			offset.Store(int64(30*time.Minute + 30*time.Second)) // the clock jumps: ticks missed, found 30s late
			time.Sleep(time.Minute)
			synctest.Wait()
			time.Sleep(35 * time.Second) // the next tick, on time again
			synctest.Wait()
			s.Stop(context.Background())
			if n := pendingCount(t, b, queue.DefaultQueue); n != tc.want {
				t.Errorf("policy %d: %d jobs, want %d", tc.policy, n, tc.want)
			}
		})
	}
}

func TestSchedulerRejectsBadPeriodics(t *testing.T) {
	b, _ := memoryqueue.New(memoryqueue.Options{})
	defer b.Close()
	c, _ := queue.NewClient(b, queue.ClientOptions{})
	s, _ := queue.NewScheduler(c, queue.SchedulerOptions{})
	if err := s.Add(queue.Periodic{Name: "a", Schedule: queue.Every(time.Millisecond), Type: "t"}); err == nil {
		t.Error("Add with a sub-second interval succeeded")
	}
	if err := s.Add(queue.Periodic{Schedule: queue.Every(time.Minute), Type: "t"}); err == nil {
		t.Error("Add without a name succeeded")
	}
	s.Add(queue.Periodic{Name: "a", Schedule: queue.Every(time.Minute), Type: "t"})
	if err := s.Add(queue.Periodic{Name: "a", Schedule: queue.Every(time.Minute), Type: "t"}); err == nil {
		t.Error("Add of a duplicate name succeeded")
	}
	if _, err := queue.Cron("61 * * * *"); err == nil {
		t.Error("Cron accepted minute 61")
	}
}
