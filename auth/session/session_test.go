package session_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/errors"
)

func TestNewValidatesOptions(t *testing.T) {
	tests := []struct {
		name string
		opts session.Options
	}{
		{"host prefix with domain", session.Options{CookieName: "__Host-s", Domain: "example.com"}},
		{"host prefix with path", session.Options{CookieName: "__Host-s", Path: "/app"}},
		{"host prefix insecure", session.Options{CookieName: "__Host-s", InsecureCookie: true}},
		{"secure prefix insecure", session.Options{CookieName: "__Secure-s", InsecureCookie: true}},
		{"samesite none insecure", session.Options{InsecureCookie: true, SameSite: http.SameSiteNoneMode}},
		{"bad cookie name", session.Options{CookieName: "a b"}},
		{"relative path", session.Options{Path: "app"}},
		{"negative idle", session.Options{IdleTimeout: -time.Minute}},
		{"absolute shorter than idle", session.Options{IdleTimeout: time.Hour, AbsoluteTimeout: time.Minute}},
		{"touch not shorter than idle", session.Options{IdleTimeout: time.Minute, TouchInterval: time.Minute}},
		{"negative touch", session.Options{TouchInterval: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := session.New(session.NewMemoryStore(nil), tt.opts); err == nil {
				t.Fatalf("New(%+v) = %v, nil, want an error", tt.opts, m)
			}
		})
	}
	if _, err := session.New(nil, session.Options{}); err == nil {
		t.Fatal("New(nil store) = nil error, want an error")
	}
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		name       string
		opts       session.Options
		wantName   string
		wantSecure bool
		wantDomain string
		wantPath   string
		wantSame   http.SameSite
		persistent bool
	}{
		{"default", session.Options{}, "__Host-session", true, "", "/", http.SameSiteLaxMode, false},
		{"insecure for local http", session.Options{InsecureCookie: true}, "session", false, "", "/", http.SameSiteLaxMode, false},
		{"domain", session.Options{Domain: "example.com"}, "__Secure-session", true, "example.com", "/", http.SameSiteLaxMode, false},
		{"path", session.Options{Path: "/app"}, "__Secure-session", true, "", "/app", http.SameSiteLaxMode, false},
		{"strict", session.Options{SameSite: http.SameSiteStrictMode}, "__Host-session", true, "", "/", http.SameSiteStrictMode, false},
		{"persistent", session.Options{Persistent: true}, "__Host-session", true, "", "/", http.SameSiteLaxMode, true},
		{"custom name", session.Options{CookieName: "sid"}, "sid", true, "", "/", http.SameSiteLaxMode, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts)
			s, c := f.login(t, "alice")
			switch {
			case c.Name != tt.wantName:
				t.Errorf("Name = %q, want %q", c.Name, tt.wantName)
			case !c.HttpOnly:
				t.Error("HttpOnly = false, want true")
			case c.Secure != tt.wantSecure:
				t.Errorf("Secure = %v, want %v", c.Secure, tt.wantSecure)
			case c.Domain != tt.wantDomain:
				t.Errorf("Domain = %q, want %q", c.Domain, tt.wantDomain)
			case c.Path != tt.wantPath:
				t.Errorf("Path = %q, want %q", c.Path, tt.wantPath)
			case c.SameSite != tt.wantSame:
				t.Errorf("SameSite = %v, want %v", c.SameSite, tt.wantSame)
			case len(c.Value) != 43:
				t.Errorf("len(Value) = %d, want 43 (256 bits in base64url)", len(c.Value))
			}
			if tt.persistent {
				want := s.CreatedAt.Add(session.DefaultAbsoluteTimeout).Truncate(time.Second)
				if !c.Expires.Equal(want) {
					t.Errorf("Expires = %v, want %v", c.Expires, want)
				}
			} else if !c.Expires.IsZero() || c.MaxAge != 0 {
				t.Errorf("Expires, MaxAge = %v, %d, want a browser-session cookie", c.Expires, c.MaxAge)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t, session.Options{})
	s, c := f.login(t, "alice")

	p, err := f.auth(c)
	if err != nil {
		t.Fatalf("Authenticate = %v, want nil", err)
	}
	switch {
	case p.Subject != "alice" || p.Kind != auth.KindUser:
		t.Errorf("principal = %+v, want alice, user", p)
	case !p.HasMethod(auth.MethodSession) || !p.HasMethod(auth.MethodPassword):
		t.Errorf("Methods = %v, want pwd and session", p.Methods)
	case p.SessionID != s.ID || p.SessionID == "":
		t.Errorf("SessionID = %q, want %q", p.SessionID, s.ID)
	case p.SessionID == c.Value || strings.Contains(c.Value, p.SessionID):
		t.Error("SessionID is the token")
	case !p.HasRole("user"):
		t.Errorf("Roles = %v, want [user]", p.Roles)
	}

	tests := []struct {
		name   string
		cookie *http.Cookie
		want   error
	}{
		{"no cookie", nil, auth.ErrNoCredentials},
		{"other cookie", &http.Cookie{Name: "theme", Value: "dark"}, auth.ErrNoCredentials},
		{"empty", &http.Cookie{Name: c.Name, Value: ""}, auth.ErrInvalidCredentials},
		{"short", &http.Cookie{Name: c.Name, Value: "abc"}, auth.ErrInvalidCredentials},
		{"padded", &http.Cookie{Name: c.Name, Value: c.Value[:42] + "="}, auth.ErrInvalidCredentials},
		{"non canonical", &http.Cookie{Name: c.Name, Value: c.Value[:42] + nonCanonical(c.Value[42])}, auth.ErrInvalidCredentials},
		{"unknown token", &http.Cookie{Name: c.Name, Value: strings.Repeat("A", 43)}, auth.ErrInvalidCredentials},
		{"session ID as token", &http.Cookie{Name: c.Name, Value: s.ID}, auth.ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.auth(tt.cookie)
			if !errors.Is(err, tt.want) || p != nil {
				t.Fatalf("Authenticate = %v, %v, want nil, %v", p, err, tt.want)
			}
		})
	}
}

