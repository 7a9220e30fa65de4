package oidcauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/keel-go/keel/errors"
)

// maxReturnLen bounds the return path a login carries.
const maxReturnLen = 2048

// errBadFlow is returned by openFlow for a cookie that was not sealed by
// this relying party's key, was altered, or has expired.
var errBadFlow = errors.New("oidcauth: invalid or expired sign-in state")

// flow is what a login remembers until its callback, in an encrypted
// cookie bound to the browser that started it.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Return   string `json:"r"`
	Expires  int64  `json:"e"` // Unix seconds
}

// sealer encrypts and authenticates flows with AES-256-GCM; the cookie
// name is the additional data, so a value sealed for one cookie does not
// open as another.
type sealer struct {
	aead cipher.AEAD
	name string
}

func newSealer(key []byte, name string) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, name: name}, nil
}

// seal returns the cookie value for f: base64url(nonce || ciphertext).
func (s *sealer) seal(f flow) (string, error) {
	plain, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(s.name))), nil
}

// open decrypts a cookie value and checks its expiry against now. Any
// failure is errBadFlow.
func (s *sealer) open(value string, now time.Time) (flow, error) {
	if len(value) > 4096 {
		return flow{}, errBadFlow
	}
	data, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(data) < s.aead.NonceSize()+s.aead.Overhead() {
		return flow{}, errBadFlow
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, data[:n], data[n:], []byte(s.name))
	if err != nil {
		return flow{}, errBadFlow
	}
	var f flow
	if err := json.Unmarshal(plain, &f); err != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return flow{}, errBadFlow
	}
	if now.Unix() >= f.Expires || !safeReturn(f.Return) {
		return flow{}, errBadFlow
	}
	return f, nil
}

// safeReturn reports whether s is a local path the callback may redirect
// to: it starts with a single "/", has no backslash or control character
// (which browsers drop or read as "/", turning "/\evil.example" or
// "/\t/evil.example" into "//evil.example"), and parses as a URL without
// scheme, host or user. Anything else could send the user to another
// site after sign-in (an open redirect).
func safeReturn(s string) bool {
	if s == "" || len(s) > maxReturnLen || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == "" && strings.HasPrefix(u.Path, "/")
}
