package oidcauth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/errors"
)

// maxIDTokenSize is the longest ID token accepted, in bytes: well above
// jwtauth's default for access tokens, since providers put profile and
// group claims in ID tokens.
const maxIDTokenSize = 64 << 10

// idClaims is what an ID token is decoded into: the claims jwtauth reads
// and checks, the OpenID Connect claims the relying party checks or
// reports, and every claim as decoded from JSON, for [Claims].Raw.
type idClaims struct {
	jwtauth.Claims
	Nonce string `json:"nonce"`
	// AuthorizedParty is nil when the token has no azp claim.
	AuthorizedParty *string `json:"azp"`
	Email           string  `json:"email"`
	Name            string  `json:"name"`
	// EmailVerified counts only as a JSON boolean: a provider that sends
	// a string gets "not verified" rather than a refused token.
	EmailVerified any `json:"email_verified"`

	raw map[string]any
}

// UnmarshalJSON decodes the claims into c's fields and into c.raw.
func (c *idClaims) UnmarshalJSON(data []byte) error {
	type fields idClaims // without this method
	if err := json.Unmarshal(data, (*fields)(c)); err != nil {
		return err
	}
	return json.Unmarshal(data, &c.raw)
}

// newVerifier returns the verifier of the provider's ID tokens: jwtauth's,
// with the provider's published keys (fetched on first use, cached, and
// fetched again when a token names a key they lack), its issuer, this
// client as the audience, and the asymmetric algorithms both sides
// support.
func newVerifier(opts *Options, md *providerMetadata) (*jwtauth.Verifier, error) {
	issuer, _ := url.Parse(opts.Issuer) // checked by validate
	keys, err := jwtauth.NewRemoteKeySet(jwtauth.RemoteOptions{
		URL: md.JWKSURI,
		// Plain http only for a provider on the developer's machine,
		// which validate allows for the issuer alone.
		AllowHTTP:  issuer.Scheme == "http",
		Client:     opts.HTTPClient,
		Algorithms: md.SigningAlgs,
		Now:        opts.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("oidcauth: discovery jwks_uri: %w", err)
	}
	return jwtauth.NewVerifier(jwtauth.Options{
		Keys:         keys,
		Issuer:       opts.Issuer,
		Audience:     []string{opts.ClientID},
		Algorithms:   md.SigningAlgs,
		Leeway:       opts.ClockSkew,
		MaxTokenSize: maxIDTokenSize,
		NewClaims:    func() jwtauth.ClaimSet { return new(idClaims) },
		Now:          opts.Now,
	})
}

// verify checks an ID token with the verifier (signature, algorithm,
// issuer, audience, expiry and issue time), then what is particular to
// OpenID Connect: the subject, the authorized party and the nonce. An
// error that is not a bad token (the keys could not be fetched) is a
// *fetchError.
func (rp *RP) verify(ctx context.Context, raw, nonce string) (*Claims, error) {
	cs, err := rp.verifier.VerifyClaims(ctx, raw)
	if err != nil {
		if !errors.Is(err, auth.ErrInvalidCredentials) {
			return nil, &fetchError{err}
		}
		return nil, fmt.Errorf("oidcauth: ID token: %w", err)
	}
	ic, ok := cs.(*idClaims)
	if !ok {
		return nil, fmt.Errorf("oidcauth: ID token decoded as %T", cs)
	}
	if ic.Subject == "" {
		return nil, errors.New("oidcauth: ID token without subject")
	}
	// With several audiences the token must name this client as its
	// authorized party (OpenID Connect Core, 3.1.3.7).
	if (len(ic.Audience) > 1 || ic.AuthorizedParty != nil) &&
		(ic.AuthorizedParty == nil || *ic.AuthorizedParty != rp.opts.ClientID) {
		azp := ""
		if ic.AuthorizedParty != nil {
			azp = *ic.AuthorizedParty
		}
		return nil, fmt.Errorf("oidcauth: ID token authorized party %.64q is not this client", azp)
	}
	if subtle.ConstantTimeCompare([]byte(ic.Nonce), []byte(nonce)) != 1 {
		return nil, errors.New("oidcauth: ID token nonce does not match the sign-in")
	}
	c := &Claims{
		Issuer:   ic.Issuer,
		Subject:  ic.Subject,
		Audience: []string(ic.Audience),
		Email:    ic.Email,
		Name:     ic.Name,
		AMR:      []string(ic.AMR),
		Raw:      ic.raw,
	}
	if at := ic.AuthTime; at != nil && at.Unix() > 0 && at.Unix() < 1<<40 {
		c.AuthTime = at.Time
	}
	c.EmailVerified, _ = ic.EmailVerified.(bool)
	return c, nil
}
