package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/keel-go/keel/errors"
)

// CSRF protection of the actions: the standard library's cross-origin
// check (Sec-Fetch-Site, Origin) and, for every POST, a signed
// double-submit token.
const (
	// CSRFCookie is the name of the cookie holding the CSRF token.
	CSRFCookie = "keel_dashboard_csrf"
	// CSRFField is the form field in which an action carries the token.
	CSRFField = "csrf_token"
	// CodeCSRFRejected is the problem code of the 403 answering an action
	// that is cross-origin or lacks a valid token.
	CodeCSRFRejected = "csrf_rejected"
)

// The raw token is a random nonce followed by its HMAC-SHA256 under the
// handler's key, so that only tokens this dashboard issued count: a cookie
// planted from a sibling subdomain is refused.
const (
	nonceLen      = 16
	tokenLen      = nonceLen + sha256.Size
	maxFormBytes  = 16 << 10
	csrfMACDomain = "keel-dashboard-csrf-v1\x00"
)

var tokenEncoding = base64.RawURLEncoding.Strict()

var (
	errCrossOrigin = errors.Forbidden("cross-origin request refused").WithCode(CodeCSRFRejected)
	errBadToken    = errors.Forbidden("missing or invalid CSRF token: reload the page and try again").WithCode(CodeCSRFRejected)
)

type csrf struct {
	key  []byte
	path string
	cop  *http.CrossOriginProtection
}

type tokenCtxKey struct{}

func newCSRF(key []byte, prefix string) *csrf {
	return &csrf{key: key, path: prefix + "/", cop: http.NewCrossOriginProtection()}
}

// ensure returns r carrying the request's raw token, for the page's forms.
// When r's cookie holds no valid token it issues a new one in a session
// cookie (no Max-Age: it ends with the browser session), HttpOnly, scoped
// to the dashboard's path, SameSite=Lax so that cross-site posts do not
// carry it, and Secure when the request came over TLS.
func (c *csrf) ensure(w http.ResponseWriter, r *http.Request) *http.Request {
	raw := c.cookieToken(r)
	if raw == nil {
		raw = c.issue()
		http.SetCookie(w, &http.Cookie{
			Name:     CSRFCookie,
			Value:    tokenEncoding.EncodeToString(raw),
			Path:     c.path,
			HttpOnly: true,
			Secure:   r.TLS != nil,
			SameSite: http.SameSiteLaxMode,
		})
	}
	return r.WithContext(context.WithValue(r.Context(), tokenCtxKey{}, raw))
}

// formToken returns the token for a form of the page r renders, masked
// with a fresh pad so that a compressed page never repeats it (BREACH).
func formToken(r *http.Request) string {
	raw, _ := r.Context().Value(tokenCtxKey{}).([]byte)
	if len(raw) != tokenLen {
		return ""
	}
	buf := make([]byte, 2*tokenLen)
	pad, masked := buf[:tokenLen], buf[tokenLen:]
	rand.Read(pad)
	subtle.XORBytes(masked, raw, pad)
	return tokenEncoding.EncodeToString(buf)
}

// check refuses a cross-origin request, and a request whose form token is
// missing, malformed or not the one in its cookie.
func (c *csrf) check(w http.ResponseWriter, r *http.Request) error {
	if err := c.cop.Check(r); err != nil {
		return errCrossOrigin.WithCause(err)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return err
		}
		return errors.BadRequest("malformed form body").WithCause(err)
	}
	want := c.cookieToken(r)
	got, ok := unmask(r.PostForm.Get(CSRFField))
	if want == nil || !ok || subtle.ConstantTimeCompare(got, want) != 1 {
		return errBadToken
	}
	return nil
}

// cookieToken returns the raw token of r's cookie if this dashboard signed
// it, or nil.
func (c *csrf) cookieToken(r *http.Request) []byte {
	ck, err := r.Cookie(CSRFCookie)
	if err != nil || len(ck.Value) != tokenEncoding.EncodedLen(tokenLen) {
		return nil
	}
	raw, err := tokenEncoding.DecodeString(ck.Value)
	if err != nil || len(raw) != tokenLen {
		return nil
	}
	if !hmac.Equal(c.mac(raw[:nonceLen], nil), raw[nonceLen:]) {
		return nil
	}
	return raw
}

// issue returns a new raw token.
func (c *csrf) issue() []byte {
	raw := make([]byte, nonceLen, tokenLen)
	rand.Read(raw)
	return c.mac(raw, raw)
}

// mac appends the MAC of nonce to dst.
func (c *csrf) mac(nonce, dst []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(csrfMACDomain))
	m.Write(nonce)
	return m.Sum(dst)
}

// unmask decodes a form token and returns it raw; it checks the shape
// only.
func unmask(s string) ([]byte, bool) {
	if len(s) != tokenEncoding.EncodedLen(2*tokenLen) {
		return nil, false
	}
	b, err := tokenEncoding.DecodeString(s)
	if err != nil || len(b) != 2*tokenLen {
		return nil, false
	}
	raw := make([]byte, tokenLen)
	subtle.XORBytes(raw, b[tokenLen:], b[:tokenLen])
	return raw, true
}
