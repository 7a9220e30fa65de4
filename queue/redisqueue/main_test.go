package redisqueue_test

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if runWorkerProcess() {
		return
	}
	goleak.VerifyTestMain(m)
}
