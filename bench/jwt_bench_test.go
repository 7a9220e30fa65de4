package bench_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/bench"
	"github.com/keel-go/keel/errors"
)

// The JWT benchmark verifies one HS256 access token per request (a cheap
// signature, so the overhead around it shows) through keel's
// auth.Middleware with a stateless jwtauth.Verifier, and through the same
// checks written directly against golang-jwt. Both hand the identity to
// the handler in the request context and the handler reads the subject.
const (
	jwtIssuer   = "https://auth.example"
	jwtAudience = "https://api.example"
	jwtKid      = "bench-1"
	jwtSubject  = "user-42"
)

// jwtSecret is the HS256 key of the benchmark: 32 fixed bytes.
var jwtSecret = []byte("0123456789abcdef0123456789abcdef")

// jwtLibs are the verifying handlers, by lib name.
func jwtLibs(tb testing.TB, sink *string) []struct {
	name string
	h    http.Handler
} {
	tb.Helper()
	final := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*sink = subjectOf(r.Context())
		w.WriteHeader(http.StatusNoContent)
	})
	return []struct {
		name string
		h    http.Handler
	}{
		{"keel", keelJWT(tb, final)},
		{"golangjwt", golangJWT(final, false)},
		{"golangjwt-typed", golangJWT(final, true)},
	}
}

// keelJWT is auth.Middleware running a jwtauth.Verifier (no revocation
// store: stateless, as golang-jwt is).
func keelJWT(tb testing.TB, next http.Handler) http.Handler {
	tb.Helper()
	key, err := jwtauth.NewHMACKey(jwtKid, jwtSecret)
	if err != nil {
		tb.Fatal(err)
	}
	keys, _ := jwtauth.NewKeySet(key)
	v, err := jwtauth.NewVerifier(jwtauth.Options{Keys: keys, Issuer: jwtIssuer, Audience: []string{jwtAudience}})
	if err != nil {
		tb.Fatal(err)
	}
	return auth.MustMiddleware(auth.Options{Authenticators: []auth.Authenticator{v}})(next)
}

type rawClaimsKey struct{}

// golangJWT is the same verification written by hand with golang-jwt: a
// parser built once with the options jwtauth uses (algorithms pinned,
// exp required, iat checked, 30 s leeway, iss and aud required, strict
// base64), a Keyfunc that checks the kid, the claims into the context.
// typed decodes into jwt.RegisteredClaims plus the claims jwtauth reads,
// instead of jwt.Parse's MapClaims.
func golangJWT(next http.Handler, typed bool) http.Handler {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(30*time.Second),
		jwt.WithIssuer(jwtIssuer),
		jwt.WithAudience(jwtAudience),
		jwt.WithStrictDecoding(),
	)
	keyfunc := func(t *jwt.Token) (any, error) {
		if t.Header["kid"] != jwtKid {
			return nil, errors.New("unknown kid")
		}
		return jwtSecret, nil
	}
	unauthorized := errors.Unauthorized("authentication required").WithHeader("WWW-Authenticate", `Bearer realm="api"`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
			errors.Write(w, r, unauthorized)
			return
		}
		var (
			claims jwt.Claims
			err    error
		)
		if typed {
			c := new(typedClaims)
			_, err = parser.ParseWithClaims(h[7:], c, keyfunc)
			claims = c
		} else {
			var t *jwt.Token
			t, err = parser.Parse(h[7:], keyfunc)
			if t != nil {
				claims = t.Claims
			}
		}
		if err != nil {
			errors.Write(w, r, unauthorized.WithCause(err))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), rawClaimsKey{}, claims)))
	})
}

// typedClaims are the claims jwtauth.Claims reads, for the typed variant.
type typedClaims struct {
	jwt.RegisteredClaims
	Roles     jwt.ClaimStrings `json:"roles,omitempty"`
	Scope     string           `json:"scope,omitempty"`
	SessionID string           `json:"sid,omitempty"`
}

// subjectOf returns the subject of either kind of context.
func subjectOf(ctx context.Context) string {
	if p, ok := auth.FromContext(ctx); ok {
		return p.Subject
	}
	if c, ok := ctx.Value(rawClaimsKey{}).(jwt.Claims); ok {
		sub, _ := c.GetSubject()
		return sub
	}
	return ""
}

