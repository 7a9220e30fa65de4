package jwtauth_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/errors"
)

func TestIssueVerifyAlgorithms(t *testing.T) {
	for _, alg := range []string{jwtauth.HS256, jwtauth.RS256, jwtauth.ES256, jwtauth.EdDSA} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, alg)
			in := &auth.Principal{
				Subject:  "user-42",
				Kind:     auth.KindService,
				Roles:    []string{"admin", "ops"},
				Scopes:   []string{"read:a", "write:b"},
				Methods:  []auth.Method{auth.MethodPassword, auth.MethodTOTP},
				AuthTime: t0.Add(-time.Minute),
			}
			pair := f.issue(t, in)
			if got := headerOf(t, pair.AccessToken); got["alg"] != alg || got["kid"] != "k1" || got["typ"] != jwtauth.TypeAccess {
				t.Errorf("access token header = %v, want alg %s, kid k1, typ %s", got, alg, jwtauth.TypeAccess)
			}
			p, err := f.verifier.Verify(context.Background(), pair.AccessToken)
			if err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
			want := &auth.Principal{
				Subject:   "user-42",
				Kind:      auth.KindService,
				Roles:     []string{"admin", "ops"},
				Scopes:    []string{"read:a", "write:b"},
				Methods:   []auth.Method{auth.MethodPassword, auth.MethodTOTP, auth.MethodJWT},
				AuthTime:  t0.Add(-time.Minute),
				SessionID: pair.Family,
			}
			checkPrincipal(t, p, want)
		})
	}
}

