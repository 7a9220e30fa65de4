package oidcauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
	"golang.org/x/oauth2"
)

// Defaults of [Options].
const (
	// DefaultCookieName is the cookie that carries a sign-in's state
	// between the login and the callback. See the session package's
	// cookie for the __Host- prefix.
	DefaultCookieName = "__Host-oidc"
	// DefaultInsecureCookieName is the name used with
	// [Options].InsecureCookie.
	DefaultInsecureCookieName = "oidc"
	// DefaultFlowTimeout is how long a user has between the login
	// redirect and the callback.
	DefaultFlowTimeout = 10 * time.Minute
	// DefaultReturnParam is the query parameter of the login URL that
	// names where to go after sign-in: /login?next=/orders.
	DefaultReturnParam = "next"
	// DefaultClockSkew is the tolerance on ID token times, the most
	// [jwtauth.MaxLeeway] allows.
	DefaultClockSkew = time.Minute
	// CookieKeySize is the size of [Options].CookieKey.
	CookieKeySize = 32
)

// CodeSignInState is the problem code of a callback refused for its
// sign-in state (400): no state cookie, a cookie that is altered or
// expired, or a state parameter that does not match it.
const CodeSignInState = "sign_in_state"

// SessionStarter starts the application's session for a user who has
// signed in, setting its cookie on w. A *session.Manager (package
// github.com/keel-go/keel/auth/session) is one.
type SessionStarter interface {
	StartSession(ctx context.Context, w http.ResponseWriter, r *http.Request, p *auth.Principal) error
}

// SessionStarterFunc adapts a function to [SessionStarter].
type SessionStarterFunc func(ctx context.Context, w http.ResponseWriter, r *http.Request, p *auth.Principal) error

// StartSession calls f(ctx, w, r, p).
func (f SessionStarterFunc) StartSession(ctx context.Context, w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return f(ctx, w, r, p)
}

// Claims are the verified claims of an ID token.
type Claims struct {
	// Issuer and Subject identify the user: Subject is unique and stable
	// only within its Issuer.
	Issuer  string
	Subject string
	// Audience lists the clients the token was issued to; it includes
	// the configured ClientID.
	Audience []string
	// AuthTime is when the user authenticated at the provider, zero when
	// the token does not say.
	AuthTime time.Time
	// Email, EmailVerified and Name are the standard profile claims, empty
	// when absent. Trust an email for identity only when EmailVerified.
	Email         string
	EmailVerified bool
	Name          string
	// AMR lists the authentication methods the provider used ("pwd",
	// "mfa", ...), when it says.
	AMR []string
	// Raw holds every claim of the token as decoded from JSON.
	Raw map[string]any
}

// Options configures an [RP]. Issuer, ClientID, RedirectURL and Sessions
// are required; every other zero field means its documented default.
type Options struct {
	// Issuer is the provider's issuer URL exactly as its discovery
	// document and ID tokens state it: https, or http on a loopback host
	// for development. Required.
	Issuer string
	// ClientID is the client identifier registered with the provider.
	// Required.
	ClientID string
	// ClientSecret authenticates the client at the token endpoint. Leave
	// it empty for a public client, which PKCE protects. Default: none.
	ClientSecret string
	// RedirectURL is the absolute URL at which [RP.CallbackHandler] is
	// served, as registered with the provider. Required.
	RedirectURL string
	// Scopes are the scopes requested; "openid" is always included.
	// Default: openid, profile, email.
	Scopes []string
	// HTTPClient makes the requests to the provider (discovery, keys,
	// token). Default: a client with a 10-second timeout.
	HTTPClient *http.Client
	// Sessions starts the application session once the user has signed
	// in. Required.
	Sessions SessionStarter
	// OnLogin turns the verified claims into the principal of the session
	// (looking the user up, provisioning them, adding roles). An error
	// refuses the sign-in: return a keel error such as errors.Forbidden
	// to choose the response, any other error is a 500. Default: a
	// principal with Subject the token's subject, Kind user, and the
	// issuer, email and name as attributes.
	OnLogin func(ctx context.Context, c *Claims) (*auth.Principal, error)
	// CookieName names the cookie that holds the sign-in state. Default:
	// [DefaultCookieName], or [DefaultInsecureCookieName] with
	// InsecureCookie.
	CookieName string
	// InsecureCookie drops the Secure attribute of the state cookie, for
	// local development over http only. Default: false.
	InsecureCookie bool
	// CookieKey encrypts and authenticates the state cookie with
	// AES-256-GCM: [CookieKeySize] random bytes, kept secret. Every
	// instance that may serve the callback of a login started on another
	// must share it. Default: a random key made by [New], which suits a
	// single instance.
	CookieKey []byte
	// FlowTimeout is how long a sign-in may take between the login
	// redirect and the callback. Default: [DefaultFlowTimeout].
	FlowTimeout time.Duration
	// ReturnParam is the query parameter of the login URL naming the
	// local path to return to after sign-in. Default:
	// [DefaultReturnParam].
	ReturnParam string
	// DefaultReturn is where sign-in ends when the login URL names no
	// path. It must be a local path. Default: "/".
	DefaultReturn string
	// ClockSkew is the tolerance on the ID token's times, at most
	// [jwtauth.MaxLeeway]. Default: [DefaultClockSkew].
	ClockSkew time.Duration
	// Now tells the time for the state cookie and token checks. Default:
	// time.Now.
	Now func() time.Time
	// Auditor records each sign-in and each refused callback. Default:
	// nil, no audit.
	Auditor auth.Auditor
}

