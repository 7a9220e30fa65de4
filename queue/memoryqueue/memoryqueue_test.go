package memoryqueue_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
	"github.com/keel-go/keel/queue/queuetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newBroker(t *testing.T) queue.Broker {
	b, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, newBroker, queuetest.Options{})
}
