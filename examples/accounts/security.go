package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/auth/lockout"
	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/auth/password"
	"github.com/keel-go/keel/auth/rbac"
	"github.com/keel-go/keel/auth/session"
)

// Token claims every access and refresh token carries and every verifier
// demands.
const (
	tokenIssuer   = "keel-accounts"
	tokenAudience = "keel-accounts"
)

// securityOptions configures newSecurity.
type securityOptions struct {
	// HashParams are the argon2id parameters; zero fields mean OWASP's.
	HashParams password.Params
	// JWTKey is the HS256 secret that signs tokens, at least 32 bytes.
	JWTKey []byte
	// InsecureCookie drops the Secure attribute of the session cookie,
	// for trying the service over plain http.
	InsecureCookie bool
	// Auditor receives the audit events of every piece.
	Auditor auth.Auditor
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// security holds the authentication and authorization pieces the
// handlers share. Each is safe for concurrent use. The stores are the
// in-memory ones: a service with several instances gives lockout, mfa,
// session and jwtauth their redisstore sub-packages instead, so that a
// lock, a used TOTP code, a session or a revoked token holds everywhere.
type security struct {
	now      func() time.Time
	auditor  auth.Auditor
	hasher   *password.Hasher
	limiter  *lockout.Limiter
	totp     *mfa.Verifier
	sessions *session.Manager
	issuer   *jwtauth.Issuer
	bearer   *jwtauth.Verifier
	pending  *pendingLogins

	authenticate func(http.Handler) http.Handler // bearer token or session cookie, else 401
	authorize    func(http.Handler) http.Handler // the route's permissions, else 403
}

// newSecurity builds every piece. users lets a token refresh see the
// current roles, and refuse a user deleted since login.
func newSecurity(opts securityOptions, users *userStore) (*security, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Auditor == nil {
		opts.Auditor = auth.AuditorFunc(func(context.Context, auth.Event) {})
	}
	s := &security{now: opts.Now, auditor: opts.Auditor, pending: newPendingLogins(opts.Now)}
	var err error
	if s.hasher, err = password.New(password.Options{Params: opts.HashParams}); err != nil {
		return nil, err
	}
	if s.limiter, err = lockout.New(lockout.Options{Auditor: opts.Auditor, Now: opts.Now}); err != nil {
		return nil, err
	}
	if s.totp, err = mfa.New(mfa.Options{Issuer: "Keel Accounts", Auditor: opts.Auditor, Now: opts.Now}); err != nil {
		return nil, err
	}
	sessionStore := session.NewMemoryStore(opts.Now)
	if s.sessions, err = session.New(sessionStore, session.Options{
		InsecureCookie: opts.InsecureCookie, Auditor: opts.Auditor, Now: opts.Now,
	}); err != nil {
		return nil, err
	}

	key, err := jwtauth.NewHMACKey("accounts-1", opts.JWTKey)
	if err != nil {
		return nil, err
	}
	keys, err := jwtauth.NewKeySet(key)
	if err != nil {
		return nil, err
	}
	tokens := jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{Now: opts.Now})
	if s.issuer, err = jwtauth.NewIssuer(jwtauth.IssuerOptions{
		Keys: keys, Issuer: tokenIssuer, Audience: []string{tokenAudience}, Store: tokens,
		Reload: users.reload, Auditor: opts.Auditor, Now: opts.Now,
	}); err != nil {
		return nil, err
	}
	// Revocations makes a logout, or a detected refresh-token reuse, stop
	// the family's access tokens at once, for one store lookup a request.
	if s.bearer, err = jwtauth.NewVerifier(jwtauth.Options{
		Keys: keys, Issuer: tokenIssuer, Audience: []string{tokenAudience},
		Revocations: tokens, Realm: "accounts", Now: opts.Now,
	}); err != nil {
		return nil, err
	}

	// The bearer token is tried first: a request that carries a bad one
	// is refused even if it also carries a good cookie.
	if s.authenticate, err = auth.Middleware(auth.Options{
		Authenticators: []auth.Authenticator{s.bearer, s.sessions},
		Realm:          "accounts",
		Auditor:        opts.Auditor,
	}); err != nil {
		return nil, err
	}
	guard, err := auth.NewGuard(roleModel(), auth.GuardOptions{Auditor: opts.Auditor})
	if err != nil {
		return nil, err
	}
	s.authorize = guard.RequireRoute()
	return s, nil
}

// audit records an event about r through the service's auditor.
func (s *security) audit(r *http.Request, action, actor, result, reason string) {
	e := auth.EventFromRequest(r, action)
	e.Actor, e.Result, e.Reason = actor, result, reason
	s.auditor.Audit(r.Context(), e)
}

// roleModel is who may do what. Routes declare the permission they need
// with router.Permissions; a route that declares none needs only a
// signed-in caller.
func roleModel() *rbac.Model {
	return rbac.MustNew(
		rbac.Role{Name: "member"},
		rbac.Role{Name: "analyst", Permissions: []string{"reports:read"}, Inherits: []string{"member"}},
		rbac.Role{Name: "admin", Permissions: []string{"users:delete"}, Inherits: []string{"analyst"}},
	)
}

// pendingTTL is how long a client has, after the password, to send the
// TOTP code.
const pendingTTL = 5 * time.Minute

// pendingLogin is a login whose password was right and whose second
// factor is awaited.
type pendingLogin struct {
	userID  string
	mode    string
	expires time.Time
}

// pendingLogins holds the logins waiting for their TOTP code, under the
// SHA-256 of the random token handed to the client: the map holds nothing
// a client could present, and a lookup by hash leaks no timing about the
// token. It is safe for concurrent use; expired entries are swept as it
// is written to. Several instances of a service keep this in Redis.
type pendingLogins struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[[sha256.Size]byte]pendingLogin
}

func newPendingLogins(now func() time.Time) *pendingLogins {
	return &pendingLogins{now: now, m: make(map[[sha256.Size]byte]pendingLogin)}
}

// start records a pending login for userID and returns its token.
func (p *pendingLogins) start(userID, mode string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, l := range p.m {
		if !now.Before(l.expires) {
			delete(p.m, k)
		}
	}
	p.m[sha256.Sum256([]byte(token))] = pendingLogin{userID: userID, mode: mode, expires: now.Add(pendingTTL)}
	return token, nil
}

// get returns the live pending login of token.
func (p *pendingLogins) get(token string) (pendingLogin, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.m[sha256.Sum256([]byte(token))]
	return l, ok && p.now().Before(l.expires)
}

// take ends the pending login of token and reports whether it was still
// there, so that of two requests finishing one login only one succeeds.
func (p *pendingLogins) take(token string) bool {
	k := sha256.Sum256([]byte(token))
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.m[k]
	delete(p.m, k)
	return ok && p.now().Before(l.expires)
}
