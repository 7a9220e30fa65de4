package rest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: the servers and
// database pools the tests open are all closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
