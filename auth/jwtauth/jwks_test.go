package jwtauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keel-go/keel/auth/jwtauth"
)

func TestJWKSHandler(t *testing.T) {
	hs := newTestKey(t, jwtauth.HS256, "hs")
	asym := []testKey{newTestKey(t, jwtauth.RS256, "rs"), newTestKey(t, jwtauth.ES256, "es"), newTestKey(t, jwtauth.EdDSA, "ed")}
	ks, err := jwtauth.NewKeySet(hs.Key, asym[0].Key, asym[1].Key, asym[2].Key)
	if err != nil {
		t.Fatal(err)
	}
	h := ks.JWKSHandler(0)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/jwk-set+json" || w.Header().Get("Cache-Control") != "public, max-age=300" {
		t.Fatalf("GET = %d, Content-Type %q, Cache-Control %q; want 200, application/jwk-set+json, public, max-age=300",
			w.Code, w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"))
	}
	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("body %s: %v", w.Body, err)
	}
	wantKty := map[string]string{"rs": "RSA", "es": "EC", "ed": "OKP"}
	if len(doc.Keys) != len(wantKty) {
		t.Fatalf("published %d keys, want %d (no HMAC key): %s", len(doc.Keys), len(wantKty), w.Body)
	}
	for _, k := range doc.Keys {
		if k["kty"] != wantKty[k["kid"]] || k["use"] != "sig" || k["alg"] == "" {
			t.Errorf("key %v: want kty %s, use sig, an alg", k, wantKty[k["kid"]])
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("key %s publishes private member %q", k["kid"], private)
			}
		}
	}

	// The published keys verify what the private ones signed.
	parsed, err := jwtauth.ParseJWKS(w.Body.Bytes())
	if err != nil || len(parsed) != 3 {
		t.Fatalf("ParseJWKS = %d keys, %v; want 3, nil", len(parsed), err)
	}
	pubs, _ := jwtauth.NewKeySet(parsed...)
	clk := newClock()
	v, err := jwtauth.NewVerifier(jwtauth.Options{Keys: pubs, Issuer: testIssuer, Audience: []string{testAudience}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range asym {
		if k.CanSign() == false {
			t.Fatalf("key %s cannot sign", k.ID())
		}
		if _, err := v.Verify(context.Background(), k.sign(t, claimsAt(t0), nil)); err != nil {
			t.Errorf("Verify with published key %s = %v, want nil", k.ID(), err)
		}
	}
	for _, k := range parsed {
		if k.CanSign() {
			t.Errorf("parsed key %s can sign, want verification only", k.ID())
		}
	}

	// Rotation shows at once.
	ks.Remove("rs")
	if err := ks.Add(newTestKey(t, jwtauth.ES256, "es2").Key); err != nil {
		t.Fatal(err)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if body := w.Body.String(); strings.Contains(body, `"rs"`) || !strings.Contains(body, `"es2"`) {
		t.Errorf("after rotation the JWKS is %s, want es2 and no rs", body)
	}

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodHead, "/", nil))
	if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD = %d with %d body bytes, want 200, Content-Length and no body", w.Code, w.Body.Len())
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}")))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST = %d, Allow %q; want 405, GET, HEAD", w.Code, w.Header().Get("Allow"))
	}
	if got := jwtauth.MarshalJWKS(nil); string(got) != `{"keys":[]}` {
		t.Errorf("MarshalJWKS(nil) = %s, want {\"keys\":[]}", got)
	}
}

