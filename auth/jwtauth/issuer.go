package jwtauth

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// Default token lifetimes of an [Issuer].
const (
	DefaultAccessTTL  = 15 * time.Minute
	DefaultRefreshTTL = 7 * 24 * time.Hour
)

// IssuerOptions configure an [Issuer]. Keys, Issuer, Audience and Store
// are required; every other zero field means the default its comment
// gives.
type IssuerOptions struct {
	// Keys signs with its active key and verifies refresh tokens.
	// Required.
	Keys *KeySet
	// Issuer is the iss claim of every token. Required.
	Issuer string
	// Audience is the aud claim of every token. Required.
	Audience []string
	// Store records used refresh tokens and revocations. Required: refresh
	// rotation and reuse detection need state even when access tokens are
	// verified statelessly.
	Store Store
	// AccessTTL is the lifetime of access tokens. Default
	// DefaultAccessTTL (15 minutes).
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of each refresh token; every rotation
	// issues a new one, so a family lives as long as it is used at least
	// once per RefreshTTL. Default DefaultRefreshTTL (7 days); must be
	// longer than AccessTTL.
	RefreshTTL time.Duration
	// Leeway is the clock-skew allowance when verifying refresh tokens,
	// as in Options.Leeway. Default DefaultLeeway (30 s), at most 60 s.
	Leeway time.Duration
	// MaxTokenSize is the longest refresh token accepted. Default
	// DefaultMaxTokenSize.
	MaxTokenSize int
	// ExtraClaims, when set, returns private claims added to both tokens
	// of a pair (a tenant, an email). They may not set the claims jwtauth
	// owns (iss, sub, aud, exp, nbf, iat, jti, kind, roles, scope, scp,
	// sid, auth_time, amr). Read them back with Options.NewClaims and
	// Options.Principal.
	ExtraClaims func(ctx context.Context, p *auth.Principal) (map[string]any, error)
	// Reload, when set, is called on every refresh with the principal the
	// refresh token describes and returns the principal to issue the new
	// pair for: it re-reads roles and scopes and refuses a user who was
	// disabled (return an error wrapping auth.ErrInvalidCredentials; any
	// other error is an infrastructure failure). Without it, the new pair
	// carries the claims of the old one.
	Reload func(ctx context.Context, p *auth.Principal) (*auth.Principal, error)
	// Auditor, when set, receives token.issued, token.refreshed,
	// token.reuse_detected and token.revoked events. They never hold a
	// token.
	Auditor auth.Auditor
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Pair is an access token and its refresh token. Its JSON form is the
// OAuth 2.0 token response (RFC 6749 section 5.1).
type Pair struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"` // always "Bearer"
	ExpiresIn    int64  `json:"expires_in"` // seconds until the access token expires
	RefreshToken string `json:"refresh_token"`
	// AccessExpiresAt and RefreshExpiresAt are the tokens' exp claims.
	AccessExpiresAt  time.Time `json:"-"`
	RefreshExpiresAt time.Time `json:"-"`
	// Family identifies the chain of refresh tokens the pair belongs to,
	// and is the sid claim of both tokens. It is not a secret.
	Family string `json:"-"`
}

// Issuer issues access and refresh token pairs, rotates refresh tokens
// with reuse detection and revokes tokens.
//
// Every pair belongs to a family, started by [Issuer.Issue] and carried in
// the sid claim. [Issuer.Refresh] marks the refresh token used and issues
// a new pair in the same family. A refresh token presented a second time
// means it was stolen (or a client replayed it): the whole family is
// revoked, so the thief's and the user's refresh tokens all stop working,
// and so do the family's access tokens wherever they are verified with
// Options.Revocations.
//
// Create an Issuer with [NewIssuer]; the zero value is not usable. An
// Issuer is safe for concurrent use and holds no resources of its own.
type Issuer struct {
	keys       *KeySet
	issuer     string
	audience   any // string or []string, as the aud claim
	store      Store
	accessTTL  time.Duration
	refreshTTL time.Duration
	leeway     time.Duration
	extra      func(ctx context.Context, p *auth.Principal) (map[string]any, error)
	reload     func(ctx context.Context, p *auth.Principal) (*auth.Principal, error)
	auditor    auth.Auditor
	now        func() time.Time
	refresh    *Verifier // verifies refresh tokens
	any        *Verifier // verifies either type, for RevokeToken
}

