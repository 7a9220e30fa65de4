package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestAttack_WrongPassword(t *testing.T) {
	t.Parallel()
	s := startService(t)

	for _, mode := range []string{"session", "jwt"} {
		resp := s.login(mode, "bob", "not-bobs-password")
		if resp.code != http.StatusUnauthorized {
			t.Errorf("login (%s) with a wrong password = %d %s, want 401", mode, resp.code, resp.body)
		}
		if resp.header.Get("Set-Cookie") != "" || strings.Contains(string(resp.body), "token") {
			t.Errorf("login (%s) with a wrong password handed out credentials: %v %s", mode, resp.header, resp.body)
		}
	}
	// A second factor is asked for only after the right password.
	resp := s.login("session", "alice", "not-alices-password")
	if resp.code != http.StatusUnauthorized || strings.Contains(string(resp.body), "mfa") {
		t.Errorf("login as alice with a wrong password = %d %s, want 401 without an MFA step", resp.code, resp.body)
	}
}

func TestAttack_UnknownUserLooksLikeWrongPassword(t *testing.T) {
	t.Parallel()
	s := startService(t)

	wrong := s.login("jwt", "bob", "not-bobs-password")
	unknown := s.login("jwt", "mallory", "not-bobs-password")
	if wrong.code != http.StatusUnauthorized || unknown.code != wrong.code {
		t.Fatalf("wrong password = %d, unknown user = %d, want 401 for both", wrong.code, unknown.code)
	}
	if wrong.problem() != unknown.problem() {
		t.Errorf("unknown user body = %s, want the wrong password's %s", unknown.problem(), wrong.problem())
	}
	for _, h := range []string{"WWW-Authenticate", "Content-Type", "Cache-Control"} {
		if wrong.header.Get(h) != unknown.header.Get(h) {
			t.Errorf("%s: unknown user %q, wrong password %q, want the same", h, unknown.header.Get(h), wrong.header.Get(h))
		}
	}
}

func TestAttack_LockoutAfterFailures(t *testing.T) {
	t.Parallel()
	s := startService(t)

	// The same 429, with the same Retry-After, for an account that exists
	// and one that does not.
	var locked []response
	for _, username := range []string{"bob", "mallory"} {
		for i := range 5 {
			if resp := s.login("jwt", username, "guess-"+strconv.Itoa(i)); resp.code != http.StatusUnauthorized {
				t.Fatalf("guess %d for %s = %d %s, want 401", i+1, username, resp.code, resp.body)
			}
		}
		resp := s.login("jwt", username, "guess-6")
		if resp.code != http.StatusTooManyRequests {
			t.Fatalf("sixth guess for %s = %d %s, want 429", username, resp.code, resp.body)
		}
		if ra, err := strconv.Atoi(resp.header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
			t.Errorf("Retry-After for %s = %q, want 1 to 60 seconds", username, resp.header.Get("Retry-After"))
		}
		locked = append(locked, resp)
	}
	if locked[0].problem() != locked[1].problem() {
		t.Errorf("locked unknown user body = %s, want the existing user's %s", locked[1].problem(), locked[0].problem())
	}
	if a, b := locked[0].header.Get("Retry-After"), locked[1].header.Get("Retry-After"); a != b {
		t.Errorf("Retry-After: existing user %s, unknown user %s, want the same", a, b)
	}
	// While locked, even the right password is refused.
	if resp := s.login("jwt", "bob", bobPassword); resp.code != http.StatusTooManyRequests {
		t.Errorf("right password while locked = %d %s, want 429", resp.code, resp.body)
	}
	// Other accounts are not locked.
	if resp := s.login("jwt", "carol", carolPassword); resp.code != http.StatusOK {
		t.Errorf("login as carol while bob is locked = %d %s, want 200", resp.code, resp.body)
	}
}

