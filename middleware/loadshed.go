package middleware

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/keel-go/keel/errors"
)

// DefaultMaxInFlight is how many requests [LoadShed] lets in at once unless
// [LoadShedOptions.MaxInFlight] says otherwise.
const DefaultMaxInFlight = 1000

// DefaultShedRetryAfter is the Retry-After that [LoadShed] sends with its
// 503 unless [LoadShedOptions.RetryAfter] says otherwise.
const DefaultShedRetryAfter = time.Second

// CodeOverloaded is the problem code of the 503 that [LoadShed] writes for
// a request it turns away.
const CodeOverloaded = "overloaded"

// LoadShedOptions configures [LoadShed]. The zero value is ready to use:
// every zero field means its documented default.
type LoadShedOptions struct {
	// MaxInFlight is how many requests may be in the handler at once; the
	// next one is turned away. It must not be negative. Size it from a
	// load test: the concurrency at which latency is still acceptable.
	// Default: [DefaultMaxInFlight].
	MaxInFlight int

	// RetryAfter is sent with the 503 as a Retry-After header, in whole
	// seconds rounded up. It must not be negative. Default:
	// [DefaultShedRetryAfter].
	RetryAfter time.Duration

	// Exempt reports whether a request bypasses the limit and is not
	// counted, for health and readiness probes that must answer while the
	// service is busy. It is called for every request, concurrently.
	// Default: nil, every request counts.
	Exempt func(*http.Request) bool
}

// withDefaults returns opts with every zero field set to its default.
func (opts LoadShedOptions) withDefaults() LoadShedOptions {
	if opts.MaxInFlight == 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	if opts.RetryAfter == 0 {
		opts.RetryAfter = DefaultShedRetryAfter
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts LoadShedOptions) validate() error {
	if opts.MaxInFlight < 0 {
		return fmt.Errorf("middleware: LoadShedOptions.MaxInFlight %d is negative", opts.MaxInFlight)
	}
	if opts.RetryAfter < 0 {
		return fmt.Errorf("middleware: LoadShedOptions.RetryAfter %s is negative", opts.RetryAfter)
	}
	return nil
}

// LoadShed returns middleware that bounds the number of requests in
// flight. Beyond opts.MaxInFlight, a request is answered at once with 503
// Service Unavailable, an [errors.Unavailable] problem of code
// [CodeOverloaded] and a Retry-After header, instead of joining a queue
// that only grows while the service is saturated: a fast refusal lets the
// client, or its load balancer, try another instance or back off, and
// keeps the latency of the admitted requests steady.
//
// It belongs right after [Recover], so that its refusals are logged with a
// request ID, and before everything that costs work per request
// (authentication, body decoding, timeouts, the router), so that a refused
// request costs next to nothing. The handlers wrapped by one LoadShed share
// its count and its limit; separate LoadShed calls count separately.
//
// The count is one atomic counter, with no lock, goroutine or allocation
// per request. A request counts from the moment it enters until the
// handler returns (or panics).
//
// LoadShed panics if opts is invalid.
func LoadShed(opts LoadShedOptions) Middleware {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		panic(err.Error())
	}
	limit := int64(opts.MaxInFlight)
	exempt := opts.Exempt
	problem := errors.Unavailable("%d requests in flight, the limit", opts.MaxInFlight).
		WithCode(CodeOverloaded).
		WithDetail("The server is busy; retry later.").
		WithRetryAfter(opts.RetryAfter)
	// One counter for every handler this LoadShed wraps: the limit is the
	// service's capacity, whichever routes the requests go to.
	var inFlight atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if exempt != nil && exempt(r) {
				next.ServeHTTP(w, r)
				return
			}
			if inFlight.Add(1) > limit {
				inFlight.Add(-1)
				errors.Write(w, r, problem)
				return
			}
			defer inFlight.Add(-1)
			next.ServeHTTP(w, r)
		})
	}
}