func TestParseJWKS(t *testing.T) {
	ks, _ := jwtauth.NewKeySet(newTestKey(t, jwtauth.RS256, "rs").Key, newTestKey(t, jwtauth.ES256, "es").Key, newTestKey(t, jwtauth.EdDSA, "ed").Key)
	var valid struct {
		Keys []map[string]any `json:"keys"`
	}
	_ = json.Unmarshal(jwtauth.MarshalJWKS(ks.Keys()), &valid)
	key := func(kid string, edit func(map[string]any)) map[string]any {
		for _, k := range valid.Keys {
			if k["kid"] == kid {
				c := make(map[string]any, len(k))
				for n, v := range k {
					c[n] = v
				}
				if edit != nil {
					edit(c)
				}
				return c
			}
		}
		t.Fatalf("no key %s", kid)
		return nil
	}
	doc := func(keys ...map[string]any) string {
		b, _ := json.Marshal(map[string]any{"keys": keys})
		return string(b)
	}
	tests := []struct {
		name    string
		doc     string
		wantErr bool
		kids    []string
	}{
		{"all three", doc(key("rs", nil), key("es", nil), key("ed", nil)), false, []string{"rs", "es", "ed"}},
		{"not an object", `[1,2]`, true, nil},
		{"not JSON", `{"keys":`, true, nil},
		{"no keys member", `{"other":[]}`, true, nil},
		{"keys not an array", `{"keys":{}}`, true, nil},
		{"oversized", `{"keys":[],"pad":"` + strings.Repeat("x", jwtauth.MaxJWKSSize) + `"}`, true, nil},
		{"too many keys", `{"keys":[` + strings.Repeat(`{},`, jwtauth.MaxJWKSKeys) + `{}]}`, true, nil},
		{"empty set", `{"keys":[]}`, false, nil},
		{"symmetric key skipped", doc(map[string]any{"kty": "oct", "kid": "s", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}, key("es", nil)), false, []string{"es"}},
		{"encryption key skipped", doc(key("rs", func(m map[string]any) { m["use"] = "enc" }), key("es", nil)), false, []string{"es"}},
		{"key_ops without verify skipped", doc(key("rs", func(m map[string]any) { m["key_ops"] = []string{"encrypt"} }), key("ed", nil)), false, []string{"ed"}},
		{"unsupported alg skipped", doc(key("rs", func(m map[string]any) { m["alg"] = "RS512" }), key("ed", nil)), false, []string{"ed"}},
		{"alg of another type skipped", doc(key("es", func(m map[string]any) { m["alg"] = "RS256" }), key("ed", nil)), false, []string{"ed"}},
		{"alg absent is inferred", doc(key("es", func(m map[string]any) { delete(m, "alg") })), false, []string{"es"}},
		{"small RSA key skipped", doc(key("rs", func(m map[string]any) { m["n"] = m["n"].(string)[:170] }), key("ed", nil)), false, []string{"ed"}},
		{"even RSA exponent skipped", doc(key("rs", func(m map[string]any) { m["e"] = "AQAA" }), key("ed", nil)), false, []string{"ed"}},
		{"EC point off the curve skipped", doc(key("es", func(m map[string]any) { m["y"] = m["x"] }), key("ed", nil)), false, []string{"ed"}},
		{"EC other curve skipped", doc(key("es", func(m map[string]any) { m["crv"] = "P-384" }), key("ed", nil)), false, []string{"ed"}},
		{"Ed25519 wrong size skipped", doc(key("ed", func(m map[string]any) { m["x"] = "AAAA" }), key("es", nil)), false, []string{"es"}},
		{"bad base64 skipped", doc(key("ed", func(m map[string]any) { m["x"] = "!!" }), key("es", nil)), false, []string{"es"}},
		{"duplicate kid: first kept", doc(key("es", nil), key("ed", func(m map[string]any) { m["kid"] = "es" })), false, []string{"es"}},
		{"no kid, several keys: skipped", doc(key("es", func(m map[string]any) { delete(m, "kid") }), key("ed", nil)), false, []string{"ed"}},
		{"no kid, single key: kept", doc(key("es", func(m map[string]any) { delete(m, "kid") })), false, []string{""}},
		{"padded base64 tolerated", doc(key("ed", func(m map[string]any) { m["x"] = m["x"].(string) + "=" })), false, []string{"ed"}},
		{"key not an object skipped", `{"keys":[1,"x",null,` + doc(key("ed", nil))[9:], false, []string{"ed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := jwtauth.ParseJWKS([]byte(tt.doc))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseJWKS = %v, want error %v", err, tt.wantErr)
			}
			var kids []string
			for _, k := range keys {
				kids = append(kids, k.ID())
			}
			if strings.Join(kids, ",") != strings.Join(tt.kids, ",") || len(kids) != len(tt.kids) {
				t.Errorf("ParseJWKS kids = %q, want %q", kids, tt.kids)
			}
		})
	}
	one, _ := json.Marshal(key("ed", nil))
	if k, err := jwtauth.ParseJWK(one); err != nil || k.ID() != "ed" || k.Algorithm() != jwtauth.EdDSA {
		t.Errorf("ParseJWK = %v, %v; want the ed key", k, err)
	}
	if _, err := jwtauth.ParseJWK([]byte(`{"kty":"OKP"}`)); err == nil {
		t.Errorf("ParseJWK without kid = nil error, want one")
	}
}
