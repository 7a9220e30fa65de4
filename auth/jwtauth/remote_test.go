package jwtauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/errors"
)

// idp is an identity provider's JWKS endpoint over TLS, counting fetches.
type idp struct {
	*httptest.Server
	keys         *jwtauth.KeySet
	fetches      atomic.Int64
	mu           sync.Mutex
	cacheControl string
	status       int
	body         []byte // served instead of the key set when set
}

func newIDP(t *testing.T, keys ...testKey) *idp {
	t.Helper()
	ks, _ := jwtauth.NewKeySet()
	for _, k := range keys {
		if err := ks.Add(k.Key); err != nil {
			t.Fatal(err)
		}
	}
	p := &idp{keys: ks, status: http.StatusOK}
	jwks := ks.JWKSHandler(time.Hour)
	p.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		p.mu.Lock()
		cc, status, body := p.cacheControl, p.status, p.body
		p.mu.Unlock()
		if status != http.StatusOK {
			http.Error(w, "down", status)
			return
		}
		if body != nil {
			_, _ = w.Write(body)
			return
		}
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
			jwks.ServeHTTP(&fixedCacheControl{ResponseWriter: w, value: cc}, r)
			return
		}
		jwks.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		p.Client().CloseIdleConnections()
		p.Close()
	})
	return p
}

// fixedCacheControl keeps the Cache-Control header a test chose.
type fixedCacheControl struct {
	http.ResponseWriter
	value string
}

func (w *fixedCacheControl) WriteHeader(code int) {
	w.Header().Set("Cache-Control", w.value)
	w.ResponseWriter.WriteHeader(code)
}

func (p *idp) set(cacheControl string, status int, body []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cacheControl, p.status, p.body = cacheControl, status, body
}