func TestGenerateKey(t *testing.T) {
	for _, alg := range []string{jwtauth.HS256, jwtauth.RS256, jwtauth.ES256, jwtauth.EdDSA} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			k, err := jwtauth.GenerateKey(alg, "")
			if err != nil {
				t.Fatalf("GenerateKey(%s) = %v", alg, err)
			}
			if k.Algorithm() != alg || k.ID() == "" || !k.CanSign() {
				t.Fatalf("key = alg %q, kid %q, can sign %v; want %s, a random kid, true", k.Algorithm(), k.ID(), k.CanSign(), alg)
			}
			if (k.Public() == nil) != (alg == jwtauth.HS256) {
				t.Errorf("Public() = %v; want nil only for HS256", k.Public())
			}
			ks, _ := jwtauth.NewKeySet(k)
			clk := newClock()
			iss, err := jwtauth.NewIssuer(jwtauth.IssuerOptions{Keys: ks, Issuer: testIssuer, Audience: []string{testAudience},
				Store: jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{Now: clk.Now}), Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			v, err := jwtauth.NewVerifier(jwtauth.Options{Keys: ks, Issuer: testIssuer, Audience: []string{testAudience}, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			pair, err := iss.Issue(context.Background(), &auth.Principal{Subject: "u"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(context.Background(), pair.AccessToken); err != nil {
				t.Errorf("Verify = %v, want nil", err)
			}
		})
	}
	if _, err := jwtauth.GenerateKey("HS512", ""); err == nil {
		t.Errorf("GenerateKey(HS512) = nil error, want one")
	}
}

func TestKeyConstructorsRefuseWeakKeys(t *testing.T) {
	if _, err := jwtauth.NewHMACKey("k", make([]byte, 31)); err == nil {
		t.Errorf("NewHMACKey with 31 bytes = nil error, want one")
	}
	if _, err := jwtauth.NewHMACKey("", make([]byte, 32)); err == nil {
		t.Errorf("NewHMACKey with empty kid = nil error, want one")
	}
	if _, err := jwtauth.NewHMACKey("a b", make([]byte, 32)); err == nil {
		t.Errorf("NewHMACKey with a space in kid = nil error, want one")
	}
	if _, err := jwtauth.NewVerificationKey("k", "not a key"); err == nil {
		t.Errorf("NewVerificationKey(string) = nil error, want one")
	}
	if _, err := jwtauth.NewSigningKey("k", nil); err == nil {
		t.Errorf("NewSigningKey(nil) = nil error, want one")
	}
}

func TestClaimsToPrincipal(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	tests := []struct {
		name  string
		extra jwt.MapClaims
		want  auth.Principal
	}{
		{"minimal", nil, auth.Principal{Subject: "user-1", Kind: auth.KindUser, Methods: []auth.Method{auth.MethodJWT}}},
		{"scope string", jwt.MapClaims{"scope": " a  b c "},
			auth.Principal{Subject: "user-1", Kind: auth.KindUser, Scopes: []string{"a", "b", "c"}, Methods: []auth.Method{auth.MethodJWT}}},
		{"scp array and scope", jwt.MapClaims{"scope": "a", "scp": []string{"b", "c d"}},
			auth.Principal{Subject: "user-1", Kind: auth.KindUser, Scopes: []string{"a", "b", "c", "d"}, Methods: []auth.Method{auth.MethodJWT}}},
		{"scp string", jwt.MapClaims{"scp": "x y"},
			auth.Principal{Subject: "user-1", Kind: auth.KindUser, Scopes: []string{"x", "y"}, Methods: []auth.Method{auth.MethodJWT}}},
		{"roles string, amr, sid, auth_time", jwt.MapClaims{"roles": "admin", "amr": []string{"pwd", "otp"}, "sid": "s1", "auth_time": t0.Unix() - 60},
			auth.Principal{Subject: "user-1", Kind: auth.KindUser, Roles: []string{"admin"}, SessionID: "s1", AuthTime: t0.Add(-time.Minute),
				Methods: []auth.Method{auth.MethodPassword, auth.MethodTOTP, auth.MethodJWT}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := claimsAt(t0)
			for k, v := range tt.extra {
				c[k] = v
			}
			p, err := f.verifier.Verify(context.Background(), f.key.sign(t, c, nil))
			if err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
			checkPrincipal(t, p, &tt.want)
		})
	}
	t.Run("no subject", func(t *testing.T) {
		c := claimsAt(t0)
		delete(c, "sub")
		_, err := f.verifier.Verify(context.Background(), f.key.sign(t, c, nil))
		wantInvalid(t, err, jwtauth.ErrMissingSubject)
	})
}

// tenantClaims reads a custom claim next to the standard ones.
type tenantClaims struct {
	jwtauth.Claims
	Tenant string `json:"tenant"`
}

func TestCustomClaims(t *testing.T) {
	f := newFixture(t, jwtauth.ES256)
	v := f.newVerifier(t, func(o *jwtauth.Options) {
		o.NewClaims = func() jwtauth.ClaimSet { return new(tenantClaims) }
		o.Principal = func(_ context.Context, c jwtauth.ClaimSet, p *auth.Principal) error {
			tc := c.(*tenantClaims)
			if tc.Tenant == "" {
				return errors.New("no tenant")
			}
			p.Attributes = map[string]any{"tenant": tc.Tenant}
			return nil
		}
	})
	c := claimsAt(t0)
	c["tenant"] = "acme"
	p, err := v.Verify(context.Background(), f.key.sign(t, c, nil))
	if err != nil {
		t.Fatalf("Verify = %v, want nil", err)
	}
	if got := p.Attributes["tenant"]; got != "acme" {
		t.Errorf("Attributes[tenant] = %v, want acme", got)
	}
	delete(c, "tenant")
	_, err = v.Verify(context.Background(), f.key.sign(t, c, nil))
	wantInvalid(t, err, nil)
}

func TestKeyRotation(t *testing.T) {
	f := newFixture(t, jwtauth.ES256)
	ctx := context.Background()
	old := f.issue(t, nil)

	// The newest key signs as soon as it is added...
	k2 := newTestKey(t, jwtauth.ES256, "k2")
	if err := f.keys.Add(k2.Key); err != nil {
		t.Fatal(err)
	}
	if got := headerOf(t, f.issue(t, nil).AccessToken)["kid"]; got != "k2" {
		t.Errorf("kid after adding k2 = %v, want k2", got)
	}
	// ...unless a key was made active explicitly: then a new key is only
	// published (and verifies) until it is made active.
	if err := f.keys.SetActive("k2"); err != nil {
		t.Fatal(err)
	}
	k3 := newTestKey(t, jwtauth.ES256, "k3")
	if err := f.keys.Add(k3.Key); err != nil {
		t.Fatal(err)
	}
	if got := headerOf(t, f.issue(t, nil).AccessToken)["kid"]; got != "k2" {
		t.Errorf("kid with k2 active after adding k3 = %v, want k2", got)
	}
	if _, err := f.verifier.Verify(ctx, k3.sign(t, claimsAt(t0), nil)); err != nil {
		t.Errorf("Verify of a token by the published k3 = %v, want nil", err)
	}
	if err := f.keys.SetActive(""); err != nil {
		t.Fatal(err)
	}
	if got := headerOf(t, f.issue(t, nil).AccessToken)["kid"]; got != "k3" {
		t.Errorf("kid after SetActive(\"\") = %v, want k3", got)
	}

	// The retired k1 still verifies what it signed, until removed.
	if _, err := f.verifier.Verify(ctx, old.AccessToken); err != nil {
		t.Fatalf("Verify of a token by retired k1 = %v, want nil", err)
	}
	if !f.keys.Remove("k1") {
		t.Fatalf("Remove(k1) = false, want true")
	}
	_, err := f.verifier.Verify(ctx, old.AccessToken)
	wantInvalid(t, err, jwtauth.ErrUnknownKey)

	if err := f.keys.Add(k2.Key); err == nil {
		t.Errorf("Add of a duplicate kid = nil error, want one")
	}
	if err := f.keys.SetActive("nope"); err == nil {
		t.Errorf("SetActive(unknown) = nil error, want one")
	}
	pub, _ := jwtauth.NewVerificationKey("pub", k2.Public())
	_ = f.keys.Add(pub)
	if err := f.keys.SetActive("pub"); err == nil {
		t.Errorf("SetActive(verification-only key) = nil error, want one")
	}
	if got := len(f.keys.Keys()); got != 3 {
		t.Errorf("len(Keys()) = %d, want 3", got)
	}
}

func TestTokenWithoutKid(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	ctx := context.Background()
	tok := f.key.sign(t, claimsAt(t0), map[string]any{"kid": nil})
	if _, err := f.verifier.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify without kid, one key = %v, want nil", err)
	}
	if err := f.keys.Add(newTestKey(t, jwtauth.HS256, "k2").Key); err != nil {
		t.Fatal(err)
	}
	_, err := f.verifier.Verify(ctx, tok)
	wantInvalid(t, err, jwtauth.ErrMissingKeyID)

	tok = f.key.sign(t, claimsAt(t0), map[string]any{"kid": 7})
	_, err = f.verifier.Verify(ctx, tok)
	wantInvalid(t, err, jwtauth.ErrUnknownKey)
}

func TestLeeway(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	tests := []struct {
		name   string
		claim  string
		offset time.Duration
		leeway time.Duration
		reason error // nil: accepted
	}{
		{"exp just past, within default leeway", "exp", -20 * time.Second, 0, nil},
		{"exp past the default leeway", "exp", -31 * time.Second, 0, jwt.ErrTokenExpired},
		{"nbf ahead, within default leeway", "nbf", 20 * time.Second, 0, nil},
		{"nbf past the default leeway", "nbf", 31 * time.Second, 0, jwt.ErrTokenNotValidYet},
		{"iat ahead, within default leeway", "iat", 20 * time.Second, 0, nil},
		{"iat past the default leeway", "iat", 31 * time.Second, 0, jwt.ErrTokenUsedBeforeIssued},
		{"exp just past with no leeway", "exp", -time.Second, -1, jwt.ErrTokenExpired},
		{"nbf ahead within the 60 s maximum", "nbf", 59 * time.Second, time.Minute, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := f.newVerifier(t, func(o *jwtauth.Options) { o.Leeway = tt.leeway })
			c := claimsAt(t0)
			c[tt.claim] = t0.Add(tt.offset).Unix()
			_, err := v.Verify(context.Background(), f.key.sign(t, c, nil))
			if tt.reason == nil {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			wantInvalid(t, err, tt.reason)
		})
	}
}

func TestNewVerifierOptions(t *testing.T) {
	ks, _ := jwtauth.NewKeySet(newTestKey(t, jwtauth.HS256, "k").Key)
	valid := func() jwtauth.Options {
		return jwtauth.Options{Keys: ks, Issuer: testIssuer, Audience: []string{testAudience}}
	}
	tests := []struct {
		name string
		edit func(*jwtauth.Options)
		ok   bool
	}{
		{"valid", func(*jwtauth.Options) {}, true},
		{"leeway at the maximum", func(o *jwtauth.Options) { o.Leeway = time.Minute }, true},
		{"no keys", func(o *jwtauth.Options) { o.Keys = nil }, false},
		{"empty key set", func(o *jwtauth.Options) { o.Keys = &jwtauth.KeySet{} }, false},
		{"no issuer", func(o *jwtauth.Options) { o.Issuer = "" }, false},
		{"no audience", func(o *jwtauth.Options) { o.Audience = nil }, false},
		{"empty audience", func(o *jwtauth.Options) { o.Audience = []string{""} }, false},
		{"leeway above 60 s", func(o *jwtauth.Options) { o.Leeway = time.Minute + time.Second }, false},
		{"unsupported algorithm", func(o *jwtauth.Options) { o.Algorithms = []string{"none"} }, false},
		{"empty algorithm list", func(o *jwtauth.Options) { o.Algorithms = []string{} }, false},
		{"negative max size", func(o *jwtauth.Options) { o.MaxTokenSize = -1 }, false},
		{"realm with a quote", func(o *jwtauth.Options) { o.Realm = `a"b` }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			tt.edit(&o)
			_, err := jwtauth.NewVerifier(o)
			if (err == nil) != tt.ok {
				t.Errorf("NewVerifier = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestAuthenticateHeader(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	tok := f.issue(t, nil).AccessToken
	tests := []struct {
		name    string
		headers []string
		want    error // nil: authenticated
	}{
		{"no header", nil, auth.ErrNoCredentials},
		{"basic scheme", []string{"Basic dTpw"}, auth.ErrNoCredentials},
		{"scheme prefix only", []string{"Bearerx " + tok}, auth.ErrNoCredentials},
		{"bearer", []string{"Bearer " + tok}, nil},
		{"lower case, extra spaces", []string{"bearer   " + tok + " "}, nil},
		{"bearer without token", []string{"Bearer"}, jwtauth.ErrMalformedHeader},
		{"bearer with blank token", []string{"Bearer   "}, jwtauth.ErrMalformedHeader},
		{"two tokens", []string{"Bearer " + tok + " " + tok}, jwtauth.ErrMalformedHeader},
		{"two headers", []string{"Bearer " + tok, "Bearer " + tok}, jwtauth.ErrMalformedHeader},
		{"garbage token", []string{"Bearer abc"}, jwt.ErrTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			p, err := f.verifier.Authenticate(r)
			switch {
			case tt.want == nil:
				if err != nil || p == nil || p.Subject != "user-1" {
					t.Fatalf("Authenticate = %v, %v; want user-1, nil", p, err)
				}
			case tt.want == auth.ErrNoCredentials:
				if !errors.Is(err, auth.ErrNoCredentials) || errors.Is(err, auth.ErrInvalidCredentials) {
					t.Fatalf("Authenticate = %v, want ErrNoCredentials", err)
				}
			default:
				wantInvalid(t, err, tt.want)
			}
		})
	}
	if got, want := f.verifier.Challenge(), `Bearer realm="api"`; got != want {
		t.Errorf("Challenge() = %q, want %q", got, want)
	}
	v := f.newVerifier(t, func(o *jwtauth.Options) { o.Realm = "shop" })
	if got, want := v.Challenge(), `Bearer realm="shop"`; got != want {
		t.Errorf("Challenge() = %q, want %q", got, want)
	}
}

func TestStatelessVerifierIgnoresRevocation(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	ctx := context.Background()
	pair := f.issue(t, nil)
	if err := f.issuer.RevokeToken(ctx, pair.AccessToken); err != nil {
		t.Fatal(err)
	}
	stateless := f.newVerifier(t, func(o *jwtauth.Options) { o.Revocations = nil })
	if _, err := stateless.Verify(ctx, pair.AccessToken); err != nil {
		t.Errorf("stateless Verify of a revoked token = %v, want nil (no store consulted)", err)
	}
	_, err := f.verifier.Verify(ctx, pair.AccessToken)
	wantInvalid(t, err, jwtauth.ErrRevoked)
}

// failingChecker is a revocation store that cannot be reached.
type failingChecker struct{}

func (failingChecker) Revoked(context.Context, string, string) (bool, error) {
	return false, errors.New("connection refused")
}

func TestRevocationStoreFailureIsNot401(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	v := f.newVerifier(t, func(o *jwtauth.Options) { o.Revocations = failingChecker{} })
	_, err := v.Verify(context.Background(), f.issue(t, nil).AccessToken)
	if err == nil || errors.Is(err, auth.ErrInvalidCredentials) || errors.Is(err, auth.ErrNoCredentials) {
		t.Fatalf("Verify with a failing store = %v, want an infrastructure error", err)
	}
}

func headerOf(tb testing.TB, token string) map[string]any {
	tb.Helper()
	t, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		tb.Fatalf("ParseUnverified = %v", err)
	}
	return t.Header
}

func claimsOf(tb testing.TB, token string) jwt.MapClaims {
	tb.Helper()
	c := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, c); err != nil {
		tb.Fatalf("ParseUnverified = %v", err)
	}
	return c
}

func checkPrincipal(tb testing.TB, got, want *auth.Principal) {
	tb.Helper()
	switch {
	case got.Subject != want.Subject, got.Kind != want.Kind, got.SessionID != want.SessionID,
		!got.AuthTime.Equal(want.AuthTime),
		!slices.Equal(got.Roles, want.Roles), !slices.Equal(got.Scopes, want.Scopes),
		!slices.Equal(got.Methods, want.Methods):
		tb.Errorf("principal = %+v, want %+v", got, want)
	}
}
