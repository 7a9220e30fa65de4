package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// Defaults of [Options].
const (
	// DefaultCookieName is the session cookie's name. The __Host- prefix
	// makes browsers accept the cookie only when it is Secure, has Path=/
	// and no Domain, so neither a sibling subdomain nor a plain-http
	// attacker can plant or overwrite it.
	DefaultCookieName = "__Host-session"
	// DefaultScopedCookieName is the name used when [Options].Domain or
	// [Options].Path is set, which the __Host- prefix forbids; the
	// __Secure- prefix still demands a Secure cookie.
	DefaultScopedCookieName = "__Secure-session"
	// DefaultInsecureCookieName is the name used with
	// [Options].InsecureCookie, since both prefixes demand Secure.
	DefaultInsecureCookieName = "session"
	// DefaultIdleTimeout ends a session that has not been used for this
	// long.
	DefaultIdleTimeout = 30 * time.Minute
	// DefaultAbsoluteTimeout ends a session this long after login, however
	// active it is.
	DefaultAbsoluteTimeout = 12 * time.Hour
	// DefaultTouchInterval is how often, at most, a request records the
	// session's last activity in the store.
	DefaultTouchInterval = time.Minute
	// MaxDataSize is the largest [Session].Data accepted by
	// [Manager.Save], counted as the sum of the lengths of its keys and
	// values. Sessions hold identifiers and flags, not documents.
	MaxDataSize = 16 << 10
)

// Errors returned by the [Manager]. Callers compare with [errors.Is].
// Authentication failures are reported as the auth package's sentinels,
// [auth.ErrNoCredentials] and [auth.ErrInvalidCredentials].
var (
	// ErrNotFound is returned by [Manager.Revoke] for a session that does
	// not exist or belongs to another user, and by [Manager.Save] for a
	// session that ended meanwhile.
	ErrNotFound = errors.New("session: not found")
	// ErrDataTooLarge is returned by [Manager.Save] when the session's
	// data exceeds [MaxDataSize].
	ErrDataTooLarge = errors.New("session: data too large")
)

// tokenBytes is the size of a session token: 256 random bits.
const tokenBytes = 32

// tokenLen is the length of a token in its cookie form (unpadded
// base64url).
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// Options configures a [Manager]. Every zero field means its documented
// default.
type Options struct {
	// CookieName is the name of the session cookie. A name with the
	// __Host- prefix requires a Secure cookie with Path "/" and no Domain;
	// one with the __Secure- prefix requires a Secure cookie. Default:
	// [DefaultCookieName]; [DefaultScopedCookieName] when Domain or Path is
	// set; [DefaultInsecureCookieName] with InsecureCookie.
	CookieName string
	// InsecureCookie drops the Secure attribute so that the cookie works
	// over plain http, for local development only: over http anyone on
	// the network can read the cookie. Default: false (Secure).
	InsecureCookie bool
	// Domain is the cookie's Domain attribute, which shares the session
	// with subdomains. Default: none (the cookie goes back only to the
	// host that set it).
	Domain string
	// Path is the cookie's Path attribute. Default: "/".
	Path string
	// SameSite is the cookie's SameSite attribute. SameSiteNoneMode
	// requires a Secure cookie. Default: http.SameSiteLaxMode, which keeps
	// the cookie out of cross-site subrequests and form posts while
	// top-level links into the site still arrive logged in.
	SameSite http.SameSite
	// Persistent gives the cookie an expiry (the session's absolute end),
	// so that it survives a browser restart. Default: false, a cookie that
	// the browser drops when it closes; the server ends the session at its
	// timeouts either way.
	Persistent bool
	// IdleTimeout ends a session not used for this long. Default:
	// [DefaultIdleTimeout].
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after login; activity and
	// renewal never extend it. It must not be shorter than IdleTimeout.
	// Default: [DefaultAbsoluteTimeout].
	AbsoluteTimeout time.Duration
	// TouchInterval is the least time between two writes of a session's
	// last activity: a session used many times a second costs one store
	// write per interval, not one per request. The idle timeout counts
	// from the last write, so a session may end up to TouchInterval
	// earlier than IdleTimeout after its last request. It must be shorter
	// than IdleTimeout. Default: [DefaultTouchInterval].
	TouchInterval time.Duration
	// Now tells the time for timeouts. Default: time.Now.
	Now func() time.Time
	// Auditor records session creation, logout and revocation. Default:
	// nil, no audit.
	Auditor auth.Auditor
}

