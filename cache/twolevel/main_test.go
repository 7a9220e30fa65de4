package twolevel_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that every Cache a test creates has stopped its
// subscriber goroutine by the end, and every client is closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
