// Package oidcauth signs users in with an OpenID Connect provider (Google,
// Microsoft Entra, Okta, Keycloak, ...) using the authorization code flow
// with PKCE, and ends the sign-in in the application's own session.
//
//	sessions, _ := session.New(store, session.Options{})
//	rp, err := oidcauth.New(ctx, oidcauth.Options{
//		Issuer:       "https://accounts.example.com",
//		ClientID:     os.Getenv("OIDC_CLIENT_ID"),
//		ClientSecret: os.Getenv("OIDC_CLIENT_SECRET"),
//		RedirectURL:  "https://app.example.com/auth/callback",
//		Sessions:     sessions,
//		OnLogin: func(ctx context.Context, c *oidcauth.Claims) (*auth.Principal, error) {
//			return users.PrincipalFor(ctx, c.Issuer, c.Subject) // provision, add roles
//		},
//	})
//	if err != nil { ... }
//	mux.Handle("GET /auth/login", rp.LoginHandler())       // link: /auth/login?next=/orders
//	mux.Handle("GET /auth/callback", rp.CallbackHandler())
//
// After the callback the user holds a session cookie, and every later
// request is authenticated by the session Manager, not by the provider.
//
// # What is checked
//
// [New] reads the provider's discovery document and refuses one whose
// issuer differs from [Options].Issuer or whose endpoints are not https.
// [RP.LoginHandler] draws a state, a nonce and a PKCE verifier and keeps
// them, with the return path, in a short-lived cookie encrypted and
// authenticated with AES-GCM, HttpOnly, Secure and SameSite=Lax, which
// binds the sign-in to the browser that started it. [RP.CallbackHandler]
// refuses a callback without that cookie, with an altered or expired one,
// or whose state differs (login CSRF); the cookie is single-use. It
// exchanges the code with the verifier (a code stolen from the redirect is
// useless without it, and the provider refuses a code used twice), then
// verifies the ID token and its nonce against the cookie's.
//
// # ID token verification
//
// ID tokens are verified by keel's JWT verifier, package
// github.com/keel-go/keel/auth/jwtauth: a [jwtauth.Verifier] over a
// [jwtauth.RemoteKeySet] that reads the provider's jwks_uri from the
// discovery document with [Options].HTTPClient (https, or plain http only
// when the issuer itself is http on a loopback host). It checks the
// signature with the key the token's kid names and that key's own
// algorithm, among RS256, ES256 and EdDSA and those the provider lists
// (asymmetric only, so never "none" nor an HMAC); the issuer; the
// audience (it must name [Options].ClientID); the expiry (required), the
// issue time and not-before, within [Options].ClockSkew (at most
// [jwtauth.MaxLeeway]); and a size of at most 64 KiB. The keys are cached
// for the JWKS response's Cache-Control max-age, and a token naming an
// unknown kid (the provider rotated its keys) makes the relying party
// fetch them again, at most once per [jwtauth.DefaultRefreshCooldown], so
// forged tokens with made-up key IDs cannot make it hammer the provider.
// The relying party then checks what is particular to OpenID Connect: a
// subject, the authorized party (azp must be [Options].ClientID when the
// token has several audiences or any azp), and the nonce, in constant
// time.
//
// # Return path
//
// The path to return to after sign-in comes from the login URL
// (?next=/orders) and must be a path on the same site: absolute URLs,
// "//host" and the backslash and control-character variants that
// browsers read as "//host" are refused with a 400, so the login link
// cannot be turned into an open redirect.
//
// # Errors
//
// Every refusal is a problem response written by keel's errors package:
// 400 for the sign-in state, 401 when the provider reports an error or
// refuses the code or the ID token does not verify, 502 when the
// provider cannot be reached, and whatever [Options].OnLogin returns
// (errors.Forbidden for a user not allowed in). Reasons are logged and
// audited, never the code, tokens or cookies.
package oidcauth