// nonCanonical returns a last base64url character that decodes to the
// same bytes as b but with non-zero padding bits.
func nonCanonical(b byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, b)
	return string(alphabet[(i&^3)|((i+1)&3)])
}

func TestIdleTimeout(t *testing.T) {
	f := newFixture(t, session.Options{IdleTimeout: 30 * time.Minute})
	_, c := f.login(t, "alice")
	// Activity keeps the session alive past its first idle deadline.
	for range 4 {
		f.clock.Advance(20 * time.Minute)
		if _, err := f.auth(c); err != nil {
			t.Fatalf("Authenticate after 20 minutes idle = %v, want nil", err)
		}
	}
	f.clock.Advance(30*time.Minute + time.Second)
	if _, err := f.auth(c); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("Authenticate after 30 minutes idle = %v, want ErrInvalidCredentials", err)
	}
	if list, err := f.m.List(context.Background(), "alice"); err != nil || len(list) != 0 {
		t.Fatalf("List after the idle timeout = %d sessions, %v, want 0, nil", len(list), err)
	}
}

func TestAbsoluteTimeout(t *testing.T) {
	f := newFixture(t, session.Options{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 2 * time.Hour})
	s, c := f.login(t, "alice")
	for f.clock.Now().Before(s.CreatedAt.Add(2*time.Hour - 10*time.Minute)) {
		f.clock.Advance(10 * time.Minute)
		if _, err := f.auth(c); err != nil {
			t.Fatalf("Authenticate %v after login = %v, want nil", f.clock.Now().Sub(s.CreatedAt), err)
		}
	}
	loaded, err := f.m.Load(context.Background(), requestWith(c))
	if err != nil {
		t.Fatal(err)
	}
	if want := s.CreatedAt.Add(2 * time.Hour); !loaded.ExpiresAt.Equal(want) {
		t.Fatalf("ExpiresAt near the absolute end = %v, want %v (never extended)", loaded.ExpiresAt, want)
	}
	f.clock.Advance(10 * time.Minute)
	if _, err := f.auth(c); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("Authenticate at the absolute timeout of an active session = %v, want ErrInvalidCredentials", err)
	}
}

