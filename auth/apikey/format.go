package apikey

import (
	"crypto/rand"
	"hash/crc32"
	"strings"
)

// The parts of a key, after the prefix: <prefix>_<id>_<secret><checksum>.
const (
	// IDLen is the length of a key's public ID.
	IDLen = 8
	// SecretLen is the length of a key's secret: 43 base62 characters
	// carry 256 bits.
	SecretLen = 43
	// ChecksumLen is the length of the checksum that ends a key: the
	// CRC-32 of everything before it, in base62.
	ChecksumLen = 6
	// MaxPrefixLen is the longest prefix accepted.
	MaxPrefixLen = 16
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Parse splits a key in the format [Manager.Create] issues,
//
//	<prefix>_<id>_<secret><checksum>
//
// into its prefix and ID, after checking the shape of every part and the
// checksum. It says nothing about whether the key exists: it lets a
// malformed or mistyped key be refused without a store lookup, and lets a
// secret scanner recognise keys. The error wraps [ErrMalformed].
func Parse(key string) (prefix, id string, err error) {
	// At most prefix, '_', ID, '_', secret and checksum.
	if len(key) > MaxPrefixLen+1+IDLen+1+SecretLen+ChecksumLen {
		return "", "", ErrMalformed
	}
	prefix, rest, ok := strings.Cut(key, "_")
	if !ok || !validPrefix(prefix) {
		return "", "", ErrMalformed
	}
	id, tail, ok := strings.Cut(rest, "_")
	if !ok || len(id) != IDLen || len(tail) != SecretLen+ChecksumLen || !isBase62(id) || !isBase62(tail) {
		return "", "", ErrMalformed
	}
	body := key[:len(key)-ChecksumLen]
	if checksum(body) != key[len(body):] {
		return "", "", ErrMalformed
	}
	return prefix, id, nil
}

// validPrefix reports whether p is 1 to MaxPrefixLen lower-case letters
// and digits.
func validPrefix(p string) bool {
	if p == "" || len(p) > MaxPrefixLen {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// checksum returns the CRC-32 (IEEE) of body in ChecksumLen base62
// digits, most significant first.
func checksum(body string) string {
	n := crc32.ChecksumIEEE([]byte(body))
	var b [ChecksumLen]byte
	for i := ChecksumLen - 1; i >= 0; i-- {
		b[i] = base62[n%62]
		n /= 62
	}
	return string(b[:])
}

// randomBase62 returns n characters drawn uniformly from base62 with
// crypto/rand: bytes of 248 or more are dropped so that every character
// is equally likely.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:]) // never fails (crypto/rand, Go 1.24+)
		for _, c := range buf {
			if c < 248 && len(out) < n {
				out = append(out, base62[c%62])
			}
		}
	}
	return string(out)
}

// newKey returns a fresh key with the given prefix, and its ID.
func newKey(prefix string) (key, id string) {
	id = randomBase62(IDLen)
	body := prefix + "_" + id + "_" + randomBase62(SecretLen)
	return body + checksum(body), id
}
