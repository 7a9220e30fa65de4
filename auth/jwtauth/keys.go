package jwtauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/golang-jwt/jwt/v5"
)

// The signature algorithms jwtauth issues and verifies (RFC 7518 names).
const (
	HS256 = "HS256" // HMAC with SHA-256; a shared secret of at least 32 bytes
	RS256 = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256; RSA keys of 2048 bits or more
	ES256 = "ES256" // ECDSA on P-256 with SHA-256
	EdDSA = "EdDSA" // Ed25519
)

// Key sizes jwtauth accepts and generates.
const (
	// MinHMACKeySize is the shortest HS256 secret accepted, in bytes: the
	// size of the SHA-256 output (RFC 7518 section 3.2).
	MinHMACKeySize = 32
	// MinRSAKeyBits is the smallest RSA modulus accepted.
	MinRSAKeyBits = 2048
	// MaxRSAKeyBits is the largest RSA modulus accepted, so that a key
	// from a remote JWKS cannot make every verification expensive.
	MaxRSAKeyBits = 8192
)

// Key is one signing or verification key with its key ID (kid) and the one
// algorithm it may be used with. A key built from private material (an HMAC
// secret, an RSA, ECDSA or Ed25519 private key) signs and verifies; a key
// built from a public key only verifies.
//
// Build a Key with [GenerateKey], [NewHMACKey], [NewSigningKey] or
// [NewVerificationKey]; the zero value is not usable. A Key is immutable and
// safe for concurrent use.
type Key struct {
	id     string
	alg    string
	method jwt.SigningMethod
	// sign is what the signing method signs with: []byte for HS256, the
	// private key otherwise; nil for a verification-only key.
	sign any
	// verify is what the signing method verifies with: []byte for HS256,
	// *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey otherwise.
	verify any
}

// GenerateKey returns a new random key for alg (HS256, RS256, ES256 or
// EdDSA) with key ID kid, or a random key ID when kid is empty. RS256 keys
// have 2048 bits; HS256 secrets are 32 random bytes.
func GenerateKey(alg, kid string) (*Key, error) {
	if kid == "" {
		kid = randomID()
	}
	switch alg {
	case HS256:
		secret := make([]byte, MinHMACKeySize)
		_, _ = rand.Read(secret)
		return NewHMACKey(kid, secret)
	case RS256:
		priv, err := rsa.GenerateKey(rand.Reader, MinRSAKeyBits)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: generate RSA key: %w", err)
		}
		return NewSigningKey(kid, priv)
	case ES256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: generate ECDSA key: %w", err)
		}
		return NewSigningKey(kid, priv)
	case EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: generate Ed25519 key: %w", err)
		}
		return NewSigningKey(kid, priv)
	}
	return nil, fmt.Errorf("jwtauth: unsupported algorithm %q", alg)
}

// NewHMACKey returns an HS256 key with key ID kid. The secret must be at
// least [MinHMACKeySize] bytes; it is copied. An HMAC key is never
// published in a JWKS.
func NewHMACKey(kid string, secret []byte) (*Key, error) {
	if err := checkKeyID(kid); err != nil {
		return nil, err
	}
	if len(secret) < MinHMACKeySize {
		return nil, fmt.Errorf("jwtauth: HMAC secret of %d bytes, want at least %d", len(secret), MinHMACKeySize)
	}
	s := slices.Clone(secret)
	return &Key{id: kid, alg: HS256, method: jwt.SigningMethodHS256, sign: s, verify: s}, nil
}

// NewSigningKey returns a key that signs with priv: an *rsa.PrivateKey
// (RS256, at least 2048 bits), an *ecdsa.PrivateKey on P-256 (ES256) or an
// ed25519.PrivateKey (EdDSA). The algorithm follows from the key type.
func NewSigningKey(kid string, priv crypto.Signer) (*Key, error) {
	if priv == nil {
		return nil, fmt.Errorf("jwtauth: nil private key")
	}
	k, err := NewVerificationKey(kid, priv.Public())
	if err != nil {
		return nil, err
	}
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("jwtauth: invalid RSA key: %w", err)
		}
	case *ecdsa.PrivateKey:
	case ed25519.PrivateKey:
		if len(p) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("jwtauth: invalid Ed25519 private key size %d", len(p))
		}
	default:
		return nil, fmt.Errorf("jwtauth: unsupported private key type %T", priv)
	}
	k.sign = priv
	return k, nil
}

