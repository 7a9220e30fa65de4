package oidcauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/errors"
)

// maxDocumentSize bounds what is read from the provider's discovery
// endpoint.
const maxDocumentSize = 1 << 20

// fetchError is a failure to fetch a document from the provider: an
// infrastructure problem, not a bad token.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return "oidcauth: fetching from the provider: " + e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

// providerMetadata is the part of the provider's discovery document
// (OpenID Connect Discovery 1.0, section 3) the relying party uses.
type providerMetadata struct {
	Issuer                 string   `json:"issuer"`
	AuthorizationEndpoint  string   `json:"authorization_endpoint"`
	TokenEndpoint          string   `json:"token_endpoint"`
	JWKSURI                string   `json:"jwks_uri"`
	SigningAlgs            []string `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethods   []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthTypes []string `json:"token_endpoint_auth_methods_supported"`
}

// supportedAlgs are the ID token signature algorithms the relying party
// verifies: the asymmetric ones jwtauth supports, so that neither "none"
// nor an HMAC keyed with a public key is ever accepted.
var supportedAlgs = []string{jwtauth.RS256, jwtauth.ES256, jwtauth.EdDSA}

// discover fetches and checks the provider's discovery document.
func discover(ctx context.Context, opts *Options) (*providerMetadata, error) {
	wellKnown := strings.TrimSuffix(opts.Issuer, "/") + "/.well-known/openid-configuration"
	data, err := getDocument(ctx, opts.HTTPClient, wellKnown)
	if err != nil {
		return nil, err
	}
	return parseDiscovery(data, opts.Issuer)
}

// parseDiscovery decodes a discovery document and checks it against the
// configured issuer: the issuer must be identical (a document served for
// another issuer is refused), the endpoints absolute URLs on https
// (or http on a loopback host when the issuer is), and PKCE with S256
// supported when the document lists its methods.
func parseDiscovery(data []byte, issuer string) (*providerMetadata, error) {
	var md providerMetadata
	if err := json.Unmarshal(data, &md); err != nil {
		return nil, fmt.Errorf("oidcauth: malformed discovery document: %w", err)
	}
	if md.Issuer != issuer {
		return nil, fmt.Errorf("oidcauth: discovery document is for issuer %q, want %q", md.Issuer, issuer)
	}
	for name, u := range map[string]string{
		"authorization_endpoint": md.AuthorizationEndpoint,
		"token_endpoint":         md.TokenEndpoint,
		"jwks_uri":               md.JWKSURI,
	} {
		if err := checkEndpoint(u); err != nil {
			return nil, fmt.Errorf("oidcauth: discovery %s: %w", name, err)
		}
	}
	if md.CodeChallengeMethods != nil && !slices.Contains(md.CodeChallengeMethods, "S256") {
		return nil, errors.New("oidcauth: the provider does not support PKCE with S256")
	}
	var algs []string
	for _, a := range md.SigningAlgs {
		if slices.Contains(supportedAlgs, a) {
			algs = append(algs, a)
		}
	}
	if len(md.SigningAlgs) == 0 {
		algs = []string{"RS256"} // the default of OpenID Connect Discovery
	}
	if len(algs) == 0 {
		return nil, fmt.Errorf("oidcauth: no supported ID token algorithm among %q", md.SigningAlgs)
	}
	md.SigningAlgs = algs
	return &md, nil
}

// checkEndpoint accepts an absolute https URL, or an http URL on a
// loopback host (a provider on the developer's machine).
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("%q is not an absolute URL", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%q is not https", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
