package jwtauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keel-go/keel/errors"
)

// Limits on the JWK Sets [ParseJWKS] accepts.
const (
	// MaxJWKSSize is the largest JWK Set document accepted, in bytes.
	MaxJWKSSize = 64 << 10
	// MaxJWKSKeys is the largest number of keys a JWK Set may hold.
	MaxJWKSKeys = 100
)

// DefaultJWKSMaxAge is the Cache-Control max-age of [KeySet.JWKSHandler]
// responses when none is given.
const DefaultJWKSMaxAge = 5 * time.Minute

// ErrInvalidJWKS is wrapped by the errors of [ParseJWKS] and [ParseJWK].
var ErrInvalidJWKS = errors.New("jwtauth: invalid JWK set")

// jwk is the JSON form of a public JSON Web Key (RFC 7517, RFC 7518
// section 6, RFC 8037).
type jwk struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid,omitempty"`
	Use    string   `json:"use,omitempty"`
	Alg    string   `json:"alg,omitempty"`
	KeyOps []string `json:"key_ops,omitempty"`
	Crv    string   `json:"crv,omitempty"`
	N      string   `json:"n,omitempty"`
	E      string   `json:"e,omitempty"`
	X      string   `json:"x,omitempty"`
	Y      string   `json:"y,omitempty"`
}

type jwkSet struct {
	Keys []json.RawMessage `json:"keys"`
}

// MarshalJWKS returns the JWK Set (RFC 7517 section 5) of the public keys
// among keys, each with kid, alg and use "sig". HMAC keys are left out:
// they have no public part. Private material is never written.
func MarshalJWKS(keys []*Key) []byte {
	out := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range keys {
		if j, ok := publicJWK(k); ok {
			out.Keys = append(out.Keys, j)
		}
	}
	b, _ := json.Marshal(out) // only strings: cannot fail
	return b
}

func publicJWK(k *Key) (jwk, bool) {
	j := jwk{Kid: k.id, Alg: k.alg, Use: "sig"}
	b64 := base64.RawURLEncoding.EncodeToString
	switch pub := k.verify.(type) {
	case *rsa.PublicKey:
		j.Kty = "RSA"
		j.N = b64(pub.N.Bytes())
		j.E = b64(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		raw, err := pub.Bytes() // 0x04 || X || Y
		if err != nil {
			return jwk{}, false
		}
		j.Kty, j.Crv = "EC", "P-256"
		j.X = b64(raw[1:33])
		j.Y = b64(raw[33:65])
	case ed25519.PublicKey:
		j.Kty, j.Crv = "OKP", "Ed25519"
		j.X = b64(pub)
	default:
		return jwk{}, false // HMAC: never published
	}
	return j, true
}

// ParseJWKS parses a JWK Set document into verification keys. It is
// strict about the document (at most [MaxJWKSSize] bytes and
// [MaxJWKSKeys] keys, a JSON object with a "keys" array) and lenient about
// its keys, as RFC 7517 section 5 asks: a key that is not for signatures,
// of an unsupported type or algorithm, symmetric, malformed, weak, or
// repeating an earlier kid is skipped. Keys without a kid are kept with
// an empty ID only when the set has exactly one key. Errors wrap
// [ErrInvalidJWKS].
func ParseJWKS(data []byte) ([]*Key, error) {
	if len(data) > MaxJWKSSize {
		return nil, fmt.Errorf("%w: document of %d bytes exceeds %d", ErrInvalidJWKS, len(data), MaxJWKSSize)
	}
	var set jwkSet
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidJWKS, err)
	}
	if set.Keys == nil {
		return nil, fmt.Errorf("%w: no \"keys\" array", ErrInvalidJWKS)
	}
	if len(set.Keys) > MaxJWKSKeys {
		return nil, fmt.Errorf("%w: %d keys exceed %d", ErrInvalidJWKS, len(set.Keys), MaxJWKSKeys)
	}
	keys := make([]*Key, 0, len(set.Keys))
	for _, raw := range set.Keys {
		k, err := parseJWK(raw, len(set.Keys) == 1)
		if err != nil {
			continue
		}
		if slices.ContainsFunc(keys, func(o *Key) bool { return o.id == k.id }) {
			continue
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// ParseJWK parses one public JSON Web Key into a verification key. The key
// must have a kid, be meant for signatures (use "sig" or absent, key_ops
// absent or holding "verify") and be an RSA key of 2048 to 8192 bits, a
// P-256 EC key or an Ed25519 OKP key, with a matching alg when alg is
// present. Errors wrap [ErrInvalidJWKS].
func ParseJWK(data []byte) (*Key, error) {
	if len(data) > MaxJWKSSize {
		return nil, fmt.Errorf("%w: key of %d bytes exceeds %d", ErrInvalidJWKS, len(data), MaxJWKSSize)
	}
	return parseJWK(data, false)
}

func parseJWK(raw []byte, allowNoKid bool) (*Key, error) {
	var j jwk
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidJWKS, err)
	}
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("%w: key use %q", ErrInvalidJWKS, j.Use)
	}
	if j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify") {
		return nil, fmt.Errorf("%w: key_ops without verify", ErrInvalidJWKS)
	}
	kid := j.Kid
	if kid == "" {
		if !allowNoKid {
			return nil, fmt.Errorf("%w: key without kid", ErrInvalidJWKS)
		}
		kid = "-" // placeholder, replaced below
	}
	var (
		k   *Key
		err error
	)
	switch j.Kty {
	case "RSA":
		if j.Alg != "" && j.Alg != RS256 {
			return nil, fmt.Errorf("%w: unsupported RSA alg %q", ErrInvalidJWKS, j.Alg)
		}
		k, err = parseRSA(kid, j)
	case "EC":
		if j.Alg != "" && j.Alg != ES256 {
			return nil, fmt.Errorf("%w: unsupported EC alg %q", ErrInvalidJWKS, j.Alg)
		}
		k, err = parseEC(kid, j)
	case "OKP":
		if j.Alg != "" && j.Alg != EdDSA {
			return nil, fmt.Errorf("%w: unsupported OKP alg %q", ErrInvalidJWKS, j.Alg)
		}
		k, err = parseOKP(kid, j)
	default:
		// "oct" (a shared secret) is refused on purpose: a symmetric key
		// published in a JWKS is no secret.
		return nil, fmt.Errorf("%w: unsupported key type %q", ErrInvalidJWKS, j.Kty)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidJWKS, err)
	}
	if j.Kid == "" {
		k.id = ""
	}
	return k, nil
}

