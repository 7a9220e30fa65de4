package apikey_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/apikey"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/internal/testclock"
)

// clock is the tests' manual clock.
type clock = testclock.Clock

// spyStore counts the store calls the Manager makes.
type spyStore struct {
	apikey.Store
	mu          sync.Mutex
	gets, marks int
}

func (s *spyStore) Get(ctx context.Context, id string) (apikey.Key, bool, error) {
	s.mu.Lock()
	s.gets++
	s.mu.Unlock()
	return s.Store.Get(ctx, id)
}

func (s *spyStore) MarkUsed(ctx context.Context, id string, at time.Time) error {
	s.mu.Lock()
	s.marks++
	s.mu.Unlock()
	return s.Store.MarkUsed(ctx, id, at)
}

func (s *spyStore) counts() (gets, marks int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets, s.marks
}

type fixture struct {
	m     *apikey.Manager
	store *spyStore
	clock *clock
}

func newFixture(tb testing.TB, opts apikey.Options) *fixture {
	tb.Helper()
	c := testclock.New(time.Now())
	spy := &spyStore{Store: apikey.NewMemoryStore()}
	opts.Now = c.Now
	m, err := apikey.New(spy, opts)
	if err != nil {
		tb.Fatalf("New = %v, want nil", err)
	}
	return &fixture{m: m, store: spy, clock: c}
}

func (f *fixture) create(tb testing.TB, owner string, scopes ...string) (string, *apikey.Key) {
	tb.Helper()
	plain, k, err := f.m.Create(context.Background(), owner, scopes, time.Time{})
	if err != nil {
		tb.Fatalf("Create = %v, want nil", err)
	}
	return plain, k
}

func withHeader(name, value string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if name != "" {
		r.Header.Set(name, value)
	}
	return r
}

func TestNewValidatesOptions(t *testing.T) {
	tests := []struct {
		name string
		opts apikey.Options
	}{
		{"upper-case prefix", apikey.Options{Prefix: "Keel"}},
		{"prefix with underscore", apikey.Options{Prefix: "my_app"}},
		{"long prefix", apikey.Options{Prefix: strings.Repeat("a", apikey.MaxPrefixLen+1)}},
		{"authorization header", apikey.Options{Header: "authorization"}},
		{"header with space", apikey.Options{Header: "X API Key"}},
		{"realm with quote", apikey.Options{Realm: `a"b`}},
		{"negative touch", apikey.Options{TouchInterval: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := apikey.New(apikey.NewMemoryStore(), tt.opts); err == nil {
				t.Fatalf("New(%+v) = %v, nil, want an error", tt.opts, m)
			}
		})
	}
	if _, err := apikey.New(nil, apikey.Options{}); err == nil {
		t.Fatal("New(nil store) = nil error, want an error")
	}
}

