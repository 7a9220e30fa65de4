package oidcauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/auth/oidcauth"
	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/errors"
)

// clock is a settable time source, starting at the real time so that the
// provider's tokens are current.
type clock struct {
	mu sync.Mutex
	d  time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.d)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.d += d
}

// app is a relying-party application: /login, /callback, and /me which
// answers with the session's principal as JSON.
type app struct {
	op       *provider
	rp       *oidcauth.RP
	srv      *httptest.Server
	sessions *session.Manager
	clock    *clock
	events   *eventLog
}

type eventLog struct {
	mu     sync.Mutex
	events []auth.Event
}

func (l *eventLog) Audit(_ context.Context, e auth.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) all() []auth.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]auth.Event(nil), l.events...)
}

func newApp(t *testing.T, configure func(*oidcauth.Options)) *app {
	t.Helper()
	return newAppWith(t, newProvider(t), configure)
}

// newAppWith returns an application signing users in with op.
func newAppWith(t *testing.T, op *provider, configure func(*oidcauth.Options)) *app {
	t.Helper()
	a := &app{op: op, clock: &clock{}, events: &eventLog{}}
	var err error
	a.sessions, err = session.New(session.NewMemoryStore(nil), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.srv = httptest.NewTLSServer(mux)
	t.Cleanup(func() {
		a.srv.Client().CloseIdleConnections()
		a.srv.Close()
	})
	opts := oidcauth.Options{
		Issuer:       a.op.issuerURL(),
		ClientID:     a.op.clientID,
		ClientSecret: a.op.clientSecret,
		RedirectURL:  a.srv.URL + "/callback",
		HTTPClient:   a.op.srv.Client(),
		Sessions:     a.sessions,
		Now:          a.clock.Now,
		Auditor:      a.events,
	}
	if configure != nil {
		configure(&opts)
	}
	a.rp, err = oidcauth.New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New = %v, want nil", err)
	}
	mux.Handle("/login", a.rp.LoginHandler())
	mux.Handle("/callback", a.rp.CallbackHandler())
	mux.Handle("/me", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, err := a.sessions.Authenticate(r)
		if err != nil {
			return errors.Unauthorized("not signed in").WithCause(err)
		}
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(p)
	}))
	return a
}

// browser is a user agent with its own cookie jar.
type browser struct {
	a        *app
	jar      *cookiejar.Jar
	follow   *http.Client
	noFollow *http.Client
}

func (a *app) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base := a.srv.Client() // trusts the test certificate, which the provider shares
	follow := &http.Client{Transport: base.Transport, Jar: jar}
	noFollow := &http.Client{Transport: base.Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{a: a, jar: jar, follow: follow, noFollow: noFollow}
}

type response struct {
	status int
	body   string
	header http.Header
	url    *url.URL
}

func (b *browser) do(t *testing.T, c *http.Client, target string) response {
	t.Helper()
	resp, err := c.Get(target)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(body), header: resp.Header, url: resp.Request.URL}
}

// authorize goes through login and the provider, and returns the callback
// URL the provider redirected to, without following it.
func (b *browser) authorize(t *testing.T, next string) string {
	t.Helper()
	login := b.a.srv.URL + "/login"
	if next != "" {
		login += "?next=" + url.QueryEscape(next)
	}
	r := b.do(t, b.noFollow, login)
	if r.status != http.StatusFound {
		t.Fatalf("GET /login = %d %s, want 302", r.status, r.body)
	}
	r = b.do(t, b.noFollow, r.header.Get("Location"))
	if r.status != http.StatusFound {
		t.Fatalf("GET authorize = %d %s, want 302", r.status, r.body)
	}
	return r.header.Get("Location")
}

