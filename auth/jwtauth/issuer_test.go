package jwtauth_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/errors"
)

func TestRefreshRotates(t *testing.T) {
	f := newFixture(t, jwtauth.EdDSA)
	ctx := context.Background()
	p1 := f.issue(t, &auth.Principal{Subject: "user-1", Roles: []string{"admin"}, Scopes: []string{"a", "b"}})
	if p1.TokenType != "Bearer" || p1.ExpiresIn != int64(jwtauth.DefaultAccessTTL/time.Second) ||
		!p1.AccessExpiresAt.Equal(t0.Add(jwtauth.DefaultAccessTTL)) || !p1.RefreshExpiresAt.Equal(t0.Add(jwtauth.DefaultRefreshTTL)) {
		t.Errorf("pair = %+v, want Bearer, default TTLs from t0", p1)
	}
	if got := headerOf(t, p1.RefreshToken)["typ"]; got != jwtauth.TypeRefresh {
		t.Errorf("refresh token typ = %v, want %s", got, jwtauth.TypeRefresh)
	}
	rc := claimsOf(t, p1.RefreshToken)
	if rc["jti"] == "" || rc["sid"] != p1.Family || rc["sub"] != "user-1" {
		t.Errorf("refresh claims = %v, want a jti, sid %s, sub user-1", rc, p1.Family)
	}

	f.clock.Advance(20 * time.Minute) // the access token has expired
	_, err := f.verifier.Verify(ctx, p1.AccessToken)
	wantInvalid(t, err, nil)

	p2, err := f.issuer.Refresh(ctx, p1.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh = %v, want nil", err)
	}
	if p2.Family != p1.Family || p2.RefreshToken == p1.RefreshToken || p2.AccessToken == p1.AccessToken {
		t.Errorf("rotated pair: family %q (want %q), new tokens %v", p2.Family, p1.Family, p2.RefreshToken != p1.RefreshToken)
	}
	got, err := f.verifier.Verify(ctx, p2.AccessToken)
	if err != nil {
		t.Fatalf("Verify of the rotated access token = %v, want nil", err)
	}
	checkPrincipal(t, got, &auth.Principal{Subject: "user-1", Kind: auth.KindUser, Roles: []string{"admin"}, Scopes: []string{"a", "b"},
		Methods: []auth.Method{auth.MethodJWT}, SessionID: p1.Family})

	p3, err := f.issuer.Refresh(ctx, p2.RefreshToken)
	if err != nil {
		t.Fatalf("second Refresh = %v, want nil", err)
	}
	if !p3.RefreshExpiresAt.Equal(f.clock.Now().Add(jwtauth.DefaultRefreshTTL)) {
		t.Errorf("rotated refresh expiry = %v, want now + RefreshTTL", p3.RefreshExpiresAt)
	}
	want := []string{"token.issued/success", "token.refreshed/success", "token.refreshed/success"}
	if got := f.audit.actions(); !slices.Equal(got, want) {
		t.Errorf("audit = %v, want %v", got, want)
	}
	f.audit.checkNoSecrets(t, p1.AccessToken, p1.RefreshToken, p2.AccessToken, p2.RefreshToken, p3.RefreshToken)

	body, _ := json.Marshal(p3)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	if len(m) != 4 || m["token_type"] != "Bearer" || m["access_token"] != p3.AccessToken || m["refresh_token"] != p3.RefreshToken || m["expires_in"] != float64(900) {
		t.Errorf("Pair JSON = %s, want the OAuth token response", body)
	}
}

func TestRefreshRefusesAccessTokenAndExpired(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	ctx := context.Background()
	pair := f.issue(t, nil)
	_, err := f.issuer.Refresh(ctx, pair.AccessToken)
	wantInvalid(t, err, jwtauth.ErrWrongTokenType)

	f.clock.Advance(jwtauth.DefaultRefreshTTL + time.Minute)
	_, err = f.issuer.Refresh(ctx, pair.RefreshToken)
	wantInvalid(t, err, nil)
}

