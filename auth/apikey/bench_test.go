package apikey_test

import (
	"testing"

	"github.com/keel-go/keel/auth/apikey"
)

func BenchmarkAuthenticate(b *testing.B) {
	f := newFixture(b, apikey.Options{})
	plain, _ := f.create(b, "alice", "orders:read")
	r := withHeader("Authorization", "Bearer "+plain)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.m.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	f := newFixture(b, apikey.Options{})
	plain, _ := f.create(b, "alice")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := apikey.Parse(plain); err != nil {
			b.Fatal(err)
		}
	}
}