// me returns the status of /me and the subject signed in, if any.
func (b *browser) me(t *testing.T) (int, *auth.Principal) {
	t.Helper()
	r := b.do(t, b.follow, b.a.srv.URL+"/me")
	if r.status != http.StatusOK {
		return r.status, nil
	}
	var p auth.Principal
	if err := json.Unmarshal([]byte(r.body), &p); err != nil {
		t.Fatal(err)
	}
	return r.status, &p
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.a.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// problemCode returns the code of a problem+json body.
func problemCode(body string) string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal([]byte(body), &p)
	return p.Code
}

// refusedSignIn asserts a 4xx answer, and that the browser is not signed
// in.
func refusedSignIn(t *testing.T, b *browser, r response, wantStatus int) {
	t.Helper()
	if r.status != wantStatus {
		t.Fatalf("callback = %d %s, want %d", r.status, r.body, wantStatus)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("callback Content-Type = %q, want a problem", r.header.Get("Content-Type"))
	}
	if status, p := b.me(t); status != http.StatusUnauthorized {
		t.Fatalf("GET /me after a refused sign-in = %d %+v, want 401", status, p)
	}
}

func TestSignIn(t *testing.T) {
	a := newApp(t, nil)
	b := a.browser(t)
	if status, _ := b.me(t); status != http.StatusUnauthorized {
		t.Fatalf("GET /me before sign-in = %d, want 401", status)
	}
	r := b.do(t, b.follow, a.srv.URL+"/login?next="+url.QueryEscape("/me?tab=profile"))
	if r.status != http.StatusOK || r.url.Path != "/me" || r.url.RawQuery != "tab=profile" {
		t.Fatalf("sign-in ended at %s with %d %s, want 200 at /me?tab=profile", r.url, r.status, r.body)
	}
	var p auth.Principal
	if err := json.Unmarshal([]byte(r.body), &p); err != nil {
		t.Fatal(err)
	}
	switch {
	case p.Subject != "alice" || p.Kind != auth.KindUser:
		t.Errorf("principal = %+v, want alice, user", p)
	case !p.HasMethod(auth.MethodOIDC) || !p.HasMethod(auth.MethodSession):
		t.Errorf("Methods = %v, want oidc and session", p.Methods)
	case p.Attributes["email"] != "alice@example.com" || p.Attributes["iss"] != a.op.issuerURL():
		t.Errorf("Attributes = %v, want email and issuer", p.Attributes)
	case p.AuthTime.IsZero():
		t.Error("AuthTime is zero")
	}
	if c := b.cookie(oidcauth.DefaultCookieName); c != nil {
		t.Errorf("state cookie %v still set after the callback", c)
	}
	// Without a return path, sign-in ends at DefaultReturn.
	b2 := a.browser(t)
	r = b2.do(t, b2.noFollow, b2.authorize(t, ""))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("callback = %d to %q, want 303 to /", r.status, r.header.Get("Location"))
	}
}

func TestLoginRedirect(t *testing.T) {
	a := newApp(t, func(o *oidcauth.Options) { o.Scopes = []string{"email"} })
	b := a.browser(t)
	r := b.do(t, b.noFollow, a.srv.URL+"/login")
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || r.status != http.StatusFound {
		t.Fatalf("GET /login = %d to %q, want 302", r.status, r.header.Get("Location"))
	}
	q := loc.Query()
	for name, want := range map[string]string{
		"response_type":         "code",
		"client_id":             a.op.clientID,
		"redirect_uri":          a.srv.URL + "/callback",
		"code_challenge_method": "S256",
		"scope":                 "openid email",
	} {
		if got := q.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(name)) < 43 {
			t.Errorf("%s = %q, want at least 256 bits", name, q.Get(name))
		}
	}
	if q.Get("state") == q.Get("nonce") {
		t.Error("state and nonce are equal")
	}
	c := b.cookie(oidcauth.DefaultCookieName)
	if c == nil {
		t.Fatal("no state cookie")
	}
	set := r.header.Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=600"} {
		if !strings.Contains(set, attr) {
			t.Errorf("state cookie %q lacks %s", set, attr)
		}
	}
	for _, secret := range []string{q.Get("state"), q.Get("nonce")} {
		if strings.Contains(c.Value, secret) {
			t.Error("the state cookie holds the state or nonce in clear")
		}
	}
}