func TestAttack_ReplayedTOTPCode(t *testing.T) {
	t.Parallel()
	s := startService(t)

	code := s.aliceCode()
	first := s.mfaToken("session")
	if resp := s.sendCode(first, code); resp.code != http.StatusOK {
		t.Fatalf("first use of the code = %d %s, want 200", resp.code, resp.body)
	}
	// An eavesdropper who saw the password and the code replays both.
	replay := s.sendCode(s.mfaToken("session"), code)
	if replay.code != http.StatusUnauthorized || replay.cookie("__Host-session") != "" {
		t.Errorf("replayed code = %d %s, want 401 and no session", replay.code, replay.body)
	}
	if !strings.Contains(string(replay.body), `"code":"invalid_code"`) || replay.header.Get("WWW-Authenticate") == "" {
		t.Errorf("replayed code = %v %s, want an invalid_code problem with a challenge", replay.header, replay.body)
	}
	// The pending login the code finished cannot be finished again.
	if resp := s.sendCode(first, code); resp.code != http.StatusUnauthorized {
		t.Errorf("reused mfa_token = %d %s, want 401", resp.code, resp.body)
	}
}

func TestAttack_WrongTOTPCode(t *testing.T) {
	t.Parallel()
	s := startService(t)

	pending := s.mfaToken("jwt")
	right := s.aliceCode()
	wrong := "000000"
	if right == wrong {
		wrong = "000001"
	}
	for _, code := range []string{wrong, "abc", ""} {
		if resp := s.sendCode(pending, code); resp.code/100 != 4 || strings.Contains(string(resp.body), "access_token") {
			t.Errorf("code %q = %d %s, want a 4xx without tokens", code, resp.code, resp.body)
		}
	}
	// The user, mistyping once, still gets in with the right code.
	if resp := s.sendCode(pending, right); resp.code != http.StatusOK {
		t.Errorf("right code after a wrong one = %d %s, want 200", resp.code, resp.body)
	}
}

func TestAttack_ReusedRefreshToken(t *testing.T) {
	t.Parallel()
	s := startService(t)

	stolen := s.loginTokens("bob", bobPassword)
	// The legitimate client rotates.
	resp := s.do("POST", "/token/refresh", map[string]string{"refresh_token": stolen.RefreshToken})
	if resp.code != http.StatusOK {
		t.Fatalf("first refresh = %d %s, want 200", resp.code, resp.body)
	}
	var rotated tokenPair
	resp.decode(t, &rotated)

	// The thief presents the old refresh token.
	reuse := s.do("POST", "/token/refresh", map[string]string{"refresh_token": stolen.RefreshToken})
	if reuse.code != http.StatusUnauthorized || strings.Contains(string(reuse.body), "access_token") {
		t.Fatalf("reused refresh token = %d %s, want 401 without tokens", reuse.code, reuse.body)
	}
	// The whole family is revoked: the rotated refresh token and the
	// family's access tokens stop working too.
	if resp := s.do("POST", "/token/refresh", map[string]string{"refresh_token": rotated.RefreshToken}); resp.code != http.StatusUnauthorized {
		t.Errorf("rotated refresh token after the reuse = %d %s, want 401", resp.code, resp.body)
	}
	for _, token := range []string{stolen.AccessToken, rotated.AccessToken} {
		if resp := s.do("GET", "/me", nil, bearer(token)...); resp.code != http.StatusUnauthorized {
			t.Errorf("GET /me with an access token of the revoked family = %d, want 401", resp.code)
		}
	}
	if len(s.logs.find(func(l map[string]any) bool { return l["action"] == "token.reuse_detected" })) == 0 {
		t.Error("no token.reuse_detected audit entry")
	}
	// Another login is unaffected.
	if got := s.whoami(bearer(s.loginTokens("bob", bobPassword).AccessToken)...); got.Subject != "bob" {
		t.Errorf("GET /me after a new login = %+v, want bob", got)
	}
}

