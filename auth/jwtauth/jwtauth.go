package jwtauth

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
)

// Reasons a token is refused, besides golang-jwt's own (jwt.ErrTokenExpired,
// jwt.ErrTokenInvalidAudience, ...). The errors the [Verifier] and the
// [Issuer] return for a bad token wrap [auth.ErrInvalidCredentials] and one
// of these or of golang-jwt's sentinels; compare with [errors.Is].
var (
	// ErrTokenTooLarge: the token is longer than Options.MaxTokenSize.
	ErrTokenTooLarge = errors.New("jwtauth: token too large")
	// ErrMissingKeyID: the token has no kid header and the key set holds
	// more than one key.
	ErrMissingKeyID = errors.New("jwtauth: token has no key ID")
	// ErrUnknownKey: no key has the token's kid.
	ErrUnknownKey = errors.New("jwtauth: unknown key ID")
	// ErrAlgorithmMismatch: the token's alg is not the algorithm of the key
	// its kid names (an HS256 token naming an RS256 key, for instance).
	ErrAlgorithmMismatch = errors.New("jwtauth: token algorithm does not match its key")
	// ErrMissingSubject: the token has no sub claim.
	ErrMissingSubject = errors.New("jwtauth: token has no subject")
	// ErrWrongTokenType: a refresh token presented as an access token, or
	// the reverse, or a token with a crit header.
	ErrWrongTokenType = errors.New("jwtauth: wrong token type")
	// ErrRevoked: the token, or its family, was revoked. Also returned by
	// [Store].UseRefresh for a revoked family.
	ErrRevoked = errors.New("jwtauth: token revoked")
	// ErrTokenReused: a refresh token was presented a second time. Also
	// returned by [Store].UseRefresh. [Issuer.Refresh] revokes the family.
	ErrTokenReused = errors.New("jwtauth: refresh token reused")
	// ErrMalformedHeader: the Authorization header names the Bearer scheme
	// but carries no token, or the request has several Authorization
	// headers. It is [auth.ErrMalformedAuthorization].
	ErrMalformedHeader = auth.ErrMalformedAuthorization
)

// Token types, sent in the typ header (RFC 8725 section 3.11): a verifier
// never takes one for the other.
const (
	// TypeAccess is the typ of access tokens (RFC 9068).
	TypeAccess = "at+jwt"
	// TypeRefresh is the typ of the refresh tokens an [Issuer] issues.
	TypeRefresh = "refresh+jwt"
)

// Limits on the options.
const (
	// MaxLeeway is the largest clock-skew allowance a Verifier accepts.
	MaxLeeway = 60 * time.Second
	// DefaultLeeway is the clock-skew allowance when Options.Leeway is 0.
	DefaultLeeway = 30 * time.Second
	// DefaultMaxTokenSize is the longest token accepted when
	// Options.MaxTokenSize is 0, in bytes.
	DefaultMaxTokenSize = 8 << 10
)

// KeySource finds the key that verifies a token: a [*KeySet] held in
// process, or a [*RemoteKeySet] fetched from a JWKS URL.
type KeySource interface {
	// VerificationKey returns the key with ID kid ("" when the token has
	// no kid header). It returns an error wrapping [ErrUnknownKey] or
	// [ErrMissingKeyID] when there is no such key; any other error is an
	// infrastructure failure (the JWKS could not be fetched).
	VerificationKey(ctx context.Context, kid string) (*Key, error)
}

// RevocationChecker reports whether a token was revoked. [Store] includes
// it; a [Verifier] needs only this.
type RevocationChecker interface {
	// Revoked reports whether the token with ID jti, or the family (sid)
	// it belongs to, is revoked. Either may be empty, and then is not
	// checked.
	Revoked(ctx context.Context, jti, family string) (bool, error)
}

