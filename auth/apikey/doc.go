// Package apikey issues and checks API keys: long random secrets that a
// program sends with each request, stored only as a hash, with scopes,
// expiry, last use and revocation.
//
//	keys, err := apikey.New(apikey.NewMemoryStore(), apikey.Options{Prefix: "acme"})
//	if err != nil { ... }
//
//	// in the "new key" handler: show plain to the user once
//	plain, key, err := keys.Create(ctx, user.ID, []string{"orders:read"}, time.Time{})
//
//	// on every request, directly or through auth's middleware:
//	p, err := keys.Authenticate(r) // Authorization: Bearer <key>, or X-API-Key: <key>
//
//	// in the "revoke" handler:
//	err = keys.Revoke(ctx, user.ID, key.ID)
//
// # Key format
//
// A key reads
//
//	<prefix>_<id>_<secret><checksum>
//	acme_x7Kp2QmZ_Vh3...43 characters...9fQ2kLr
//
// The prefix (default "keel", 1 to 16 lower-case letters and digits) says
// whose key it is, so that leaked keys are easy to spot and a key of one
// environment is refused by another. The ID is 8 random base62
// characters; it is public and names the key in lists, logs and audit
// events. The secret is 43 random base62 characters (256 bits from
// crypto/rand). The checksum is the CRC-32 (IEEE) of everything before
// it, as 6 base62 digits: a mistyped or truncated key is refused by
// [Parse] before any store lookup, and a scanner can tell a real key from
// a look-alike without asking the server. Base62 and the underscores keep
// the key one word that a double click selects whole.
//
// # What is stored
//
// Only the SHA-256 of the whole key is stored, next to its ID, owner,
// scopes and times; the plain key is returned once by [Manager.Create]
// and never again. A slow password hash (bcrypt, Argon2) is not needed
// and not used: it protects guessable secrets, and 256 random bits cannot
// be guessed, by brute force or by dictionary, from their SHA-256. A fast
// hash keeps every authenticated request cheap. The hash is compared in
// constant time.
//
// # Authentication
//
// [Manager.Authenticate] reads [Options].Header (X-API-Key), or else a
// bearer token that starts with the Manager's prefix; other bearer tokens
// (a JWT) are left to the next authenticator. The principal it returns
// acts for the key's owner: Subject is the owner, Kind is
// [auth.KindAPIKey], Scopes are the key's, and SessionID names the key,
// so handlers that check ownership work for keys too while scope checks
// limit what a key may do. A request records the key's last use at most
// once per [Options].TouchInterval.
//
// # Stores
//
// [MemoryStore] serves a single instance and tests; the redisstore
// sub-package shares keys between instances. Both pass the conformance
// suite in apikeytest.
package apikey