func TestRefreshReload(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	ctx := context.Background()
	disabled := false
	iss, err := jwtauth.NewIssuer(jwtauth.IssuerOptions{
		Keys: f.keys, Issuer: testIssuer, Audience: []string{testAudience}, Store: f.store, Now: f.clock.Now,
		Reload: func(_ context.Context, p *auth.Principal) (*auth.Principal, error) {
			if disabled {
				return nil, errors.Join(auth.ErrInvalidCredentials, errors.New("user disabled"))
			}
			if slices.Contains(p.Methods, auth.MethodJWT) {
				return nil, errors.New("reload got the jwt method, want the original ones")
			}
			q := p.Clone()
			q.Roles = []string{"reader"} // the admin role was withdrawn
			return q, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := iss.Issue(ctx, &auth.Principal{Subject: "u", Roles: []string{"admin"}, Methods: []auth.Method{auth.MethodPassword}})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := iss.Refresh(ctx, p1.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh = %v, want nil", err)
	}
	got, err := f.verifier.Verify(ctx, p2.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Roles, []string{"reader"}) || !slices.Equal(got.Methods, []auth.Method{auth.MethodPassword, auth.MethodJWT}) {
		t.Errorf("reloaded principal = %+v, want roles [reader], methods [pwd jwt]", got)
	}
	disabled = true
	_, err = iss.Refresh(ctx, p2.RefreshToken)
	wantInvalid(t, err, nil)
}

func TestExtraClaims(t *testing.T) {
	f := newFixture(t, jwtauth.ES256)
	ctx := context.Background()
	extra := map[string]any{"tenant": "acme"}
	iss, err := jwtauth.NewIssuer(jwtauth.IssuerOptions{
		Keys: f.keys, Issuer: testIssuer, Audience: []string{testAudience, "other"}, Store: f.store, Now: f.clock.Now,
		ExtraClaims: func(context.Context, *auth.Principal) (map[string]any, error) { return extra, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := iss.Issue(ctx, &auth.Principal{Subject: "u"})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := iss.Refresh(ctx, p1.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	c := claimsOf(t, p2.AccessToken)
	if c["tenant"] != "acme" {
		t.Errorf("tenant after refresh = %v, want acme", c["tenant"])
	}
	if aud, _ := c.GetAudience(); !slices.Equal(aud, []string{testAudience, "other"}) {
		t.Errorf("aud = %v, want both audiences", aud)
	}
	extra = map[string]any{"sub": "admin"}
	if _, err := iss.Issue(ctx, &auth.Principal{Subject: "u"}); err == nil {
		t.Errorf("Issue with an extra claim overriding sub = nil error, want one")
	}
}

func TestRevokeToken(t *testing.T) {
	f := newFixture(t, jwtauth.RS256)
	ctx := context.Background()

	a := f.issue(t, nil)
	b := f.issue(t, nil)
	if err := f.issuer.RevokeToken(ctx, a.AccessToken); err != nil {
		t.Fatalf("RevokeToken(access) = %v, want nil", err)
	}
	_, err := f.verifier.Verify(ctx, a.AccessToken)
	wantInvalid(t, err, jwtauth.ErrRevoked)
	if _, err := f.issuer.Refresh(ctx, a.RefreshToken); err != nil {
		t.Errorf("Refresh after revoking only the access token = %v, want nil", err)
	}
	if _, err := f.verifier.Verify(ctx, b.AccessToken); err != nil {
		t.Errorf("Verify of another family's token = %v, want nil", err)
	}

	// Revoking a refresh token revokes its family (RFC 7009 section 2.1).
	if err := f.issuer.RevokeToken(ctx, b.RefreshToken); err != nil {
		t.Fatalf("RevokeToken(refresh) = %v, want nil", err)
	}
	_, err = f.verifier.Verify(ctx, b.AccessToken)
	wantInvalid(t, err, jwtauth.ErrRevoked)
	_, err = f.issuer.Refresh(ctx, b.RefreshToken)
	wantInvalid(t, err, jwtauth.ErrRevoked)

	wantInvalid(t, f.issuer.RevokeToken(ctx, "garbage"), nil)
	if err := f.issuer.RevokeFamily(ctx, ""); err == nil {
		t.Errorf("RevokeFamily(\"\") = nil error, want one")
	}
	if err := f.issuer.RevokeJTI(ctx, "", t0); err == nil {
		t.Errorf("RevokeJTI(\"\") = nil error, want one")
	}
}

func TestRevocationExpiresWithToken(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	ctx := context.Background()
	pair := f.issue(t, nil)
	claims := claimsOf(t, pair.AccessToken)
	if err := f.issuer.RevokeToken(ctx, pair.AccessToken); err != nil {
		t.Fatal(err)
	}
	jti := claims["jti"].(string)
	if revoked, _ := f.store.Revoked(ctx, jti, ""); !revoked {
		t.Fatalf("Revoked(jti) = false right after RevokeToken, want true")
	}
	// Kept through the token's life and the leeway, then forgotten.
	f.clock.Advance(jwtauth.DefaultAccessTTL + jwtauth.DefaultLeeway - time.Second)
	if revoked, _ := f.store.Revoked(ctx, jti, ""); !revoked {
		t.Errorf("Revoked(jti) = false before exp + leeway, want true")
	}
	f.clock.Advance(2 * time.Second)
	if revoked, _ := f.store.Revoked(ctx, jti, ""); revoked {
		t.Errorf("Revoked(jti) = true after exp + leeway, want false (entry expired)")
	}
}

func TestNewIssuerOptions(t *testing.T) {
	ks, _ := jwtauth.NewKeySet(newTestKey(t, jwtauth.HS256, "k").Key)
	store := jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{})
	valid := func() jwtauth.IssuerOptions {
		return jwtauth.IssuerOptions{Keys: ks, Issuer: testIssuer, Audience: []string{testAudience}, Store: store}
	}
	tests := []struct {
		name string
		edit func(*jwtauth.IssuerOptions)
		ok   bool
	}{
		{"valid", func(*jwtauth.IssuerOptions) {}, true},
		{"no keys", func(o *jwtauth.IssuerOptions) { o.Keys = nil }, false},
		{"no store", func(o *jwtauth.IssuerOptions) { o.Store = nil }, false},
		{"no issuer", func(o *jwtauth.IssuerOptions) { o.Issuer = "" }, false},
		{"no audience", func(o *jwtauth.IssuerOptions) { o.Audience = nil }, false},
		{"refresh not longer than access", func(o *jwtauth.IssuerOptions) { o.AccessTTL, o.RefreshTTL = time.Hour, time.Hour }, false},
		{"negative access TTL", func(o *jwtauth.IssuerOptions) { o.AccessTTL = -time.Second }, false},
		{"leeway above 60 s", func(o *jwtauth.IssuerOptions) { o.Leeway = 2 * time.Minute }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			tt.edit(&o)
			_, err := jwtauth.NewIssuer(o)
			if (err == nil) != tt.ok {
				t.Errorf("NewIssuer = %v, want ok %v", err, tt.ok)
			}
		})
	}
	iss, _ := jwtauth.NewIssuer(valid())
	if _, err := iss.Issue(context.Background(), &auth.Principal{}); err == nil {
		t.Errorf("Issue without subject = nil error, want one")
	}
	empty, _ := jwtauth.NewIssuer(jwtauth.IssuerOptions{Keys: &jwtauth.KeySet{}, Issuer: "i", Audience: []string{"a"}, Store: store})
	if _, err := empty.Issue(context.Background(), &auth.Principal{Subject: "u"}); err == nil {
		t.Errorf("Issue with no signing key = nil error, want one")
	}
}

func TestMemoryStoreExpiry(t *testing.T) {
	clk := newClock()
	s := jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{Now: clk.Now})
	ctx := context.Background()
	_ = s.RevokeFamily(ctx, "fam", t0.Add(time.Hour))
	_ = s.RevokeFamily(ctx, "fam", t0.Add(time.Minute)) // must not shorten
	_ = s.RevokeJTI(ctx, "jti", t0.Add(time.Minute))
	if err := s.UseRefresh(ctx, "f2", "r", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute)
	if got, _ := s.Revoked(ctx, "", "fam"); !got {
		t.Errorf("family revoked for an hour: Revoked after 2 min = false, want true")
	}
	if got, _ := s.Revoked(ctx, "jti", ""); got {
		t.Errorf("jti revoked for a minute: Revoked after 2 min = true, want false")
	}
	if err := s.UseRefresh(ctx, "f2", "r", t0.Add(time.Hour)); err != nil {
		t.Errorf("UseRefresh after the used mark expired = %v, want nil", err)
	}
	clk.Advance(time.Hour)
	if got, _ := s.Revoked(ctx, "", "fam"); got {
		t.Errorf("Revoked after the family revocation expired = true, want false")
	}
	// Many writes sweep expired entries without losing live ones.
	for i := range 5000 {
		_ = s.RevokeJTI(ctx, string(rune('a'+i%26))+time.Duration(i).String(), clk.Now().Add(time.Second))
	}
	_ = s.RevokeJTI(ctx, "live", clk.Now().Add(time.Hour))
	clk.Advance(2 * time.Second)
	for i := range 3000 {
		_ = s.RevokeJTI(ctx, "x"+time.Duration(i).String(), clk.Now().Add(time.Second))
	}
	if got, _ := s.Revoked(ctx, "live", ""); !got {
		t.Errorf("Revoked(live) after sweeps = false, want true")
	}
}

func TestRefreshReloadFailureKeepsTokenUsable(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	ctx := context.Background()
	down := true
	iss, err := jwtauth.NewIssuer(jwtauth.IssuerOptions{
		Keys: f.keys, Issuer: testIssuer, Audience: []string{testAudience}, Store: f.store, Now: f.clock.Now,
		Reload: func(_ context.Context, p *auth.Principal) (*auth.Principal, error) {
			if down {
				return nil, errors.New("user database unreachable")
			}
			return p, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	pair, _ := iss.Issue(ctx, &auth.Principal{Subject: "u"})
	_, err = iss.Refresh(ctx, pair.RefreshToken)
	if err == nil || errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("Refresh with the user database down = %v, want an infrastructure error", err)
	}
	down = false
	if _, err := iss.Refresh(ctx, pair.RefreshToken); err != nil {
		t.Errorf("retried Refresh = %v, want nil (the failed attempt must not count as a use)", err)
	}
}