func TestOnLogin(t *testing.T) {
	a := newApp(t, func(o *oidcauth.Options) {
		o.OnLogin = func(_ context.Context, c *oidcauth.Claims) (*auth.Principal, error) {
			if !c.EmailVerified || c.Email == "" {
				return nil, errors.Forbidden("unverified email")
			}
			if c.Subject == "mallory" {
				return nil, errors.Forbidden("not a member")
			}
			return &auth.Principal{Subject: "user-" + c.Subject, Kind: auth.KindUser, Roles: []string{"member"},
				Attributes: map[string]any{"amr": strings.Join(c.AMR, " ")}}, nil
		}
	})
	b := a.browser(t)
	r := b.do(t, b.follow, b.authorize(t, "/me"))
	if r.status != http.StatusOK {
		t.Fatalf("sign-in = %d %s, want 200", r.status, r.body)
	}
	_, p := b.me(t)
	if p == nil || p.Subject != "user-alice" || !p.HasRole("member") || !p.HasMethod(auth.MethodOIDC) || p.Attributes["amr"] != "pwd mfa" {
		t.Fatalf("principal = %+v, want user-alice, member, oidc, amr", p)
	}

	a.op.set(func(p *provider) { p.subject = "mallory" })
	m := a.browser(t)
	refusedSignIn(t, m, m.do(t, m.follow, m.authorize(t, "")), http.StatusForbidden)
}

func TestClaims(t *testing.T) {
	tests := []struct {
		name         string
		extra        map[string]any
		wantVerified bool
		wantAMR      []string
	}{
		{"standard", nil, true, []string{"pwd", "mfa"}},
		{"email_verified as a string", map[string]any{"email_verified": "true"}, false, []string{"pwd", "mfa"}},
		{"amr as a string", map[string]any{"amr": "otp"}, true, []string{"otp"}},
		{"custom claims", map[string]any{"tenant": "acme", "groups": []string{"a", "b"}}, true, []string{"pwd", "mfa"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *oidcauth.Claims
			a := newApp(t, func(o *oidcauth.Options) {
				o.OnLogin = func(_ context.Context, c *oidcauth.Claims) (*auth.Principal, error) {
					got = c
					return &auth.Principal{Subject: c.Subject, Kind: auth.KindUser}, nil
				}
			})
			a.op.set(func(p *provider) { p.extra = tt.extra })
			b := a.browser(t)
			if r := b.do(t, b.follow, b.authorize(t, "/me")); r.status != http.StatusOK {
				t.Fatalf("sign-in = %d %s, want 200", r.status, r.body)
			}
			if got == nil {
				t.Fatal("OnLogin was not called")
			}
			switch {
			case got.Issuer != a.op.issuerURL() || got.Subject != "alice":
				t.Errorf("Issuer, Subject = %q, %q, want %q, alice", got.Issuer, got.Subject, a.op.issuerURL())
			case len(got.Audience) != 1 || got.Audience[0] != a.op.clientID:
				t.Errorf("Audience = %q, want [%q]", got.Audience, a.op.clientID)
			case got.Email != "alice@example.com" || got.Name != "Alice Example":
				t.Errorf("Email, Name = %q, %q, want alice@example.com, Alice Example", got.Email, got.Name)
			case got.EmailVerified != tt.wantVerified:
				t.Errorf("EmailVerified = %v, want %v", got.EmailVerified, tt.wantVerified)
			case strings.Join(got.AMR, " ") != strings.Join(tt.wantAMR, " "):
				t.Errorf("AMR = %q, want %q", got.AMR, tt.wantAMR)
			case got.AuthTime.IsZero() || time.Since(got.AuthTime) > time.Minute:
				t.Errorf("AuthTime = %v, want about now", got.AuthTime)
			case got.Raw["sub"] != "alice" || got.Raw["nonce"] == nil:
				t.Errorf("Raw = %v, want every claim", got.Raw)
			}
			for k, v := range tt.extra {
				if fmt.Sprint(got.Raw[k]) != fmt.Sprint(v) {
					t.Errorf("Raw[%q] = %v, want %v", k, got.Raw[k], v)
				}
			}
		})
	}
}

