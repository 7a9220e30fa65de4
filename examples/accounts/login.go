package main

import (
	"net/http"
	"slices"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
	"github.com/keel-go/keel/validate"
)

// The ways a login ends, chosen with ?mode= on POST /login.
const (
	modeSession = "session" // a session cookie, for browsers
	modeJWT     = "jwt"     // an access and refresh token pair, for API clients
)

// challenge is the WWW-Authenticate value of the 401s the login
// endpoints answer, matching the one the protected routes send.
const challenge = `Bearer realm="accounts"`

// errInvalidLogin answers a wrong password and an unknown user alike, so
// that logins do not reveal which accounts exist.
var errInvalidLogin = errors.Unauthorized("The username or password is incorrect.").
	WithCode("invalid_login").WithHeader("WWW-Authenticate", challenge)

// errInvalidMFAToken answers a TOTP step whose pending login is unknown,
// expired or already finished.
var errInvalidMFAToken = errors.Unauthorized("The login has expired or is unknown; log in again.").
	WithCode("invalid_mfa_token").WithHeader("WWW-Authenticate", challenge)

// errInvalidRefresh answers a refresh token that is forged, expired,
// reused or revoked, whichever it is.
var errInvalidRefresh = errors.Unauthorized("The refresh token is not valid.").
	WithCode("invalid_grant").WithHeader("WWW-Authenticate", challenge+`, error="invalid_token"`)

// newDecoder is the strict JSON decoder of the login endpoints' bodies.
func newDecoder() *validate.Decoder {
	dec, err := validate.NewDecoder(validate.Options{MaxBodyBytes: 16 << 10, Formats: []validate.Format{validate.FormatJSON}})
	if err != nil {
		panic(err) // fixed options: a mistake here is a programming error
	}
	return dec
}

// handleLogin checks a username and password. The order matters: the
// lockout is checked before the password is, so a locked account costs
// no hashing; an unknown user costs a full argon2id verification like a
// known one, and counts as a failure like one, so neither response times
// nor lockouts tell which accounts exist. A user with a second factor
// gets an mfa_token to send with the code to POST /login/totp; the others
// are logged in at once.
func handleLogin(users *userStore, sec *security, dec *validate.Decoder) http.Handler {
	type request struct {
		Username string `json:"username" validate:"required,max=256"`
		Password string `json:"password" validate:"required,max=1024"`
	}
	type mfaStep struct {
		Status    string `json:"status"`
		MFAToken  string `json:"mfa_token"`
		ExpiresIn int64  `json:"expires_in"`
	}
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		mode, err := loginMode(r)
		if err != nil {
			return err
		}
		var req request
		if err := dec.Decode(r, &req); err != nil {
			return err
		}
		ctx, ip := r.Context(), clientIP(r)
		d, err := sec.limiter.Check(ctx, req.Username, ip)
		if err != nil {
			return err
		}
		if d.Locked {
			sec.audit(r, auth.ActionLoginFailed, req.Username, auth.ResultDenied, "locked: "+string(d.Scope))
			return d.Err() // 429 with Retry-After, known user or not
		}
		u, found := users.byUsername(req.Username)
		ok, newHash, err := sec.hasher.VerifyAndRehash(ctx, u.Hash, req.Password) // "" hash: same work, no match
		if err != nil {
			return err
		}
		if !ok {
			if _, err := sec.limiter.Fail(ctx, req.Username, ip); err != nil {
				return err
			}
			reason := "wrong password"
			if !found {
				reason = "unknown user"
			}
			sec.audit(r, auth.ActionLoginFailed, req.Username, auth.ResultFailure, reason)
			return errInvalidLogin
		}
		if newHash != "" {
			users.setHash(u.ID, newHash)
		}
		if err := sec.limiter.Succeed(ctx, req.Username); err != nil {
			return err
		}
		if u.TOTPSecret == "" {
			return completeLogin(w, r, sec, u, mode, auth.MethodPassword)
		}
		token, err := sec.pending.start(u.ID, mode)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, mfaStep{Status: "mfa_required", MFAToken: token, ExpiresIn: int64(pendingTTL.Seconds())})
		return nil
	})
}