// Options configure a [Verifier]. Keys, Issuer and Audience are required;
// every other zero field means the default its comment gives.
type Options struct {
	// Keys finds the verification key by the token's kid. Required.
	Keys KeySource
	// Issuer is the iss every token must carry. Required.
	Issuer string
	// Audience lists the audiences this service answers to: a token's aud
	// must name at least one. Required.
	Audience []string
	// Algorithms pins the algorithms accepted. Default: the algorithms of
	// the keys in Keys when it is a *KeySet (at construction: list every
	// algorithm you will rotate to) or the RemoteKeySet's algorithms.
	// Whatever this says, a token's alg must also be its key's algorithm.
	Algorithms []string
	// Leeway is the clock-skew allowance applied to exp, nbf and iat.
	// Default DefaultLeeway (30 s); at most MaxLeeway (60 s); a negative
	// value means none.
	Leeway time.Duration
	// MaxTokenSize is the longest token accepted, in bytes, checked before
	// parsing. Default DefaultMaxTokenSize (8 KiB).
	MaxTokenSize int
	// Realm is the realm of the WWW-Authenticate challenge. Default "api".
	Realm string
	// Revocations, when set, is consulted for every token: a token whose
	// jti or family (sid) is revoked is refused. This costs one store
	// lookup per request. Nil (the default) means stateless verification:
	// a token stays valid until it expires, so keep access tokens short.
	Revocations RevocationChecker
	// NewClaims returns the claim set a token is decoded into; return a
	// pointer to a struct embedding [Claims] to read claims of your own.
	// Default: new(Claims).
	NewClaims func() ClaimSet
	// Principal, when set, is called with the verified claims and the
	// principal built from them; it may fill p.Attributes from custom
	// claims. An error refuses the token: it is returned wrapped in
	// auth.ErrInvalidCredentials (a 401), unless it already wraps it.
	Principal func(ctx context.Context, c ClaimSet, p *auth.Principal) error
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Verifier verifies access tokens and authenticates requests that carry
// one as a Bearer token. It implements [auth.Authenticator] and
// [auth.Challenger].
//
// Create a Verifier with [NewVerifier]; the zero value is not usable. A
// Verifier is safe for concurrent use and holds no resources.
type Verifier struct {
	keys        KeySource
	parser      *jwt.Parser
	maxSize     int
	challenge   string
	revocations RevocationChecker
	newClaims   func() ClaimSet
	principal   func(ctx context.Context, c ClaimSet, p *auth.Principal) error
	tokenType   string // TypeAccess or TypeRefresh
}

var (
	_ auth.Authenticator = (*Verifier)(nil)
	_ auth.Challenger    = (*Verifier)(nil)
)

// NewVerifier returns a Verifier for opts, or an error naming the first
// invalid option.
func NewVerifier(opts Options) (*Verifier, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return newVerifier(opts, TypeAccess), nil
}

func newVerifier(opts Options, tokenType string) *Verifier {
	leeway := max(opts.Leeway, 0)
	v := &Verifier{
		keys: opts.Keys,
		parser: jwt.NewParser(
			jwt.WithValidMethods(slices.Clone(opts.Algorithms)),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(leeway),
			jwt.WithIssuer(opts.Issuer),
			jwt.WithAudience(slices.Clone(opts.Audience)...),
			jwt.WithTimeFunc(opts.Now),
			jwt.WithStrictDecoding(),
		),
		maxSize:     opts.MaxTokenSize,
		challenge:   `Bearer realm="` + opts.Realm + `"`,
		revocations: opts.Revocations,
		newClaims:   opts.NewClaims,
		principal:   opts.Principal,
		tokenType:   tokenType,
	}
	return v
}

func (o Options) withDefaults() Options {
	if o.Algorithms == nil {
		if a, ok := o.Keys.(interface{ Algorithms() []string }); ok {
			o.Algorithms = a.Algorithms()
		}
	}
	if o.Leeway == 0 {
		o.Leeway = DefaultLeeway
	}
	if o.MaxTokenSize == 0 {
		o.MaxTokenSize = DefaultMaxTokenSize
	}
	if o.Realm == "" {
		o.Realm = "api"
	}
	if o.NewClaims == nil {
		o.NewClaims = func() ClaimSet { return new(Claims) }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.Keys == nil:
		return fmt.Errorf("jwtauth: Options.Keys is required")
	case o.Issuer == "":
		return fmt.Errorf("jwtauth: Options.Issuer is required")
	case len(o.Audience) == 0 || containsEmpty(o.Audience):
		return fmt.Errorf("jwtauth: Options.Audience needs at least one non-empty audience")
	case len(o.Algorithms) == 0:
		return fmt.Errorf("jwtauth: Options.Algorithms is empty (and the key set has no keys)")
	case o.Leeway > MaxLeeway:
		return fmt.Errorf("jwtauth: Options.Leeway %v exceeds %v", o.Leeway, MaxLeeway)
	case o.MaxTokenSize < 0:
		return fmt.Errorf("jwtauth: Options.MaxTokenSize is negative")
	}
	for _, alg := range o.Algorithms {
		if !supportedAlg(alg) {
			return fmt.Errorf("jwtauth: Options.Algorithms: unsupported algorithm %q", alg)
		}
	}
	for i := 0; i < len(o.Realm); i++ {
		if c := o.Realm[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return fmt.Errorf("jwtauth: Options.Realm %q has a character a quoted string cannot hold", o.Realm)
		}
	}
	return nil
}

// Authenticate implements [auth.Authenticator]: it verifies the Bearer
// token of the Authorization header. A request without an Authorization
// header, or with another scheme, has no credentials of this kind
// ([auth.ErrNoCredentials]); a bad token yields an error wrapping
// [auth.ErrInvalidCredentials] and the precise reason.
func (v *Verifier) Authenticate(r *http.Request) (*auth.Principal, error) {
	token, err := BearerToken(r)
	if err != nil {
		return nil, err
	}
	return v.Verify(r.Context(), token)
}

// Challenge implements [auth.Challenger]: `Bearer realm="..."`.
func (v *Verifier) Challenge() string { return v.challenge }

// Verify verifies token and returns the principal it describes. Errors
// for a bad token, or refused by Options.Principal, wrap
// [auth.ErrInvalidCredentials]; other errors are infrastructure failures
// of the key source or the revocation store.
func (v *Verifier) Verify(ctx context.Context, token string) (*auth.Principal, error) {
	c, err := v.VerifyClaims(ctx, token)
	if err != nil {
		return nil, err
	}
	p, err := c.StandardClaims().Principal()
	if err != nil {
		return nil, invalid(err)
	}
	if v.principal != nil {
		if err := v.principal(ctx, c, p); err != nil {
			if errors.Is(err, auth.ErrInvalidCredentials) {
				return nil, err
			}
			return nil, invalid(err)
		}
	}
	return p, nil
}

// VerifyClaims verifies token and returns its claims, decoded into the
// type Options.NewClaims returns. It checks, in order: the size, the
// structure, the typ and crit headers, the alg against Options.Algorithms,
// the key by kid and its algorithm, the signature, exp (required), nbf,
// iat, iss and aud, then revocation when Options.Revocations is set.
func (v *Verifier) VerifyClaims(ctx context.Context, token string) (ClaimSet, error) {
	claims, _, err := v.parse(ctx, token)
	if err != nil {
		return nil, err
	}
	if v.revocations != nil {
		sc := claims.StandardClaims()
		revoked, err := v.revocations.Revoked(ctx, sc.ID, sc.SessionID)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: revocation check: %w", err)
		}
		if revoked {
			return nil, invalid(ErrRevoked)
		}
	}
	return claims, nil
}

