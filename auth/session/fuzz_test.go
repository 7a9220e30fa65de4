package session_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/errors"
)

// FuzzAuthenticateCookie feeds arbitrary cookie headers to Authenticate:
// it never panics, never authenticates, and always says why with one of
// the two credential errors.
func FuzzAuthenticateCookie(f *testing.F) {
	f.Add("__Host-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("__Host-session=")
	f.Add("__Host-session=%ZZ; __Host-session=x")
	f.Add("other=1")
	m, err := session.New(session.NewMemoryStore(nil), session.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", header)
		p, err := m.Authenticate(r)
		if p != nil || err == nil {
			t.Fatalf("Authenticate(%q) = %v, %v, want a refusal", header, p, err)
		}
		if !errors.Is(err, auth.ErrNoCredentials) && !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("Authenticate(%q) = %v, want a credential error", header, err)
		}
	})
}
