package sessiontest_test

import (
	"testing"

	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/auth/session/sessiontest"
)

func TestRunMemoryStore(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Store { return session.NewMemoryStore(nil) })
}
