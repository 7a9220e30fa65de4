package apikeytest_test

import (
	"testing"

	"github.com/keel-go/keel/auth/apikey"
	"github.com/keel-go/keel/auth/apikey/apikeytest"
)

func TestRunMemoryStore(t *testing.T) {
	apikeytest.Run(t, func(t *testing.T) apikey.Store { return apikey.NewMemoryStore() })
}