func TestCreate(t *testing.T) {
	f := newFixture(t, apikey.Options{})
	plain, k := f.create(t, "alice", "orders:read")
	prefix, id, err := apikey.Parse(plain)
	switch {
	case err != nil:
		t.Fatalf("Parse(issued key) = %v, want nil", err)
	case prefix != apikey.DefaultPrefix || id != k.ID:
		t.Fatalf("Parse(issued key) = %q, %q, want %q, %q", prefix, id, apikey.DefaultPrefix, k.ID)
	case k.Owner != "alice" || !slices.Equal(k.Scopes, []string{"orders:read"}):
		t.Fatalf("Key = %+v, want alice's with orders:read", k)
	case !k.Active(f.clock.Now()) || !k.ExpiresAt.IsZero():
		t.Fatalf("Key = %+v, want active without expiry", k)
	}
	sum := sha256.Sum256([]byte(plain))
	if !slices.Equal(k.Hash, sum[:]) {
		t.Fatalf("Hash = %x, want the SHA-256 of the key", k.Hash)
	}
	secret := plain[len(plain)-apikey.SecretLen-apikey.ChecksumLen:]
	stored, ok, err := f.store.Store.Get(context.Background(), k.ID)
	if err != nil || !ok {
		t.Fatal("the key is not stored")
	}
	if strings.Contains(string(stored.Hash), secret) || strings.Contains(stored.ID, secret) {
		t.Fatal("the store holds the secret")
	}
	other, _ := f.create(t, "alice")
	if other == plain {
		t.Fatal("two keys are equal")
	}

	if _, _, err := f.m.Create(context.Background(), "", nil, time.Time{}); err == nil {
		t.Error("Create without owner = nil error, want an error")
	}
	if _, _, err := f.m.Create(context.Background(), "alice", nil, f.clock.Now().Add(-time.Second)); err == nil {
		t.Error("Create expiring in the past = nil error, want an error")
	}
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t, apikey.Options{})
	plain, k := f.create(t, "alice", "orders:read", "orders:write")
	tests := []struct {
		name   string
		header string
		value  string
	}{
		{"X-API-Key", "X-API-Key", plain},
		{"X-API-Key with spaces", "X-API-Key", "  " + plain + " "},
		{"bearer", "Authorization", "Bearer " + plain},
		{"bearer lower case", "Authorization", "bearer " + plain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.m.Authenticate(withHeader(tt.header, tt.value))
			if err != nil {
				t.Fatalf("Authenticate = %v, want nil", err)
			}
			switch {
			case p.Subject != "alice" || p.Kind != auth.KindAPIKey:
				t.Errorf("principal = %+v, want alice, api_key", p)
			case !p.HasScope("orders:read") || !p.HasScope("orders:write") || len(p.Scopes) != 2:
				t.Errorf("Scopes = %v, want the key's", p.Scopes)
			case !slices.Equal(p.Methods, []auth.Method{auth.MethodAPIKey}):
				t.Errorf("Methods = %v, want [api_key]", p.Methods)
			case p.SessionID != k.ID || p.Attributes["api_key_id"] != k.ID:
				t.Errorf("SessionID, api_key_id = %q, %v, want %q", p.SessionID, p.Attributes["api_key_id"], k.ID)
			}
		})
	}

	none := []struct {
		name, header, value string
	}{
		{"no header", "", ""},
		{"bearer JWT", "Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"},
		{"basic", "Authorization", "Basic YWxpY2U6cHc="},
		{"bearer without token", "Authorization", "Bearer"},
	}
	for _, tt := range none {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.m.Authenticate(withHeader(tt.header, tt.value))
			if !errors.Is(err, auth.ErrNoCredentials) || p != nil {
				t.Fatalf("Authenticate = %v, %v, want nil, ErrNoCredentials", p, err)
			}
		})
	}
}

func TestCustomHeaderAndPrefix(t *testing.T) {
	f := newFixture(t, apikey.Options{Prefix: "acme", Header: "x-acme-key"})
	plain, _ := f.create(t, "svc")
	if !strings.HasPrefix(plain, "acme_") {
		t.Fatalf("key %q, want prefix acme_", plain)
	}
	if p, err := f.m.Authenticate(withHeader("X-Acme-Key", plain)); err != nil || p.Subject != "svc" {
		t.Fatalf("Authenticate with the custom header = %v, %v, want svc", p, err)
	}
	if _, err := f.m.Authenticate(withHeader("X-API-Key", plain)); !errors.Is(err, auth.ErrNoCredentials) {
		t.Fatalf("Authenticate with the default header = %v, want ErrNoCredentials", err)
	}
}

func TestLastUsedIsThrottled(t *testing.T) {
	f := newFixture(t, apikey.Options{TouchInterval: time.Minute})
	plain, _ := f.create(t, "alice")
	r := withHeader("X-API-Key", plain)
	for range 30 {
		if _, err := f.m.Authenticate(r); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Second)
	}
	if _, marks := f.store.counts(); marks != 1 {
		t.Fatalf("MarkUsed calls after 30 requests in 30s = %d, want 1", marks)
	}
	f.clock.Advance(time.Minute)
	if _, err := f.m.Authenticate(r); err != nil {
		t.Fatal(err)
	}
	if _, marks := f.store.counts(); marks != 2 {
		t.Fatalf("MarkUsed calls a minute later = %d, want 2", marks)
	}
	keys, err := f.m.List(context.Background(), "alice")
	if err != nil || len(keys) != 1 || !keys[0].LastUsedAt.Equal(f.clock.Now()) {
		t.Fatalf("List = %+v, %v, want the key last used now", keys, err)
	}
}

