package rediscache_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: every go-redis
// client a test opens is closed by its cleanup.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
