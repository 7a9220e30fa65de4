package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// me is the JSON of GET /me.
type me struct {
	Subject string   `json:"subject"`
	Roles   []string `json:"roles"`
	Methods []string `json:"methods"`
}

// whoami asks GET /me with the given credentials and fails the test
// unless it answers 200.
func (s *service) whoami(header ...string) me {
	s.t.Helper()
	resp := s.do("GET", "/me", nil, header...)
	if resp.code != http.StatusOK {
		s.t.Fatalf("GET /me = %d %s, want 200", resp.code, resp.body)
	}
	var m me
	resp.decode(s.t, &m)
	return m
}

func TestSessionLoginWithTOTP(t *testing.T) {
	t.Parallel()
	s := startService(t)

	mfaToken := s.mfaToken("session")
	if resp := s.do("GET", "/me", nil); resp.code != http.StatusUnauthorized {
		t.Fatalf("GET /me before the code = %d, want 401", resp.code)
	}
	resp := s.sendCode(mfaToken, s.aliceCode())
	if resp.code != http.StatusOK {
		t.Fatalf("POST /login/totp = %d %s, want 200", resp.code, resp.body)
	}
	cookie := resp.cookie("__Host-session")
	if cookie == "" {
		t.Fatalf("POST /login/totp set no __Host-session cookie; headers %v", resp.header)
	}
	setCookie := resp.header.Get("Set-Cookie")
	for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(setCookie, attr) {
			t.Errorf("Set-Cookie = %q, want %s", setCookie, attr)
		}
	}
	if cc := resp.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("login Cache-Control = %q, want no-store", cc)
	}

	got := s.whoami(sessionCookie(cookie)...)
	if got.Subject != "alice" || !slices.Equal(got.Roles, []string{"admin"}) {
		t.Errorf("GET /me = %+v, want alice with role admin", got)
	}
	for _, m := range []string{"pwd", "otp", "session"} {
		if !slices.Contains(got.Methods, m) {
			t.Errorf("GET /me methods = %v, want %s among them", got.Methods, m)
		}
	}

	if resp := s.do("POST", "/logout", nil, sessionCookie(cookie)...); resp.code != http.StatusNoContent {
		t.Fatalf("POST /logout = %d %s, want 204", resp.code, resp.body)
	}
	if resp := s.do("GET", "/me", nil, sessionCookie(cookie)...); resp.code != http.StatusUnauthorized {
		t.Errorf("GET /me with the logged-out cookie = %d, want 401", resp.code)
	}
}

func TestJWTLoginAnalystReadsReports(t *testing.T) {
	t.Parallel()
	s := startService(t)

	pair := s.loginTokens("bob", bobPassword)
	if pair.TokenType != "Bearer" || pair.AccessToken == "" || pair.RefreshToken == "" || pair.ExpiresIn <= 0 {
		t.Fatalf("token pair = %+v, want a Bearer access and refresh token", pair)
	}
	resp := s.do("GET", "/reports", nil, bearer(pair.AccessToken)...)
	if resp.code != http.StatusOK || !strings.Contains(string(resp.body), "q3-signups") {
		t.Errorf("GET /reports as analyst = %d %s, want 200 with the reports", resp.code, resp.body)
	}
	got := s.whoami(bearer(pair.AccessToken)...)
	if got.Subject != "bob" || !slices.Contains(got.Methods, "jwt") || !slices.Contains(got.Methods, "pwd") {
		t.Errorf("GET /me = %+v, want bob authenticated by pwd and jwt", got)
	}
}

