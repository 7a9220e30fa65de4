package redistest_test

import (
	"context"
	"testing"

	"github.com/keel-go/keel/internal/redistest"
)

// A test that needs Redis takes a client and a prefix of its own; it is
// skipped when KEEL_REDIS_URL is unset.
func ExampleClientPrefix() {
	var t *testing.T // the test's own
	client, prefix := redistest.ClientPrefix(t, "mypackage")
	_ = client.Set(context.Background(), prefix+"key", "value", 0)
}
