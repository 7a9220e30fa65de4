package jwtauth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/internal/testclock"
)

const (
	testIssuer   = "https://issuer.example"
	testAudience = "https://api.example"
)

// t0 is the fixed start of every test clock.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is the tests' manual clock.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(t0) }

// testKey is a key with its raw private material, for crafting tokens the
// package would never issue.
type testKey struct {
	*jwtauth.Key
	method jwt.SigningMethod
	signer any // what jwt signs with
}

// rsaKeys and the others are generated once: RSA generation is slow.
var (
	rsaOnce sync.Once
	rsaPriv *rsa.PrivateKey
)

func newTestKey(tb testing.TB, alg, kid string) testKey {
	tb.Helper()
	var (
		priv   crypto.Signer
		method jwt.SigningMethod
	)
	switch alg {
	case jwtauth.HS256:
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		k, err := jwtauth.NewHMACKey(kid, secret)
		if err != nil {
			tb.Fatal(err)
		}
		return testKey{Key: k, method: jwt.SigningMethodHS256, signer: secret}
	case jwtauth.RS256:
		rsaOnce.Do(func() {
			var err error
			if rsaPriv, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				panic(err)
			}
		})
		priv, method = rsaPriv, jwt.SigningMethodRS256
	case jwtauth.ES256:
		p, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		priv, method = p, jwt.SigningMethodES256
	case jwtauth.EdDSA:
		_, p, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		priv, method = p, jwt.SigningMethodEdDSA
	default:
		tb.Fatalf("unknown alg %q", alg)
	}
	k, err := jwtauth.NewSigningKey(kid, priv)
	if err != nil {
		tb.Fatal(err)
	}
	return testKey{Key: k, method: method, signer: priv}
}

// sign signs claims with k, with kid and typ headers unless header
// overrides them (a nil value deletes a header).
func (k testKey) sign(tb testing.TB, claims jwt.MapClaims, header map[string]any) string {
	tb.Helper()
	t := jwt.NewWithClaims(k.method, claims)
	t.Header["kid"] = k.ID()
	t.Header["typ"] = jwtauth.TypeAccess
	for name, v := range header {
		if v == nil {
			delete(t.Header, name)
		} else {
			t.Header[name] = v
		}
	}
	s, err := t.SignedString(k.signer)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// claimsAt returns valid access-token claims at now.
func claimsAt(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testIssuer,
		"aud": testAudience,
		"sub": "user-1",
		"iat": now.Unix(),
		"exp": now.Add(10 * time.Minute).Unix(),
		"jti": "jti-" + now.Format("150405.000000000"),
	}
}

// fixture wires a key set, a memory store, an issuer and a verifier that
// checks revocations, on one test clock.
type fixture struct {
	clock    *clock
	key      testKey
	keys     *jwtauth.KeySet
	store    *jwtauth.MemoryStore
	issuer   *jwtauth.Issuer
	verifier *jwtauth.Verifier
	audit    *recorder
}

func newFixture(tb testing.TB, alg string) *fixture {
	tb.Helper()
	f := &fixture{clock: newClock(), key: newTestKey(tb, alg, "k1"), audit: &recorder{}}
	var err error
	if f.keys, err = jwtauth.NewKeySet(f.key.Key); err != nil {
		tb.Fatal(err)
	}
	f.store = jwtauth.NewMemoryStore(jwtauth.MemoryStoreOptions{Now: f.clock.Now})
	f.issuer, err = jwtauth.NewIssuer(jwtauth.IssuerOptions{
		Keys:     f.keys,
		Issuer:   testIssuer,
		Audience: []string{testAudience},
		Store:    f.store,
		Auditor:  f.audit,
		Now:      f.clock.Now,
	})
	if err != nil {
		tb.Fatal(err)
	}
	f.verifier = f.newVerifier(tb, nil)
	return f
}

// newVerifier returns a verifier of f's keys; edit changes its options.
func (f *fixture) newVerifier(tb testing.TB, edit func(*jwtauth.Options)) *jwtauth.Verifier {
	tb.Helper()
	opts := jwtauth.Options{
		Keys:        f.keys,
		Issuer:      testIssuer,
		Audience:    []string{testAudience},
		Revocations: f.store,
		Now:         f.clock.Now,
	}
	if edit != nil {
		edit(&opts)
	}
	v, err := jwtauth.NewVerifier(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func (f *fixture) issue(tb testing.TB, p *auth.Principal) *jwtauth.Pair {
	tb.Helper()
	if p == nil {
		p = &auth.Principal{Subject: "user-1"}
	}
	pair, err := f.issuer.Issue(context.Background(), p)
	if err != nil {
		tb.Fatalf("Issue = %v", err)
	}
	return pair
}

// recorder is an auth.Auditor that keeps the events.
type recorder struct {
	mu     sync.Mutex
	events []auth.Event
}

func (r *recorder) Audit(_ context.Context, e auth.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) actions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Action+"/"+e.Result)
	}
	return out
}

// checkNoSecrets fails if any recorded event holds one of the secrets.
func (r *recorder) checkNoSecrets(tb testing.TB, secrets ...string) {
	tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		fields := []string{e.Actor, e.Action, e.Resource, e.Result, e.Reason, e.RequestID, e.IP, e.UserAgent}
		for _, v := range e.Attrs {
			fields = append(fields, v)
		}
		for _, f := range fields {
			for _, s := range secrets {
				if s != "" && strings.Contains(f, s) {
					tb.Errorf("audit event %+v holds a secret", e)
				}
			}
		}
	}
}

// wantInvalid fails unless err wraps auth.ErrInvalidCredentials and
// reason.
func wantInvalid(tb testing.TB, err, reason error) {
	tb.Helper()
	if !errors.Is(err, auth.ErrInvalidCredentials) {
		tb.Fatalf("err = %v, want one wrapping auth.ErrInvalidCredentials", err)
	}
	if reason != nil && !errors.Is(err, reason) {
		tb.Fatalf("err = %v, want one wrapping %v", err, reason)
	}
}
