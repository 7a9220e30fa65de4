package rebactest_test

import (
	"testing"

	"github.com/keel-go/keel/auth/rebac"
	"github.com/keel-go/keel/auth/rebac/rebactest"
)

func TestMemoryStore(t *testing.T) {
	rebactest.TestStore(t, func(*testing.T) rebac.Store { return rebac.NewMemoryStore() })
}