// handleLoginTOTP finishes a login that is waiting for its TOTP code, in
// the mode chosen at POST /login. The mfa package refuses a code used
// before (a replay) and throttles guessing; the pending token works once.
func handleLoginTOTP(users *userStore, sec *security, dec *validate.Decoder) http.Handler {
	type request struct {
		MFAToken string `json:"mfa_token" validate:"required,max=128"`
		Code     string `json:"code" validate:"required,max=64"`
	}
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var req request
		if err := dec.Decode(r, &req); err != nil {
			return err
		}
		pl, ok := sec.pending.get(req.MFAToken)
		if !ok {
			return errInvalidMFAToken
		}
		u, ok := users.byID(pl.userID)
		if !ok || u.TOTPSecret == "" {
			return errInvalidMFAToken // deleted, or its second factor removed, meanwhile
		}
		if err := sec.totp.Verify(r.Context(), u.ID, u.TOTPSecret, req.Code); err != nil {
			if errors.Is(err, mfa.ErrInvalidCode) { // wrong, malformed or replayed
				return mfa.ErrInvalidCode.WithHeader("WWW-Authenticate", challenge)
			}
			return err // 429 with Retry-After when throttled
		}
		if !sec.pending.take(req.MFAToken) {
			return errInvalidMFAToken
		}
		return completeLogin(w, r, sec, u, pl.mode, auth.MethodPassword, auth.MethodTOTP)
	})
}

// completeLogin ends a successful login in mode: a new session, whose
// cookie replaces any the browser held (so a session planted before the
// login is never the one authenticated), or a new token family.
func completeLogin(w http.ResponseWriter, r *http.Request, sec *security, u user, mode string, methods ...auth.Method) error {
	type sessionStarted struct {
		Status  string `json:"status"`
		Subject string `json:"subject"`
	}
	p := &auth.Principal{
		Subject: u.ID, Kind: auth.KindUser, Roles: u.Roles,
		Methods: slices.Clone(methods), AuthTime: sec.now(),
	}
	w.Header().Set("Cache-Control", "no-store")
	switch mode {
	case modeJWT:
		pair, err := sec.issuer.Issue(r.Context(), p)
		if err != nil {
			return err
		}
		sec.audit(r, auth.ActionLogin, u.ID, auth.ResultSuccess, "token pair issued")
		writeJSON(w, http.StatusOK, pair)
	default:
		if _, err := sec.sessions.Create(r.Context(), w, r, p); err != nil {
			return err
		}
		sec.audit(r, auth.ActionLogin, u.ID, auth.ResultSuccess, "session started")
		writeJSON(w, http.StatusOK, sessionStarted{Status: "authenticated", Subject: u.ID})
	}
	return nil
}

// handleRefresh rotates a refresh token: the token is spent and a new
// pair issued in its family. A token presented a second time was copied:
// jwtauth then revokes the whole family, so the copy, the legitimate
// client's newer refresh token and the family's access tokens all stop
// working, and the user logs in again.
func handleRefresh(sec *security, dec *validate.Decoder) http.Handler {
	type request struct {
		RefreshToken string `json:"refresh_token" validate:"required,max=8192"`
	}
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var req request
		if err := dec.Decode(r, &req); err != nil {
			return err
		}
		pair, err := sec.issuer.Refresh(r.Context(), req.RefreshToken)
		if errors.Is(err, auth.ErrInvalidCredentials) {
			return errInvalidRefresh.WithCause(err) // the reason is logged, never shown
		}
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, pair)
		return nil
	})
}

// handleLogout ends what the request authenticated with: the session,
// whose cookie is expired and whose token stops working, or the token
// family, whose refresh and access tokens stop working.
func handleLogout(sec *security) http.Handler {
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, _ := auth.FromContext(r.Context()) // never nil behind sec.authenticate
		var err error
		switch {
		case p.HasMethod(auth.MethodJWT):
			err = sec.issuer.RevokeFamily(r.Context(), p.SessionID)
		case p.HasMethod(auth.MethodSession):
			err = sec.sessions.Destroy(r.Context(), w, r)
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// loginMode reads ?mode=, session by default.
func loginMode(r *http.Request) (string, error) {
	switch m := r.URL.Query().Get("mode"); m {
	case "", modeSession:
		return modeSession, nil
	case modeJWT:
		return modeJWT, nil
	default:
		return "", errors.BadRequest("mode must be %q or %q", modeSession, modeJWT)
	}
}

// clientIP is the address lockout counts failures by: the one
// middleware.RealIP resolved.
func clientIP(r *http.Request) string {
	if ip := reqctx.ClientIP(r.Context()); ip.IsValid() {
		return ip.String()
	}
	return ""
}