// Session is one user's server-side session as the [Manager] hands it
// out. Change Data and call [Manager.Save] to keep the change.
type Session struct {
	// ID is the session's public handle: the hash of its token, which
	// cannot be turned back into a working cookie. It is the
	// [auth.Principal].SessionID of requests made with the session and the
	// argument of [Manager.Revoke].
	ID string
	// UserID is the subject the session belongs to.
	UserID string
	// Principal is the caller as given at login or renewal.
	Principal *auth.Principal
	// Data is the application's small string map; never nil.
	Data map[string]string
	// CreatedAt is when the session began (the login).
	CreatedAt time.Time
	// LastSeen is the last recorded activity.
	LastSeen time.Time
	// ExpiresAt is when the session ends unless it is used before.
	ExpiresAt time.Time
}

// Manager creates, loads, renews and ends server-side sessions kept in a
// [Store], with their token in a cookie. It is also an
// [auth.Authenticator] for the session cookie.
//
// Use [New]; the zero value is not usable. A Manager is safe for
// concurrent use and holds no resources of its own: the store is the
// caller's to close.
type Manager struct {
	store Store
	opts  Options
}

var _ auth.Authenticator = (*Manager)(nil)

// New returns a Manager over store, or an error naming the first invalid
// field of opts.
func New(store Store, opts Options) (*Manager, error) {
	if store == nil {
		return nil, errors.New("session: nil store")
	}
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Manager{store: store, opts: opts}, nil
}

