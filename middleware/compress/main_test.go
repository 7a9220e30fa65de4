package compress_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if a goroutine outlives them: a
// test server, a client connection or a streaming handler left running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
