package oidcauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/keel-go/keel/errors"
)

// maxDocumentSize bounds what is read from the provider's discovery and
// JWKS endpoints.
const maxDocumentSize = 1 << 20

// minJWKSRefresh is the least time between two fetches of the JWKS caused
// by an unknown key ID, so that tokens with made-up key IDs cannot make
// the relying party hammer the provider.
const minJWKSRefresh = time.Minute

// errUnknownKey is returned by the key set for a key ID it does not hold
// after a refresh.
var errUnknownKey = errors.New("oidcauth: unknown signing key")

// fetchError is a failure to fetch a document from the provider: an
// infrastructure problem, not a bad token.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return "oidcauth: fetching from the provider: " + e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

// jwk is one JSON Web Key (RFC 7517) as far as signature verification
// needs it.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	// RSA
	N string `json:"n"`
	E string `json:"e"`
	// EC and OKP
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS returns the signature keys of a JWK Set by key ID. Keys it
// cannot use (encryption keys, unknown types or curves, malformed
// numbers) are skipped, as RFC 7517 asks; a document that is not a JWK
// Set is an error.
func parseJWKS(data []byte) (map[string]crypto.PublicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("oidcauth: malformed JWKS: %w", err)
	}
	if set.Keys == nil {
		return nil, errors.New("oidcauth: JWKS without keys")
	}
	keys := make(map[string]crypto.PublicKey, len(set.Keys))
	for _, raw := range set.Keys {
		var k jwk
		if json.Unmarshal(raw, &k) != nil || (k.Use != "" && k.Use != "sig") {
			continue
		}
		if pub, ok := k.publicKey(); ok {
			if _, dup := keys[k.Kid]; !dup {
				keys[k.Kid] = pub
			}
		}
	}
	return keys, nil
}

// publicKey decodes k, reporting false for a key it cannot use.
func (k jwk) publicKey() (crypto.PublicKey, bool) {
	switch k.Kty {
	case "RSA":
		n, ok1 := decodeInt(k.N)
		e, ok2 := decodeInt(k.E)
		// Below 2048 bits RSA is breakable; an exponent must fit an int.
		if !ok1 || !ok2 || n.BitLen() < 2048 || n.BitLen() > 8192 || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
			return nil, false
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, true
	case "EC":
		var curve elliptic.Curve
		switch k.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, false
		}
		x, ok1 := decodeInt(k.X)
		y, ok2 := decodeInt(k.Y)
		if !ok1 || !ok2 {
			return nil, false
		}
		size := (curve.Params().BitSize + 7) / 8
		point := make([]byte, 1+2*size)
		point[0] = 4 // uncompressed
		if len(x.Bytes()) > size || len(y.Bytes()) > size {
			return nil, false
		}
		x.FillBytes(point[1 : 1+size])
		y.FillBytes(point[1+size:])
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
		if err != nil { // not on the curve
			return nil, false
		}
		return pub, true
	case "OKP":
		if k.Crv != "Ed25519" {
			return nil, false
		}
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, false
		}
		return ed25519.PublicKey(x), true
	}
	return nil, false
}

// decodeInt decodes an unsigned big-endian integer in unpadded base64url.
func decodeInt(s string) (*big.Int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, false
	}
	return new(big.Int).SetBytes(b), true
}

// keySet caches the provider's JWKS and refetches it when a token names a
// key it does not know (the provider rotated its keys), at most once per
// minJWKSRefresh.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time

	mu      sync.Mutex
	keys    map[string]crypto.PublicKey
	fetched time.Time
}

// key returns the verification key named kid. An empty kid is accepted
// when the set holds exactly one key.
func (s *keySet) key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.lookup(kid); ok {
		return k, nil
	}
	if s.keys != nil && s.now().Sub(s.fetched) < minJWKSRefresh {
		return nil, errUnknownKey
	}
	// The lock is held during the fetch on purpose: concurrent callbacks
	// wait for one fetch instead of each making their own.
	keys, err := s.fetch(ctx)
	if err != nil {
		return nil, err
	}
	s.keys, s.fetched = keys, s.now()
	if k, ok := s.lookup(kid); ok {
		return k, nil
	}
	return nil, errUnknownKey
}

func (s *keySet) lookup(kid string) (crypto.PublicKey, bool) {
	if kid == "" && len(s.keys) == 1 {
		for _, k := range s.keys {
			return k, true
		}
	}
	k, ok := s.keys[kid]
	return k, ok
}

func (s *keySet) fetch(ctx context.Context) (map[string]crypto.PublicKey, error) {
	data, err := getDocument(ctx, s.client, s.url)
	if err != nil {
		return nil, err
	}
	keys, err := parseJWKS(data)
	if err != nil {
		return nil, &fetchError{err}
	}
	return keys, nil
}

// getDocument GETs a JSON document from the provider.
func getDocument(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, &fetchError{err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, &fetchError{err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &fetchError{fmt.Errorf("GET %s: status %d", url, resp.StatusCode)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentSize+1))
	if err != nil {
		return nil, &fetchError{err}
	}
	if len(data) > maxDocumentSize {
		return nil, &fetchError{fmt.Errorf("GET %s: document larger than %d bytes", url, maxDocumentSize)}
	}
	return data, nil
}