func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = "/"
	}
	if o.CookieName == "" {
		switch {
		case o.InsecureCookie:
			o.CookieName = DefaultInsecureCookieName
		case o.Domain != "" || o.Path != "/":
			o.CookieName = DefaultScopedCookieName
		default:
			o.CookieName = DefaultCookieName
		}
	}
	if o.SameSite == 0 {
		o.SameSite = http.SameSiteLaxMode
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.AbsoluteTimeout == 0 {
		o.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if o.TouchInterval == 0 {
		o.TouchInterval = min(DefaultTouchInterval, o.IdleTimeout/2)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func (o Options) validate() error {
	c := http.Cookie{Name: o.CookieName, Value: "x", Path: o.Path, Domain: o.Domain}
	if err := c.Valid(); err != nil {
		return fmt.Errorf("session: invalid cookie options: %w", err)
	}
	switch {
	case !strings.HasPrefix(o.Path, "/"):
		return errors.New("session: Path must start with /")
	case strings.HasPrefix(o.CookieName, "__Host-") && (o.InsecureCookie || o.Domain != "" || o.Path != "/"):
		return errors.New("session: a __Host- CookieName needs a Secure cookie with Path / and no Domain")
	case strings.HasPrefix(o.CookieName, "__Secure-") && o.InsecureCookie:
		return errors.New("session: a __Secure- CookieName needs a Secure cookie")
	case o.SameSite == http.SameSiteNoneMode && o.InsecureCookie:
		return errors.New("session: SameSite None needs a Secure cookie")
	case o.IdleTimeout < 0:
		return errors.New("session: IdleTimeout must be positive")
	case o.AbsoluteTimeout < o.IdleTimeout:
		return errors.New("session: AbsoluteTimeout must not be shorter than IdleTimeout")
	case o.TouchInterval < 0 || o.TouchInterval >= o.IdleTimeout:
		return errors.New("session: TouchInterval must be positive and shorter than IdleTimeout")
	}
	return nil
}

// CookieName returns the name of the session cookie.
func (m *Manager) CookieName() string { return m.opts.CookieName }

// Create starts a session for p after a successful login and sets its
// cookie on w. p.Subject is required; p is copied.
//
// A session the request r already carried is destroyed first, and the new
// session always has a fresh token: a token planted in the browser before
// login (session fixation) is never the one that ends up authenticated. r
// may be nil when there is no request to look at.
func (m *Manager) Create(ctx context.Context, w http.ResponseWriter, r *http.Request, p *auth.Principal) (*Session, error) {
	if p == nil || p.Subject == "" {
		return nil, errors.New("session: principal without subject")
	}
	if r != nil {
		if id, ok := m.cookieID(r); ok {
			if err := m.store.Delete(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	now := m.opts.Now()
	rec := Record{
		UserID:    p.Subject,
		Principal: p.Clone(),
		Data:      map[string]string{},
		CreatedAt: now,
		LastSeen:  now,
	}
	rec.ExpiresAt = m.expiresAt(rec)
	token, err := m.insert(ctx, &rec)
	if err != nil {
		return nil, err
	}
	m.setCookie(w, token, rec)
	m.audit(ctx, r, auth.ActionSessionCreated, rec.UserID, rec.ID, nil)
	return toSession(rec), nil
}

// StartSession is [Manager.Create] without the returned session. It lets a
// Manager end a sign-in flow that only needs to start a session, such as
// the one of package oidcauth.
func (m *Manager) StartSession(ctx context.Context, w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_, err := m.Create(ctx, w, r, p)
	return err
}

// Load returns the live session of the request's cookie and records the
// activity (at most once per [Options].TouchInterval). Its errors wrap
// [auth.ErrNoCredentials] when the request has no session cookie and
// [auth.ErrInvalidCredentials] when the cookie is malformed, unknown,
// logged out, revoked or past a timeout; any other error is the store's.
func (m *Manager) Load(ctx context.Context, r *http.Request) (*Session, error) {
	rec, err := m.load(ctx, r)
	if err != nil {
		return nil, err
	}
	return toSession(rec), nil
}

// Authenticate implements [auth.Authenticator]: it loads the request's
// session as [Manager.Load] does and returns its principal, with
// [auth.MethodSession] among its Methods and the session's ID as its
// SessionID.
func (m *Manager) Authenticate(r *http.Request) (*auth.Principal, error) {
	rec, err := m.load(r.Context(), r)
	if err != nil {
		return nil, err
	}
	p := rec.Principal.Clone()
	if p == nil {
		p = &auth.Principal{Subject: rec.UserID, Kind: auth.KindUser}
	}
	if !p.HasMethod(auth.MethodSession) {
		p.Methods = append(p.Methods, auth.MethodSession)
	}
	p.SessionID = rec.ID
	return p, nil
}

// Save stores the Data of s (and its Principal, which must keep the same
// Subject). It returns [ErrNotFound] when the session ended meanwhile and
// [ErrDataTooLarge] when Data exceeds [MaxDataSize].
func (m *Manager) Save(ctx context.Context, s *Session) error {
	size := 0
	for k, v := range s.Data {
		size += len(k) + len(v)
	}
	if size > MaxDataSize {
		return ErrDataTooLarge
	}
	if s.Principal != nil && s.Principal.Subject != s.UserID {
		return errors.New("session: Save cannot change the principal's subject")
	}
	ok, err := m.store.Update(ctx, Record{ID: s.ID, UserID: s.UserID, Principal: s.Principal, Data: s.Data})
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	return nil
}

// Renew gives the request's session a new token, keeping its data and its
// creation time (so the absolute timeout still counts from login), and
// sets the new cookie on w; the old token stops working. Call it when the
// user's privileges change (a second factor, a role granted, a password
// changed). A non-nil p replaces the session's principal and must have the
// same Subject; a nil p keeps it. Errors are those of [Manager.Load].
func (m *Manager) Renew(ctx context.Context, w http.ResponseWriter, r *http.Request, p *auth.Principal) (*Session, error) {
	old, err := m.load(ctx, r)
	if err != nil {
		return nil, err
	}
	if p != nil && p.Subject != old.UserID {
		return nil, errors.New("session: Renew cannot change the principal's subject")
	}
	rec := old.Clone()
	if p != nil {
		rec.Principal = p.Clone()
	}
	rec.LastSeen = m.opts.Now()
	rec.ExpiresAt = m.expiresAt(rec)
	token, err := m.insert(ctx, &rec)
	if err != nil {
		return nil, err
	}
	if err := m.store.Delete(ctx, old.ID); err != nil {
		// The new session exists but the old token still works: undo, so
		// that the caller's retry does not leave two live sessions.
		_ = m.store.Delete(ctx, rec.ID)
		return nil, err
	}
	m.setCookie(w, token, rec)
	m.audit(ctx, r, auth.ActionSessionCreated, rec.UserID, rec.ID, map[string]string{"renewed_from": old.ID})
	return toSession(rec), nil
}

// Destroy logs out: it deletes the request's session from the store and
// expires its cookie on w, so the old cookie no longer works even if it
// was copied. A request without a live session only gets the cookie
// expired. The error is the store's.
func (m *Manager) Destroy(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	id, ok := m.cookieID(r)
	if ok {
		rec, found, err := m.store.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := m.store.Delete(ctx, id); err != nil {
			return err
		}
		if found {
			m.audit(ctx, r, auth.ActionLogout, rec.UserID, rec.ID, nil)
		}
	}
	http.SetCookie(w, m.cookie("", -1, time.Time{}))
	return nil
}

// List returns userID's live sessions, most recently used first.
func (m *Manager) List(ctx context.Context, userID string) ([]*Session, error) {
	recs, err := m.store.ListByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := m.opts.Now()
	out := make([]*Session, 0, len(recs))
	for _, rec := range recs {
		if m.alive(rec, now) {
			out = append(out, toSession(rec))
		}
	}
	slices.SortFunc(out, func(a, b *Session) int { return b.LastSeen.Compare(a.LastSeen) })
	return out, nil
}

// Revoke ends userID's session with the given ID (a [Session].ID, as
// listed by [Manager.List]). It returns [ErrNotFound] when there is no
// such session or it belongs to another user, so that a user cannot end
// someone else's session by guessing.
func (m *Manager) Revoke(ctx context.Context, userID, id string) error {
	rec, ok, err := m.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if !ok || rec.UserID != userID {
		return ErrNotFound
	}
	if err := m.store.Delete(ctx, id); err != nil {
		return err
	}
	m.audit(ctx, nil, auth.ActionSessionRevoked, userID, id, nil)
	return nil
}

// RevokeAll ends every session of userID (after a password change, or on
// "log out everywhere") and returns how many there were.
func (m *Manager) RevokeAll(ctx context.Context, userID string) (int, error) {
	n, err := m.store.DeleteByUser(ctx, userID)
	if err != nil {
		return 0, err
	}
	m.audit(ctx, nil, auth.ActionSessionRevoked, userID, "", map[string]string{"count": strconv.Itoa(n)})
	return n, nil
}

// load reads, checks and touches the request's session.
func (m *Manager) load(ctx context.Context, r *http.Request) (Record, error) {
	c, err := r.Cookie(m.opts.CookieName)
	if err != nil {
		return Record{}, fmt.Errorf("session: no session cookie: %w", auth.ErrNoCredentials)
	}
	id, ok := tokenID(c.Value)
	if !ok {
		return Record{}, fmt.Errorf("session: malformed session cookie: %w", auth.ErrInvalidCredentials)
	}
	rec, ok, err := m.store.Get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if !ok {
		return Record{}, fmt.Errorf("session: unknown or ended session: %w", auth.ErrInvalidCredentials)
	}
	now := m.opts.Now()
	if !m.alive(rec, now) {
		if err := m.store.Delete(ctx, id); err != nil {
			return Record{}, err
		}
		return Record{}, fmt.Errorf("session: session timed out: %w", auth.ErrInvalidCredentials)
	}
	if now.Sub(rec.LastSeen) >= m.opts.TouchInterval {
		rec.LastSeen = now
		rec.ExpiresAt = m.expiresAt(rec)
		ok, err := m.store.Touch(ctx, id, rec.LastSeen, rec.ExpiresAt)
		if err != nil {
			return Record{}, err
		}
		if !ok {
			return Record{}, fmt.Errorf("session: session ended: %w", auth.ErrInvalidCredentials)
		}
	}
	return rec, nil
}

// alive reports whether rec is within both timeouts at now.
func (m *Manager) alive(rec Record, now time.Time) bool {
	return now.Before(rec.CreatedAt.Add(m.opts.AbsoluteTimeout)) &&
		now.Before(rec.LastSeen.Add(m.opts.IdleTimeout))
}

// expiresAt returns when rec ends unless it is used again.
func (m *Manager) expiresAt(rec Record) time.Time {
	idle := rec.LastSeen.Add(m.opts.IdleTimeout)
	abs := rec.CreatedAt.Add(m.opts.AbsoluteTimeout)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// insert gives rec a fresh token, stores it and returns the token.
func (m *Manager) insert(ctx context.Context, rec *Record) (string, error) {
	var raw [tokenBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	rec.ID = hashToken(raw[:])
	if err := m.store.Create(ctx, *rec); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// cookieID returns the store ID of the request's session cookie, if it
// carries a well-formed one.
func (m *Manager) cookieID(r *http.Request) (string, bool) {
	c, err := r.Cookie(m.opts.CookieName)
	if err != nil {
		return "", false
	}
	return tokenID(c.Value)
}

// setCookie sets the session cookie for token on w.
func (m *Manager) setCookie(w http.ResponseWriter, token string, rec Record) {
	var expires time.Time
	if m.opts.Persistent {
		expires = rec.CreatedAt.Add(m.opts.AbsoluteTimeout)
	}
	http.SetCookie(w, m.cookie(token, 0, expires))
}

func (m *Manager) cookie(value string, maxAge int, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name:     m.opts.CookieName,
		Value:    value,
		Path:     m.opts.Path,
		Domain:   m.opts.Domain,
		Expires:  expires,
		MaxAge:   maxAge,
		Secure:   !m.opts.InsecureCookie,
		HttpOnly: true,
		SameSite: m.opts.SameSite,
	}
}

// audit records an event when an Auditor is configured. It carries the
// session's handle, never its token.
func (m *Manager) audit(ctx context.Context, r *http.Request, action, actor, resource string, attrs map[string]string) {
	if m.opts.Auditor == nil {
		return
	}
	e := auth.Event{
		Time:      m.opts.Now(),
		Actor:     actor,
		Action:    action,
		Resource:  resource,
		Result:    auth.ResultSuccess,
		RequestID: reqctx.RequestID(ctx),
		Attrs:     attrs,
	}
	if ip := reqctx.ClientIP(ctx); ip.IsValid() {
		e.IP = ip.String()
	}
	if r != nil {
		e.UserAgent = r.UserAgent()
	}
	m.opts.Auditor.Audit(ctx, e)
}

// tokenID parses a cookie value and returns its store ID. Only the exact
// form the Manager issues is accepted: 43 characters of canonical
// unpadded base64url holding 32 bytes.
func tokenID(value string) (string, bool) {
	if len(value) != tokenLen {
		return "", false
	}
	var raw [tokenBytes]byte
	n, err := base64.RawURLEncoding.Strict().Decode(raw[:], []byte(value))
	if err != nil || n != tokenBytes {
		return "", false
	}
	return hashToken(raw[:]), true
}

// hashToken returns the store ID of a raw token: its SHA-256, in unpadded
// base64url.
func hashToken(raw []byte) string {
	sum := sha256.Sum256(raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func toSession(rec Record) *Session {
	rec = rec.Clone()
	if rec.Data == nil {
		rec.Data = map[string]string{}
	}
	return &Session{
		ID:        rec.ID,
		UserID:    rec.UserID,
		Principal: rec.Principal,
		Data:      rec.Data,
		CreatedAt: rec.CreatedAt,
		LastSeen:  rec.LastSeen,
		ExpiresAt: rec.ExpiresAt,
	}
}
