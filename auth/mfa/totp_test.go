package mfa_test

import (
	"encoding/base32"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/auth/mfa"
	"github.com/keel-go/keel/errors"
)

// TestRFC6238Vectors checks the test vectors of RFC 6238 appendix B: 8
// digits, 30-second steps, the ASCII seeds "1234567890" repeated to 20,
// 32 and 64 bytes.
func TestRFC6238Vectors(t *testing.T) {
	seed := func(n int) string {
		return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte(strings.Repeat("1234567890", 7)[:n]))
	}
	verifiers := map[mfa.Algorithm]struct {
		v      *mfa.Verifier
		secret string
	}{
		mfa.SHA1:   {mfa.MustNew(mfa.Options{Issuer: "rfc", Digits: 8}), seed(20)},
		mfa.SHA256: {mfa.MustNew(mfa.Options{Issuer: "rfc", Digits: 8, Algorithm: mfa.SHA256}), seed(32)},
		mfa.SHA512: {mfa.MustNew(mfa.Options{Issuer: "rfc", Digits: 8, Algorithm: mfa.SHA512}), seed(64)},
	}
	tests := []struct {
		unix int64
		alg  mfa.Algorithm
		want string
	}{
		{59, mfa.SHA1, "94287082"},
		{59, mfa.SHA256, "46119246"},
		{59, mfa.SHA512, "90693936"},
		{1111111109, mfa.SHA1, "07081804"},
		{1111111109, mfa.SHA256, "68084774"},
		{1111111109, mfa.SHA512, "25091201"},
		{1111111111, mfa.SHA1, "14050471"},
		{1111111111, mfa.SHA256, "67062674"},
		{1111111111, mfa.SHA512, "99943326"},
		{1234567890, mfa.SHA1, "89005924"},
		{1234567890, mfa.SHA256, "91819424"},
		{1234567890, mfa.SHA512, "93441116"},
		{2000000000, mfa.SHA1, "69279037"},
		{2000000000, mfa.SHA256, "90698825"},
		{2000000000, mfa.SHA512, "38618901"},
		{20000000000, mfa.SHA1, "65353130"},
		{20000000000, mfa.SHA256, "77737706"},
		{20000000000, mfa.SHA512, "47863826"},
	}
	for _, tt := range tests {
		vs := verifiers[tt.alg]
		got, err := vs.v.Code(vs.secret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.want {
			t.Errorf("Code(%s, %d) = %q, %v, want %q", tt.alg, tt.unix, got, err, tt.want)
		}
	}
}

