package auth

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// Sentinel errors of the authentication contract. Callers compare with
// [errors.Is].
var (
	// ErrNoCredentials is returned by an [Authenticator] when the request
	// carries no credentials of its kind (no Authorization header, no
	// session cookie): the middleware then tries the next authenticator.
	ErrNoCredentials = errors.New("auth: no credentials")
	// ErrInvalidCredentials is returned by an [Authenticator] when the
	// request carries credentials of its kind that are not valid (bad
	// signature, expired, revoked, unknown key). The reason stays in the
	// wrapped error for the log; the client sees one generic 401.
	ErrInvalidCredentials = errors.New("auth: invalid credentials")
)

// Kind says what sort of caller a [Principal] is.
type Kind string

// The kinds of principal keel's authenticators produce.
const (
	KindUser    Kind = "user"
	KindService Kind = "service"
	KindAPIKey  Kind = "api_key"
)

// Method names how a principal proved its identity; a principal may carry
// several (password then TOTP).
type Method string

// The authentication methods keel's packages record.
const (
	MethodPassword Method = "pwd"
	MethodTOTP     Method = "otp"
	MethodRecovery Method = "recovery"
	MethodJWT      Method = "jwt"
	MethodSession  Method = "session"
	MethodAPIKey   Method = "api_key"
	MethodOIDC     Method = "oidc"
)

// Principal is an authenticated caller, shared by every auth sub-package
// and kept in the request's [reqctx.Data]. The zero value is not a valid
// principal: Subject is required. A Principal is treated as immutable once
// attached to a request; copy it (with [Principal.Clone]) to change it.
type Principal struct {
	// Subject identifies the caller: a user ID, a service name, an API
	// key's ID.
	Subject string
	// Kind says what sort of caller this is.
	Kind Kind
	// Roles are the caller's role names, for RBAC.
	Roles []string
	// Scopes are the OAuth-style scopes the credentials grant.
	Scopes []string
	// Attributes hold anything else an authenticator knows about the
	// caller (tenant, email, department), for ABAC and handlers.
	Attributes map[string]any
	// Methods lists how the caller authenticated, in order.
	Methods []Method
	// AuthTime is when the caller last authenticated interactively.
	AuthTime time.Time
	// SessionID is the server-side session or token family the
	// credentials belong to, empty when there is none. It is an
	// identifier for logs and revocation, never a secret.
	SessionID string
}

// HasRole reports whether p has the role name.
func (p *Principal) HasRole(name string) bool {
	return p != nil && slices.Contains(p.Roles, name)
}

// HasScope reports whether p was granted scope.
func (p *Principal) HasScope(scope string) bool {
	return p != nil && slices.Contains(p.Scopes, scope)
}

// HasMethod reports whether p authenticated with m.
func (p *Principal) HasMethod(m Method) bool {
	return p != nil && slices.Contains(p.Methods, m)
}

// Clone returns a deep copy of p's slices and a shallow copy of its
// attribute map.
func (p *Principal) Clone() *Principal {
	if p == nil {
		return nil
	}
	c := *p
	c.Roles = slices.Clone(p.Roles)
	c.Scopes = slices.Clone(p.Scopes)
	c.Methods = slices.Clone(p.Methods)
	if p.Attributes != nil {
		c.Attributes = make(map[string]any, len(p.Attributes))
		for k, v := range p.Attributes {
			c.Attributes[k] = v
		}
	}
	return &c
}

type principalKey struct{}

// WithPrincipal returns a context carrying p. When ctx carries a
// [reqctx.Data], p is stored in it in place (and the same ctx is
// returned), so that outer middleware such as the access log sees it too.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	if d := reqctx.From(ctx); d != nil {
		d.Principal = p
		return ctx
	}
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal carried by ctx, or nil and false
// when the request is not authenticated.
func FromContext(ctx context.Context) (*Principal, bool) {
	if d := reqctx.From(ctx); d != nil {
		if p, ok := d.Principal.(*Principal); ok && p != nil {
			return p, true
		}
	}
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// Authenticator turns the credentials a request carries into a
// [Principal]. It returns an error wrapping [ErrNoCredentials] when the
// request carries none of its kind, and one wrapping
// [ErrInvalidCredentials] when it carries credentials that do not
// authenticate. Any other error is an infrastructure failure (a store
// that cannot be reached) and becomes a 5xx, never a 401.
type Authenticator interface {
	Authenticate(r *http.Request) (*Principal, error)
}

// AuthenticatorFunc adapts a function to [Authenticator].
type AuthenticatorFunc func(r *http.Request) (*Principal, error)

// Authenticate calls f(r).
func (f AuthenticatorFunc) Authenticate(r *http.Request) (*Principal, error) { return f(r) }

// Challenger is implemented by an [Authenticator] that names its
// WWW-Authenticate challenge (for example `Bearer realm="api"`), sent
// with a 401.
type Challenger interface {
	Challenge() string
}
