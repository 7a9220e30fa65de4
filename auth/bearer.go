package auth

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/keel-go/keel/errors"
)

// ErrMalformedAuthorization is wrapped, with [ErrInvalidCredentials], by
// [BearerToken] when the Authorization header names the Bearer scheme but
// carries no single token, or when the request has several Authorization
// headers.
var ErrMalformedAuthorization = errors.New("auth: malformed Authorization header")

// BearerToken returns the token of an "Authorization: Bearer <token>"
// header (RFC 6750), the one parser every bearer authenticator shares. It
// returns an error wrapping [ErrNoCredentials] when the request has no
// Authorization header or one of another scheme, and one wrapping
// [ErrInvalidCredentials] and [ErrMalformedAuthorization] when the Bearer
// token is missing, holds a blank, or the header is repeated.
func BearerToken(r *http.Request) (string, error) {
	values := r.Header["Authorization"]
	switch len(values) {
	case 0:
		return "", ErrNoCredentials
	case 1:
	default:
		return "", malformedAuthorization()
	}
	h := values[0]
	const scheme = "bearer"
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", ErrNoCredentials
	}
	rest := h[len(scheme):]
	if rest == "" {
		return "", malformedAuthorization()
	}
	if rest[0] != ' ' && rest[0] != '\t' {
		return "", ErrNoCredentials // "Bearerx ...": another scheme
	}
	token := strings.Trim(rest, " \t")
	if token == "" || strings.IndexByte(token, ' ') >= 0 || strings.IndexByte(token, '\t') >= 0 {
		return "", malformedAuthorization()
	}
	return token, nil
}

func malformedAuthorization() error {
	return fmt.Errorf("%w: %w", ErrInvalidCredentials, ErrMalformedAuthorization)
}
