// Package auth holds what keel's authentication and authorization
// sub-packages share: the [Principal], the [Authenticator] contract, the
// middleware that runs authenticators and checks scopes, and audit
// events ([Event]) with a zerolog [Auditor].
//
//	bearer, err := jwtauth.NewVerifier(jwtOpts)      // an Authenticator and a Challenger
//	cookies, err := session.New(sessionStore, opts) // an Authenticator
//
//	mw := auth.MustMiddleware(auth.Options{
//		Authenticators: []auth.Authenticator{bearer, cookies},
//		Realm:          "api",
//		Auditor:        auth.NewLogAuditor(auditLogger),
//	})
//	r.Use(mw)
//	r.With(auth.RequireScope("orders:write")).Post("/orders", http.HandlerFunc(createOrder))
//
//	func createOrder(w http.ResponseWriter, r *http.Request) {
//		p, _ := auth.FromContext(r.Context()) // never nil behind mw
//		...
//	}
//
// # Authenticators
//
// An [Authenticator] turns the credentials a request carries into a
// [Principal]. It answers in one of three ways, and [Middleware] acts on
// each: no credentials of its kind ([ErrNoCredentials]: try the next
// authenticator), credentials that do not authenticate
// ([ErrInvalidCredentials]: a generic 401), or an infrastructure failure
// (any other error: a 5xx, never a pass). The first authenticator that has
// credentials decides; invalid credentials never fall through to the next
// one. An authenticator that is also a [Challenger] names its
// WWW-Authenticate challenge.
//
// The 401 is the same whatever went wrong — expired, forged, revoked,
// unknown — so a client cannot probe which. The reason goes to the request
// log (at debug level, through keel's errors.Write) and to the Auditor.
// Authenticators must keep credentials out of their error texts.
//
// [Middleware] with Options.Optional lets anonymous requests through;
// [RequireAuth] then guards the private routes and [RequireScope] the ones
// that need OAuth scopes. A principal lacking a scope gets 403
// insufficient_scope, with the RFC 6750 Bearer challenge when it came with
// a bearer token.
//
// # Principals
//
// [WithPrincipal] stores the principal in the request's [reqctx.Data], in
// place, so outer middleware (the access log, rate limits keyed by user)
// see it after the handler returns, and it costs no allocation.
// [FromContext] reads it back. A Principal is immutable once attached.
//
// # Audit
//
// Every sub-package emits audit events ([Event]) through an optional
// [Auditor] in its options: logins and their failures, lockouts, MFA,
// sessions, tokens, API keys, access denials. [NewLogAuditor] writes them
// as structured zerolog entries; [EventFromRequest] fills the request's
// ID, client IP, user agent and route, and [EventFromContext] does the
// same from a context for code that has no request. Events never hold a
// password, token, key, code or cookie, and neither helper reads anything
// from a request that could carry one.
//
// # Sub-packages
//
// Each sub-package is usable alone and imports only the standard library,
// its one third-party dependency and keel's errors, reqctx and auth. State
// that several instances of a service share sits behind a small store
// interface with an in-memory implementation in the package and a Redis one
// in its redisstore sub-package.
//
//   - jwtauth: JWT bearer tokens (golang-jwt): verification with key
//     rotation, issuing, refresh-token rotation with reuse detection.
//   - session: server-side sessions in cookies, with rotation and
//     per-user listing and revocation.
//   - apikey: API keys stored hashed, with prefixes, scopes and revocation.
//   - oidcauth: OpenID Connect login (authorization code with PKCE).
//   - password: argon2id hashing in PHC format, bcrypt verification for
//     migrated hashes, rehash on login, a bound on concurrent hashing,
//     a password policy, and constant work for unknown users.
//   - lockout: brute-force protection with exponential lockout per account
//     and per client IP.
//   - mfa: TOTP (RFC 6238) with replay protection and throttling, and
//     single-use recovery codes.
//   - rbac, abac, rebac: role-, attribute- and relationship-based
//     authorization, enforced on routes by this package's authorizer.
package auth