func TestTouchIsThrottled(t *testing.T) {
	f := newFixture(t, session.Options{TouchInterval: time.Minute})
	s, c := f.login(t, "alice")
	for range 20 {
		f.clock.Advance(time.Second)
		if _, err := f.auth(c); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.store.Touches(); got != 0 {
		t.Fatalf("store touches after 20 requests in 20s = %d, want 0", got)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.auth(c); err != nil {
		t.Fatal(err)
	}
	if got := f.store.Touches(); got != 1 {
		t.Fatalf("store touches after a minute = %d, want 1", got)
	}
	loaded, err := f.m.Load(context.Background(), requestWith(c))
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.LastSeen.After(s.LastSeen) {
		t.Fatalf("LastSeen = %v, want after %v", loaded.LastSeen, s.LastSeen)
	}
}

func TestRenew(t *testing.T) {
	f := newFixture(t, session.Options{})
	s, c := f.login(t, "alice")
	s.Data["cart"] = "42"
	if err := f.m.Save(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(5 * time.Minute)

	w := httptest.NewRecorder()
	r := requestWith(c)
	stepUp := &auth.Principal{Subject: "alice", Kind: auth.KindUser, Methods: []auth.Method{auth.MethodPassword, auth.MethodTOTP}}
	renewed, err := f.m.Renew(r.Context(), w, r, stepUp)
	if err != nil {
		t.Fatalf("Renew = %v, want nil", err)
	}
	nc := sessionCookie(t, w, f.m.CookieName())
	switch {
	case nc.Value == c.Value || renewed.ID == s.ID:
		t.Fatal("Renew kept the token")
	case renewed.Data["cart"] != "42":
		t.Errorf("Data after Renew = %v, want cart=42", renewed.Data)
	case !renewed.CreatedAt.Equal(s.CreatedAt):
		t.Errorf("CreatedAt after Renew = %v, want %v", renewed.CreatedAt, s.CreatedAt)
	}
	if _, err := f.auth(c); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("Authenticate with the pre-renewal cookie = %v, want ErrInvalidCredentials", err)
	}
	p, err := f.auth(nc)
	if err != nil || !p.HasMethod(auth.MethodTOTP) || p.SessionID != renewed.ID {
		t.Fatalf("Authenticate with the renewed cookie = %+v, %v, want the step-up principal", p, err)
	}
	// Renew without a principal keeps it; with another subject it fails.
	r = requestWith(nc)
	if _, err := f.m.Renew(r.Context(), httptest.NewRecorder(), r, &auth.Principal{Subject: "mallory"}); err == nil {
		t.Fatal("Renew to another subject = nil error, want an error")
	}
	if _, err := f.auth(nc); err != nil {
		t.Fatalf("Authenticate after a refused Renew = %v, want nil", err)
	}
	w = httptest.NewRecorder()
	again, err := f.m.Renew(r.Context(), w, r, nil)
	if err != nil || !again.Principal.HasMethod(auth.MethodTOTP) {
		t.Fatalf("Renew(nil) = %+v, %v, want the kept principal", again, err)
	}
	if _, err := f.m.Renew(context.Background(), httptest.NewRecorder(), requestWith(), nil); !errors.Is(err, auth.ErrNoCredentials) {
		t.Fatalf("Renew without a session = %v, want ErrNoCredentials", err)
	}
}

func TestDestroy(t *testing.T) {
	f := newFixture(t, session.Options{})
	_, c := f.login(t, "alice")
	w := httptest.NewRecorder()
	r := requestWith(c)
	if err := f.m.Destroy(r.Context(), w, r); err != nil {
		t.Fatalf("Destroy = %v, want nil", err)
	}
	gone := sessionCookie(t, w, f.m.CookieName())
	if gone.MaxAge >= 0 || gone.Value != "" {
		t.Fatalf("cookie after Destroy = %+v, want an expired empty cookie", gone)
	}
	if _, err := f.auth(c); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("Authenticate with a logged-out cookie = %v, want ErrInvalidCredentials", err)
	}
	// Logging out without a session only clears the cookie.
	w = httptest.NewRecorder()
	if err := f.m.Destroy(context.Background(), w, requestWith()); err != nil {
		t.Fatalf("Destroy without a session = %v, want nil", err)
	}
	sessionCookie(t, w, f.m.CookieName())
}

func TestListAndRevoke(t *testing.T) {
	f := newFixture(t, session.Options{})
	var cookies []*http.Cookie
	for range 3 {
		_, c := f.login(t, "alice")
		cookies = append(cookies, c)
		f.clock.Advance(2 * time.Minute)
	}
	_, bob := f.login(t, "bob")
	// The first session is used last, so it is listed first.
	if _, err := f.auth(cookies[0]); err != nil {
		t.Fatal(err)
	}
	list, err := f.m.List(context.Background(), "alice")
	if err != nil || len(list) != 3 {
		t.Fatalf("List = %d sessions, %v, want 3, nil", len(list), err)
	}
	first, _ := f.auth(cookies[0])
	if list[0].ID != first.SessionID {
		t.Fatalf("List[0] = %s, want the most recently used %s", list[0].ID, first.SessionID)
	}

	if err := f.m.Revoke(context.Background(), "bob", list[0].ID); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Revoke of alice's session by bob = %v, want ErrNotFound", err)
	}
	if err := f.m.Revoke(context.Background(), "alice", list[0].ID); err != nil {
		t.Fatalf("Revoke = %v, want nil", err)
	}
	if _, err := f.auth(cookies[0]); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("Authenticate with a revoked session = %v, want ErrInvalidCredentials", err)
	}
	if _, err := f.auth(cookies[1]); err != nil {
		t.Fatalf("Authenticate with another session = %v, want nil", err)
	}
	if err := f.m.Revoke(context.Background(), "alice", list[0].ID); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("second Revoke = %v, want ErrNotFound", err)
	}

	n, err := f.m.RevokeAll(context.Background(), "alice")
	if err != nil || n != 2 {
		t.Fatalf("RevokeAll = %d, %v, want 2, nil", n, err)
	}
	for i, c := range cookies {
		if _, err := f.auth(c); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("Authenticate with session %d after RevokeAll = %v, want ErrInvalidCredentials", i, err)
		}
	}
	if _, err := f.auth(bob); err != nil {
		t.Fatalf("bob's session after alice's RevokeAll = %v, want nil", err)
	}
}