// parse verifies token and returns its claims and typ header.
func (v *Verifier) parse(ctx context.Context, token string) (ClaimSet, string, error) {
	if len(token) > v.maxSize {
		return nil, "", invalid(ErrTokenTooLarge)
	}
	claims := v.newClaims()
	if claims == nil {
		return nil, "", fmt.Errorf("jwtauth: Options.NewClaims returned nil")
	}
	kf := keyfunc{v: v, ctx: ctx}
	t, err := v.parser.ParseWithClaims(token, claims, kf.key)
	if err != nil {
		if kf.err != nil {
			// The key source failed for a reason other than a bad token.
			return nil, "", kf.err
		}
		return nil, "", invalid(err)
	}
	typ, _ := t.Header["typ"].(string)
	return claims, typ, nil
}

// keyfunc carries the request context into golang-jwt's Keyfunc and
// brings back an infrastructure error, which must not become a 401.
type keyfunc struct {
	v   *Verifier
	ctx context.Context
	err error
}

func (kf *keyfunc) key(t *jwt.Token) (any, error) {
	typ, _ := t.Header["typ"].(string)
	if !sameType(typ, kf.v.tokenType) {
		return nil, ErrWrongTokenType
	}
	if _, ok := t.Header["crit"]; ok {
		// No extension is understood, so a critical one must be refused
		// (RFC 7515 section 4.1.11).
		return nil, ErrWrongTokenType
	}
	kid, ok := t.Header["kid"].(string)
	if !ok && t.Header["kid"] != nil {
		return nil, ErrUnknownKey
	}
	k, err := kf.v.keys.VerificationKey(kf.ctx, kid)
	if err != nil {
		if !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrMissingKeyID) {
			kf.err = err
		}
		return nil, err
	}
	if k.alg != t.Method.Alg() {
		return nil, ErrAlgorithmMismatch
	}
	return k.verify, nil
}

// sameType compares a typ header with the expected token type. An access
// verifier also takes tokens without typ or with the generic "JWT" (most
// identity providers send one of those), never a refresh token; the
// refresh path takes only TypeRefresh.
func sameType(typ, want string) bool {
	typ = strings.TrimPrefix(strings.ToLower(typ), "application/")
	switch want {
	case "":
		return true
	case TypeRefresh:
		return typ == TypeRefresh
	}
	return typ == "" || typ == "jwt" || typ == TypeAccess
}

// BearerToken is [auth.BearerToken], the parser every bearer
// authenticator shares, here beside the verifier that reads it: an error
// wrapping [auth.ErrNoCredentials] when there is no Bearer token, and one
// wrapping [auth.ErrInvalidCredentials] and [ErrMalformedHeader] when the
// header is malformed or repeated.
func BearerToken(r *http.Request) (string, error) { return auth.BearerToken(r) }

// invalid wraps a reason as invalid credentials.
func invalid(reason error) error {
	return fmt.Errorf("%w: %w", auth.ErrInvalidCredentials, reason)
}

func supportedAlg(alg string) bool {
	switch alg {
	case HS256, RS256, ES256, EdDSA:
		return true
	}
	return false
}

func containsEmpty(ss []string) bool {
	for _, s := range ss {
		if s == "" {
			return true
		}
	}
	return false
}
