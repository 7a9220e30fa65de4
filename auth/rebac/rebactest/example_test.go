package rebactest_test

import (
	"testing"

	"github.com/keel-go/keel/auth/rebac"
	"github.com/keel-go/keel/auth/rebac/rebactest"
)

// A store implementation (one over a database, say) runs the suite from
// its own test. The example is compiled, not run: the suite needs a
// running test's *testing.T.
func ExampleTestStore() {
	_ = func(t *testing.T) {
		rebactest.TestStore(t, func(t *testing.T) rebac.Store { return rebac.NewMemoryStore() })
	}
}
