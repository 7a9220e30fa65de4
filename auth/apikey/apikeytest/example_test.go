package apikeytest_test

import (
	"context"
	"fmt"

	"github.com/keel-go/keel/auth/apikey"
	"github.com/keel-go/keel/auth/apikey/apikeytest"
)

// ExampleNewKey builds a key as the conformance cases do and stores it.
func ExampleNewKey() {
	k := apikeytest.NewKey("alice")
	s := apikey.NewMemoryStore()
	if err := s.Create(context.Background(), k); err != nil {
		panic(err)
	}
	got, ok, err := s.Get(context.Background(), k.ID)
	fmt.Println(got.Owner, got.Scopes, ok, err)
	// Output: alice [orders:read orders:write] true <nil>
}