func TestListAndRevoke(t *testing.T) {
	f := newFixture(t, apikey.Options{})
	first, k1 := f.create(t, "alice")
	f.clock.Advance(time.Second)
	_, k2 := f.create(t, "alice")
	f.create(t, "bob")
	keys, err := f.m.List(context.Background(), "alice")
	if err != nil || len(keys) != 2 || keys[0].ID != k2.ID || keys[1].ID != k1.ID {
		t.Fatalf("List = %+v, %v, want [%s %s]", keys, err, k2.ID, k1.ID)
	}
	if err := f.m.Revoke(context.Background(), "bob", k1.ID); !errors.Is(err, apikey.ErrNotFound) {
		t.Fatalf("Revoke of alice's key by bob = %v, want ErrNotFound", err)
	}
	if err := f.m.Revoke(context.Background(), "alice", "nothere"); !errors.Is(err, apikey.ErrNotFound) {
		t.Fatalf("Revoke(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := f.m.Authenticate(withHeader("X-API-Key", first)); err != nil {
		t.Fatalf("Authenticate after a refused Revoke = %v, want nil", err)
	}
	if err := f.m.Revoke(context.Background(), "alice", k1.ID); err != nil {
		t.Fatalf("Revoke = %v, want nil", err)
	}
	if err := f.m.Revoke(context.Background(), "alice", k1.ID); err != nil {
		t.Fatalf("second Revoke = %v, want nil", err)
	}
	keys, _ = f.m.List(context.Background(), "alice")
	if keys[1].Active(f.clock.Now()) || !keys[0].Active(f.clock.Now()) {
		t.Fatalf("List after Revoke = %+v, want the first key revoked and the second active", keys)
	}
}

func TestChallenge(t *testing.T) {
	f := newFixture(t, apikey.Options{Realm: "orders"})
	if got, want := f.m.Challenge(), `Bearer realm="orders"`; got != want {
		t.Fatalf("Challenge = %q, want %q", got, want)
	}
}

func TestAudit(t *testing.T) {
	var mu sync.Mutex
	var events []auth.Event
	f := newFixture(t, apikey.Options{Auditor: auth.AuditorFunc(func(_ context.Context, e auth.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	})})
	plain, k := f.create(t, "alice", "orders:read")
	admin := auth.WithPrincipal(context.Background(), &auth.Principal{Subject: "root"})
	if err := f.m.Revoke(admin, "alice", k.ID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 {
		t.Fatalf("got %d events, want 2", len(events))
	}
	want := []struct{ action, actor string }{{auth.ActionKeyCreated, "alice"}, {auth.ActionKeyRevoked, "root"}}
	for i, e := range events {
		if e.Action != want[i].action || e.Actor != want[i].actor || e.Resource != k.ID || e.Attrs["owner"] != "alice" {
			t.Errorf("event %d = %+v, want %s by %s on %s", i, e, want[i].action, want[i].actor, k.ID)
		}
		secret := plain[len(plain)-apikey.SecretLen-apikey.ChecksumLen:]
		for _, v := range append([]string{e.Resource, e.Reason, e.Actor}, valuesOf(e.Attrs)...) {
			if strings.Contains(v, secret) {
				t.Fatalf("event %d holds the key's secret", i)
			}
		}
	}
	if events[0].Attrs["scopes"] != "orders:read" {
		t.Errorf("created scopes = %q, want orders:read", events[0].Attrs["scopes"])
	}
}

func valuesOf(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

type failingStore struct{ apikey.Store }

var errDown = errors.New("store down")

func (failingStore) Get(context.Context, string) (apikey.Key, bool, error) {
	return apikey.Key{}, false, errDown
}

func TestStoreFailureIsNotACredentialError(t *testing.T) {
	f := newFixture(t, apikey.Options{})
	plain, _ := f.create(t, "alice")
	m, err := apikey.New(failingStore{f.store}, apikey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Authenticate(withHeader("X-API-Key", plain))
	if !errors.Is(err, errDown) || errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("Authenticate over a failing store = %v, want the store's error only", err)
	}
}

// refused asserts that the request is not authenticated, with
// ErrInvalidCredentials.
func refused(t *testing.T, m *apikey.Manager, r *http.Request) {
	t.Helper()
	p, err := m.Authenticate(r)
	if p != nil || !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("Authenticate = %+v, %v, want nil, ErrInvalidCredentials", p, err)
	}
}

func TestAttack_WrongSecretWithValidPrefix(t *testing.T) {
	f := newFixture(t, apikey.Options{})
	plain, _ := f.create(t, "alice")
	// The attacker knows the prefix and ID (they are public) and can
	// compute the checksum of a guessed secret.
	body := plain[:len(plain)-apikey.ChecksumLen]
	guess := body[:len(body)-1] + flip(body[len(body)-1])
	forged := guess + apikey.Checksum(guess)
	if _, _, err := apikey.Parse(forged); err != nil {
		t.Fatalf("forged key does not parse: %v", err)
	}
	refused(t, f.m, withHeader("X-API-Key", forged))
	refused(t, f.m, withHeader("Authorization", "Bearer "+forged))
}

func TestAttack_RevokedKey(t *testing.T) {
	f := newFixture(t, apikey.Options{})
	plain, k := f.create(t, "alice")
	if err := f.m.Revoke(context.Background(), "alice", k.ID); err != nil {
		t.Fatal(err)
	}
	refused(t, f.m, withHeader("X-API-Key", plain))
}

func TestAttack_ExpiredKey(t *testing.T) {
	f := newFixture(t, apikey.Options{})
	plain, _, err := f.m.Create(context.Background(), "alice", nil, f.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Authenticate(withHeader("X-API-Key", plain)); err != nil {
		t.Fatalf("Authenticate before expiry = %v, want nil", err)
	}
	f.clock.Advance(time.Hour)
	refused(t, f.m, withHeader("X-API-Key", plain))
}

func TestAttack_KeyForAnotherPrefix(t *testing.T) {
	store := apikey.NewMemoryStore()
	staging, err := apikey.New(store, apikey.Options{Prefix: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	prod, err := apikey.New(store, apikey.Options{Prefix: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := staging.Create(context.Background(), "alice", nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// Even with the same store, a staging key does not open production.
	refused(t, prod, withHeader("X-API-Key", plain))
	// As a bearer token it is not a production key at all: left to other
	// authenticators, and not authenticated here.
	if p, err := prod.Authenticate(withHeader("Authorization", "Bearer "+plain)); p != nil || !errors.Is(err, auth.ErrNoCredentials) {
		t.Fatalf("Authenticate(Bearer staging key) = %+v, %v, want nil, ErrNoCredentials", p, err)
	}
	// Rewriting the prefix breaks the checksum and the hash.
	body := "prod" + plain[len("staging"):len(plain)-apikey.ChecksumLen]
	refused(t, prod, withHeader("X-API-Key", body+apikey.Checksum(body)))
}

func TestAttack_MalformedKeyCostsNoLookup(t *testing.T) {
	f := newFixture(t, apikey.Options{})
	plain, _ := f.create(t, "alice")
	for _, bad := range []string{
		plain[:len(plain)-1] + flip(plain[len(plain)-1]), // checksum
		plain[:20] + flip(plain[20]) + plain[21:],        // typo in the secret
		"keel_" + strings.Repeat("A", 200),
		"not a key",
	} {
		refused(t, f.m, withHeader("X-API-Key", bad))
	}
	if gets, _ := f.store.counts(); gets != 0 {
		t.Fatalf("store lookups for malformed keys = %d, want 0", gets)
	}
}