func TestGenerateSecret(t *testing.T) {
	a, err := mfa.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := mfa.GenerateSecret()
	if len(a) != 32 || strings.Contains(a, "=") || a == b {
		t.Errorf("GenerateSecret = %q, %q, want two different 32-character unpadded base32 strings", a, b)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(a)
	if err != nil || len(raw) != 20 {
		t.Errorf("secret decodes to %d bytes, %v, want 20", len(raw), err)
	}
}

func TestMalformedSecret(t *testing.T) {
	v := mfa.MustNew(mfa.Options{Issuer: "x"})
	for _, secret := range []string{"", "not base32!", "JBSWY3DPEHPK3PXP" /* 10 bytes */, strings.Repeat("A", 300)} {
		if _, err := v.Code(secret, time.Unix(0, 0)); !errors.Is(err, mfa.ErrMalformedSecret) {
			t.Errorf("Code(%q) error = %v, want ErrMalformedSecret", secret, err)
		}
	}
	// Case and spaces do not matter; padding is tolerated.
	s, _ := mfa.GenerateSecret()
	want, _ := v.Code(s, time.Unix(1e9, 0))
	for _, variant := range []string{strings.ToLower(s), s[:8] + " " + s[8:], s + "===="} {
		if got, err := v.Code(variant, time.Unix(1e9, 0)); err != nil || got != want {
			t.Errorf("Code(%q) = %q, %v, want %q", variant, got, err, want)
		}
	}
}

func TestProvisioningURI(t *testing.T) {
	v := mfa.MustNew(mfa.Options{Issuer: "Acme & Co"})
	got := v.ProvisioningURI("alice+test@example.com", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	want := "otpauth://totp/Acme%20%26%20Co:alice%2Btest%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme%20%26%20Co&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Errorf("ProvisioningURI =\n%s\nwant\n%s", got, want)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || q.Get("issuer") != "Acme & Co" || q.Get("secret") != "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" {
		t.Errorf("parsed URI: scheme %q host %q issuer %q secret %q", u.Scheme, u.Host, q.Get("issuer"), q.Get("secret"))
	}
	if label, _ := url.PathUnescape(strings.TrimPrefix(u.EscapedPath(), "/")); label != "Acme & Co:alice+test@example.com" {
		t.Errorf("label = %q, want %q", label, "Acme & Co:alice+test@example.com")
	}

	// An account name cannot inject parameters or a second label colon.
	evil := v.ProvisioningURI("eve:x&secret=AAAA&issuer=Evil", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	u, _ = url.Parse(evil)
	if q := u.Query(); len(q["secret"]) != 1 || q.Get("issuer") != "Acme & Co" || strings.Count(u.EscapedPath(), ":") != 1 {
		t.Errorf("hostile account changed the URI: %s", evil)
	}
}

func TestParseCode(t *testing.T) {
	tests := []struct {
		in     string
		digits int
		want   string
		ok     bool
	}{
		{"123456", 6, "123456", true},
		{"123 456", 6, "123456", true},
		{" 123-456\t", 6, "123456", true},
		{"12345678", 8, "12345678", true},
		{"12345", 6, "", false},
		{"1234567", 6, "", false},
		{"12345a", 6, "", false},
		{"１２３４５６", 6, "", false}, // full-width digits
		{"123.456", 6, "", false},
		{"", 6, "", false},
		{strings.Repeat(" ", 60) + "123456", 6, "", false}, // over 64 bytes
	}
	for _, tt := range tests {
		got, ok := mfa.ParseCode(tt.in, tt.digits)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseCode(%q, %d) = %q, %v, want %q, %v", tt.in, tt.digits, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseCode(f *testing.F) {
	f.Add("123 456", 6)
	f.Add("12-34-56-78", 8)
	f.Add("abc", 6)
	f.Fuzz(func(t *testing.T, s string, digits int) {
		got, ok := mfa.ParseCode(s, digits)
		if !ok {
			if got != "" {
				t.Fatalf("ParseCode(%q) = %q, false, want an empty result on failure", s, got)
			}
			return
		}
		if len(got) != digits {
			t.Fatalf("ParseCode(%q, %d) = %q, want %d digits", s, digits, got, digits)
		}
		stripped := strings.NewReplacer(" ", "", "\t", "", "-", "").Replace(s)
		if got != stripped {
			t.Fatalf("ParseCode(%q) = %q, want the input without separators, %q", s, got, stripped)
		}
		for _, c := range got {
			if c < '0' || c > '9' {
				t.Fatalf("ParseCode(%q) = %q, holds a non-digit", s, got)
			}
		}
	})
}

func TestNormalizeRecoveryCode(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"ABCDE-FGHJK", "ABCDEFGHJK", true},
		{"abcde fghjk", "ABCDEFGHJK", true},
		{"23456789AB", "23456789AB", true},
		{"ABCDE-FGHJ", "", false},   // 9 characters
		{"ABCDE-FGHJKL", "", false}, // 11
		{"ABCDE-FGHJ0", "", false},  // 0 is not in the alphabet
		{"ABCDE-FGHJO", "", false},  // nor O
		{"ABCDE-FGHJ1", "", false},  // nor 1
		{"ABCDE-FGHJI", "", false},  // nor I
		{"ABCDÉ-FGHJK", "", false},  // non-ASCII
		{"ABCDE_FGHJK", "", false},  // other separators
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := mfa.NormalizeRecoveryCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzNormalizeRecoveryCode(f *testing.F) {
	f.Add("ABCDE-FGHJK")
	f.Add("abcde fghjk")
	f.Add("O0I1l")
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := mfa.NormalizeRecoveryCode(s)
		if !ok {
			if got != "" {
				t.Fatalf("NormalizeRecoveryCode(%q) = %q, false, want an empty result on failure", s, got)
			}
			return
		}
		if len(got) != mfa.RecoveryCodeLen {
			t.Fatalf("NormalizeRecoveryCode(%q) = %q, want %d characters", s, got, mfa.RecoveryCodeLen)
		}
		for _, c := range got {
			if !strings.ContainsRune("23456789ABCDEFGHJKLMNPQRSTUVWXYZ", c) {
				t.Fatalf("NormalizeRecoveryCode(%q) = %q, holds %q outside the alphabet", s, got, c)
			}
		}
		if again, ok := mfa.NormalizeRecoveryCode(got); !ok || again != got {
			t.Fatalf("NormalizeRecoveryCode is not idempotent on %q: %q, %v", got, again, ok)
		}
	})
}
