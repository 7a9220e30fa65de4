package jwtauth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of a [RemoteKeySet].
const (
	// DefaultRefreshCooldown is the least time between two fetches caused
	// by unknown key IDs.
	DefaultRefreshCooldown = 30 * time.Second
	// DefaultJWKSTTL is how long a fetched JWK Set is used when the
	// response has no usable Cache-Control max-age.
	DefaultJWKSTTL = time.Hour
	// DefaultMinJWKSTTL and DefaultMaxJWKSTTL bound the max-age honoured.
	DefaultMinJWKSTTL = time.Minute
	DefaultMaxJWKSTTL = 24 * time.Hour
)

// RemoteOptions configure a [RemoteKeySet]. URL is required; every other
// zero field means the default its comment gives.
type RemoteOptions struct {
	// URL is the JWK Set's address, such as an identity provider's
	// jwks_uri. It must be https, unless AllowHTTP is set.
	URL string
	// AllowHTTP permits an http URL, for development and tests against a
	// local server. Keys fetched over plain HTTP can be replaced by anyone
	// on the path.
	AllowHTTP bool
	// Client fetches the JWK Set. Default: a client with a 10 s timeout.
	Client *http.Client
	// Algorithms lists the algorithms accepted from the set; keys of
	// other algorithms are ignored. Default RS256, ES256 and EdDSA.
	Algorithms []string
	// RefreshCooldown is the least time between two fetches: a token
	// naming an unknown key ID causes a fetch only if the last one is at
	// least this old, so a flood of tokens with random key IDs costs at
	// most one fetch per cooldown. Default DefaultRefreshCooldown (30 s).
	RefreshCooldown time.Duration
	// TTL is how long keys are used when the response has no
	// Cache-Control max-age. Default DefaultJWKSTTL (1 h).
	TTL time.Duration
	// MinTTL and MaxTTL bound the max-age honoured. Default
	// DefaultMinJWKSTTL (1 min) and DefaultMaxJWKSTTL (24 h).
	MinTTL, MaxTTL time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// RemoteKeySet is a [KeySource] that verifies tokens with the keys of a
// remote JWK Set, such as an identity provider's. Keys are fetched on
// first use and cached for the response's Cache-Control max-age (within
// MinTTL and MaxTTL). A token naming an unknown key ID causes a refetch,
// at most once per RefreshCooldown, and concurrent refetches are merged
// into one. When a refetch fails the cached keys stay in use.
//
// Create one with [NewRemoteKeySet]; the zero value is not usable. A
// RemoteKeySet is safe for concurrent use. It starts no goroutine: fetches
// happen in the verifying request.
type RemoteKeySet struct {
	url      string
	client   *http.Client
	algs     []string
	cooldown time.Duration
	ttl      time.Duration
	minTTL   time.Duration
	maxTTL   time.Duration
	now      func() time.Time

	cache atomic.Pointer[remoteKeys]

	mu          sync.Mutex
	lastAttempt time.Time
	lastErr     error
	inflight    *fetchCall
}

// remoteKeys is one fetched set.
type remoteKeys struct {
	keys    []*Key
	expires time.Time
}

// fetchCall is a fetch in progress that other callers wait for.
type fetchCall struct {
	done chan struct{}
	err  error
}

var _ KeySource = (*RemoteKeySet)(nil)

// NewRemoteKeySet returns a RemoteKeySet for opts, or an error naming the
// first invalid option. It does not fetch.
func NewRemoteKeySet(opts RemoteOptions) (*RemoteKeySet, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && (u.Scheme != "http" || !opts.AllowHTTP)) {
		return nil, fmt.Errorf("jwtauth: RemoteOptions.URL %q must be an absolute https URL (http with AllowHTTP)", opts.URL)
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Algorithms == nil {
		opts.Algorithms = []string{RS256, ES256, EdDSA}
	}
	if opts.RefreshCooldown == 0 {
		opts.RefreshCooldown = DefaultRefreshCooldown
	}
	if opts.TTL == 0 {
		opts.TTL = DefaultJWKSTTL
	}
	if opts.MinTTL == 0 {
		opts.MinTTL = DefaultMinJWKSTTL
	}
	if opts.MaxTTL == 0 {
		opts.MaxTTL = DefaultMaxJWKSTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch {
	case len(opts.Algorithms) == 0:
		return nil, fmt.Errorf("jwtauth: RemoteOptions.Algorithms is empty")
	case opts.RefreshCooldown < 0 || opts.TTL < 0 || opts.MinTTL < 0:
		return nil, fmt.Errorf("jwtauth: RemoteOptions durations must not be negative")
	case opts.MaxTTL < opts.MinTTL:
		return nil, fmt.Errorf("jwtauth: RemoteOptions.MaxTTL is below MinTTL")
	}
	for _, alg := range opts.Algorithms {
		if alg == HS256 {
			return nil, fmt.Errorf("jwtauth: RemoteOptions.Algorithms: HS256 keys are never taken from a JWKS")
		}
		if !supportedAlg(alg) {
			return nil, fmt.Errorf("jwtauth: RemoteOptions.Algorithms: unsupported algorithm %q", alg)
		}
	}
	return &RemoteKeySet{
		url:      opts.URL,
		client:   opts.Client,
		algs:     slices.Clone(opts.Algorithms),
		cooldown: opts.RefreshCooldown,
		ttl:      opts.TTL,
		minTTL:   opts.MinTTL,
		maxTTL:   opts.MaxTTL,
		now:      opts.Now,
	}, nil
}

// Algorithms returns the algorithms accepted from the set; a [Verifier]
// pins its parser to them by default.
func (s *RemoteKeySet) Algorithms() []string { return slices.Clone(s.algs) }

// VerificationKey implements [KeySource]. It fetches the set when nothing
// is cached or the cache has expired, and when kid is unknown and the
// cooldown allows. It returns an error wrapping [ErrUnknownKey] or
// [ErrMissingKeyID] for a key the set does not have, and the fetch error
// when the set could not be fetched and the cache cannot answer.
func (s *RemoteKeySet) VerificationKey(ctx context.Context, kid string) (*Key, error) {
	c := s.cache.Load()
	if c != nil && s.now().Before(c.expires) {
		k, err := c.find(kid)
		if err != ErrUnknownKey {
			return k, err
		}
		// An unknown kid: a refetch may bring it, if the cooldown allows.
	}
	ferr := s.refresh(ctx, false)
	if ferr == errCooldown {
		ferr = s.lastError()
	}
	if c = s.cache.Load(); c == nil {
		if ferr == nil {
			ferr = fmt.Errorf("jwtauth: JWKS not fetched")
		}
		return nil, ferr
	}
	k, err := c.find(kid)
	if err != nil && ferr != nil {
		// The key may be in the set that could not be fetched.
		return nil, ferr
	}
	return k, err
}

// Refresh fetches the set now, whatever the cooldown, merging with a
// fetch already in progress.
func (s *RemoteKeySet) Refresh(ctx context.Context) error {
	return s.refresh(ctx, true)
}

var errCooldown = fmt.Errorf("jwtauth: JWKS refresh cooldown")

func (s *RemoteKeySet) refresh(ctx context.Context, force bool) error {
	s.mu.Lock()
	if call := s.inflight; call != nil {
		s.mu.Unlock()
		select {
		case <-call.done:
			return call.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	now := s.now()
	if !force && !s.lastAttempt.IsZero() && now.Sub(s.lastAttempt) < s.cooldown {
		s.mu.Unlock()
		return errCooldown
	}
	prev := s.lastAttempt
	s.lastAttempt = now
	call := &fetchCall{done: make(chan struct{})}
	s.inflight = call
	s.mu.Unlock()

	call.err = s.fetch(ctx)

	s.mu.Lock()
	s.inflight = nil
	if call.err != nil && ctx.Err() != nil {
		// The caller gave up (its client went away): that says nothing
		// about the JWKS, so it must not start a cooldown for everyone.
		s.lastAttempt = prev
	} else {
		s.lastErr = call.err
	}
	s.mu.Unlock()
	close(call.done)
	return call.err
}

// lastError returns the error of the last fetch, nil if it succeeded.
func (s *RemoteKeySet) lastError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

func (s *RemoteKeySet) fetch(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return fmt.Errorf("jwtauth: JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("jwtauth: fetch JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("jwtauth: fetch JWKS: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSSize+1))
	if err != nil {
		return fmt.Errorf("jwtauth: read JWKS: %w", err)
	}
	keys, err := ParseJWKS(body)
	if err != nil {
		return err
	}
	keys = slices.DeleteFunc(keys, func(k *Key) bool { return !slices.Contains(s.algs, k.alg) })
	ttl := s.ttl
	if age, ok := maxAge(resp.Header.Values("Cache-Control")); ok {
		ttl = age
	}
	ttl = min(max(ttl, s.minTTL), s.maxTTL)
	s.cache.Store(&remoteKeys{keys: keys, expires: s.now().Add(ttl)})
	return nil
}

func (c *remoteKeys) find(kid string) (*Key, error) {
	if kid == "" {
		if len(c.keys) == 1 {
			return c.keys[0], nil
		}
		return nil, ErrMissingKeyID
	}
	for _, k := range c.keys {
		if k.id == kid {
			return k, nil
		}
	}
	return nil, ErrUnknownKey
}

// maxAge returns the max-age of Cache-Control header values, and false
// when there is none. no-store and no-cache count as a max-age of 0 (the
// minimum TTL applies).
func maxAge(values []string) (time.Duration, bool) {
	var (
		age   time.Duration
		found bool
	)
	for _, v := range values {
		for d := range strings.SplitSeq(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store", "no-cache":
				return 0, true
			case "max-age":
				val = strings.Trim(strings.TrimSpace(val), `"`)
				n, err := strconv.ParseInt(val, 10, 64)
				if err != nil || n < 0 {
					continue
				}
				n = min(n, 1<<32) // far above any MaxTTL; no overflow
				if !found {
					age, found = time.Duration(n)*time.Second, true
				}
			}
		}
	}
	return age, found
}
