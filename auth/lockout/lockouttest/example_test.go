package lockouttest_test

import (
	"testing"

	"github.com/keel-go/keel/auth/lockout"
	"github.com/keel-go/keel/auth/lockout/lockouttest"
)

// A store implementation runs the suite from its own test. The example is
// compiled, not run: the suite needs a running test's *testing.T.
func ExampleRun() {
	_ = func(t *testing.T) {
		lockouttest.Run(t, func(t *testing.T) lockout.Store { return lockout.NewMemoryStore() })
	}
}
