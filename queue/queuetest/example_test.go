package queuetest_test

import (
	"testing"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/memoryqueue"
	"github.com/keel-go/keel/queue/queuetest"
)

// A broker runs the suite from its own test. The example is compiled, not
// run: the suite needs a running test's *testing.T.
func ExampleRun() {
	_ = func(t *testing.T) {
		queuetest.Run(t, func(t *testing.T) queue.Broker {
			b, err := memoryqueue.New(memoryqueue.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			return b
		}, queuetest.Options{Queue: "myapp"})
	}
}