// RP is an OpenID Connect relying party using the authorization code flow
// with PKCE: [RP.LoginHandler] sends the browser to the provider and
// [RP.CallbackHandler] takes it back, verifies who signed in, and starts
// the application's session.
//
// Use [New]; the zero value is not usable. An RP is safe for concurrent
// use and starts no goroutine.
type RP struct {
	opts     Options
	oauth    oauth2.Config
	verifier *jwtauth.Verifier
	sealer   *sealer
}

// New fetches the provider's discovery document from Options.Issuer and
// returns a relying party, or an error naming the first invalid field of
// opts or what is wrong with the provider's document.
func New(ctx context.Context, opts Options) (*RP, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	md, err := discover(ctx, &opts)
	if err != nil {
		return nil, err
	}
	verifier, err := newVerifier(&opts, md)
	if err != nil {
		return nil, err
	}
	s, err := newSealer(opts.CookieKey, opts.CookieName)
	if err != nil {
		return nil, err
	}
	style := oauth2.AuthStyleInHeader // client_secret_basic, the default
	if opts.ClientSecret == "" || (len(md.TokenEndpointAuthTypes) > 0 &&
		!slices.Contains(md.TokenEndpointAuthTypes, "client_secret_basic") &&
		slices.Contains(md.TokenEndpointAuthTypes, "client_secret_post")) {
		style = oauth2.AuthStyleInParams
	}
	return &RP{
		opts: opts,
		oauth: oauth2.Config{
			ClientID:     opts.ClientID,
			ClientSecret: opts.ClientSecret,
			RedirectURL:  opts.RedirectURL,
			Scopes:       opts.Scopes,
			Endpoint: oauth2.Endpoint{
				AuthURL:   md.AuthorizationEndpoint,
				TokenURL:  md.TokenEndpoint,
				AuthStyle: style,
			},
		},
		verifier: verifier,
		sealer:   s,
	}, nil
}