func TestSaveData(t *testing.T) {
	f := newFixture(t, session.Options{})
	s, c := f.login(t, "alice")
	s.Data["theme"] = "dark"
	if err := f.m.Save(context.Background(), s); err != nil {
		t.Fatalf("Save = %v, want nil", err)
	}
	loaded, err := f.m.Load(context.Background(), requestWith(c))
	if err != nil || loaded.Data["theme"] != "dark" {
		t.Fatalf("Load = %+v, %v, want theme=dark", loaded, err)
	}
	loaded.Data["blob"] = strings.Repeat("x", session.MaxDataSize)
	if err := f.m.Save(context.Background(), loaded); !errors.Is(err, session.ErrDataTooLarge) {
		t.Fatalf("Save of a large map = %v, want ErrDataTooLarge", err)
	}
	loaded.Principal = &auth.Principal{Subject: "mallory"}
	delete(loaded.Data, "blob")
	if err := f.m.Save(context.Background(), loaded); err == nil {
		t.Fatal("Save changing the subject = nil, want an error")
	}
	r := requestWith(c)
	if err := f.m.Destroy(r.Context(), httptest.NewRecorder(), r); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Save(context.Background(), s); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Save after logout = %v, want ErrNotFound", err)
	}
}

func TestStoreNeverHoldsToken(t *testing.T) {
	f := newFixture(t, session.Options{})
	_, c := f.login(t, "alice")
	if _, err := f.auth(c); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute)
	if _, err := f.auth(c); err != nil { // a touch
		t.Fatal(err)
	}
	r := requestWith(c)
	renewed, err := f.m.Renew(r.Context(), httptest.NewRecorder(), r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.m.Save(context.Background(), renewed); err != nil {
		t.Fatal(err)
	}
	if contains(f.store.seen, c.Value) {
		t.Fatal("the store was handed the session token")
	}
	recs, err := f.mem.ListByUser(context.Background(), "alice")
	if err != nil || len(recs) != 1 {
		t.Fatalf("ListByUser = %d, %v, want 1, nil", len(recs), err)
	}
	if recs[0].ID == c.Value {
		t.Fatal("the store key is the token")
	}
}

type failingStore struct{ session.Store }

var errDown = errors.New("store down")

func (failingStore) Get(context.Context, string) (session.Record, bool, error) {
	return session.Record{}, false, errDown
}

