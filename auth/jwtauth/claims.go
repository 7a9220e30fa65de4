package jwtauth

import (
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keel-go/keel/auth"
)

// Claims is the claim set jwtauth reads from a token and turns into an
// [auth.Principal]:
//
//	claim      Principal field   notes
//	sub        Subject           required
//	kind       Kind              keel's private claim; absent means auth.KindUser
//	roles      Roles             a string or an array of strings
//	scope      Scopes            space-separated string (RFC 8693, RFC 9068)
//	scp        Scopes            array or string, each entry space-separated
//	sid        SessionID         the token family of tokens issued by [Issuer]
//	auth_time  AuthTime          seconds since the epoch
//	amr        Methods           then [auth.MethodJWT] is appended
//
// The registered claims (iss, aud, exp, nbf, iat, jti) are checked by the
// [Verifier]. Claims decodes its dates and string lists with its own
// [NumericDate] and [ClaimStrings], which golang-jwt's types convert from
// for free and which decode several times faster. To read claims of your own, embed Claims in a struct, return
// it from [Options].NewClaims and copy what you need in
// [Options].Principal; see the package documentation.
type Claims struct {
	Issuer    string       `json:"iss,omitempty"`
	Subject   string       `json:"sub,omitempty"`
	Audience  ClaimStrings `json:"aud,omitempty"`
	ExpiresAt *NumericDate `json:"exp,omitempty"`
	NotBefore *NumericDate `json:"nbf,omitempty"`
	IssuedAt  *NumericDate `json:"iat,omitempty"`
	ID        string       `json:"jti,omitempty"`
	Kind      string       `json:"kind,omitempty"`
	Roles     ClaimStrings `json:"roles,omitempty"`
	Scope     string       `json:"scope,omitempty"`
	Scp       ClaimStrings `json:"scp,omitempty"`
	SessionID string       `json:"sid,omitempty"`
	AuthTime  *NumericDate `json:"auth_time,omitempty"`
	AMR       ClaimStrings `json:"amr,omitempty"`
}

// GetExpirationTime implements jwt.Claims.
func (c *Claims) GetExpirationTime() (*jwt.NumericDate, error) {
	return (*jwt.NumericDate)(c.ExpiresAt), nil
}

// GetNotBefore implements jwt.Claims.
func (c *Claims) GetNotBefore() (*jwt.NumericDate, error) {
	return (*jwt.NumericDate)(c.NotBefore), nil
}

// GetIssuedAt implements jwt.Claims.
func (c *Claims) GetIssuedAt() (*jwt.NumericDate, error) {
	return (*jwt.NumericDate)(c.IssuedAt), nil
}

// GetIssuer implements jwt.Claims.
func (c *Claims) GetIssuer() (string, error) { return c.Issuer, nil }

// GetSubject implements jwt.Claims.
func (c *Claims) GetSubject() (string, error) { return c.Subject, nil }

// GetAudience implements jwt.Claims.
func (c *Claims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings(c.Audience), nil
}

// StandardClaims returns c itself. Through embedding it gives every struct
// that embeds Claims the [ClaimSet] interface.
func (c *Claims) StandardClaims() *Claims { return c }

// Scopes returns the scopes of the scope and scp claims, in order.
func (c *Claims) Scopes() []string {
	n := 0
	if c.Scope != "" {
		n += countFields(c.Scope)
	}
	for _, s := range c.Scp {
		n += countFields(s)
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	out = appendFields(out, c.Scope)
	for _, s := range c.Scp {
		out = appendFields(out, s)
	}
	return out
}

// Principal returns the principal the claims describe, following the table
// in the [Claims] documentation. It fails when sub is empty.
func (c *Claims) Principal() (*auth.Principal, error) {
	if c.Subject == "" {
		return nil, ErrMissingSubject
	}
	p := &auth.Principal{
		Subject:   c.Subject,
		Kind:      auth.KindUser,
		SessionID: c.SessionID,
		Scopes:    c.Scopes(),
	}
	if c.Kind != "" {
		p.Kind = auth.Kind(c.Kind)
	}
	if len(c.Roles) > 0 {
		p.Roles = []string(c.Roles)
	}
	if c.AuthTime != nil {
		p.AuthTime = c.AuthTime.Time
	}
	p.Methods = make([]auth.Method, 0, len(c.AMR)+1)
	for _, m := range c.AMR {
		p.Methods = append(p.Methods, auth.Method(m))
	}
	p.Methods = append(p.Methods, auth.MethodJWT)
	return p, nil
}

// ClaimSet is a claim set a [Verifier] can decode tokens into: *[Claims],
// or a pointer to any struct that embeds Claims (which gives it both
// methods sets).
type ClaimSet interface {
	jwt.Claims
	StandardClaims() *Claims
}

// identityClaims returns the claims that describe p in both tokens of a
// pair: everything but the registered claims, which the issuer sets.
func identityClaims(p *auth.Principal) jwt.MapClaims {
	c := jwt.MapClaims{"sub": p.Subject}
	if p.Kind != "" && p.Kind != auth.KindUser {
		c["kind"] = string(p.Kind)
	}
	if len(p.Roles) > 0 {
		c["roles"] = p.Roles
	}
	if len(p.Scopes) > 0 {
		c["scope"] = strings.Join(p.Scopes, " ")
	}
	if !p.AuthTime.IsZero() {
		c["auth_time"] = p.AuthTime.Unix()
	}
	var amr []string
	for _, m := range p.Methods {
		if m != auth.MethodJWT {
			amr = append(amr, string(m))
		}
	}
	if len(amr) > 0 {
		c["amr"] = amr
	}
	return c
}

// reservedClaims are the claims the issuer owns; extra claims may not set
// them.
var reservedClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "kind", "roles", "scope", "scp", "sid", "auth_time", "amr"}

func countFields(s string) int {
	n := 0
	inField := false
	for i := 0; i < len(s); i++ {
		space := s[i] == ' '
		if !space && !inField {
			n++
		}
		inField = !space
	}
	return n
}

// appendFields appends the space-separated fields of s to out. Only the
// space character separates scopes (RFC 6749 section 3.3).
func appendFields(out []string, s string) []string {
	for s != "" {
		var f string
		f, s, _ = strings.Cut(s, " ")
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}