// NewVerificationKey returns a verification-only key for pub: an
// *rsa.PublicKey (RS256, 2048 to 8192 bits), an *ecdsa.PublicKey on P-256
// (ES256) or an ed25519.PublicKey (EdDSA).
func NewVerificationKey(kid string, pub crypto.PublicKey) (*Key, error) {
	if err := checkKeyID(kid); err != nil {
		return nil, err
	}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p == nil || p.N == nil {
			return nil, fmt.Errorf("jwtauth: nil RSA public key")
		}
		if bits := p.N.BitLen(); bits < MinRSAKeyBits || bits > MaxRSAKeyBits {
			return nil, fmt.Errorf("jwtauth: RSA key of %d bits, want %d to %d", bits, MinRSAKeyBits, MaxRSAKeyBits)
		}
		if p.E < 3 || p.E%2 == 0 {
			return nil, fmt.Errorf("jwtauth: invalid RSA public exponent")
		}
		return &Key{id: kid, alg: RS256, method: jwt.SigningMethodRS256, verify: p}, nil
	case *ecdsa.PublicKey:
		if p == nil || p.Curve != elliptic.P256() {
			return nil, fmt.Errorf("jwtauth: ECDSA key not on P-256")
		}
		return &Key{id: kid, alg: ES256, method: jwt.SigningMethodES256, verify: p}, nil
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("jwtauth: invalid Ed25519 public key size %d", len(p))
		}
		return &Key{id: kid, alg: EdDSA, method: jwt.SigningMethodEdDSA, verify: slices.Clone(p)}, nil
	}
	return nil, fmt.Errorf("jwtauth: unsupported public key type %T", pub)
}

// ID returns the key ID, sent as the kid header of the tokens it signs.
func (k *Key) ID() string { return k.id }

// Algorithm returns the one algorithm the key is used with.
func (k *Key) Algorithm() string { return k.alg }

// CanSign reports whether k holds private material.
func (k *Key) CanSign() bool { return k.sign != nil }

// Public returns the public key, or nil for an HMAC key, which has none.
func (k *Key) Public() crypto.PublicKey {
	if k.alg == HS256 {
		return nil
	}
	return k.verify
}

// KeySet is a rotating set of keys identified by key ID. The active key
// signs: the one named with [KeySet.SetActive], or else the newest key
// added that can sign. Every key in the set verifies until it is removed,
// so a retired key keeps accepting the tokens it signed.
//
// Rotation: add the new key while the current one is explicitly active,
// wait until every verifier has fetched it (the JWKS max-age), make it
// active, and remove the old key once the longest-lived token it signed
// has expired. See the package example.
//
// Create a KeySet with [NewKeySet]; the zero value is an empty set, usable
// after keys are added. A KeySet is safe for concurrent use; lookups take
// no lock.
type KeySet struct {
	mu   sync.Mutex // serialises writers
	snap atomic.Pointer[keySnapshot]
}

// keySnapshot is an immutable state of a KeySet.
type keySnapshot struct {
	keys    []*Key // oldest first
	active  string // explicitly active kid, or ""
	signer  *Key
	version uint64
}