// jwtToken returns the benchmark's token, valid for an hour from now: the
// claims a keel access token carries.
func jwtToken(tb testing.TB) string {
	tb.Helper()
	now := time.Now()
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss":   jwtIssuer,
		"aud":   jwtAudience,
		"sub":   jwtSubject,
		"iat":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
		"jti":   "3q2-7wEAAAAAAAAAAAAAAA",
		"sid":   "family-1",
		"roles": []string{"admin"},
		"scope": "orders:read orders:write",
	})
	t.Header["kid"] = jwtKid
	t.Header["typ"] = "at+jwt"
	s, err := t.SignedString(jwtSecret)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func newJWTRequest(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/orders", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// BenchmarkJWTVerify serves one request with a valid token through each
// lib; the request is reused (neither side keeps state on it). Compare with
// benchstat -col /lib.
func BenchmarkJWTVerify(b *testing.B) {
	var sink string
	req := newJWTRequest(jwtToken(b))
	for _, lib := range jwtLibs(b, &sink) {
		b.Run("lib="+lib.name, func(b *testing.B) {
			w := bench.NewWriter()
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				w.Reset()
				lib.h.ServeHTTP(w, req)
			}
			if w.Code != http.StatusNoContent || sink != jwtSubject {
				b.Fatalf("lib %s answered %d for subject %q, want 204 for %q", lib.name, w.Code, sink, jwtSubject)
			}
		})
	}
}

// TestJWTLibs checks that every lib of the benchmark accepts the token and
// hands the subject to the handler, and refuses a tampered token, an
// expired one and one without a token.
func TestJWTLibs(t *testing.T) {
	var sink string
	good := jwtToken(t)
	expired := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": jwtIssuer, "aud": jwtAudience, "sub": jwtSubject,
		"exp": time.Now().Add(-time.Hour).Unix(),
	})
	expired.Header["kid"] = jwtKid
	expiredToken, _ := expired.SignedString(jwtSecret)
	for _, lib := range jwtLibs(t, &sink) {
		t.Run(lib.name, func(t *testing.T) {
			tests := []struct {
				name  string
				token string
				want  int
			}{
				{"valid", good, http.StatusNoContent},
				{"tampered", good[:len(good)-3] + "AAA", http.StatusUnauthorized},
				{"expired", expiredToken, http.StatusUnauthorized},
				{"garbage", "a.b.c", http.StatusUnauthorized},
			}
			for _, tt := range tests {
				sink = ""
				w := httptest.NewRecorder()
				lib.h.ServeHTTP(w, newJWTRequest(tt.token))
				if w.Code != tt.want {
					t.Errorf("%s token: status %d, want %d", tt.name, w.Code, tt.want)
				}
				if tt.want == http.StatusNoContent && sink != jwtSubject {
					t.Errorf("%s token: handler saw subject %q, want %q", tt.name, sink, jwtSubject)
				}
			}
		})
	}
}

// BenchmarkJWTVerifyPaired measures keel against jwt.Parse by alternating
// them in blocks of jwtBlock requests within one loop, so that both see
// the same load on a shared machine. It reports the time per request of
// each from the median block (keel-ns/req, golangjwt-ns/req) and from the
// fastest block (keel-min-ns/req, golangjwt-min-ns/req), the fastest being
// the one no preemption hit, and both ratios keel ÷ golangjwt (ratio,
// min-ratio). ns/op is the time of one pair of blocks.
func BenchmarkJWTVerifyPaired(b *testing.B) {
	var sink string
	req := newJWTRequest(jwtToken(b))
	libs := jwtLibs(b, &sink)
	keel, raw := libs[0].h, libs[1].h
	w := bench.NewWriter()
	block := func(h http.Handler) time.Duration {
		start := time.Now()
		for range jwtBlock {
			w.Reset()
			h.ServeHTTP(w, req)
		}
		return time.Since(start)
	}
	var keelTimes, rawTimes []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		keelTimes = append(keelTimes, block(keel))
		rawTimes = append(rawTimes, block(raw))
	}
	if w.Code != http.StatusNoContent || sink != jwtSubject {
		b.Fatalf("answered %d for subject %q, want 204 for %q", w.Code, sink, jwtSubject)
	}
	slices.Sort(keelTimes)
	slices.Sort(rawTimes)
	perReq := func(d time.Duration) float64 { return float64(d) / jwtBlock }
	km, rm := perReq(keelTimes[len(keelTimes)/2]), perReq(rawTimes[len(rawTimes)/2])
	k0, r0 := perReq(keelTimes[0]), perReq(rawTimes[0])
	b.ReportMetric(km, "keel-ns/req")
	b.ReportMetric(rm, "golangjwt-ns/req")
	b.ReportMetric(km/rm, "ratio")
	b.ReportMetric(k0, "keel-min-ns/req")
	b.ReportMetric(r0, "golangjwt-min-ns/req")
	b.ReportMetric(k0/r0, "min-ratio")
}

// jwtBlock is how many requests BenchmarkJWTVerifyPaired serves through
// one lib before switching to the other.
const jwtBlock = 16
