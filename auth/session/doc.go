// Package session keeps server-side login sessions: an opaque random token
// in a cookie, and everything else in a [Store] under the token's hash.
//
//	sessions, err := session.New(session.NewMemoryStore(nil), session.Options{})
//	if err != nil { ... }
//
//	// after checking the password:
//	if _, err := sessions.Create(r.Context(), w, r, &auth.Principal{
//		Subject: user.ID, Kind: auth.KindUser, Methods: []auth.Method{auth.MethodPassword},
//	}); err != nil { ... }
//
//	// on every request, directly or through auth's middleware:
//	p, err := sessions.Authenticate(r) // auth.ErrNoCredentials, auth.ErrInvalidCredentials
//
//	// after a second factor or any change of privilege:
//	_, err = sessions.Renew(r.Context(), w, r, stepUpPrincipal)
//
//	// logout:
//	err = sessions.Destroy(r.Context(), w, r)
//
// # Tokens and what the store holds
//
// A session token is 256 bits from crypto/rand, sent as 43 characters of
// base64url in the cookie. The store only ever sees the token's SHA-256,
// which is the session's ID: a copy of the store (a backup, a replica, a
// dump) holds no cookie that works, and the ID is safe to log, to show in
// a "your devices" page and to pass to [Manager.Revoke]. A cookie that is
// not exactly the form the Manager issues is refused before any store
// lookup.
//
// # Cookie
//
// By default the cookie is __Host-session: HttpOnly (scripts cannot read
// it), Secure (never sent over plain http), SameSite=Lax (not sent with
// cross-site form posts and subrequests), Path=/ and no Domain, which the
// __Host- prefix makes browsers enforce, so that a sibling subdomain
// cannot plant a session. [Options] changes this: InsecureCookie for local
// development over http, Domain or Path for a cookie shared with
// subdomains or limited to a path (named __Secure-session then),
// Persistent for a cookie that survives a browser restart.
//
// # Lifetime
//
// A session ends when it has not been used for [Options].IdleTimeout, and
// in any case [Options].AbsoluteTimeout after login, however active it is;
// renewal does not extend the absolute timeout. Activity is written to
// the store at most once per [Options].TouchInterval, so a busy session
// costs one write a minute, not one per request. [Manager.Create] always
// issues a fresh token and destroys a session the request already
// carried, which defeats session fixation; [Manager.Renew] changes the
// token on a change of privilege and keeps the data.
//
// # Stores
//
// [MemoryStore] serves a single instance and tests; the redisstore
// sub-package shares sessions between instances. Both pass the
// conformance suite in sessiontest. A store's Touch and Update never
// bring back a session that was logged out or revoked meanwhile.
package session
