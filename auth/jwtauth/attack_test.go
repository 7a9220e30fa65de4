package jwtauth_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
)

// server serves f's verifier through auth.Middleware over real HTTP and
// counts the requests that reach the handler.
type server struct {
	*httptest.Server
	reached int
}

func newServer(t *testing.T, v *jwtauth.Verifier) *server {
	t.Helper()
	s := &server{}
	mw := auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{v}})
	s.Server = httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.reached++
		p, _ := auth.FromContext(r.Context())
		_, _ = io.WriteString(w, "hello "+p.Subject)
	})))
	t.Cleanup(func() {
		s.Client().CloseIdleConnections()
		s.Close()
	})
	return s
}

// get sends token as a Bearer token and returns the status, the
// WWW-Authenticate header and the body.
func (s *server) get(t *testing.T, token string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/orders", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(body)
}

// refuse checks that token is refused by f's verifier for reason, and
// over HTTP with the same generic 401 a request without a token gets.
func refuse(t *testing.T, f *fixture, token string, reason error) {
	t.Helper()
	_, err := f.verifier.Verify(context.Background(), token)
	wantInvalid(t, err, reason)

	s := newServer(t, f.verifier)
	_, _, anonymous := s.get(t, "")
	status, challenge, body := s.get(t, token)
	if status != http.StatusUnauthorized || challenge != `Bearer realm="api"` || body != anonymous {
		t.Errorf("HTTP: %d, WWW-Authenticate %q, body %s; want 401, Bearer realm=\"api\", the anonymous body %s", status, challenge, body, anonymous)
	}
	if s.reached != 0 {
		t.Errorf("the handler was reached %d times, want 0", s.reached)
	}
	if strings.Contains(body, "expired") || strings.Contains(body, "signature") || strings.Contains(body, "jwtauth") {
		t.Errorf("401 body %s leaks the reason", body)
	}
}

func TestAttack_ValidTokenPassesOverHTTP(t *testing.T) {
	// The control for the attacks below: the same server accepts a good
	// token.
	f := newFixture(t, jwtauth.RS256)
	s := newServer(t, f.verifier)
	status, _, body := s.get(t, f.issue(t, nil).AccessToken)
	if status != http.StatusOK || body != "hello user-1" || s.reached != 1 {
		t.Fatalf("valid token: %d %q (handler reached %d times), want 200 \"hello user-1\" once", status, body, s.reached)
	}
}

func TestAttack_AlgNone(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, claimsAt(t0))
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	refuse(t, f, s, jwt.ErrTokenSignatureInvalid)

	// Even listing "none" is impossible.
	_, err = jwtauth.NewVerifier(jwtauth.Options{Keys: f.keys, Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"none"}})
	if err == nil {
		t.Errorf("NewVerifier with Algorithms [none] = nil error, want one")
	}
}

func TestAttack_AlgConfusion(t *testing.T) {
	// The attacker knows the RS256 public key (it is published) and signs
	// an HS256 token with it as the HMAC secret, naming the RSA key's kid.
	f := newFixture(t, jwtauth.RS256)
	der, err := x509.MarshalPKIXPublicKey(f.key.Public())
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	for name, secret := range map[string][]byte{"PEM": pemKey, "DER": der} {
		forged := testKey{Key: f.key.Key, method: jwt.SigningMethodHS256, signer: secret}.sign(t, claimsAt(t0), nil)
		t.Run(name+"/pinned algorithms", func(t *testing.T) {
			refuse(t, f, forged, jwt.ErrTokenSignatureInvalid)
		})
		t.Run(name+"/per-key algorithm", func(t *testing.T) {
			// A verifier that accepts HS256 (the set also holds an HMAC
			// key) still refuses: the kid names an RS256 key.
			hs := newTestKey(t, jwtauth.HS256, "hmac")
			if _, ok := f.keys.Key("hmac"); !ok {
				if err := f.keys.Add(hs.Key); err != nil {
					t.Fatal(err)
				}
			}
			v := f.newVerifier(t, func(o *jwtauth.Options) { o.Algorithms = []string{jwtauth.HS256, jwtauth.RS256} })
			_, err := v.Verify(context.Background(), forged)
			wantInvalid(t, err, jwtauth.ErrAlgorithmMismatch)
		})
	}
}

