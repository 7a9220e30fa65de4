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
	"github.com/keel-go/keel/internal/testclock"
)

// clock is the tests' manual clock.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Now()) }

// spyStore wraps a store and counts its writes, and remembers every
// string it was handed.
type spyStore struct {
	session.Store
	mu      sync.Mutex
	touches int
	seen    []string
}

func (s *spyStore) remember(rec session.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, rec.ID, rec.UserID)
	for k, v := range rec.Data {
		s.seen = append(s.seen, k, v)
	}
	if rec.Principal != nil {
		s.seen = append(s.seen, rec.Principal.Subject, rec.Principal.SessionID)
	}
}

func (s *spyStore) Create(ctx context.Context, rec session.Record) error {
	s.remember(rec)
	return s.Store.Create(ctx, rec)
}

func (s *spyStore) Get(ctx context.Context, id string) (session.Record, bool, error) {
	s.mu.Lock()
	s.seen = append(s.seen, id)
	s.mu.Unlock()
	return s.Store.Get(ctx, id)
}

func (s *spyStore) Touch(ctx context.Context, id string, lastSeen, expiresAt time.Time) (bool, error) {
	s.mu.Lock()
	s.touches++
	s.seen = append(s.seen, id)
	s.mu.Unlock()
	return s.Store.Touch(ctx, id, lastSeen, expiresAt)
}

func (s *spyStore) Update(ctx context.Context, rec session.Record) (bool, error) {
	s.remember(rec)
	return s.Store.Update(ctx, rec)
}

func (s *spyStore) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	s.seen = append(s.seen, id)
	s.mu.Unlock()
	return s.Store.Delete(ctx, id)
}

func (s *spyStore) Touches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.touches
}

// fixture is a Manager over a spied memory store with a test clock.
type fixture struct {
	m     *session.Manager
	store *spyStore
	mem   *session.MemoryStore
	clock *clock
}

func newFixture(tb testing.TB, opts session.Options) *fixture {
	tb.Helper()
	c := newClock()
	mem := session.NewMemoryStore(c.Now)
	spy := &spyStore{Store: mem}
	opts.Now = c.Now
	m, err := session.New(spy, opts)
	if err != nil {
		tb.Fatalf("New = %v, want nil", err)
	}
	return &fixture{m: m, store: spy, mem: mem, clock: c}
}

// login creates a session for subject and returns its cookie.
func (f *fixture) login(tb testing.TB, subject string) (*session.Session, *http.Cookie) {
	tb.Helper()
	return f.loginFrom(tb, subject, nil)
}

// loginFrom creates a session for subject from a request carrying
// cookies, and returns the new session cookie.
func (f *fixture) loginFrom(tb testing.TB, subject string, cookies []*http.Cookie) (*session.Session, *http.Cookie) {
	tb.Helper()
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	p := &auth.Principal{Subject: subject, Kind: auth.KindUser, Roles: []string{"user"}, Methods: []auth.Method{auth.MethodPassword}}
	s, err := f.m.Create(r.Context(), w, r, p)
	if err != nil {
		tb.Fatalf("Create = %v, want nil", err)
	}
	return s, sessionCookie(tb, w, f.m.CookieName())
}

// auth authenticates a request carrying c.
func (f *fixture) auth(c *http.Cookie) (*auth.Principal, error) {
	return f.m.Authenticate(requestWith(c))
}

func requestWith(cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		if c != nil {
			r.AddCookie(c)
		}
	}
	return r
}

// sessionCookie returns the cookie named name set on w.
func sessionCookie(tb testing.TB, w *httptest.ResponseRecorder, name string) *http.Cookie {
	tb.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	tb.Fatalf("no %s cookie in %q", name, w.Header().Values("Set-Cookie"))
	return nil
}

func contains(haystack []string, needle string) bool {
	for _, s := range haystack {
		if strings.Contains(s, needle) {
			return true
		}
	}
	return false
}
