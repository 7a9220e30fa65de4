package mfatest_test

import (
	"testing"

	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/auth/mfa/mfatest"
)

// A store implementation runs the suite from its own test. The example is
// compiled, not run: the suite needs a running test's *testing.T.
func ExampleRun() {
	_ = func(t *testing.T) {
		mfatest.Run(t, func(t *testing.T) mfa.Store { return mfa.NewMemoryStore() })
	}
}
