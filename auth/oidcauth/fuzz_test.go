package oidcauth

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzSafeReturn checks that every path safeReturn accepts stays on the
// site, read as a URL and read the lax way browsers do (backslashes as
// slashes, tabs and newlines dropped).
func FuzzSafeReturn(f *testing.F) {
	for _, s := range []string{"/", "/orders?id=1", "//evil.example", "/\\evil.example", "https://evil.example", "/\t/x", "/a/../..//x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://app.example/base/")
	f.Fuzz(func(t *testing.T, s string) {
		if !safeReturn(s) {
			return
		}
		lax := strings.NewReplacer("\\", "/", "\t", "", "\n", "", "\r", "").Replace(s)
		for _, v := range []string{s, lax} {
			u, err := url.Parse(v)
			if err != nil {
				t.Fatalf("safeReturn(%q) = true, but %q does not parse: %v", s, v, err)
			}
			if got := base.ResolveReference(u); got.Host != "app.example" || got.Scheme != "https" {
				t.Fatalf("safeReturn(%q) = true, but it leads to %s", s, got)
			}
		}
	})
}

// FuzzParseDiscovery checks that no document makes the discovery parser
// panic, and that what it accepts is safe to use.
func FuzzParseDiscovery(f *testing.F) {
	f.Add([]byte(`{"issuer":"https://idp.example","authorization_endpoint":"https://idp.example/a","token_endpoint":"https://idp.example/t","jwks_uri":"https://idp.example/k"}`))
	f.Add([]byte(`{"issuer":"https://idp.example","authorization_endpoint":"http://idp.example/a"}`))
	f.Add([]byte(`{"issuer":"https://idp.example","id_token_signing_alg_values_supported":["none","HS256"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := parseDiscovery(data, "https://idp.example")
		if err != nil {
			return
		}
		for _, u := range []string{md.AuthorizationEndpoint, md.TokenEndpoint, md.JWKSURI} {
			if checkEndpoint(u) != nil {
				t.Fatalf("accepted endpoint %q", u)
			}
		}
		for _, a := range md.SigningAlgs {
			if !slices.Contains(supportedAlgs, a) {
				t.Fatalf("accepted algorithm %q", a)
			}
		}
	})
}

// FuzzOpenFlow checks that no cookie value makes the state cookie decoder
// panic, and that values not sealed with the key are refused.
func FuzzOpenFlow(f *testing.F) {
	key := make([]byte, 32)
	s, err := newSealer(key, "__Host-oidc")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	good, err := s.seal(flow{State: "s", Nonce: "n", Verifier: "v", Return: "/", Expires: now.Unix() + 600})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("")
	f.Add(strings.Repeat("A", 60))
	other, _ := newSealer(make([]byte, 32), "other")
	f.Fuzz(func(t *testing.T, value string) {
		fl, err := s.open(value, now)
		if err == nil && (!safeReturn(fl.Return) || fl.State == "") {
			t.Fatalf("open(%q) = %+v, an unsafe flow", value, fl)
		}
		if _, err := other.open(value, now); err == nil && value == good {
			t.Fatal("a flow sealed for one cookie opened as another")
		}
	})
}

func TestFlowRoundTrip(t *testing.T) {
	s, err := newSealer(make([]byte, 32), "c")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	in := flow{State: "s", Nonce: "n", Verifier: "v", Return: "/x?y=1", Expires: now.Unix() + 10}
	v, err := s.seal(in)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := s.open(v, now); err != nil || out != in {
		t.Fatalf("open(seal(f)) = %+v, %v, want %+v, nil", out, err, in)
	}
	if _, err := s.open(v, now.Add(10*time.Second)); err == nil {
		t.Fatal("open of an expired flow = nil error, want an error")
	}
}
