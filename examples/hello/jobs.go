package main

import (
	"context"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
	"github.com/keel-go/keel/reqctx"
	"github.com/keel-go/keel/validate"
)

// welcome is the payload of a welcome.send job.
type welcome struct {
	Email string `json:"email" validate:"required,email"`
}

// jobs is the background side of the service: an in-process broker (swap
// in redisqueue for durability across restarts and instances), the client
// handlers enqueue through, and the worker the lifecycle manager runs.
type jobs struct {
	broker *memoryqueue.Broker
	client *queue.Client
	worker *queue.Worker
}

func newJobs(logger zerolog.Logger) (*jobs, error) {
	broker, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		return nil, err
	}
	client, err := queue.NewClient(broker, queue.ClientOptions{MaxRetries: 5})
	if err != nil {
		return nil, err
	}
	mux := queue.NewMux(nil)
	queue.Handle(mux, "welcome.send", sendWelcome)
	worker, err := queue.NewWorker(broker, mux, queue.WorkerOptions{Concurrency: 4, Logger: logger})
	if err != nil {
		return nil, err
	}
	return &jobs{broker: broker, client: client, worker: worker}, nil
}

// sendWelcome stands in for sending an email. Its log line carries the
// request ID of the request that enqueued it.
func sendWelcome(ctx context.Context, w welcome) error {
	reqctx.Logger(ctx).Info().Str("to", w.Email).Msg("sending welcome")
	return nil
}

// handleWelcome validates the address and enqueues the welcome email,
// answering 202 Accepted with the job's ID: the work happens after the
// response.
func handleWelcome(dec *validate.Decoder, client *queue.Client) http.Handler {
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var in welcome
		if err := dec.Decode(r, &in); err != nil {
			return err
		}
		job, err := queue.Enqueue(r.Context(), client, "welcome.send", in,
			queue.WithUnique("welcome:"+in.Email, time.Minute))
		if errors.Is(err, queue.ErrDuplicate) {
			return errors.Conflict("a welcome to %s was sent in the last minute", in.Email)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusAccepted, map[string]string{"job_id": job.ID})
		return nil
	})
}