// NewKeySet returns a set holding keys, the last one being the newest.
func NewKeySet(keys ...*Key) (*KeySet, error) {
	s := &KeySet{}
	for _, k := range keys {
		if err := s.Add(k); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Add adds k as the newest key. Unless a key was made active with
// [KeySet.SetActive], k signs from now on if it can sign. Add fails if the
// set already holds a key with k's ID.
func (s *KeySet) Add(k *Key) error {
	if k == nil || k.method == nil {
		return fmt.Errorf("jwtauth: nil or zero key")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	if old.find(k.id) != nil {
		return fmt.Errorf("jwtauth: duplicate key ID %q", k.id)
	}
	s.store(append(slices.Clip(old.keys), k), old.active, old.version)
	return nil
}

// Remove removes the key with ID kid, which then verifies no more, and
// reports whether it was there. Removing the explicitly active key makes
// the newest signing key active again.
func (s *KeySet) Remove(kid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	i := slices.IndexFunc(old.keys, func(k *Key) bool { return k.id == kid })
	if i < 0 {
		return false
	}
	active := old.active
	if active == kid {
		active = ""
	}
	s.store(slices.Delete(slices.Clone(old.keys), i, i+1), active, old.version)
	return true
}

// SetActive makes the key with ID kid the signing key, whatever is added
// later; an empty kid goes back to the newest signing key. It fails if kid
// names no key of the set that can sign.
func (s *KeySet) SetActive(kid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	if kid != "" {
		k := old.find(kid)
		if k == nil {
			return fmt.Errorf("jwtauth: no key with ID %q", kid)
		}
		if !k.CanSign() {
			return fmt.Errorf("jwtauth: key %q cannot sign", kid)
		}
	}
	s.store(old.keys, kid, old.version)
	return nil
}

// SigningKey returns the active key, or false when no key of the set can
// sign.
func (s *KeySet) SigningKey() (*Key, bool) {
	k := s.load().signer
	return k, k != nil
}

// Key returns the key with ID kid.
func (s *KeySet) Key(kid string) (*Key, bool) {
	k := s.load().find(kid)
	return k, k != nil
}

// Keys returns the keys of the set, oldest first.
func (s *KeySet) Keys() []*Key {
	return slices.Clone(s.load().keys)
}

// Algorithms returns the algorithms of the keys in the set, without
// duplicates, in a fixed order.
func (s *KeySet) Algorithms() []string {
	var algs []string
	for _, alg := range []string{HS256, RS256, ES256, EdDSA} {
		if slices.ContainsFunc(s.load().keys, func(k *Key) bool { return k.alg == alg }) {
			algs = append(algs, alg)
		}
	}
	return algs
}

// VerificationKey implements [KeySource]. A token without a key ID is
// verified with the only key of a set that has exactly one; with more keys
// it is refused with [ErrMissingKeyID], because guessing would let a token
// signed by a retired or different-purpose key through.
func (s *KeySet) VerificationKey(_ context.Context, kid string) (*Key, error) {
	snap := s.load()
	if kid == "" {
		if len(snap.keys) == 1 {
			return snap.keys[0], nil
		}
		return nil, ErrMissingKeyID
	}
	if k := snap.find(kid); k != nil {
		return k, nil
	}
	return nil, ErrUnknownKey
}

func (s *KeySet) load() *keySnapshot {
	if p := s.snap.Load(); p != nil {
		return p
	}
	return &keySnapshot{}
}

// store publishes a new snapshot; the caller holds s.mu.
func (s *KeySet) store(keys []*Key, active string, version uint64) {
	n := &keySnapshot{keys: keys, active: active, version: version + 1}
	if active != "" {
		n.signer = n.find(active)
	} else {
		for i := len(keys) - 1; i >= 0; i-- {
			if keys[i].CanSign() {
				n.signer = keys[i]
				break
			}
		}
	}
	s.snap.Store(n)
}

func (ks *keySnapshot) find(kid string) *Key {
	for _, k := range ks.keys {
		if k.id == kid {
			return k
		}
	}
	return nil
}

// checkKeyID refuses key IDs that could not travel in a header or a
// Redis key unharmed.
func checkKeyID(kid string) error {
	if kid == "" || len(kid) > 256 {
		return fmt.Errorf("jwtauth: key ID must be 1 to 256 bytes")
	}
	for i := 0; i < len(kid); i++ {
		if c := kid[i]; c < 0x21 || c > 0x7e {
			return fmt.Errorf("jwtauth: key ID %q has a byte outside printable ASCII", kid)
		}
	}
	return nil
}

// randomID returns 128 random bits, base64url-encoded.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
