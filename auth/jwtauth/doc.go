// Package jwtauth issues and verifies JSON Web Tokens (RFC 7519) for keel:
// signed access tokens verified per request, refresh tokens rotated with
// reuse detection, revocation, key rotation with key IDs, a JWKS endpoint,
// and verification against a remote JWKS. It builds on
// github.com/golang-jwt/jwt/v5.
//
//	key, _ := jwtauth.GenerateKey(jwtauth.EdDSA, "2030-01")
//	keys, _ := jwtauth.NewKeySet(key)
//	store := jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{}) // or redisstore.New(client, ...)
//
//	issuer, err := jwtauth.NewIssuer(jwtauth.IssuerOptions{
//		Keys: keys, Issuer: "https://auth.example", Audience: []string{"https://api.example"},
//		Store: store,
//	})
//	verifier, err := jwtauth.NewVerifier(jwtauth.Options{
//		Keys: keys, Issuer: "https://auth.example", Audience: []string{"https://api.example"},
//		Revocations: store, // nil: stateless
//	})
//
//	pair, err := issuer.Issue(ctx, principal)         // at login
//	pair, err = issuer.Refresh(ctx, pair.RefreshToken) // at the token endpoint
//	mw := auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{verifier}})
//	mux.Handle("GET /.well-known/jwks.json", keys.JWKSHandler(0))
//
// # Secure by default
//
// Nothing here is an option to turn on. A [Verifier] pins golang-jwt's
// parser to the algorithms of its keys (HS256, RS256, ES256, EdDSA; never
// "none"), picks the key by the token's kid and requires the token's alg to
// be that key's own algorithm, so an HS256 token "signed" with a published
// RS256 public key is refused whatever the parser allows. It requires exp,
// iss (equal to Options.Issuer) and aud (naming one of Options.Audience);
// it checks nbf and iat (not in the future) with a leeway of at most 60 s
// (30 s by default; a larger one is refused at construction); it refuses a
// token longer than 8 KiB before parsing it, a token with a crit header,
// and a refresh token presented as an access token (typ "refresh+jwt").
//
// A token without kid is verified only when the key set holds exactly one
// key, and refused ([ErrMissingKeyID]) otherwise: with several keys,
// trying each would let a token signed by a retired or unrelated key
// through, and would multiply the cost of a forged token.
//
// # One 401, whatever the reason
//
// [Verifier.Authenticate] implements [auth.Authenticator]: a request
// without an Authorization header, or with another scheme, has no
// credentials of this kind ([auth.ErrNoCredentials]); a bad Bearer token
// yields an error wrapping [auth.ErrInvalidCredentials] and the precise
// reason (jwt.ErrTokenExpired, [ErrUnknownKey], [ErrRevoked], ...), which
// auth.Middleware logs and audits while the client gets one generic 401
// with the `Bearer realm="api"` challenge ([Verifier.Challenge]). A key
// source or revocation store that fails is an infrastructure error, a 5xx,
// never a 401 and never a pass.
//
// # Claims and the principal
//
// [Claims] lists how claims become an [auth.Principal]: sub, roles,
// scope (space-separated) and scp, sid, auth_time, amr, and keel's kind.
// For claims of your own, embed Claims in a struct and set
// Options.NewClaims and Options.Principal:
//
//	type myClaims struct {
//		jwtauth.Claims
//		Tenant string `json:"tenant"`
//	}
//	opts.NewClaims = func() jwtauth.ClaimSet { return new(myClaims) }
//	opts.Principal = func(_ context.Context, c jwtauth.ClaimSet, p *auth.Principal) error {
//		p.Attributes = map[string]any{"tenant": c.(*myClaims).Tenant}
//		return nil
//	}
//
// The issuing side adds them with IssuerOptions.ExtraClaims. Claims are
// decoded into the struct only: the verifier builds no claim map and no
// Attributes map unless Options.Principal does.
//
// # Refresh tokens and reuse detection
//
// [Issuer.Issue] starts a family (its ID is the sid claim of both tokens)
// and returns an access token (15 minutes by default) and a refresh token
// (7 days), both JWTs with a random jti. [Issuer.Refresh] verifies a
// refresh token, marks its jti used in the [Store] atomically with a check
// that the family is not revoked, and issues a new pair in the same family.
// Presenting a refresh token already used means two parties hold it: the
// family is revoked, every refresh token of it stops working, including
// the one the legitimate rotation produced, and so do its access tokens
// wherever they are verified with Options.Revocations. Two concurrent
// refreshes with one token count as a reuse; clients must serialise their
// refreshes.
//
// # Revocation costs a lookup
//
// Access tokens are verified statelessly by default: a signature check and
// no I/O. Set Options.Revocations to a store (the [MemoryStore] for one
// process, jwtauth/redisstore for several) to refuse revoked tokens and
// revoked families, for one store lookup per request (one Redis round
// trip). Without it, a revoked or stolen access token stays valid until it
// expires: keep IssuerOptions.AccessTTL short. Revocation entries expire
// with the tokens they concern.
//
// # Keys, rotation and JWKS
//
// A [KeySet] holds keys by ID; the active key (the newest that can sign,
// or the one named with [KeySet.SetActive]) signs, and every key verifies
// until removed. [KeySet.JWKSHandler] publishes the public keys (never
// HMAC keys nor private material) with Cache-Control. A service that
// verifies another issuer's tokens uses a [RemoteKeySet]: it fetches the
// JWKS with the http.Client it is given, caches it for the response's
// max-age within bounds, and refetches on an unknown kid at most once per
// RefreshCooldown (30 s), merging concurrent refetches, so a flood of forged
// tokens with random kids costs one fetch. [ParseJWKS] is strict about the
// document (64 KiB, 100 keys) and skips keys it cannot use.
package jwtauth