// TestSignInLoopbackHTTP signs in with a provider served over plain http
// on the loopback interface, which is allowed for development.
func TestSignInLoopbackHTTP(t *testing.T) {
	op := launchProvider(httptest.NewServer)
	t.Cleanup(op.Close)
	if !strings.HasPrefix(op.issuerURL(), "http://127.0.0.1:") {
		t.Fatalf("issuer = %q, want http on the loopback interface", op.issuerURL())
	}
	a := newAppWith(t, op, nil)
	b := a.browser(t)
	r := b.do(t, b.follow, b.authorize(t, "/me"))
	if r.status != http.StatusOK {
		t.Fatalf("sign-in = %d %s, want 200", r.status, r.body)
	}
	if _, p := b.me(t); p == nil || p.Subject != "alice" {
		t.Fatalf("principal = %+v, want alice", p)
	}
}

func TestProviderFailures(t *testing.T) {
	t.Run("access denied", func(t *testing.T) {
		a := newApp(t, nil)
		a.op.set(func(p *provider) { p.denyAccess = true })
		b := a.browser(t)
		refusedSignIn(t, b, b.do(t, b.follow, b.authorize(t, "")), http.StatusUnauthorized)
	})
	t.Run("token endpoint down", func(t *testing.T) {
		a := newApp(t, nil)
		a.op.set(func(p *provider) { p.tokenDown = true })
		b := a.browser(t)
		refusedSignIn(t, b, b.do(t, b.follow, b.authorize(t, "")), http.StatusBadGateway)
	})
	t.Run("keys unavailable", func(t *testing.T) {
		a := newApp(t, nil)
		a.op.set(func(p *provider) { p.jwksDown = true })
		b := a.browser(t)
		refusedSignIn(t, b, b.do(t, b.follow, b.authorize(t, "")), http.StatusBadGateway)
	})
	t.Run("missing code", func(t *testing.T) {
		a := newApp(t, nil)
		b := a.browser(t)
		cb, _ := url.Parse(b.authorize(t, ""))
		q := cb.Query()
		q.Del("code")
		cb.RawQuery = q.Encode()
		refusedSignIn(t, b, b.do(t, b.follow, cb.String()), http.StatusBadRequest)
	})
}

func TestKeyRotation(t *testing.T) {
	a := newApp(t, nil)
	signIn := func() int {
		b := a.browser(t)
		return b.do(t, b.follow, b.authorize(t, "/me")).status
	}
	if got := signIn(); got != http.StatusOK {
		t.Fatalf("first sign-in = %d, want 200", got)
	}
	// Several sign-ins use the cached keys.
	if got := signIn(); got != http.StatusOK {
		t.Fatalf("second sign-in = %d, want 200", got)
	}
	hits := func() int {
		a.op.mu.Lock()
		defer a.op.mu.Unlock()
		return a.op.jwksHits
	}
	if hits() != 1 {
		t.Fatalf("JWKS fetches = %d, want 1", hits())
	}
	// The provider rotates its key: the next token names a new key ID,
	// which makes the relying party fetch the keys again.
	a.clock.Advance(2 * time.Minute)
	a.op.set(func(p *provider) { p.key, p.kid = testKeys()[2], "k2" })
	if got := signIn(); got != http.StatusOK {
		t.Fatalf("sign-in after rotation = %d, want 200", got)
	}
	if hits() != 2 {
		t.Fatalf("JWKS fetches after rotation = %d, want 2", hits())
	}
	// Tokens naming unknown keys do not make it fetch again at once.
	a.op.set(func(p *provider) { p.kid = "made-up" })
	for range 3 {
		if got := signIn(); got != http.StatusUnauthorized {
			t.Fatalf("sign-in with an unknown key ID = %d, want 401", got)
		}
	}
	if hits() != 2 {
		t.Fatalf("JWKS fetches after unknown key IDs = %d, want 2", hits())
	}
}