func TestTOTPLoginWithTokens(t *testing.T) {
	t.Parallel()
	s := startService(t)

	resp := s.sendCode(s.mfaToken("jwt"), s.aliceCode())
	if resp.code != http.StatusOK {
		t.Fatalf("POST /login/totp = %d %s, want 200", resp.code, resp.body)
	}
	if c := resp.header.Get("Set-Cookie"); c != "" {
		t.Errorf("JWT login set a cookie %q, want none", c)
	}
	var pair tokenPair
	resp.decode(t, &pair)
	got := s.whoami(bearer(pair.AccessToken)...)
	if got.Subject != "alice" || !slices.Contains(got.Methods, "otp") {
		t.Errorf("GET /me = %+v, want alice authenticated with otp", got)
	}
}

func TestRolesOnRoutes(t *testing.T) {
	t.Parallel()
	s := startService(t)

	resp := s.sendCode(s.mfaToken("jwt"), s.aliceCode())
	if resp.code != http.StatusOK {
		t.Fatalf("POST /login/totp = %d %s, want 200", resp.code, resp.body)
	}
	var admin tokenPair
	resp.decode(t, &admin)
	analyst := s.loginTokens("bob", bobPassword).AccessToken
	member := s.loginTokens("carol", carolPassword).AccessToken
	carolSession := s.login("session", "carol", carolPassword).cookie("__Host-session")
	if carolSession == "" {
		t.Fatal("carol's session login set no cookie")
	}

	tests := []struct {
		name, method, path, token string
		code                      int
	}{
		{"member reads own profile", "GET", "/me", member, 200},
		{"member reads reports", "GET", "/reports", member, 403},
		{"analyst reads reports", "GET", "/reports", analyst, 200},
		{"admin reads reports", "GET", "/reports", admin.AccessToken, 200},
		{"analyst deletes a user", "DELETE", "/users/carol", analyst, 403},
		{"member deletes a user", "DELETE", "/users/bob", member, 403},
		{"anonymous deletes a user", "DELETE", "/users/carol", "", 401},
		{"admin deletes a user", "DELETE", "/users/carol", admin.AccessToken, 204},
		{"admin deletes a missing user", "DELETE", "/users/carol", admin.AccessToken, 404},
	}
	for _, tt := range tests {
		var header []string
		if tt.token != "" {
			header = bearer(tt.token)
		}
		resp := s.do(tt.method, tt.path, nil, header...)
		if resp.code != tt.code {
			t.Errorf("%s: %s %s = %d %s, want %d", tt.name, tt.method, tt.path, resp.code, resp.body, tt.code)
		}
		switch resp.code {
		case 401:
			if !strings.HasPrefix(resp.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate = %q, want a Bearer challenge", tt.name, resp.header.Get("WWW-Authenticate"))
			}
			fallthrough
		case 403, 404:
			if ct := resp.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%s: Content-Type = %q, want application/problem+json", tt.name, ct)
			}
		}
	}

	// The deleted user's session ended with the account.
	if resp := s.do("GET", "/me", nil, sessionCookie(carolSession)...); resp.code != http.StatusUnauthorized {
		t.Errorf("GET /me with the deleted user's session = %d, want 401", resp.code)
	}
	// The denial was audited, naming the permission.
	denials := s.logs.find(func(l map[string]any) bool {
		attrs, _ := l["attrs"].(map[string]any)
		return l["action"] == "access.denied" && l["actor"] == "bob" && attrs["permission"] == "users:delete"
	})
	if len(denials) == 0 {
		t.Error("no access.denied audit entry for bob and users:delete")
	}
}

func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	s := startService(t)

	first := s.loginTokens("bob", bobPassword)
	resp := s.do("POST", "/token/refresh", map[string]string{"refresh_token": first.RefreshToken})
	if resp.code != http.StatusOK {
		t.Fatalf("POST /token/refresh = %d %s, want 200", resp.code, resp.body)
	}
	var second tokenPair
	resp.decode(t, &second)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("refresh returned the same tokens, want new ones")
	}
	if got := s.whoami(bearer(second.AccessToken)...); got.Subject != "bob" {
		t.Errorf("GET /me with the rotated access token = %+v, want bob", got)
	}
	resp = s.do("POST", "/token/refresh", map[string]string{"refresh_token": second.RefreshToken})
	if resp.code != http.StatusOK {
		t.Errorf("POST /token/refresh with the rotated token = %d %s, want 200", resp.code, resp.body)
	}
}

