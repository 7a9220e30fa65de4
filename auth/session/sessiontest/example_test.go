package sessiontest_test

import (
	"context"
	"fmt"

	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/auth/session/sessiontest"
)

// ExampleNewRecord builds a record as the conformance cases do and stores
// it.
func ExampleNewRecord() {
	rec := sessiontest.NewRecord("alice")
	s := session.NewMemoryStore(nil)
	if err := s.Create(context.Background(), rec); err != nil {
		panic(err)
	}
	got, ok, err := s.Get(context.Background(), rec.ID)
	fmt.Println(got.UserID, got.Data["theme"], ok, err)
	// Output: alice dark true <nil>
}
