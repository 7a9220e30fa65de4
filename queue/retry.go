package queue

import (
	"math/rand/v2"
	"time"

	"github.com/keel-go/keel/errors"
)

// SkipRetry, wrapped in or returned as a handler's error, archives the job
// as dead at once instead of retrying it: the failure will not go away
// (a malformed payload, a deleted account).
var SkipRetry = errors.New("queue: skip retry")

// RetryAfterError asks for the next attempt after Delay instead of after
// the backoff. Handlers build it with [RetryAfter].
type RetryAfterError struct {
	Delay time.Duration
	Err   error
}

// RetryAfter returns an error that retries the job after d (a rate-limited
// upstream that said when to come back). err is the cause, kept as the
// job's last error; it may be nil.
func RetryAfter(d time.Duration, err error) error {
	return &RetryAfterError{Delay: d, Err: err}
}

// Error describes the retry and its cause.
func (e *RetryAfterError) Error() string {
	if e.Err == nil {
		return "queue: retry after " + e.Delay.String()
	}
	return "queue: retry after " + e.Delay.String() + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// BackoffFunc returns how long to wait before retrying a job whose attempt
// number attempt (1 for the first) failed with err.
type BackoffFunc func(attempt int, err error) time.Duration

// ExponentialBackoff returns a [BackoffFunc] that waits base·2^(attempt−1),
// capped at max, with "full jitter" over the upper half: a delay d becomes
// a uniform value in [d/2, d]. Jitter keeps the retries of jobs that failed
// together (an upstream outage) from arriving together.
func ExponentialBackoff(base, max time.Duration) BackoffFunc {
	return func(attempt int, _ error) time.Duration {
		if attempt < 1 {
			attempt = 1
		}
		d := max
		if shift := attempt - 1; shift < 62 {
			if v := base << shift; v > 0 && v < max && v>>shift == base {
				d = v
			}
		}
		half := d / 2
		if half <= 0 {
			return d
		}
		return half + rand.N(d-half+1)
	}
}

// DefaultBackoff is the backoff of a [Worker] whose options name none:
// one second doubling up to one hour, jittered.
var DefaultBackoff = ExponentialBackoff(time.Second, time.Hour)