func TestAttack_Expired(t *testing.T) {
	f := newFixture(t, jwtauth.ES256)
	tok := f.issue(t, nil).AccessToken
	f.clock.Advance(jwtauth.DefaultAccessTTL + jwtauth.DefaultLeeway + time.Second)
	refuse(t, f, tok, jwt.ErrTokenExpired)
}

func TestAttack_NoExp(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	c := claimsAt(t0)
	delete(c, "exp")
	refuse(t, f, f.key.sign(t, c, nil), jwt.ErrTokenRequiredClaimMissing)
}

func TestAttack_WrongAudience(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	tests := []struct {
		name   string
		aud    any // nil: no aud claim
		reason error
	}{
		{"other", "https://other.example", jwt.ErrTokenInvalidAudience},
		{"list without ours", []string{"a", "b"}, jwt.ErrTokenInvalidAudience},
		{"empty", "", jwt.ErrTokenRequiredClaimMissing},
		{"none", nil, jwt.ErrTokenRequiredClaimMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := claimsAt(t0)
			if tt.aud == nil {
				delete(c, "aud")
			} else {
				c["aud"] = tt.aud
			}
			refuse(t, f, f.key.sign(t, c, nil), tt.reason)
		})
	}
}

func TestAttack_WrongIssuer(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	tests := []struct {
		name   string
		iss    any // nil: no iss claim
		reason error
	}{
		{"other", "https://evil.example", jwt.ErrTokenInvalidIssuer},
		{"prefix of ours", testIssuer[:len(testIssuer)-1], jwt.ErrTokenInvalidIssuer},
		{"none", nil, jwt.ErrTokenRequiredClaimMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := claimsAt(t0)
			if tt.iss == nil {
				delete(c, "iss")
			} else {
				c["iss"] = tt.iss
			}
			refuse(t, f, f.key.sign(t, c, nil), tt.reason)
		})
	}
}

func TestAttack_NotBeforeFuture(t *testing.T) {
	f := newFixture(t, jwtauth.EdDSA)
	c := claimsAt(t0)
	c["nbf"] = t0.Add(jwtauth.DefaultLeeway + 5*time.Second).Unix()
	refuse(t, f, f.key.sign(t, c, nil), jwt.ErrTokenNotValidYet)
}

func TestAttack_IssuedInFuture(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	c := claimsAt(t0)
	c["iat"] = t0.Add(time.Hour).Unix()
	refuse(t, f, f.key.sign(t, c, nil), jwt.ErrTokenUsedBeforeIssued)
}

func TestAttack_UnknownKid(t *testing.T) {
	f := newFixture(t, jwtauth.ES256)
	other := newTestKey(t, jwtauth.ES256, "attacker")
	refuse(t, f, other.sign(t, claimsAt(t0), nil), jwtauth.ErrUnknownKey)
	// The attacker's key under our kid: a bad signature.
	impostor := testKey{Key: f.key.Key, method: other.method, signer: other.signer}
	refuse(t, f, impostor.sign(t, claimsAt(t0), nil), jwt.ErrTokenSignatureInvalid)
}

func TestAttack_TamperedPayload(t *testing.T) {
	for _, alg := range []string{jwtauth.HS256, jwtauth.RS256, jwtauth.ES256, jwtauth.EdDSA} {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, alg)
			tok := f.issue(t, &auth.Principal{Subject: "user-1", Roles: []string{"reader"}}).AccessToken
			parts := strings.Split(tok, ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			evil := strings.Replace(string(payload), `"reader"`, `"admin"`, 1)
			if evil == string(payload) {
				t.Fatalf("payload %s has no reader role to tamper with", payload)
			}
			parts[1] = base64.RawURLEncoding.EncodeToString([]byte(evil))
			refuse(t, f, strings.Join(parts, "."), jwt.ErrTokenSignatureInvalid)
		})
	}
}