func TestJWTLogout(t *testing.T) {
	t.Parallel()
	s := startService(t)

	pair := s.loginTokens("bob", bobPassword)
	if resp := s.do("POST", "/logout", nil, bearer(pair.AccessToken)...); resp.code != http.StatusNoContent {
		t.Fatalf("POST /logout = %d %s, want 204", resp.code, resp.body)
	}
	if resp := s.do("GET", "/me", nil, bearer(pair.AccessToken)...); resp.code != http.StatusUnauthorized {
		t.Errorf("GET /me with a logged-out access token = %d, want 401", resp.code)
	}
	if resp := s.do("POST", "/token/refresh", map[string]string{"refresh_token": pair.RefreshToken}); resp.code != http.StatusUnauthorized {
		t.Errorf("POST /token/refresh with a logged-out refresh token = %d, want 401", resp.code)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	s := startService(t)

	tests := []struct {
		name, method, path, contentType, body string
		code                                  int
	}{
		{"malformed JSON", "POST", "/login", "application/json", `{"username":`, 400},
		{"unknown field", "POST", "/login", "application/json", `{"username":"bob","password":"x","admin":true}`, 400},
		{"missing password", "POST", "/login", "application/json", `{"username":"bob"}`, 422},
		{"username too long", "POST", "/login", "application/json", `{"username":"` + strings.Repeat("a", 300) + `","password":"x"}`, 422},
		{"form body", "POST", "/login", "application/x-www-form-urlencoded", `username=bob&password=x`, 415},
		{"unknown mode", "POST", "/login?mode=basic", "application/json", `{"username":"bob","password":"bob-demo-password"}`, 400},
		{"body too large", "POST", "/login", "application/json", `{"username":"` + strings.Repeat("a", 20<<10) + `"}`, 413},
		{"unknown mfa token", "POST", "/login/totp", "application/json", `{"mfa_token":"nope","code":"123456"}`, 401},
		{"garbage refresh token", "POST", "/token/refresh", "application/json", `{"refresh_token":"a.b.c"}`, 401},
		{"garbage bearer", "GET", "/me", "", "", 401},
		{"malformed session cookie", "GET", "/reports", "", "", 401},
		{"no route", "GET", "/nowhere", "", "", 404},
		{"wrong method", "GET", "/login", "", "", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, s.base+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			switch tt.name {
			case "garbage bearer":
				req.Header.Set("Authorization", "Bearer not-a-token")
			case "malformed session cookie":
				req.Header.Set("Cookie", "__Host-session=%%%")
			}
			resp, err := s.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Errorf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			if tt.code == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	s := startService(t)

	pair := s.loginTokens("bob", bobPassword)
	s.login("jwt", "bob", "wrong-password")
	s.do("POST", "/token/refresh", map[string]string{"refresh_token": pair.RefreshToken})

	for _, want := range []struct{ action, actor, result string }{
		{"login", "bob", "success"},
		{"login.failed", "bob", "failure"},
		{"token.issued", "bob", "success"},
		{"token.refreshed", "bob", "success"},
	} {
		found := s.logs.find(func(l map[string]any) bool {
			return l["message"] == "audit" && l["action"] == want.action && l["actor"] == want.actor && l["result"] == want.result
		})
		if len(found) == 0 {
			t.Errorf("no audit entry %+v", want)
		}
	}
	// No secret the requests carried reaches the log.
	logged := s.text()
	for _, secret := range []string{bobPassword, "wrong-password", pair.AccessToken, pair.RefreshToken} {
		if strings.Contains(logged, secret) {
			t.Errorf("the log holds a secret %.20q...", secret)
		}
	}
}

// text returns what the service logged so far.
func (s *service) text() string { return s.logs.text() }