// remoteVerifier returns a verifier of p's keys through a RemoteKeySet on
// clk.
func remoteVerifier(t *testing.T, p *idp, clk *clock, edit func(*jwtauth.RemoteOptions)) (*jwtauth.RemoteKeySet, *jwtauth.Verifier) {
	t.Helper()
	opts := jwtauth.RemoteOptions{URL: p.URL + "/jwks.json", Client: p.Client(), Now: clk.Now}
	if edit != nil {
		edit(&opts)
	}
	rks, err := jwtauth.NewRemoteKeySet(opts)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jwtauth.NewVerifier(jwtauth.Options{Keys: rks, Issuer: testIssuer, Audience: []string{testAudience}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return rks, v
}

func TestRemoteKeySetVerifies(t *testing.T) {
	keys := []testKey{newTestKey(t, jwtauth.RS256, "rs"), newTestKey(t, jwtauth.ES256, "es"), newTestKey(t, jwtauth.EdDSA, "ed")}
	p := newIDP(t, keys...)
	clk := newClock()
	_, v := remoteVerifier(t, p, clk, nil)
	for _, k := range keys {
		if _, err := v.Verify(context.Background(), k.sign(t, claimsAt(t0), nil)); err != nil {
			t.Errorf("Verify with remote key %s = %v, want nil", k.ID(), err)
		}
	}
	if got := p.fetches.Load(); got != 1 {
		t.Errorf("fetches = %d, want 1 (keys cached)", got)
	}
}

func TestRemoteKeySetRandomKidFlood(t *testing.T) {
	good := newTestKey(t, jwtauth.ES256, "good")
	p := newIDP(t, good)
	clk := newClock()
	_, v := remoteVerifier(t, p, clk, nil)

	// The forger's tokens, each naming a random kid.
	forger := newTestKey(t, jwtauth.ES256, "x")
	tokens := make([]string, 1000)
	for i := range tokens {
		tokens[i] = forger.sign(t, claimsAt(t0), map[string]any{"kid": fmt.Sprintf("kid-%d-%d", i, time.Now().UnixNano())})
	}
	var (
		wg       sync.WaitGroup
		accepted atomic.Int64
		infra    atomic.Int64
	)
	for w := range 10 {
		wg.Go(func() {
			for _, tok := range tokens[w*100 : (w+1)*100] {
				_, err := v.Verify(context.Background(), tok)
				switch {
				case err == nil:
					accepted.Add(1)
				case !errors.Is(err, auth.ErrInvalidCredentials):
					infra.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := p.fetches.Load(); got < 1 || got > 2 {
		t.Errorf("1000 tokens with random kids caused %d JWKS fetches, want 1 or 2", got)
	}
	if accepted.Load() != 0 || infra.Load() != 0 {
		t.Errorf("accepted %d forged tokens and answered %d with infrastructure errors, want 0 and 0", accepted.Load(), infra.Load())
	}
	// The cooldown still lets a real token through from the cache.
	if _, err := v.Verify(context.Background(), good.sign(t, claimsAt(t0), nil)); err != nil {
		t.Errorf("Verify of a good token after the flood = %v, want nil", err)
	}
}

func TestRemoteKeySetNewKidAfterCooldown(t *testing.T) {
	p := newIDP(t, newTestKey(t, jwtauth.EdDSA, "k1"))
	clk := newClock()
	_, v := remoteVerifier(t, p, clk, nil)
	ctx := context.Background()
	k2 := newTestKey(t, jwtauth.EdDSA, "k2")
	tok := k2.sign(t, claimsAt(t0), nil)

	_, err := v.Verify(ctx, tok) // first fetch: k2 not published yet
	wantInvalid(t, err, jwtauth.ErrUnknownKey)
	if err := p.keys.Add(k2.Key); err != nil {
		t.Fatal(err)
	}
	clk.Advance(jwtauth.DefaultRefreshCooldown - time.Second)
	_, err = v.Verify(ctx, tok) // within the cooldown: no fetch
	wantInvalid(t, err, jwtauth.ErrUnknownKey)
	if got := p.fetches.Load(); got != 1 {
		t.Fatalf("fetches within the cooldown = %d, want 1", got)
	}
	clk.Advance(2 * time.Second)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("Verify after the cooldown = %v, want nil (refetched)", err)
	}
	if got := p.fetches.Load(); got != 2 {
		t.Errorf("fetches = %d, want 2", got)
	}
}

func TestRemoteKeySetCacheControl(t *testing.T) {
	tests := []struct {
		name         string
		cacheControl string
		ttl          time.Duration // refetched after this, not before
	}{
		{"max-age honoured", "public, max-age=600", 10 * time.Minute},
		{"no max-age: default", "public", jwtauth.DefaultJWKSTTL},
		{"max-age below the minimum", "max-age=5", jwtauth.DefaultMinJWKSTTL},
		{"max-age above the maximum", "max-age=999999999", jwtauth.DefaultMaxJWKSTTL},
		{"no-store: minimum", "no-store", jwtauth.DefaultMinJWKSTTL},
		{"garbage max-age ignored", "max-age=abc", jwtauth.DefaultJWKSTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newTestKey(t, jwtauth.ES256, "k")
			p := newIDP(t, k)
			p.set(tt.cacheControl, http.StatusOK, nil)
			clk := newClock()
			_, v := remoteVerifier(t, p, clk, nil)
			ctx := context.Background()
			verify := func() {
				t.Helper()
				c := claimsAt(clk.Now())
				if _, err := v.Verify(ctx, k.sign(t, c, nil)); err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
			}
			verify()
			clk.Advance(tt.ttl - time.Second)
			verify()
			if got := p.fetches.Load(); got != 1 {
				t.Fatalf("fetches just before the TTL = %d, want 1", got)
			}
			clk.Advance(2 * time.Second)
			verify()
			if got := p.fetches.Load(); got != 2 {
				t.Errorf("fetches just after the TTL = %d, want 2", got)
			}
		})
	}
}

func TestRemoteKeySetFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("first fetch fails: infrastructure error, not 401", func(t *testing.T) {
		k := newTestKey(t, jwtauth.ES256, "k")
		p := newIDP(t, k)
		p.set("", http.StatusInternalServerError, nil)
		clk := newClock()
		_, v := remoteVerifier(t, p, clk, nil)
		for range 3 {
			_, err := v.Verify(ctx, k.sign(t, claimsAt(t0), nil))
			if err == nil || errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("Verify with the JWKS down = %v, want an infrastructure error", err)
			}
		}
		if got := p.fetches.Load(); got != 1 {
			t.Errorf("fetches while down, within the cooldown = %d, want 1", got)
		}
		p.set("", http.StatusOK, nil)
		clk.Advance(jwtauth.DefaultRefreshCooldown)
		if _, err := v.Verify(ctx, k.sign(t, claimsAt(clk.Now()), nil)); err != nil {
			t.Errorf("Verify once the JWKS is back = %v, want nil", err)
		}
	})
	t.Run("refetch fails: cached keys stay in use", func(t *testing.T) {
		k := newTestKey(t, jwtauth.ES256, "k")
		p := newIDP(t, k)
		clk := newClock()
		_, v := remoteVerifier(t, p, clk, nil)
		if _, err := v.Verify(ctx, k.sign(t, claimsAt(t0), nil)); err != nil {
			t.Fatal(err)
		}
		p.set("", http.StatusOK, []byte(`<html>maintenance</html>`))
		clk.Advance(2 * jwtauth.DefaultJWKSTTL)
		for range 3 {
			if _, err := v.Verify(ctx, k.sign(t, claimsAt(clk.Now()), nil)); err != nil {
				t.Fatalf("Verify with a stale cache and a broken JWKS = %v, want nil", err)
			}
		}
		if got := p.fetches.Load(); got != 2 {
			t.Errorf("fetches = %d, want 2 (one failed refetch, then the cooldown)", got)
		}
	})
	t.Run("oversized document refused", func(t *testing.T) {
		k := newTestKey(t, jwtauth.ES256, "k")
		p := newIDP(t, k)
		p.set("", http.StatusOK, []byte(`{"keys":[],"pad":"`+strings.Repeat("x", jwtauth.MaxJWKSSize)+`"}`))
		clk := newClock()
		rks, _ := remoteVerifier(t, p, clk, nil)
		if err := rks.Refresh(ctx); !errors.Is(err, jwtauth.ErrInvalidJWKS) {
			t.Errorf("Refresh of an oversized JWKS = %v, want ErrInvalidJWKS", err)
		}
	})
	t.Run("algorithms not accepted are ignored", func(t *testing.T) {
		k := newTestKey(t, jwtauth.ES256, "k")
		p := newIDP(t, k)
		clk := newClock()
		_, v := remoteVerifier(t, p, clk, func(o *jwtauth.RemoteOptions) { o.Algorithms = []string{jwtauth.RS256} })
		_, err := v.Verify(ctx, k.sign(t, claimsAt(t0), nil))
		wantInvalid(t, err, nil)
	})
}

func TestNewRemoteKeySetOptions(t *testing.T) {
	tests := []struct {
		name string
		opts jwtauth.RemoteOptions
		ok   bool
	}{
		{"https", jwtauth.RemoteOptions{URL: "https://idp.example/jwks"}, true},
		{"http allowed", jwtauth.RemoteOptions{URL: "http://localhost/jwks", AllowHTTP: true}, true},
		{"http", jwtauth.RemoteOptions{URL: "http://idp.example/jwks"}, false},
		{"relative", jwtauth.RemoteOptions{URL: "/jwks"}, false},
		{"HS256", jwtauth.RemoteOptions{URL: "https://idp.example/jwks", Algorithms: []string{jwtauth.HS256}}, false},
		{"none", jwtauth.RemoteOptions{URL: "https://idp.example/jwks", Algorithms: []string{"none"}}, false},
		{"max below min", jwtauth.RemoteOptions{URL: "https://idp.example/jwks", MinTTL: time.Hour, MaxTTL: time.Minute}, false},
		{"negative cooldown", jwtauth.RemoteOptions{URL: "https://idp.example/jwks", RefreshCooldown: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jwtauth.NewRemoteKeySet(tt.opts)
			if (err == nil) != tt.ok {
				t.Errorf("NewRemoteKeySet = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestRemoteKeySetCanceledFetchStartsNoCooldown(t *testing.T) {
	k := newTestKey(t, jwtauth.ES256, "k")
	p := newIDP(t, k)
	clk := newClock()
	_, v := remoteVerifier(t, p, clk, nil)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.Verify(canceled, k.sign(t, claimsAt(t0), nil)); err == nil || errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("Verify with a canceled context = %v, want the context's error", err)
	}
	if _, err := v.Verify(context.Background(), k.sign(t, claimsAt(t0), nil)); err != nil {
		t.Errorf("Verify right after a canceled fetch = %v, want nil (no cooldown)", err)
	}
}