func (o Options) withDefaults() Options {
	if len(o.Scopes) == 0 {
		o.Scopes = []string{"openid", "profile", "email"}
	} else if !slices.Contains(o.Scopes, "openid") {
		o.Scopes = append([]string{"openid"}, o.Scopes...)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.OnLogin == nil {
		o.OnLogin = defaultPrincipal
	}
	if o.CookieName == "" {
		o.CookieName = DefaultCookieName
		if o.InsecureCookie {
			o.CookieName = DefaultInsecureCookieName
		}
	}
	if o.CookieKey == nil {
		o.CookieKey = make([]byte, CookieKeySize)
		_, _ = rand.Read(o.CookieKey) // never fails (crypto/rand, Go 1.24+)
	} else {
		o.CookieKey = slices.Clone(o.CookieKey)
	}
	if o.FlowTimeout == 0 {
		o.FlowTimeout = DefaultFlowTimeout
	}
	if o.ReturnParam == "" {
		o.ReturnParam = DefaultReturnParam
	}
	if o.DefaultReturn == "" {
		o.DefaultReturn = "/"
	}
	if o.ClockSkew == 0 {
		o.ClockSkew = DefaultClockSkew
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func (o Options) validate() error {
	redirect, err := url.Parse(o.RedirectURL)
	c := http.Cookie{Name: o.CookieName, Value: "x"}
	switch {
	case o.Issuer == "":
		return errors.New("oidcauth: Issuer is required")
	case checkEndpoint(o.Issuer) != nil:
		return fmt.Errorf("oidcauth: Issuer %q must be an https URL (or http on a loopback host)", o.Issuer)
	case o.ClientID == "":
		return errors.New("oidcauth: ClientID is required")
	case err != nil || redirect.Host == "" || (redirect.Scheme != "https" && redirect.Scheme != "http"):
		return fmt.Errorf("oidcauth: RedirectURL %q must be an absolute http(s) URL", o.RedirectURL)
	case o.Sessions == nil:
		return errors.New("oidcauth: Sessions is required")
	case len(o.CookieKey) != CookieKeySize:
		return fmt.Errorf("oidcauth: CookieKey must be %d bytes", CookieKeySize)
	case c.Valid() != nil:
		return fmt.Errorf("oidcauth: invalid CookieName %q", o.CookieName)
	case strings.HasPrefix(o.CookieName, "__Host-") && o.InsecureCookie,
		strings.HasPrefix(o.CookieName, "__Secure-") && o.InsecureCookie:
		return errors.New("oidcauth: a __Host- or __Secure- CookieName needs a Secure cookie")
	case o.FlowTimeout < 0 || o.ClockSkew < 0:
		return errors.New("oidcauth: FlowTimeout and ClockSkew must be positive")
	case o.ClockSkew > jwtauth.MaxLeeway:
		return fmt.Errorf("oidcauth: ClockSkew must be at most %v", jwtauth.MaxLeeway)
	case !safeReturn(o.DefaultReturn):
		return fmt.Errorf("oidcauth: DefaultReturn %q must be a local path", o.DefaultReturn)
	}
	return nil
}

// LoginHandler returns the handler that starts a sign-in. It keeps a
// fresh state, nonce and PKCE verifier in an encrypted, HttpOnly cookie
// valid for [Options].FlowTimeout, and redirects the browser to the
// provider with the state, the nonce and the S256 code challenge.
//
// The login URL may name the local path to return to after sign-in in
// [Options].ReturnParam (/login?next=/orders). Only a local path is
// accepted: any other value (another site, "//host", "/\host") is
// refused with a 400, so that a link to the login page cannot send the
// user elsewhere afterwards.
func (rp *RP) LoginHandler() http.Handler {
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		ret := rp.opts.DefaultReturn
		if v := r.URL.Query().Get(rp.opts.ReturnParam); v != "" {
			if !safeReturn(v) {
				return errors.BadRequest("the return address must be a path on this site").WithCode("unsafe_return")
			}
			ret = v
		}
		f := flow{
			State:    randomString(),
			Nonce:    randomString(),
			Verifier: oauth2.GenerateVerifier(),
			Return:   ret,
			Expires:  rp.opts.Now().Add(rp.opts.FlowTimeout).Unix(),
		}
		value, err := rp.sealer.seal(f)
		if err != nil {
			return err
		}
		http.SetCookie(w, rp.cookie(value, int(rp.opts.FlowTimeout/time.Second)))
		w.Header().Set("Cache-Control", "no-store")
		target := rp.oauth.AuthCodeURL(f.State,
			oauth2.S256ChallengeOption(f.Verifier),
			oauth2.SetAuthURLParam("nonce", f.Nonce))
		http.Redirect(w, r, target, http.StatusFound)
		return nil
	})
}

// CallbackHandler returns the handler served at [Options].RedirectURL. It
// checks the state parameter against the state cookie (in constant time)
// and clears the cookie, exchanges the code for tokens with the PKCE
// verifier, verifies the ID token (signature with the provider's keys,
// issuer, audience, authorized party, expiry, issue time and nonce),
// turns its claims into a principal with [Options].OnLogin, starts the
// session and redirects (303) to the path the login named.
//
// Refusals are problem responses: 400 with code [CodeSignInState] for a
// missing, altered, expired or mismatched state; 401 when the provider
// reports an error or refuses the code (a replayed or stolen code) or the
// ID token does not verify; 502 when the provider cannot be reached.
func (rp *RP) CallbackHandler() http.Handler {
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		err := rp.callback(w, r)
		if err != nil {
			rp.audit(r, auth.ActionLoginFailed, "", auth.ResultFailure, err.Error())
		}
		return err
	})
}

