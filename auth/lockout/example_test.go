package lockout_test

import (
	"context"
	"fmt"
	"time"

	"github.com/keel-go/keel/auth/lockout"
	"github.com/keel-go/keel/errors"
)

func Example() {
	// A clock that stands still keeps the output stable; leave Now unset
	// in production.
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	lim := lockout.MustNew(lockout.Options{
		MaxFailures: 3,
		BaseLock:    time.Minute,
		Now:         func() time.Time { return now },
	})
	ctx := context.Background()

	for attempt := 1; attempt <= 4; attempt++ {
		d, err := lim.Check(ctx, "alice", "192.0.2.1")
		if err != nil {
			panic(err)
		}
		if d.Locked {
			e := errors.From(d.Err())
			fmt.Printf("attempt %d: %d, retry after %v\n", attempt, e.StatusCode(), e.RetryAfter())
			continue
		}
		// The password was wrong (or alice does not exist: same thing).
		d, _ = lim.Fail(ctx, "alice", "192.0.2.1")
		fmt.Printf("attempt %d: failure %d, locked %v\n", attempt, d.Failures, d.Locked)
	}
	// Output:
	// attempt 1: failure 1, locked false
	// attempt 2: failure 2, locked false
	// attempt 3: failure 3, locked true
	// attempt 4: 429, retry after 1m0s
}
