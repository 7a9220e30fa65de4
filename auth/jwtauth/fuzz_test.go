package jwtauth_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/errors"
)

// FuzzParseJWKS checks that no document makes ParseJWKS panic, that its
// errors wrap ErrInvalidJWKS, and that every key it returns is a usable
// verification key of a supported algorithm with a unique ID.
func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"e","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA"},{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r"}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := jwtauth.ParseJWKS(data)
		if err != nil {
			if !errors.Is(err, jwtauth.ErrInvalidJWKS) {
				t.Fatalf("ParseJWKS error %v does not wrap ErrInvalidJWKS", err)
			}
			if keys != nil {
				t.Fatalf("ParseJWKS returned keys with an error")
			}
			return
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if k.CanSign() || k.Public() == nil || seen[k.ID()] {
				t.Fatalf("key %q: can sign %v, public %v, duplicate %v", k.ID(), k.CanSign(), k.Public(), seen[k.ID()])
			}
			switch k.Algorithm() {
			case jwtauth.RS256, jwtauth.ES256, jwtauth.EdDSA:
			default:
				t.Fatalf("key %q has algorithm %q", k.ID(), k.Algorithm())
			}
			seen[k.ID()] = true
		}
		if seen[""] && len(keys) != 1 {
			t.Fatalf("a key without kid among %d keys", len(keys))
		}
		// What was parsed publishes and parses back to the same keys.
		again, err := jwtauth.ParseJWKS(jwtauth.MarshalJWKS(keys))
		if err != nil || len(again) != len(keys) {
			t.Fatalf("round trip = %d keys, %v; want %d", len(again), err, len(keys))
		}
	})
}

// FuzzAuthenticate checks that no Authorization header makes the verifier
// panic, that it answers only with the contract's errors, and that only
// the genuine token authenticates.
func FuzzAuthenticate(f *testing.F) {
	fx := newFixture(f, jwtauth.HS256)
	good := fx.issue(f, nil).AccessToken
	f.Add("Bearer " + good)
	f.Add("Bearer " + good[:len(good)-2])
	f.Add("bearer e30.e30.")
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Authorization"] = []string{header}
		p, err := fx.verifier.Authenticate(r)
		switch {
		case err == nil:
			tok, _ := jwtauth.BearerToken(r)
			if tok != good || p == nil || p.Subject != "user-1" {
				t.Fatalf("Authenticate(%q) accepted a token other than the issued one", header)
			}
		case errors.Is(err, auth.ErrNoCredentials), errors.Is(err, auth.ErrInvalidCredentials):
			if strings.Contains(err.Error(), good) {
				t.Fatalf("error %q holds the token", err)
			}
		default:
			t.Fatalf("Authenticate(%q) = %v, want no credentials or invalid credentials", header, err)
		}
	})
}

// FuzzMaxAge checks that no Cache-Control value makes the parser panic or
// return a negative duration.
func FuzzMaxAge(f *testing.F) {
	f.Add("public, max-age=600")
	f.Add("no-store")
	f.Add(`max-age="60", max-age=1`)
	f.Add("max-age=99999999999999999999")
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := jwtauth.MaxAge([]string{v})
		if d < 0 || d > 1<<32*time.Second || (!ok && d != 0) {
			t.Fatalf("MaxAge(%q) = %v, %v", v, d, ok)
		}
	})
}

// refClaims decodes the claims of jwtauth.Claims with golang-jwt's own
// types, the reference FuzzClaims compares against.
type refClaims struct {
	jwt.RegisteredClaims
	Roles    jwt.ClaimStrings `json:"roles,omitempty"`
	Scp      jwt.ClaimStrings `json:"scp,omitempty"`
	AMR      jwt.ClaimStrings `json:"amr,omitempty"`
	AuthTime *jwt.NumericDate `json:"auth_time,omitempty"`
}

// FuzzClaims checks jwtauth's claim decoders against golang-jwt's: no
// panic; whatever jwtauth accepts golang-jwt accepts too, with the same
// values (jwtauth is stricter: no numbers in strings, no absurd dates).
func FuzzClaims(f *testing.F) {
	f.Add([]byte(`{"aud":"a","exp":1700000000,"roles":["x","y"],"scp":"s t","amr":[]}`))
	f.Add([]byte(`{"aud":["a","b\u00e9"],"iat":1.5,"nbf":-3,"auth_time":1e9,"roles":"r"}`))
	f.Add([]byte(`{"aud":[1],"exp":"1700000000","roles":[null]}`))
	f.Add([]byte(`{"aud": [ "a" , "b" ] ,"exp":1.7e9}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got jwtauth.Claims
		gotErr := json.Unmarshal(data, &got)
		var ref refClaims
		refErr := json.Unmarshal(data, &ref)
		if gotErr != nil {
			return
		}
		if refErr != nil {
			t.Fatalf("jwtauth accepted %s that golang-jwt refuses (%v)", data, refErr)
		}
		sameStrings := func(name string, a stringList, b jwt.ClaimStrings) {
			if len(a) != len(b) {
				t.Fatalf("%s of %s: %q, golang-jwt %q", name, data, a, b)
			}
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("%s of %s: %q, golang-jwt %q", name, data, a, b)
				}
			}
		}
		sameStrings("aud", stringList(got.Audience), ref.Audience)
		sameStrings("roles", stringList(got.Roles), ref.Roles)
		sameStrings("scp", stringList(got.Scp), ref.Scp)
		sameStrings("amr", stringList(got.AMR), ref.AMR)
		sameDate := func(name string, a *jwtauth.NumericDate, b *jwt.NumericDate) {
			if (a == nil) != (b == nil) || (a != nil && !a.Equal(b.Time)) {
				t.Fatalf("%s of %s: %v, golang-jwt %v", name, data, a, b)
			}
		}
		sameDate("exp", got.ExpiresAt, ref.ExpiresAt)
		sameDate("nbf", got.NotBefore, ref.NotBefore)
		sameDate("iat", got.IssuedAt, ref.IssuedAt)
		sameDate("auth_time", got.AuthTime, ref.AuthTime)
	})
}

// stringList lets FuzzClaims compare both kinds of string list.
type stringList []string
