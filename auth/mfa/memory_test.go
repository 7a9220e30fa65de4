package mfa_test

import (
	"testing"

	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/auth/mfa/mfatest"
)

func TestMemoryStore(t *testing.T) {
	mfatest.Run(t, func(*testing.T) mfa.Store { return mfa.NewMemoryStore() })
}
