package auth_test

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/keel-go/keel/auth"
)

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		token   string
		err     error
	}{
		{"none", nil, "", auth.ErrNoCredentials},
		{"bearer", []string{"Bearer abc.def"}, "abc.def", nil},
		{"case and blanks", []string{"bEaReR \t abc "}, "abc", nil},
		{"another scheme", []string{"Basic dXNlcjpwdw=="}, "", auth.ErrNoCredentials},
		{"scheme prefix only", []string{"Bearerx abc"}, "", auth.ErrNoCredentials},
		{"no token", []string{"Bearer"}, "", auth.ErrMalformedAuthorization},
		{"blank token", []string{"Bearer   "}, "", auth.ErrMalformedAuthorization},
		{"two tokens", []string{"Bearer a b"}, "", auth.ErrMalformedAuthorization},
		{"repeated header", []string{"Bearer a", "Bearer b"}, "", auth.ErrMalformedAuthorization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			tok, err := auth.BearerToken(r)
			if tok != tt.token || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("BearerToken = %q, %v; want %q, %v", tok, err, tt.token, tt.err)
			}
			if errors.Is(tt.err, auth.ErrMalformedAuthorization) && !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Errorf("a malformed header gives %v, which is not ErrInvalidCredentials (a 401)", err)
			}
		})
	}
}