func TestAttack_OversizedToken(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	c := claimsAt(t0)
	c["pad"] = strings.Repeat("x", jwtauth.DefaultMaxTokenSize)
	refuse(t, f, f.key.sign(t, c, nil), jwtauth.ErrTokenTooLarge)
}

func TestAttack_ReusedRefreshToken(t *testing.T) {
	f := newFixture(t, jwtauth.ES256)
	ctx := context.Background()
	first := f.issue(t, nil)
	// The user rotates; an attacker who stole the first refresh token
	// then presents it.
	second, err := f.issuer.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh = %v, want nil", err)
	}
	_, err = f.issuer.Refresh(ctx, first.RefreshToken)
	wantInvalid(t, err, jwtauth.ErrTokenReused)

	// The whole family is revoked: the second refresh token, from the
	// legitimate rotation, stops working too...
	_, err = f.issuer.Refresh(ctx, second.RefreshToken)
	wantInvalid(t, err, jwtauth.ErrRevoked)
	// ...and so do the family's access tokens, over HTTP too.
	refuse(t, f, second.AccessToken, jwtauth.ErrRevoked)
	refuse(t, f, first.AccessToken, jwtauth.ErrRevoked)
	// Another family is untouched.
	if _, err := f.verifier.Verify(ctx, f.issue(t, nil).AccessToken); err != nil {
		t.Errorf("Verify of another family = %v, want nil", err)
	}
	if got := f.audit.actions(); !slices.Contains(got, auth.ActionTokenReuse+"/"+auth.ResultDenied) {
		t.Errorf("audit = %v, want a %s event", got, auth.ActionTokenReuse)
	}
	f.audit.checkNoSecrets(t, first.RefreshToken, second.RefreshToken, first.AccessToken, second.AccessToken)
}

func TestAttack_ConcurrentRefreshReuse(t *testing.T) {
	// Two presentations of one refresh token racing: one may win, the
	// other is a reuse and revokes the family.
	f := newFixture(t, jwtauth.HS256)
	pair := f.issue(t, nil)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := f.issuer.Refresh(context.Background(), pair.RefreshToken)
			errs <- err
		}()
	}
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) {
		t.Fatalf("concurrent Refresh = %v and %v, want exactly one success", e1, e2)
	}
	if revoked, _ := f.store.Revoked(context.Background(), "", pair.Family); !revoked {
		t.Errorf("family not revoked after a concurrent reuse")
	}
}

func TestAttack_RevokedJTI(t *testing.T) {
	f := newFixture(t, jwtauth.RS256)
	pair := f.issue(t, nil)
	jti := claimsOf(t, pair.AccessToken)["jti"].(string)
	if err := f.issuer.RevokeJTI(context.Background(), jti, pair.AccessExpiresAt); err != nil {
		t.Fatal(err)
	}
	refuse(t, f, pair.AccessToken, jwtauth.ErrRevoked)
}

func TestAttack_RefreshTokenAsAccessToken(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	refuse(t, f, f.issue(t, nil).RefreshToken, jwtauth.ErrWrongTokenType)
}

func TestAttack_CriticalHeader(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	refuse(t, f, f.key.sign(t, claimsAt(t0), map[string]any{"crit": []string{"exp"}}), jwtauth.ErrWrongTokenType)
}

func TestAttack_MalformedTokens(t *testing.T) {
	f := newFixture(t, jwtauth.HS256)
	good := f.issue(t, nil).AccessToken
	parts := strings.Split(good, ".")
	for name, tok := range map[string]string{
		"two segments":      parts[0] + "." + parts[1],
		"four segments":     good + ".x",
		"padded signature":  good + "=",
		"bad base64 header": "!!!." + parts[1] + "." + parts[2],
		"header not json":   base64.RawURLEncoding.EncodeToString([]byte("[1]")) + "." + parts[1] + "." + parts[2],
	} {
		t.Run(name, func(t *testing.T) {
			refuse(t, f, tok, nil)
		})
	}
}
