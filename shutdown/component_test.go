package shutdown_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keel-go/keel/shutdown"
)

func TestHook(t *testing.T) {
	errStart, errStop := errors.New("start failed"), errors.New("stop failed")
	tests := []struct {
		name                string
		hook                shutdown.Hook
		wantStart, wantStop error
	}{
		{name: "zero value", hook: shutdown.Hook{}},
		{name: "functions", hook: shutdown.Hook{
			OnStart: func(context.Context) error { return errStart },
			OnStop:  func(context.Context) error { return errStop },
		}, wantStart: errStart, wantStop: errStop},
		{name: "only stop", hook: shutdown.Hook{
			OnStop: func(context.Context) error { return errStop },
		}, wantStop: errStop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.hook.Start(context.Background()); err != tt.wantStart {
				t.Errorf("Start = %v, want %v", err, tt.wantStart)
			}
			if err := tt.hook.Stop(context.Background()); err != tt.wantStop {
				t.Errorf("Stop = %v, want %v", err, tt.wantStop)
			}
		})
	}
}

func TestComponentErrorText(t *testing.T) {
	cause := errors.New("boom")
	tests := []struct {
		err  *shutdown.ComponentError
		want string
	}{
		{&shutdown.ComponentError{Name: "db", Op: "start", Err: cause}, `shutdown: start "db": boom`},
		{&shutdown.ComponentError{Name: "db", Op: "stop", Err: cause}, `shutdown: stop "db": boom`},
		{&shutdown.ComponentError{Name: "worker", Op: "run", Err: cause}, `shutdown: "worker" failed while running: boom`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !errors.Is(tt.err, cause) {
			t.Errorf("errors.Is(%v, cause) = false, want true", tt.err)
		}
	}
}

type ctxKey struct{}

func TestTaskRunsUntilStopped(t *testing.T) {
	errWorker := errors.New("worker failed on stop")
	tests := []struct {
		name    string
		onStop  error // what the function returns once cancelled
		wantErr error
	}{
		{name: "returns ctx.Err", onStop: context.Canceled},
		{name: "returns nil"},
		{name: "returns an error", onStop: errWorker, wantErr: errWorker},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var gotValue any
				task := shutdown.NewTask(func(ctx context.Context) error {
					gotValue = ctx.Value(ctxKey{})
					<-ctx.Done()
					if tt.onStop == context.Canceled {
						return ctx.Err()
					}
					return tt.onStop
				})
				startCtx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
				if err := task.Start(startCtx); err != nil {
					t.Fatalf("Start = %v, want nil", err)
				}
				cancel() // the start context does not bound the task
				synctest.Wait()
				select {
				case err := <-task.Done():
					t.Fatalf("task ended with %v when its start context was cancelled", err)
				default:
				}
				if err := task.Stop(context.Background()); err != tt.wantErr {
					t.Errorf("Stop = %v, want %v", err, tt.wantErr)
				}
				if gotValue != "v" {
					t.Errorf("task context value = %v, want the start context's value", gotValue)
				}
				if err, ok := <-task.Done(); ok {
					t.Errorf("Done after Stop received %v, want a closed channel", err)
				}
				if err := task.Stop(context.Background()); err != nil {
					t.Errorf("second Stop = %v, want nil", err)
				}
				if err := task.Start(context.Background()); !errors.Is(err, shutdown.ErrAlreadyStarted) {
					t.Errorf("Start after Stop = %v, want ErrAlreadyStarted", err)
				}
			})
		})
	}
}

func TestTaskEndingEarlyReportsOnDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errBoom := errors.New("boom")
		task := shutdown.NewTask(func(context.Context) error { return errBoom })
		if err := task.Start(context.Background()); err != nil {
			t.Fatalf("Start = %v, want nil", err)
		}
		if err := task.Start(context.Background()); !errors.Is(err, shutdown.ErrAlreadyStarted) {
			t.Errorf("second Start = %v, want ErrAlreadyStarted", err)
		}
		if err := <-task.Done(); err != errBoom {
			t.Errorf("Done received %v, want %v", err, errBoom)
		}
		if err := task.Stop(context.Background()); err != nil {
			t.Errorf("Stop after the task ended = %v, want nil (the error went to Done)", err)
		}
	})
}

func TestTaskStopHonoursDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		task := shutdown.NewTask(func(context.Context) error {
			<-release // ignores cancellation
			return nil
		})
		if err := task.Start(context.Background()); err != nil {
			t.Fatalf("Start = %v, want nil", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		if err := task.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Stop = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Stop returned after %v, want 1s", d)
		}
		close(release)
		if _, ok := <-task.Done(); ok {
			t.Error("Done received a value for a stopped task, want a closed channel")
		}
	})
}

func TestTaskStopBeforeStart(t *testing.T) {
	task := shutdown.NewTask(func(context.Context) error { return nil })
	if err := task.Stop(context.Background()); err != nil {
		t.Errorf("Stop before Start = %v, want nil", err)
	}
	if _, ok := <-task.Done(); ok {
		t.Error("Done received a value, want a closed channel")
	}
	if err := task.Start(context.Background()); !errors.Is(err, shutdown.ErrAlreadyStarted) {
		t.Errorf("Start after Stop = %v, want ErrAlreadyStarted", err)
	}
}

func TestNewTaskNilPanics(t *testing.T) {
	defer func() {
		if p := recover(); p == nil {
			t.Error("NewTask(nil) did not panic")
		}
	}()
	shutdown.NewTask(nil)
}
