package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/auth/password"
)

// user is an account of the directory. A user ID is the lower-case
// username, to keep the walkthrough short; a real directory keeps a
// stable ID apart from a name the user may change.
type user struct {
	ID         string
	Hash       string // argon2id, PHC string
	Roles      []string
	TOTPSecret string // base32; empty when the user has no second factor
}

// userStore is an in-memory user directory standing in for a database.
// It is safe for concurrent use.
type userStore struct {
	mu    sync.RWMutex
	users map[string]user
}

// demoUser is an account seeded at start-up.
type demoUser struct {
	username, password string
	roles              []string
	totp               bool
}

// demoUsers are the seeded accounts: their passwords are public, as in
// the walkthrough of main.go.
func demoUsers() []demoUser {
	return []demoUser{
		{"alice", "alice-demo-password", []string{"admin"}, true},
		{"bob", "bob-demo-password", []string{"analyst"}, false},
		{"carol", "carol-demo-password", []string{"member"}, false},
	}
}

// newUserStore returns an empty directory.
func newUserStore() *userStore {
	return &userStore{users: make(map[string]user)}
}

// seed adds the demo users: it hashes each password with hasher and gives
// the users that have a second factor a fresh TOTP secret. It logs each
// user, with the TOTP secret and its otpauth URI so that a person can add
// it to an authenticator app: a demo convenience only, since whoever reads
// a TOTP secret can make codes.
func (s *userStore) seed(ctx context.Context, hasher *password.Hasher, totp *mfa.Verifier, logger zerolog.Logger) error {
	for _, d := range demoUsers() {
		hash, err := hasher.Hash(ctx, d.password)
		if err != nil {
			return fmt.Errorf("seed %s: %w", d.username, err)
		}
		u := user{ID: d.username, Hash: hash, Roles: d.roles}
		ev := logger.Info().Str("username", d.username).Strs("roles", d.roles)
		if d.totp {
			if u.TOTPSecret, err = mfa.GenerateSecret(); err != nil {
				return fmt.Errorf("seed %s: %w", d.username, err)
			}
			ev = ev.Str("totp_secret", u.TOTPSecret).Str("totp_uri", totp.ProvisioningURI(d.username, u.TOTPSecret))
		}
		s.mu.Lock()
		s.users[u.ID] = u
		s.mu.Unlock()
		ev.Msg("seeded user")
	}
	return nil
}

// byUsername returns the user who logs in as username, compared without
// case and surrounding spaces.
func (s *userStore) byUsername(username string) (user, bool) {
	return s.byID(strings.ToLower(strings.TrimSpace(username)))
}

// byID returns the user with id.
func (s *userStore) byID(id string) (user, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.users[id]
	u.Roles = slices.Clone(u.Roles)
	return u, ok
}

// setHash replaces a user's password hash, after a login upgraded it.
func (s *userStore) setHash(id, hash string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[id]; ok {
		u.Hash = hash
		s.users[id] = u
	}
}

// delete removes the user with id and reports whether there was one.
func (s *userStore) delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.users[id]
	delete(s.users, id)
	return ok
}

// reload gives a refreshed token pair the user's current roles, and
// refuses the refresh of a user deleted since the login.
func (s *userStore) reload(_ context.Context, p *auth.Principal) (*auth.Principal, error) {
	u, ok := s.byID(p.Subject)
	if !ok {
		return nil, fmt.Errorf("%w: user %s no longer exists", auth.ErrInvalidCredentials, p.Subject)
	}
	p = p.Clone()
	p.Roles = u.Roles
	return p, nil
}
