package apikey

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// Defaults of [Options].
const (
	// DefaultPrefix starts every key: keel_<id>_<secret><checksum>.
	DefaultPrefix = "keel"
	// DefaultHeader is the request header that carries a key besides
	// "Authorization: Bearer".
	DefaultHeader = "X-API-Key"
	// DefaultRealm is the realm of the WWW-Authenticate challenge.
	DefaultRealm = "api"
	// DefaultTouchInterval is how often, at most, a request records a
	// key's last use in the store.
	DefaultTouchInterval = time.Minute
)

// Errors of the package. Callers compare with [errors.Is].
// Authentication failures are reported as the auth package's sentinels,
// [auth.ErrNoCredentials] and [auth.ErrInvalidCredentials].
var (
	// ErrMalformed is returned by [Parse] for a string that is not a key
	// in the issued format, or whose checksum does not match.
	ErrMalformed = errors.New("apikey: malformed key")
	// ErrNotFound is returned by [Manager.Revoke] for a key that does not
	// exist or belongs to another owner.
	ErrNotFound = errors.New("apikey: not found")
	// ErrDuplicate is returned by [Store].Create when the ID is taken.
	ErrDuplicate = errors.New("apikey: duplicate key ID")
)

// Key is an API key as stored: everything but the secret, of which only
// the hash is kept.
type Key struct {
	// ID is the key's public identifier, the part after the prefix. It
	// names the key in lists, logs and [Manager.Revoke]; it is not a
	// secret.
	ID string
	// Owner is the user or service the key acts for.
	Owner string
	// Scopes are what the key may do; they become the principal's Scopes.
	Scopes []string
	// CreatedAt is when the key was issued.
	CreatedAt time.Time
	// ExpiresAt is when the key stops working; zero means never.
	ExpiresAt time.Time
	// LastUsedAt is the last recorded use, zero if never used. It lags by
	// up to [Options].TouchInterval.
	LastUsedAt time.Time
	// RevokedAt is when the key was revoked, zero while it is not.
	RevokedAt time.Time
	// Hash is the SHA-256 of the whole key. The key itself is never
	// stored.
	Hash []byte
}

// Active reports whether k can authenticate at now: not revoked and not
// expired.
func (k *Key) Active(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}

func (k Key) clone() Key {
	k.Scopes = slices.Clone(k.Scopes)
	k.Hash = slices.Clone(k.Hash)
	return k
}

// Options configures a [Manager]. Every zero field means its documented
// default.
type Options struct {
	// Prefix starts every key the Manager issues and is the only prefix
	// it accepts: 1 to [MaxPrefixLen] lower-case letters and digits. A
	// distinct prefix per product or environment ("acme", "acmetest")
	// lets secret scanners tell keys apart. Default: [DefaultPrefix].
	Prefix string
	// Header is the request header that carries a key, as an alternative
	// to "Authorization: Bearer <key>". Default: [DefaultHeader].
	Header string
	// Realm is the realm named in the WWW-Authenticate challenge.
	// Default: [DefaultRealm].
	Realm string
	// TouchInterval is the least time between two writes of a key's last
	// use: a key used many times a second costs one store write per
	// interval. Default: [DefaultTouchInterval].
	TouchInterval time.Duration
	// Now tells the time for expiry and last use. Default: time.Now.
	Now func() time.Time
	// Auditor records key creation and revocation. Default: nil, no
	// audit.
	Auditor auth.Auditor
}

// Manager issues, lists and revokes API keys kept in a [Store], and is the
// [auth.Authenticator] for them.
//
// Use [New]; the zero value is not usable. A Manager is safe for
// concurrent use and holds no resources of its own.
type Manager struct {
	store Store
	opts  Options
}

var (
	_ auth.Authenticator = (*Manager)(nil)
	_ auth.Challenger    = (*Manager)(nil)
)