func (rp *RP) callback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := r.Cookie(rp.opts.CookieName)
	if err != nil {
		return stateError("no sign-in state cookie")
	}
	f, err := rp.sealer.open(c.Value, rp.opts.Now())
	if err != nil {
		return stateError("invalid or expired sign-in state cookie")
	}
	// The state is single-use: clear it whatever happens next.
	http.SetCookie(w, rp.cookie("", -1))

	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return stateError("state parameter does not match the sign-in state")
	}
	if e := q.Get("error"); e != "" {
		return errors.Unauthorized("sign-in was not completed").
			WithCause(fmt.Errorf("oidcauth: provider returned error %.64q", e))
	}
	code := q.Get("code")
	if code == "" {
		return errors.BadRequest("missing authorization code")
	}

	tok, err := rp.oauth.Exchange(context.WithValue(ctx, oauth2.HTTPClient, rp.opts.HTTPClient), code,
		oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
			return errors.Unauthorized("sign-in failed").
				WithCause(fmt.Errorf("oidcauth: token endpoint refused the code: %.64q", re.ErrorCode))
		}
		return providerError(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return providerError(errors.New("oidcauth: token response without id_token"))
	}
	claims, err := rp.verify(ctx, raw, f.Nonce)
	if err != nil {
		if _, ok := errors.AsType[*fetchError](err); ok {
			return providerError(err)
		}
		return errors.Unauthorized("sign-in failed").WithCause(err)
	}

	p, err := rp.opts.OnLogin(ctx, claims)
	if err != nil {
		return err
	}
	if p == nil || p.Subject == "" {
		return errors.Internal("OnLogin returned no principal")
	}
	p = p.Clone()
	if !p.HasMethod(auth.MethodOIDC) {
		p.Methods = append(p.Methods, auth.MethodOIDC)
	}
	if p.AuthTime.IsZero() {
		p.AuthTime = claims.AuthTime
		if p.AuthTime.IsZero() {
			p.AuthTime = rp.opts.Now()
		}
	}
	if err := rp.opts.Sessions.StartSession(ctx, w, r, p); err != nil {
		return err
	}
	rp.audit(r, auth.ActionLogin, p.Subject, auth.ResultSuccess, "")
	http.Redirect(w, r, f.Return, http.StatusSeeOther)
	return nil
}

// cookie returns the state cookie with value, living maxAge seconds
// (negative: delete it).
func (rp *RP) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     rp.opts.CookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   !rp.opts.InsecureCookie,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode, // sent on the provider's top-level redirect back
	}
}

// audit records an event when an Auditor is configured. Reasons are
// error texts, which never hold the code, tokens or cookie.
func (rp *RP) audit(r *http.Request, action, actor, result, reason string) {
	if rp.opts.Auditor == nil {
		return
	}
	ctx := r.Context()
	e := auth.Event{
		Time:      rp.opts.Now(),
		Actor:     actor,
		Action:    action,
		Resource:  rp.opts.Issuer,
		Result:    result,
		Reason:    reason,
		RequestID: reqctx.RequestID(ctx),
		UserAgent: r.UserAgent(),
		Attrs:     map[string]string{"method": string(auth.MethodOIDC)},
	}
	if ip := reqctx.ClientIP(ctx); ip.IsValid() {
		e.IP = ip.String()
	}
	rp.opts.Auditor.Audit(ctx, e)
}

// defaultPrincipal is the OnLogin used when none is configured.
func defaultPrincipal(_ context.Context, c *Claims) (*auth.Principal, error) {
	attrs := map[string]any{"iss": c.Issuer}
	if c.Email != "" {
		attrs["email"] = c.Email
		attrs["email_verified"] = c.EmailVerified
	}
	if c.Name != "" {
		attrs["name"] = c.Name
	}
	return &auth.Principal{
		Subject:    c.Subject,
		Kind:       auth.KindUser,
		Attributes: attrs,
		Methods:    []auth.Method{auth.MethodOIDC},
		AuthTime:   c.AuthTime,
	}, nil
}

func stateError(reason string) error {
	return errors.BadRequest("sign-in could not be completed: start again").
		WithCode(CodeSignInState).WithCause(errors.New("oidcauth: " + reason))
}

func providerError(err error) error {
	return errors.E(http.StatusBadGateway, "", "identity provider unavailable").WithCause(err)
}

// randomString returns 256 random bits in base64url.
func randomString() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
