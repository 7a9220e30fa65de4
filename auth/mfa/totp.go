package mfa

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/binary"
	"hash"
	"net/url"
	"strconv"
	"strings"
)

// SecretLen is the size, in bytes, of the secrets [GenerateSecret] makes:
// 160 bits, as RFC 4226 recommends.
const SecretLen = 20

// Limits on the secrets a [Verifier] accepts, in bytes: RFC 4226 requires
// at least 128 bits.
const (
	minSecretLen = 16
	maxSecretLen = 128
)

// maxCodeInput is the longest user-typed code, in bytes, [ParseCode]
// reads; anything longer is refused without further work.
const maxCodeInput = 64

// Algorithm is the HMAC hash of a TOTP code.
type Algorithm string

// The algorithms of RFC 6238. Authenticator apps support SHA1 everywhere
// and the others in places: keep the default unless every user's app
// supports another.
const (
	SHA1   Algorithm = "SHA1"
	SHA256 Algorithm = "SHA256"
	SHA512 Algorithm = "SHA512"
)

// newHash returns the hash constructor of a, or nil for an unknown one.
func (a Algorithm) newHash() func() hash.Hash {
	switch a {
	case SHA1:
		return sha1.New
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return nil
}

// b32 is the secret encoding of otpauth URIs: base32 without padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// GenerateSecret returns a new TOTP secret: 20 bytes from crypto/rand,
// base32-encoded without padding (32 characters), as authenticator apps
// expect it. Store it encrypted: whoever reads it can make codes.
func GenerateSecret() (string, error) {
	b := make([]byte, SecretLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return b32.EncodeToString(b), nil
}

// decodeSecret decodes a base32 secret, ignoring case and spaces, and
// checks its length.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.ReplaceAll(secret, " ", ""))
	s = strings.TrimRight(s, "=")
	if len(s) > b32.EncodedLen(maxSecretLen) {
		return nil, ErrMalformedSecret
	}
	key, err := b32.DecodeString(s)
	if err != nil || len(key) < minSecretLen {
		return nil, ErrMalformedSecret
	}
	return key, nil
}

// hotp computes the RFC 4226 code of key for counter, with digits digits,
// into dst (len digits).
func hotp(newHash func() hash.Hash, key []byte, counter uint64, digits int, dst []byte) {
	mac := hmac.New(newHash, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	for i := digits - 1; i >= 0; i-- {
		dst[i] = byte('0' + bin%10)
		bin /= 10
	}
}

// ParseCode reads a code as a user typed it: spaces, tabs and dashes
// anywhere are dropped ("123 456", "123-456"), and what remains must be
// exactly digits ASCII digits. It returns the digits and whether the input
// was a code. Input over 64 bytes is refused.
func ParseCode(s string, digits int) (string, bool) {
	if len(s) > maxCodeInput || digits < 1 {
		return "", false
	}
	var buf [maxCodeInput]byte
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '-':
		case c >= '0' && c <= '9':
			buf[n] = c
			n++
		default:
			return "", false
		}
	}
	if n != digits {
		return "", false
	}
	return string(buf[:n]), true
}

// provisioningURI builds the otpauth URI of Google Authenticator's Key Uri
// Format.
func provisioningURI(issuer, account, secret string, alg Algorithm, digits int, periodSec int64) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(uriEscape(issuer))
	b.WriteByte(':')
	b.WriteString(uriEscape(account))
	b.WriteString("?secret=")
	b.WriteString(uriEscape(secret))
	b.WriteString("&issuer=")
	b.WriteString(uriEscape(issuer))
	b.WriteString("&algorithm=")
	b.WriteString(string(alg))
	b.WriteString("&digits=")
	b.WriteString(strconv.Itoa(digits))
	b.WriteString("&period=")
	b.WriteString(strconv.FormatInt(periodSec, 10))
	return b.String()
}

// uriEscape percent-encodes s for a label or a query value, with spaces as
// %20 (apps differ on '+') and ':' escaped, since it separates the
// issuer from the account in the label.
func uriEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
