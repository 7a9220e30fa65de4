package jwtauth_test

import (
	"testing"
	"time"

	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/auth/jwtauth/jwtauthtest"
)

func TestMemoryStoreConformance(t *testing.T) {
	jwtauthtest.Run(t, func(_ *testing.T, now func() time.Time) jwtauth.Store {
		return jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{Now: now})
	})
}
