package session_test

import (
	"testing"

	"github.com/keel-go/keel/auth/session"
)

func BenchmarkAuthenticate(b *testing.B) {
	f := newFixture(b, session.Options{})
	_, c := f.login(b, "alice")
	r := requestWith(c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.m.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}