// NewIssuer returns an Issuer for opts, or an error naming the first
// invalid option.
func NewIssuer(opts IssuerOptions) (*Issuer, error) {
	if opts.AccessTTL == 0 {
		opts.AccessTTL = DefaultAccessTTL
	}
	if opts.RefreshTTL == 0 {
		opts.RefreshTTL = DefaultRefreshTTL
	}
	switch {
	case opts.Keys == nil:
		return nil, fmt.Errorf("jwtauth: IssuerOptions.Keys is required")
	case opts.Store == nil:
		return nil, fmt.Errorf("jwtauth: IssuerOptions.Store is required")
	case opts.AccessTTL < 0:
		return nil, fmt.Errorf("jwtauth: IssuerOptions.AccessTTL is negative")
	case opts.RefreshTTL <= opts.AccessTTL:
		return nil, fmt.Errorf("jwtauth: IssuerOptions.RefreshTTL %v must be longer than AccessTTL %v", opts.RefreshTTL, opts.AccessTTL)
	}
	vopts := Options{
		Keys:         opts.Keys,
		Issuer:       opts.Issuer,
		Audience:     opts.Audience,
		Algorithms:   []string{HS256, RS256, ES256, EdDSA}, // the key's own algorithm is still enforced
		Leeway:       opts.Leeway,
		MaxTokenSize: opts.MaxTokenSize,
		Now:          opts.Now,
	}.withDefaults()
	if err := vopts.validate(); err != nil {
		return nil, fmt.Errorf("%w (in IssuerOptions)", err)
	}
	i := &Issuer{
		keys:       opts.Keys,
		issuer:     opts.Issuer,
		store:      opts.Store,
		accessTTL:  opts.AccessTTL,
		refreshTTL: opts.RefreshTTL,
		leeway:     max(vopts.Leeway, 0),
		extra:      opts.ExtraClaims,
		reload:     opts.Reload,
		auditor:    opts.Auditor,
		now:        vopts.Now,
		refresh:    newVerifier(vopts, TypeRefresh),
		any:        newVerifier(vopts, ""),
	}
	if len(opts.Audience) == 1 {
		i.audience = opts.Audience[0]
	} else {
		i.audience = slices.Clone(opts.Audience)
	}
	return i, nil
}

// Issue starts a new family and returns its first pair for p, whose
// Subject is required. p.SessionID is ignored: the family ID becomes the
// tokens' sid. p.Attributes are not put in the tokens; use
// IssuerOptions.ExtraClaims for that.
func (i *Issuer) Issue(ctx context.Context, p *auth.Principal) (*Pair, error) {
	if p == nil || p.Subject == "" {
		return nil, fmt.Errorf("jwtauth: Issue needs a principal with a subject")
	}
	identity, err := i.identity(ctx, p)
	if err != nil {
		return nil, err
	}
	pair, err := i.pair(identity, randomID())
	if err != nil {
		return nil, err
	}
	i.audit(ctx, p.Subject, auth.ActionTokenIssued, pair.Family, auth.ResultSuccess, "")
	return pair, nil
}

