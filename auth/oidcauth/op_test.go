package oidcauth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testKeys are generated once: RSA key generation is slow under -race.
var testKeys = sync.OnceValue(func() [3]*rsa.PrivateKey {
	var keys [3]*rsa.PrivateKey
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// grant is an authorization code the provider handed out.
type grant struct {
	nonce, challenge, redirect string
	used                       bool
}

// provider is an in-process OpenID provider: discovery, JWKS, an
// authorize endpoint that signs "alice" in at once, and a token endpoint
// that checks the client, the code, the redirect URI and the PKCE
// verifier before issuing an ID token signed with an RSA key. Its fields
// below mu let a test make it misbehave.
type provider struct {
	srv          *httptest.Server
	clientID     string
	clientSecret string

	mu       sync.Mutex
	key      *rsa.PrivateKey
	kid      string
	grants   map[string]*grant
	jwksHits int
	// Misbehaviours, for attack tests.
	subject    string
	audience   any    // overrides aud when non-nil
	nonce      string // overrides the nonce when non-empty
	issuer     string // overrides iss when non-empty
	expiresIn  time.Duration
	signWith   *rsa.PrivateKey // signs with this key (under kid) when non-nil
	signNone   bool            // issues an unsigned token
	extra      map[string]any  // added claims
	tokenDown  bool            // token endpoint answers 500
	jwksDown   bool            // JWKS endpoint answers 500
	denyAccess bool            // authorize endpoint answers error=access_denied
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	p := startProvider()
	t.Cleanup(p.Close)
	return p
}

// startProvider starts a provider over https; Close stops it.
func startProvider() *provider { return launchProvider(httptest.NewTLSServer) }

// launchProvider starts a provider on the server start makes: over https
// (httptest.NewTLSServer) or plain http on the loopback interface
// (httptest.NewServer).
func launchProvider(start func(http.Handler) *httptest.Server) *provider {
	p := &provider{
		clientID:     "keel-app",
		clientSecret: "s3cret",
		key:          testKeys()[0],
		kid:          "k1",
		grants:       map[string]*grant{},
		subject:      "alice",
		expiresIn:    5 * time.Minute,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = start(mux)
	return p
}

// Close stops the provider.
func (p *provider) Close() {
	p.srv.Client().CloseIdleConnections()
	p.srv.Close()
}

func (p *provider) issuerURL() string { return p.srv.URL }

func (p *provider) set(f func(p *provider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.srv.URL,
		"authorization_endpoint":                p.srv.URL + "/authorize",
		"token_endpoint":                        p.srv.URL + "/token",
		"jwks_uri":                              p.srv.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic"},
	})
}

func (p *provider) jwks(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jwksHits++
	if p.jwksDown {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	pub := p.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{
		{"kty": "EC", "kid": "enc", "use": "enc", "crv": "P-256", "x": "AA", "y": "AA"},
		{
			"kty": "RSA", "kid": p.kid, "use": "sig", "alg": "RS256",
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		},
	}})
}

func (p *provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("client_id") != p.clientID || q.Get("response_type") != "code" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		http.Error(w, "PKCE S256, nonce and state are required", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	p.mu.Lock()
	if p.denyAccess {
		back.Set("error", "access_denied")
	} else {
		code := randomID()
		p.grants[code] = &grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		back.Set("code", code)
	}
	p.mu.Unlock()
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tokenDown {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || id != p.clientID || secret != p.clientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	g := p.grants[r.PostFormValue("code")]
	if r.PostFormValue("grant_type") != "authorization_code" || g == nil || g.used || g.redirect != r.PostFormValue("redirect_uri") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	g.used = true
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "PKCE"})
		return
	}
	now := time.Now()
	claims := jwt.MapClaims{
		"iss":            p.srv.URL,
		"sub":            p.subject,
		"aud":            p.clientID,
		"exp":            now.Add(p.expiresIn).Unix(),
		"iat":            now.Unix(),
		"auth_time":      now.Add(-time.Second).Unix(),
		"nonce":          g.nonce,
		"email":          p.subject + "@example.com",
		"email_verified": true,
		"name":           "Alice Example",
		"amr":            []string{"pwd", "mfa"},
	}
	if p.audience != nil {
		claims["aud"] = p.audience
	}
	if p.nonce != "" {
		claims["nonce"] = p.nonce
	}
	if p.issuer != "" {
		claims["iss"] = p.issuer
	}
	for k, v := range p.extra {
		claims[k] = v
	}
	idToken := p.sign(claims)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": randomID(),
		"token_type":   "Bearer",
		"expires_in":   300,
		"id_token":     idToken,
	})
}

func (p *provider) sign(claims jwt.MapClaims) string {
	if p.signNone {
		s, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			panic(err)
		}
		return s
	}
	key := p.key
	if p.signWith != nil {
		key = p.signWith
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = p.kid
	s, err := tok.SignedString(key)
	if err != nil {
		panic(err)
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