func parseRSA(kid string, j jwk) (*Key, error) {
	n, err := decodeB64(j.N, MaxRSAKeyBits/8)
	if err != nil || len(n) == 0 || n[0] == 0 {
		return nil, fmt.Errorf("bad RSA modulus")
	}
	e, err := decodeB64(j.E, 4)
	if err != nil || len(e) == 0 || e[0] == 0 {
		return nil, fmt.Errorf("bad RSA exponent")
	}
	exp := 0
	for _, b := range e {
		exp = exp<<8 | int(b)
	}
	if exp > 1<<31-1 {
		return nil, fmt.Errorf("RSA exponent too large")
	}
	return NewVerificationKey(kid, &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp})
}

func parseEC(kid string, j jwk) (*Key, error) {
	if j.Crv != "P-256" {
		return nil, fmt.Errorf("unsupported curve %q", j.Crv)
	}
	x, err1 := decodeB64(j.X, 32)
	y, err2 := decodeB64(j.Y, 32)
	if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
		return nil, fmt.Errorf("bad EC coordinates")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), slices.Concat([]byte{4}, x, y))
	if err != nil {
		return nil, fmt.Errorf("EC point: %v", err)
	}
	return NewVerificationKey(kid, pub)
}

func parseOKP(kid string, j jwk) (*Key, error) {
	if j.Crv != "Ed25519" {
		return nil, fmt.Errorf("unsupported curve %q", j.Crv)
	}
	x, err := decodeB64(j.X, ed25519.PublicKeySize)
	if err != nil || len(x) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("bad Ed25519 key")
	}
	return NewVerificationKey(kid, ed25519.PublicKey(x))
}

// decodeB64 decodes base64url without padding (tolerating padding some
// publishers add), refusing more than maxLen decoded bytes before
// decoding.
func decodeB64(s string, maxLen int) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if base64.RawURLEncoding.DecodedLen(len(s)) > maxLen {
		return nil, fmt.Errorf("value too long")
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// JWKSHandler returns an http.Handler publishing the public keys of s as
// a JWK Set (application/jwk-set+json), with "Cache-Control: public,
// max-age=N" of maxAge (DefaultJWKSMaxAge when 0). It reflects the set at
// each request, so keys added and removed appear at once; verifiers see
// them within maxAge. Publish a new key at least maxAge before it signs.
// HMAC keys and private material are never published. It answers GET and
// HEAD; other methods get a 405 problem.
func (s *KeySet) JWKSHandler(maxAge time.Duration) http.Handler {
	if maxAge <= 0 {
		maxAge = DefaultJWKSMaxAge
	}
	return &jwksHandler{set: s, cacheControl: "public, max-age=" + strconv.Itoa(int(maxAge/time.Second))}
}

type jwksHandler struct {
	set          *KeySet
	cacheControl string

	mu      sync.Mutex
	version uint64
	body    []byte
}

func (h *jwksHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		errors.Write(w, r, errors.MethodNotAllowed("the JWK set is read with GET").WithHeader("Allow", "GET, HEAD"))
		return
	}
	body := h.document()
	hdr := w.Header()
	hdr.Set("Content-Type", "application/jwk-set+json")
	hdr.Set("Cache-Control", h.cacheControl)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// document returns the JWK Set of the current snapshot, marshalled once
// per version of the key set.
func (h *jwksHandler) document() []byte {
	snap := h.set.load()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.body == nil || h.version != snap.version {
		h.body = MarshalJWKS(snap.keys)
		h.version = snap.version
	}
	return h.body
}