// Refresh verifies refreshToken, marks it used and returns a new pair in
// its family. A refresh token used before makes Refresh revoke the whole
// family and fail with [ErrTokenReused]; a revoked family fails with
// [ErrRevoked]. Errors for a bad token wrap [auth.ErrInvalidCredentials];
// other errors are infrastructure failures (the store).
func (i *Issuer) Refresh(ctx context.Context, refreshToken string) (*Pair, error) {
	cs, err := i.refresh.VerifyClaims(ctx, refreshToken)
	if err != nil {
		if errors.Is(err, auth.ErrInvalidCredentials) {
			i.audit(ctx, "", auth.ActionTokenRefreshed, "", auth.ResultFailure, "invalid refresh token")
		}
		return nil, err
	}
	c := cs.StandardClaims()
	if c.ID == "" || c.SessionID == "" || c.Subject == "" {
		return nil, invalid(ErrWrongTokenType)
	}
	family := c.SessionID
	// Reload before marking the token used: a failure to reload (the
	// user database is down) must leave the token usable for a retry,
	// not turn the retry into a reuse.
	var identity jwt.MapClaims
	if i.reload != nil {
		p, err := c.Principal()
		if err != nil {
			return nil, invalid(err)
		}
		p.Methods = slices.DeleteFunc(p.Methods, func(m auth.Method) bool { return m == auth.MethodJWT })
		p, err = i.reload(ctx, p)
		if err != nil {
			if errors.Is(err, auth.ErrInvalidCredentials) {
				i.audit(ctx, c.Subject, auth.ActionTokenRefreshed, family, auth.ResultDenied, "refused by reload")
			}
			return nil, err
		}
		if p == nil || p.Subject == "" {
			return nil, fmt.Errorf("jwtauth: IssuerOptions.Reload returned a principal without subject")
		}
		if identity, err = i.identity(ctx, p); err != nil {
			return nil, err
		}
	} else {
		// The token is verified: decode its claims again, all of them,
		// so that extra claims carry over.
		identity = jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(refreshToken, identity); err != nil {
			return nil, invalid(err)
		}
		for _, name := range []string{"iss", "aud", "exp", "nbf", "iat", "jti", "sid"} {
			delete(identity, name)
		}
	}
	switch err := i.store.UseRefresh(ctx, family, c.ID, c.ExpiresAt.Add(i.leeway)); {
	case errors.Is(err, ErrTokenReused):
		if rerr := i.store.RevokeFamily(ctx, family, i.familyEnd()); rerr != nil {
			return nil, fmt.Errorf("jwtauth: revoke family after reuse: %w", rerr)
		}
		i.audit(ctx, c.Subject, auth.ActionTokenReuse, family, auth.ResultDenied, "refresh token reused; family revoked")
		return nil, invalid(ErrTokenReused)
	case errors.Is(err, ErrRevoked):
		i.audit(ctx, c.Subject, auth.ActionTokenRefreshed, family, auth.ResultDenied, "family revoked")
		return nil, invalid(ErrRevoked)
	case err != nil:
		return nil, fmt.Errorf("jwtauth: use refresh token: %w", err)
	}
	pair, err := i.pair(identity, family)
	if err != nil {
		return nil, err
	}
	i.audit(ctx, c.Subject, auth.ActionTokenRefreshed, family, auth.ResultSuccess, "")
	return pair, nil
}

// RevokeFamily revokes every token of family: its refresh tokens stop
// working at once, its access tokens wherever they are verified with
// Options.Revocations. It is what logging out of one session does.
func (i *Issuer) RevokeFamily(ctx context.Context, family string) error {
	if family == "" {
		return fmt.Errorf("jwtauth: RevokeFamily needs a family")
	}
	if err := i.store.RevokeFamily(ctx, family, i.familyEnd()); err != nil {
		return fmt.Errorf("jwtauth: revoke family: %w", err)
	}
	i.audit(ctx, "", auth.ActionTokenRevoked, family, auth.ResultSuccess, "family revoked")
	return nil
}

// RevokeJTI revokes the token with ID jti, which expires at exp: the
// revocation is kept until then (plus the leeway) and then forgotten.
func (i *Issuer) RevokeJTI(ctx context.Context, jti string, exp time.Time) error {
	if jti == "" {
		return fmt.Errorf("jwtauth: RevokeJTI needs a token ID")
	}
	if err := i.store.RevokeJTI(ctx, jti, exp.Add(i.leeway)); err != nil {
		return fmt.Errorf("jwtauth: revoke token: %w", err)
	}
	i.audit(ctx, "", auth.ActionTokenRevoked, jti, auth.ResultSuccess, "token revoked")
	return nil
}