func TestAudit(t *testing.T) {
	a := newApp(t, nil)
	b := a.browser(t)
	cb := b.authorize(t, "/me")
	if r := b.do(t, b.follow, cb); r.status != http.StatusOK {
		t.Fatalf("sign-in = %d, want 200", r.status)
	}
	replay := a.browser(t)
	replay.do(t, replay.follow, cb) // no state cookie
	events := a.events.all()
	if len(events) != 2 {
		t.Fatalf("got %d events, want 2: %+v", len(events), events)
	}
	if e := events[0]; e.Action != auth.ActionLogin || e.Actor != "alice" || e.Result != auth.ResultSuccess {
		t.Errorf("first event = %+v, want a successful login by alice", e)
	}
	if e := events[1]; e.Action != auth.ActionLoginFailed || e.Result != auth.ResultFailure || e.Reason == "" {
		t.Errorf("second event = %+v, want a failed login with a reason", e)
	}
	code := mustQuery(t, cb).Get("code")
	for _, e := range events {
		if strings.Contains(fmt.Sprint(e), code) {
			t.Fatalf("event %+v holds the authorization code", e)
		}
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func TestNewValidatesOptions(t *testing.T) {
	op := newProvider(t)
	sessions, err := session.New(session.NewMemoryStore(nil), session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	valid := func() oidcauth.Options {
		return oidcauth.Options{
			Issuer: op.issuerURL(), ClientID: "keel-app", RedirectURL: "https://app.example/callback",
			HTTPClient: op.srv.Client(), Sessions: sessions,
		}
	}
	tests := []struct {
		name   string
		change func(*oidcauth.Options)
	}{
		{"no issuer", func(o *oidcauth.Options) { o.Issuer = "" }},
		{"plain http issuer", func(o *oidcauth.Options) { o.Issuer = "http://idp.example" }},
		{"issuer with another spelling", func(o *oidcauth.Options) { o.Issuer += "/" }},
		{"no client", func(o *oidcauth.Options) { o.ClientID = "" }},
		{"relative redirect", func(o *oidcauth.Options) { o.RedirectURL = "/callback" }},
		{"no sessions", func(o *oidcauth.Options) { o.Sessions = nil }},
		{"short cookie key", func(o *oidcauth.Options) { o.CookieKey = make([]byte, 16) }},
		{"host cookie insecure", func(o *oidcauth.Options) { o.InsecureCookie = true; o.CookieName = "__Host-x" }},
		{"external default return", func(o *oidcauth.Options) { o.DefaultReturn = "https://evil.example/" }},
		{"negative flow timeout", func(o *oidcauth.Options) { o.FlowTimeout = -time.Minute }},
		{"clock skew above jwtauth's", func(o *oidcauth.Options) { o.ClockSkew = jwtauth.MaxLeeway + time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			tt.change(&o)
			if rp, err := oidcauth.New(context.Background(), o); err == nil {
				t.Fatalf("New = %v, nil, want an error", rp)
			}
		})
	}
	if _, err := oidcauth.New(context.Background(), valid()); err != nil {
		t.Fatalf("New(valid) = %v, want nil", err)
	}
	o := valid()
	o.InsecureCookie = true
	if _, err := oidcauth.New(context.Background(), o); err != nil {
		t.Fatalf("New(InsecureCookie) = %v, want nil", err)
	}
	down := startProvider()
	down.Close()
	o = valid()
	o.Issuer = down.issuerURL()
	if _, err := oidcauth.New(context.Background(), o); err == nil {
		t.Fatal("New with the provider down = nil error, want an error")
	}
}

func TestAttack_WrongState(t *testing.T) {
	a := newApp(t, nil)
	b := a.browser(t)
	cb, _ := url.Parse(b.authorize(t, ""))
	q := cb.Query()
	q.Set("state", randomID()+randomID())
	cb.RawQuery = q.Encode()
	r := b.do(t, b.follow, cb.String())
	refusedSignIn(t, b, r, http.StatusBadRequest)
	if got := problemCode(r.body); got != oidcauth.CodeSignInState {
		t.Fatalf("problem code = %q, want %q", got, oidcauth.CodeSignInState)
	}
}

func TestAttack_MissingStateCookie(t *testing.T) {
	a := newApp(t, nil)
	// The attacker signs in with their own account up to the callback,
	// and makes the victim's browser open the callback URL (login CSRF).
	attacker := a.browser(t)
	cb := attacker.authorize(t, "")
	victim := a.browser(t)
	r := victim.do(t, victim.follow, cb)
	refusedSignIn(t, victim, r, http.StatusBadRequest)
	if got := problemCode(r.body); got != oidcauth.CodeSignInState {
		t.Fatalf("problem code = %q, want %q", got, oidcauth.CodeSignInState)
	}
}

func TestAttack_TamperedStateCookie(t *testing.T) {
	a := newApp(t, nil)
	b := a.browser(t)
	cb := b.authorize(t, "")
	c := b.cookie(oidcauth.DefaultCookieName)
	v := []byte(c.Value)
	v[len(v)/2] ^= 1
	c.Value = string(v)
	u, _ := url.Parse(a.srv.URL)
	b.jar.SetCookies(u, []*http.Cookie{c})
	refusedSignIn(t, b, b.do(t, b.follow, cb), http.StatusBadRequest)
}

func TestAttack_ExpiredStateCookie(t *testing.T) {
	a := newApp(t, nil)
	b := a.browser(t)
	cb := b.authorize(t, "")
	a.clock.Advance(oidcauth.DefaultFlowTimeout + time.Second)
	r := b.do(t, b.follow, cb)
	refusedSignIn(t, b, r, http.StatusBadRequest)
	if got := problemCode(r.body); got != oidcauth.CodeSignInState {
		t.Fatalf("problem code = %q, want %q", got, oidcauth.CodeSignInState)
	}
}

func TestAttack_WrongNonce(t *testing.T) {
	a := newApp(t, nil)
	a.op.set(func(p *provider) { p.nonce = "nonce-of-another-sign-in" })
	b := a.browser(t)
	refusedSignIn(t, b, b.do(t, b.follow, b.authorize(t, "")), http.StatusUnauthorized)
}

func TestAttack_IDTokenForAnotherAudience(t *testing.T) {
	tests := []struct {
		name  string
		aud   any
		extra map[string]any
		want  int
	}{
		{"other client", "other-client", nil, http.StatusUnauthorized},
		{"other clients", []string{"other-client", "third"}, nil, http.StatusUnauthorized},
		{"shared without azp", []string{"keel-app", "other-client"}, nil, http.StatusUnauthorized},
		{"shared, azp other", []string{"keel-app", "other-client"}, map[string]any{"azp": "other-client"}, http.StatusUnauthorized},
		{"shared, azp this client", []string{"keel-app", "other-client"}, map[string]any{"azp": "keel-app"}, http.StatusOK},
		{"azp other", "keel-app", map[string]any{"azp": "other-client"}, http.StatusUnauthorized},
		{"azp empty", "keel-app", map[string]any{"azp": ""}, http.StatusUnauthorized},
		{"azp this client", "keel-app", map[string]any{"azp": "keel-app"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, nil)
			a.op.set(func(p *provider) { p.audience, p.extra = tt.aud, tt.extra })
			b := a.browser(t)
			r := b.do(t, b.follow, b.authorize(t, "/me"))
			if tt.want == http.StatusOK {
				if r.status != http.StatusOK {
					t.Fatalf("sign-in = %d %s, want 200", r.status, r.body)
				}
				return
			}
			refusedSignIn(t, b, r, tt.want)
		})
	}
}

func TestAttack_ReplayedCode(t *testing.T) {
	a := newApp(t, nil)
	b := a.browser(t)
	cb := b.authorize(t, "/me")
	flowCookie := b.cookie(oidcauth.DefaultCookieName)
	if r := b.do(t, b.follow, cb); r.status != http.StatusOK {
		t.Fatalf("first callback = %d %s, want 200", r.status, r.body)
	}
	// Replayed with the state cookie too (copied from the browser), the
	// code is refused by the provider; the relying party answers 401.
	replay := a.browser(t)
	u, _ := url.Parse(a.srv.URL)
	replay.jar.SetCookies(u, []*http.Cookie{flowCookie})
	r := replay.do(t, replay.follow, cb)
	refusedSignIn(t, replay, r, http.StatusUnauthorized)
}

func TestAttack_OpenRedirect(t *testing.T) {
	a := newApp(t, nil)
	for _, next := range []string{
		"https://evil.example/",
		"//evil.example/",
		"/\\evil.example",
		"\\\\evil.example",
		"/\t/evil.example",
		"/\n/evil.example",
		"javascript:alert(1)",
		"evil.example",
		"https:evil.example",
		"/%ZZ",
	} {
		t.Run(next, func(t *testing.T) {
			b := a.browser(t)
			r := b.do(t, b.noFollow, a.srv.URL+"/login?next="+url.QueryEscape(next))
			if r.status != http.StatusBadRequest || problemCode(r.body) != "unsafe_return" {
				t.Fatalf("GET /login?next=%q = %d %s, want 400 unsafe_return", next, r.status, r.body)
			}
			if b.cookie(oidcauth.DefaultCookieName) != nil {
				t.Fatal("a refused login set the state cookie")
			}
		})
	}
	// A local path is kept, query included.
	b := a.browser(t)
	r := b.do(t, b.noFollow, b.authorize(t, "/orders/7?tab=items"))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/orders/7?tab=items" {
		t.Fatalf("callback = %d to %q, want 303 to /orders/7?tab=items", r.status, r.header.Get("Location"))
	}
}

func TestAttack_UnsignedIDToken(t *testing.T) {
	a := newApp(t, nil)
	a.op.set(func(p *provider) { p.signNone = true })
	b := a.browser(t)
	refusedSignIn(t, b, b.do(t, b.follow, b.authorize(t, "")), http.StatusUnauthorized)
}

func TestAttack_IDTokenSignedWithAnotherKey(t *testing.T) {
	a := newApp(t, nil)
	a.op.set(func(p *provider) { p.signWith = testKeys()[1] })
	b := a.browser(t)
	refusedSignIn(t, b, b.do(t, b.follow, b.authorize(t, "")), http.StatusUnauthorized)
}

func TestAttack_ExpiredIDToken(t *testing.T) {
	a := newApp(t, nil)
	a.op.set(func(p *provider) { p.expiresIn = -5 * time.Minute })
	b := a.browser(t)
	refusedSignIn(t, b, b.do(t, b.follow, b.authorize(t, "")), http.StatusUnauthorized)
}

func TestAttack_IDTokenFromAnotherIssuer(t *testing.T) {
	a := newApp(t, nil)
	a.op.set(func(p *provider) { p.issuer = "https://evil.example" })
	b := a.browser(t)
	refusedSignIn(t, b, b.do(t, b.follow, b.authorize(t, "")), http.StatusUnauthorized)
}
