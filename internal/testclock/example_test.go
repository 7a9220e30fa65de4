package testclock_test

import (
	"fmt"
	"time"

	"github.com/keel-go/keel/internal/testclock"
)

func Example() {
	clock := testclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	deadline := clock.Now().Add(time.Minute) // code under test takes clock.Now
	clock.Advance(2 * time.Minute)
	fmt.Println(clock.Now().After(deadline))
	// Output: true
}