func TestStoreFailureIsNotACredentialError(t *testing.T) {
	f := newFixture(t, session.Options{})
	_, c := f.login(t, "alice")
	m, err := session.New(failingStore{f.mem}, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Authenticate(requestWith(c))
	if !errors.Is(err, errDown) || errors.Is(err, auth.ErrInvalidCredentials) || errors.Is(err, auth.ErrNoCredentials) {
		t.Fatalf("Authenticate over a failing store = %v, want the store's error only", err)
	}
}

func TestAudit(t *testing.T) {
	var mu sync.Mutex
	var events []auth.Event
	f := newFixture(t, session.Options{Auditor: auth.AuditorFunc(func(_ context.Context, e auth.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	})})
	s, c := f.login(t, "alice")
	_, c2 := f.login(t, "alice")
	r := requestWith(c)
	r.Header.Set("User-Agent", "test-agent")
	if err := f.m.Destroy(r.Context(), httptest.NewRecorder(), r); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.RevokeAll(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	want := []struct{ action, resource string }{
		{auth.ActionSessionCreated, s.ID},
		{auth.ActionSessionCreated, ""},
		{auth.ActionLogout, s.ID},
		{auth.ActionSessionRevoked, ""},
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(events), len(want), events)
	}
	for i, e := range events {
		if e.Action != want[i].action || e.Actor != "alice" || e.Result != auth.ResultSuccess {
			t.Errorf("event %d = %+v, want %s by alice", i, e, want[i].action)
		}
		if want[i].resource != "" && e.Resource != want[i].resource {
			t.Errorf("event %d resource = %q, want %q", i, e.Resource, want[i].resource)
		}
		for _, v := range append([]string{e.Resource, e.Reason}, valuesOf(e.Attrs)...) {
			if strings.Contains(v, c.Value) || strings.Contains(v, c2.Value) {
				t.Fatalf("event %d holds a session token", i)
			}
		}
	}
	if events[2].UserAgent != "test-agent" {
		t.Errorf("logout UserAgent = %q, want test-agent", events[2].UserAgent)
	}
	if events[3].Attrs["count"] != "1" {
		t.Errorf("RevokeAll count = %q, want 1", events[3].Attrs["count"])
	}
}

func valuesOf(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func TestAttack_SessionFixation(t *testing.T) {
	f := newFixture(t, session.Options{})
	tests := []struct {
		name    string
		planted func(t *testing.T) *http.Cookie
	}{
		{"attacker's own session", func(t *testing.T) *http.Cookie {
			_, c := f.login(t, "mallory")
			return c
		}},
		{"made-up token", func(t *testing.T) *http.Cookie {
			return &http.Cookie{Name: f.m.CookieName(), Value: strings.Repeat("Q", 43)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			planted := tt.planted(t)
			// The victim's browser carries the planted cookie when logging in.
			_, victim := f.loginFrom(t, "alice", []*http.Cookie{planted})
			if victim.Value == planted.Value {
				t.Fatal("login kept the planted session token")
			}
			if p, err := f.auth(planted); err == nil && p.Subject == "alice" {
				t.Fatal("the planted token authenticates as the victim")
			} else if !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("Authenticate with the planted token = %v, %v, want ErrInvalidCredentials", p, err)
			}
			if p, err := f.auth(victim); err != nil || p.Subject != "alice" {
				t.Fatalf("Authenticate with the new token = %v, %v, want alice", p, err)
			}
		})
	}
}

func TestAttack_StolenStoreDump(t *testing.T) {
	f := newFixture(t, session.Options{})
	f.login(t, "alice")
	recs, err := f.mem.ListByUser(context.Background(), "alice")
	if err != nil || len(recs) != 1 {
		t.Fatalf("ListByUser = %d, %v, want 1, nil", len(recs), err)
	}
	// Everything the store holds, tried as a cookie, is refused.
	for _, v := range []string{recs[0].ID, recs[0].Principal.SessionID, recs[0].UserID} {
		c := &http.Cookie{Name: f.m.CookieName(), Value: v}
		if p, err := f.auth(c); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("Authenticate with stored value %q = %v, %v, want ErrInvalidCredentials", v, p, err)
		}
	}
}

func TestAttack_LogoutReplay(t *testing.T) {
	f := newFixture(t, session.Options{})
	_, c := f.login(t, "alice")
	stolen := *c
	r := requestWith(c)
	if err := f.m.Destroy(r.Context(), httptest.NewRecorder(), r); err != nil {
		t.Fatal(err)
	}
	if p, err := f.auth(&stolen); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("Authenticate with a copy of a logged-out cookie = %v, %v, want ErrInvalidCredentials", p, err)
	}
}