// New returns a Manager over store, or an error naming the first invalid
// field of opts.
func New(store Store, opts Options) (*Manager, error) {
	if store == nil {
		return nil, errors.New("apikey: nil store")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Header == "" {
		opts.Header = DefaultHeader
	}
	if opts.Realm == "" {
		opts.Realm = DefaultRealm
	}
	if opts.TouchInterval == 0 {
		opts.TouchInterval = DefaultTouchInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch {
	case !validPrefix(opts.Prefix):
		return nil, fmt.Errorf("apikey: Prefix %q must be 1 to %d lower-case letters and digits", opts.Prefix, MaxPrefixLen)
	case http.CanonicalHeaderKey(opts.Header) == "Authorization" || strings.ContainsAny(opts.Header, " :\t\r\n"):
		return nil, fmt.Errorf("apikey: invalid Header %q", opts.Header)
	case strings.ContainsAny(opts.Realm, "\"\\\r\n"):
		return nil, fmt.Errorf("apikey: invalid Realm %q", opts.Realm)
	case opts.TouchInterval < 0:
		return nil, errors.New("apikey: TouchInterval must be positive")
	}
	opts.Header = http.CanonicalHeaderKey(opts.Header)
	return &Manager{store: store, opts: opts}, nil
}

// Create issues a key for owner with the given scopes, expiring at
// expires (zero: never). It returns the key in plain text, which is shown
// to the user once and never again (only its hash is stored), and the
// stored [Key].
func (m *Manager) Create(ctx context.Context, owner string, scopes []string, expires time.Time) (string, *Key, error) {
	now := m.opts.Now()
	switch {
	case owner == "":
		return "", nil, errors.New("apikey: empty owner")
	case !expires.IsZero() && !expires.After(now):
		return "", nil, errors.New("apikey: expiry in the past")
	}
	// A taken ID (62^8 of them) is retried rather than reported.
	for range 3 {
		plain, id := newKey(m.opts.Prefix)
		sum := sha256.Sum256([]byte(plain))
		k := Key{
			ID:        id,
			Owner:     owner,
			Scopes:    slices.Clone(scopes),
			CreatedAt: now,
			ExpiresAt: expires,
			Hash:      sum[:],
		}
		err := m.store.Create(ctx, k)
		if errors.Is(err, ErrDuplicate) {
			continue
		}
		if err != nil {
			return "", nil, err
		}
		m.audit(ctx, auth.ActionKeyCreated, owner, id, map[string]string{"scopes": strings.Join(scopes, " ")})
		return plain, &k, nil
	}
	return "", nil, errors.New("apikey: could not find a free key ID")
}

// Revoke revokes owner's key id for good. It returns [ErrNotFound] when
// there is no such key or it belongs to another owner, so that nobody
// revokes someone else's key by guessing its ID. Revoking a revoked key
// again is not an error.
func (m *Manager) Revoke(ctx context.Context, owner, id string) error {
	k, ok, err := m.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if !ok || k.Owner != owner {
		return ErrNotFound
	}
	if _, err := m.store.Revoke(ctx, id, m.opts.Now()); err != nil {
		return err
	}
	m.audit(ctx, auth.ActionKeyRevoked, owner, id, nil)
	return nil
}

// List returns owner's keys, revoked and expired ones included (see
// [Key.Active]), newest first.
func (m *Manager) List(ctx context.Context, owner string) ([]*Key, error) {
	keys, err := m.store.ListByOwner(ctx, owner)
	if err != nil {
		return nil, err
	}
	out := make([]*Key, len(keys))
	for i := range keys {
		out[i] = &keys[i]
	}
	slices.SortFunc(out, func(a, b *Key) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// Authenticate implements [auth.Authenticator]. It reads the key from the
// [Options].Header header, or else from "Authorization: Bearer <key>" when
// the bearer token starts with the Manager's prefix (any other bearer
// token is left to another authenticator: the error wraps
// [auth.ErrNoCredentials]).
//
// A malformed key, a key with another prefix, an unknown ID, a wrong
// secret, and a revoked or expired key all give an error wrapping
// [auth.ErrInvalidCredentials]. A valid key gives a principal acting for
// the key's owner: Subject is the owner, Kind [auth.KindAPIKey], Scopes
// the key's scopes, Methods [auth.MethodAPIKey], SessionID and the
// "api_key_id" attribute the key's ID.
func (m *Manager) Authenticate(r *http.Request) (*auth.Principal, error) {
	key, ok := m.credentials(r)
	if !ok {
		return nil, fmt.Errorf("apikey: no API key: %w", auth.ErrNoCredentials)
	}
	prefix, id, err := Parse(key)
	if err != nil {
		return nil, fmt.Errorf("apikey: malformed key: %w", auth.ErrInvalidCredentials)
	}
	if prefix != m.opts.Prefix {
		return nil, fmt.Errorf("apikey: key prefix %q is not %q: %w", prefix, m.opts.Prefix, auth.ErrInvalidCredentials)
	}
	ctx := r.Context()
	k, found, err := m.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(key))
	// The comparison runs, against a dummy hash, for an unknown ID too, so
	// the time taken does not tell whether the ID exists.
	want := k.Hash
	if !found || len(want) != len(sum) {
		want = make([]byte, len(sum))
	}
	if subtle.ConstantTimeCompare(sum[:], want) != 1 || !found {
		return nil, fmt.Errorf("apikey: key %s: unknown or wrong secret: %w", id, auth.ErrInvalidCredentials)
	}
	now := m.opts.Now()
	if !k.RevokedAt.IsZero() {
		return nil, fmt.Errorf("apikey: key %s: revoked: %w", id, auth.ErrInvalidCredentials)
	}
	if !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt) {
		return nil, fmt.Errorf("apikey: key %s: expired: %w", id, auth.ErrInvalidCredentials)
	}
	if now.Sub(k.LastUsedAt) >= m.opts.TouchInterval {
		if err := m.store.MarkUsed(ctx, id, now); err != nil {
			return nil, err
		}
	}
	return &auth.Principal{
		Subject:    k.Owner,
		Kind:       auth.KindAPIKey,
		Scopes:     k.Scopes,
		Attributes: map[string]any{"api_key_id": k.ID},
		Methods:    []auth.Method{auth.MethodAPIKey},
		SessionID:  k.ID,
	}, nil
}

// Challenge implements [auth.Challenger]: a Bearer challenge with the
// configured realm.
func (m *Manager) Challenge() string {
	return `Bearer realm="` + m.opts.Realm + `"`
}

// credentials returns the key the request carries, if any.
func (m *Manager) credentials(r *http.Request) (string, bool) {
	if v := strings.TrimSpace(r.Header.Get(m.opts.Header)); v != "" {
		return v, true
	}
	token, err := auth.BearerToken(r)
	if err != nil || !strings.HasPrefix(token, m.opts.Prefix+"_") {
		return "", false
	}
	return token, true
}

// audit records an event when an Auditor is configured. It names the key
// by ID, never by its secret. The actor is the authenticated caller of
// ctx (an administrator acting for the owner) or else the owner.
func (m *Manager) audit(ctx context.Context, action, owner, id string, attrs map[string]string) {
	if m.opts.Auditor == nil {
		return
	}
	actor := owner
	if p, ok := auth.FromContext(ctx); ok {
		actor = p.Subject
	}
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs["owner"] = owner
	e := auth.Event{
		Time:      m.opts.Now(),
		Actor:     actor,
		Action:    action,
		Resource:  id,
		Result:    auth.ResultSuccess,
		RequestID: reqctx.RequestID(ctx),
		Attrs:     attrs,
	}
	if ip := reqctx.ClientIP(ctx); ip.IsValid() {
		e.IP = ip.String()
	}
	m.opts.Auditor.Audit(ctx, e)
}