// RevokeToken verifies token, an access or a refresh token of this
// issuer, and revokes it (RFC 7009): an access token by its jti, a refresh
// token by its family, which also revokes the family's access tokens.
// An invalid or expired token yields an error wrapping
// [auth.ErrInvalidCredentials]; it needs no revoking.
func (i *Issuer) RevokeToken(ctx context.Context, token string) error {
	cs, typ, err := i.any.parse(ctx, token)
	if err != nil {
		return err
	}
	c := cs.StandardClaims()
	if sameType(typ, TypeRefresh) {
		if c.SessionID == "" {
			return invalid(ErrWrongTokenType)
		}
		return i.RevokeFamily(ctx, c.SessionID)
	}
	if c.ID == "" {
		return invalid(fmt.Errorf("jwtauth: token has no jti to revoke"))
	}
	return i.RevokeJTI(ctx, c.ID, c.ExpiresAt.Time)
}

// familyEnd is when every token of a family issued until now has expired.
func (i *Issuer) familyEnd() time.Time {
	return i.now().Add(i.refreshTTL + i.leeway)
}

// identity returns the claims describing p, ExtraClaims included.
func (i *Issuer) identity(ctx context.Context, p *auth.Principal) (jwt.MapClaims, error) {
	c := identityClaims(p)
	if i.extra == nil {
		return c, nil
	}
	extra, err := i.extra(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: extra claims: %w", err)
	}
	for name, v := range extra {
		if slices.Contains(reservedClaims, name) {
			return nil, fmt.Errorf("jwtauth: extra claim %q is reserved", name)
		}
		c[name] = v
	}
	return c, nil
}

// pair signs an access and a refresh token for identity in family.
func (i *Issuer) pair(identity jwt.MapClaims, family string) (*Pair, error) {
	key, ok := i.keys.SigningKey()
	if !ok {
		return nil, fmt.Errorf("jwtauth: the key set has no signing key")
	}
	now := i.now().Truncate(time.Second)
	p := &Pair{
		TokenType:        "Bearer",
		AccessExpiresAt:  now.Add(i.accessTTL),
		RefreshExpiresAt: now.Add(i.refreshTTL),
		Family:           family,
		ExpiresIn:        int64(i.accessTTL / time.Second),
	}
	var err error
	if p.AccessToken, err = i.sign(key, TypeAccess, identity, family, now, p.AccessExpiresAt); err != nil {
		return nil, err
	}
	if p.RefreshToken, err = i.sign(key, TypeRefresh, identity, family, now, p.RefreshExpiresAt); err != nil {
		return nil, err
	}
	return p, nil
}

func (i *Issuer) sign(key *Key, typ string, identity jwt.MapClaims, family string, now, exp time.Time) (string, error) {
	claims := maps.Clone(identity)
	claims["iss"] = i.issuer
	claims["aud"] = i.audience
	claims["iat"] = now.Unix()
	claims["exp"] = exp.Unix()
	claims["jti"] = randomID()
	claims["sid"] = family
	t := jwt.NewWithClaims(key.method, claims)
	t.Header["kid"] = key.id
	t.Header["typ"] = typ
	s, err := t.SignedString(key.sign)
	if err != nil {
		return "", fmt.Errorf("jwtauth: sign: %w", err)
	}
	return s, nil
}

func (i *Issuer) audit(ctx context.Context, actor, action, resource, result, reason string) {
	if i.auditor == nil {
		return
	}
	e := auth.Event{
		Time:      i.now(),
		Actor:     actor,
		Action:    action,
		Resource:  resource,
		Result:    result,
		Reason:    reason,
		RequestID: reqctx.RequestID(ctx),
	}
	if ip := reqctx.ClientIP(ctx); ip.IsValid() {
		e.IP = ip.String()
	}
	i.auditor.Audit(ctx, e)
}
