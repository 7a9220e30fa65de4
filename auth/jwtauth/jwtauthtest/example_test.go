package jwtauthtest_test

import (
	"testing"
	"time"

	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/auth/jwtauth/jwtauthtest"
)

// A store implementation runs the suite from its own test. The example is
// compiled, not run: the suite needs a running test's *testing.T.
func ExampleRun() {
	_ = func(t *testing.T) {
		jwtauthtest.Run(t, func(t *testing.T, now func() time.Time) jwtauth.Store {
			return jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{Now: now})
		})
	}
}
