package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

func TestEventFromRequest(t *testing.T) {
	tests := []struct {
		name       string
		remoteAddr string
		data       *reqctx.Data
		wantIP     string
		wantID     string
		wantRes    string
	}{
		{"remote addr", "192.0.2.7:5555", nil, "192.0.2.7", "", ""},
		{"remote addr ipv6", "[2001:db8::1]:443", nil, "2001:db8::1", "", ""},
		{"bare host", "192.0.2.8", nil, "192.0.2.8", "", ""},
		{"not an address", "@pipe", nil, "", "", ""},
		{"reqctx wins", "192.0.2.7:5555", &reqctx.Data{
			RequestID: "req-1",
			ClientIP:  netip.MustParseAddr("203.0.113.9"),
			Route:     &reqctx.Route{Pattern: "POST /login"},
		}, "203.0.113.9", "req-1", "POST /login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/login", nil)
			r.RemoteAddr = tt.remoteAddr
			r.Header.Set("User-Agent", "curl/8")
			if tt.data != nil {
				r = withData(r, *tt.data)
			}
			before := time.Now()
			e := auth.EventFromRequest(r, auth.ActionLogin)
			if e.IP != tt.wantIP || e.RequestID != tt.wantID || e.Resource != tt.wantRes {
				t.Errorf("IP, RequestID, Resource = %q, %q, %q, want %q, %q, %q", e.IP, e.RequestID, e.Resource, tt.wantIP, tt.wantID, tt.wantRes)
			}
			if e.Action != auth.ActionLogin || e.UserAgent != "curl/8" {
				t.Errorf("Action, UserAgent = %q, %q, want %q, %q", e.Action, e.UserAgent, auth.ActionLogin, "curl/8")
			}
			if e.Time.Before(before) {
				t.Errorf("Time = %v, want at or after %v", e.Time, before)
			}
		})
	}
}

func TestEventFromRequestTruncatesUserAgent(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("User-Agent", strings.Repeat("é", 300))
	e := auth.EventFromRequest(r, auth.ActionLogin)
	if len(e.UserAgent) > 256 || !utf8.ValidString(e.UserAgent) || !strings.HasSuffix(e.UserAgent, "…") {
		t.Errorf("UserAgent = %q (%d bytes), want valid UTF-8 of at most 256 bytes ending in …", e.UserAgent, len(e.UserAgent))
	}
}

func TestLogAuditor(t *testing.T) {
	var buf bytes.Buffer
	a := auth.NewLogAuditor(zerolog.New(&buf))
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	a.Audit(context.Background(), auth.Event{
		Time:      at,
		Actor:     "alice",
		Action:    auth.ActionLockout,
		Resource:  "POST /login",
		Result:    auth.ResultDenied,
		Reason:    "5 failures",
		RequestID: "req-3",
		IP:        "192.0.2.1",
		UserAgent: "curl/8",
		Attrs:     map[string]string{"scope": "account"},
	})
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("entry %q: %v", buf.String(), err)
	}
	want := map[string]any{
		"level": "info", "message": "audit", "time": at.Format(time.RFC3339),
		"actor": "alice", "action": auth.ActionLockout, "resource": "POST /login",
		"result": auth.ResultDenied, "reason": "5 failures", "request_id": "req-3",
		"ip": "192.0.2.1", "user_agent": "curl/8",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("field %q = %v, want %v", k, got[k], v)
		}
	}
	if attrs, _ := got["attrs"].(map[string]any); attrs["scope"] != "account" {
		t.Errorf("attrs = %v, want scope=account", got["attrs"])
	}

	buf.Reset()
	a.Audit(context.Background(), auth.Event{Action: auth.ActionLogout, Actor: strings.Repeat("x", 1000)})
	got = nil
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("entry %q: %v", buf.String(), err)
	}
	if _, ok := got["reason"]; ok {
		t.Errorf("entry %v has an empty reason field, want it left out", got)
	}
	if s, _ := got["time"].(string); s == "" {
		t.Errorf("time = %v, want the current time for a zero Event.Time", got["time"])
	}
	if s, _ := got["actor"].(string); len(s) > 256 {
		t.Errorf("actor is %d bytes, want at most 256", len(s))
	}

	buf.Reset()
	auth.NewLogAuditor(zerolog.New(&buf).Level(zerolog.WarnLevel)).Audit(context.Background(), auth.Event{Action: "x"})
	if buf.Len() != 0 {
		t.Errorf("disabled level wrote %q, want nothing", buf.String())
	}
}

// TestAttack_SecretsNotAudited builds an event from a login request that
// carries every kind of secret a request can carry and checks that none of
// them reaches the audit log.
func TestAttack_SecretsNotAudited(t *testing.T) {
	const (
		password = "hunter2-Correct-Horse"
		token    = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.sig-9f8e7d"
		cookie   = "sess-0c5d3b2a1f"
		apiKey   = "kk_live_51Hx9secret"
		reset    = "rst-7a6b5c4d"
	)
	form := url.Values{"username": {"alice"}, "password": {password}}
	r := httptest.NewRequest(http.MethodPost, "/reset/"+reset+"?api_key="+apiKey, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Cookie", "session="+cookie)
	r.Header.Set("X-Api-Key", apiKey)
	r = withData(r, reqctx.Data{RequestID: "req-5", Route: &reqctx.Route{Pattern: "POST /reset/{token}"}})
	if err := r.ParseForm(); err != nil { // the handler read the form, as a login does
		t.Fatal(err)
	}

	var buf bytes.Buffer
	e := auth.EventFromRequest(r, auth.ActionLoginFailed)
	e.Actor = r.PostForm.Get("username")
	e.Result = auth.ResultFailure
	e.Reason = "password mismatch"
	auth.NewLogAuditor(zerolog.New(&buf)).Audit(r.Context(), e)

	out := buf.String()
	for _, secret := range []string{password, token, "eyJ", cookie, apiKey, reset} {
		if strings.Contains(out, secret) {
			t.Errorf("audit entry %s contains the secret %q", out, secret)
		}
	}
	for _, want := range []string{`"actor":"alice"`, `"request_id":"req-5"`, `"resource":"POST /reset/{token}"`} {
		if !strings.Contains(out, want) {
			t.Errorf("audit entry %s lacks %s", out, want)
		}
	}
}

func TestEventFromContext(t *testing.T) {
	ctx := reqctx.WithData(context.Background(), reqctx.Data{
		RequestID: "req-4",
		ClientIP:  netip.MustParseAddr("198.51.100.4"),
		Route:     &reqctx.Route{Pattern: "POST /mfa"},
	})
	e := auth.EventFromContext(ctx, auth.ActionMFAFailed)
	if e.RequestID != "req-4" || e.IP != "198.51.100.4" || e.Resource != "POST /mfa" || e.Action != auth.ActionMFAFailed || e.Time.IsZero() {
		t.Errorf("EventFromContext = %+v, want request ID, IP, route, action and time filled", e)
	}
	e = auth.EventFromContext(context.Background(), auth.ActionLogout)
	if e.RequestID != "" || e.IP != "" || e.Resource != "" || e.Action != auth.ActionLogout || e.Time.IsZero() {
		t.Errorf("EventFromContext(no data) = %+v, want only action and time", e)
	}
}