func TestAttack_SessionFixation(t *testing.T) {
	t.Parallel()
	s := startService(t)

	// The attacker's own live session, and a token it made up, planted in
	// the victim's browser before the victim logs in.
	attackers := s.login("session", "bob", bobPassword).cookie("__Host-session")
	if attackers == "" {
		t.Fatal("bob's login set no session cookie")
	}
	b := make([]byte, 32)
	rand.Read(b)
	for _, planted := range []string{attackers, base64.RawURLEncoding.EncodeToString(b)} {
		resp := s.login("session", "carol", carolPassword, sessionCookie(planted)...)
		if resp.code != http.StatusOK {
			t.Fatalf("login with a planted cookie = %d %s, want 200", resp.code, resp.body)
		}
		issued := resp.cookie("__Host-session")
		if issued == "" || issued == planted {
			t.Fatalf("login with planted cookie %q set cookie %q, want a new one", planted, issued)
		}
		if got := s.whoami(sessionCookie(issued)...); got.Subject != "carol" {
			t.Errorf("GET /me with the issued cookie = %+v, want carol", got)
		}
		// The planted token does not carry the victim's login.
		if resp := s.do("GET", "/me", nil, sessionCookie(planted)...); resp.code != http.StatusUnauthorized {
			t.Errorf("GET /me with the planted cookie = %d %s, want 401", resp.code, resp.body)
		}
	}
}

// signedToken returns an access token signed with the service's key and
// claims built from the defaults the service issues, changed by edit.
func signedToken(t *testing.T, method jwt.SigningMethod, key any, edit func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": tokenIssuer, "aud": tokenAudience, "sub": "bob", "roles": []string{"analyst"},
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": strconv.FormatInt(now.UnixNano(), 36),
	}
	if edit != nil {
		edit(claims)
	}
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = "accounts-1"
	tok.Header["typ"] = "at+jwt"
	signed, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// unsignedToken returns a token with alg "none" and an empty signature.
func unsignedToken(t *testing.T) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	now := time.Now()
	header := map[string]string{"alg": "none", "typ": "at+jwt", "kid": "accounts-1"}
	claims := map[string]any{
		"iss": tokenIssuer, "aud": tokenAudience, "sub": "alice", "roles": []string{"admin"},
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	}
	return enc(header) + "." + enc(claims) + "."
}

func TestAttack_ForgedAndExpiredTokens(t *testing.T) {
	t.Parallel()
	s := startService(t)

	// The control: a token made like these, but valid, is accepted, so a
	// refusal below is for the reason the case names.
	valid := signedToken(t, jwt.SigningMethodHS256, testKey, nil)
	if resp := s.do("GET", "/reports", nil, bearer(valid)...); resp.code != http.StatusOK {
		t.Fatalf("GET /reports with a valid hand-made token = %d %s, want 200", resp.code, resp.body)
	}

	tests := []struct {
		name  string
		token string
	}{
		{"alg none", unsignedToken(t)},
		{"alg none, no signature part", strings.TrimSuffix(unsignedToken(t), ".")},
		{"expired", signedToken(t, jwt.SigningMethodHS256, testKey, func(c jwt.MapClaims) {
			c["iat"] = time.Now().Add(-time.Hour).Unix()
			c["exp"] = time.Now().Add(-2 * time.Minute).Unix() // past the 30 s leeway
		})},
		{"other key", signedToken(t, jwt.SigningMethodHS256, []byte(strings.Repeat("x", 32)), nil)},
		{"role added after signing", func() string {
			parts := strings.Split(valid, ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			payload = []byte(strings.Replace(string(payload), `"analyst"`, `"admin"`, 1))
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
		}()},
		{"wrong issuer", signedToken(t, jwt.SigningMethodHS256, testKey, func(c jwt.MapClaims) { c["iss"] = "elsewhere" })},
		{"wrong audience", signedToken(t, jwt.SigningMethodHS256, testKey, func(c jwt.MapClaims) { c["aud"] = "elsewhere" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/me", "/reports"} {
				resp := s.do("GET", path, nil, bearer(tt.token)...)
				if resp.code != http.StatusUnauthorized {
					t.Errorf("GET %s = %d %s, want 401", path, resp.code, resp.body)
				}
				if c := resp.header.Get("WWW-Authenticate"); !strings.HasPrefix(c, "Bearer") {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", c)
				}
				if !strings.Contains(string(resp.body), `"detail":"authentication required"`) {
					t.Errorf("body = %s, want the generic 401 detail", resp.body)
				}
			}
		})
	}
}
