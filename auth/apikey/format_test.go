package apikey_test

import (
	"strings"
	"testing"

	"github.com/keel-go/keel/auth/apikey"
	"github.com/keel-go/keel/errors"
)

// A key issued with prefix "keel", checksum included.
const sampleKey = "keel_AbCd1234_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghi"

func TestParse(t *testing.T) {
	valid := withChecksum(t, sampleKey)
	tests := []struct {
		name       string
		key        string
		wantPrefix string
		wantID     string
		wantErr    bool
	}{
		{"valid", valid, "keel", "AbCd1234", false},
		// Pins the format: CRC-32 (IEEE) of the body, six base62 digits.
		{"pinned", "keel_AbCd1234_0123456789abcdefghijABCDEFGHIJ0123456789abc3bXb2M", "keel", "AbCd1234", false},
		{"longest prefix", "abcdefghijklmnop_Zz9Zz9Zz_QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ3btAvy", "abcdefghijklmnop", "Zz9Zz9Zz", false},
		{"empty", "", "", "", true},
		{"no separators", "keelAbCd1234", "", "", true},
		{"bad checksum", valid[:len(valid)-1] + flip(valid[len(valid)-1]), "", "", true},
		{"secret changed", valid[:20] + flip(valid[20]) + valid[21:], "", "", true},
		{"upper-case prefix", "KEEL" + valid[4:], "", "", true},
		{"long prefix", strings.Repeat("k", apikey.MaxPrefixLen+1) + valid[4:], "", "", true},
		{"short id", "keel_AbCd123_" + valid[14:], "", "", true},
		{"short secret", valid[:len(valid)-2], "", "", true},
		{"non base62", strings.Replace(valid, "0123", "0-23", 1), "", "", true},
		{"extra part", valid + "_x", "", "", true},
		{"whitespace", " " + valid, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix, id, err := apikey.Parse(tt.key)
			if tt.wantErr {
				if !errors.Is(err, apikey.ErrMalformed) {
					t.Fatalf("Parse(%q) = %q, %q, %v, want ErrMalformed", tt.key, prefix, id, err)
				}
				return
			}
			if err != nil || prefix != tt.wantPrefix || id != tt.wantID {
				t.Fatalf("Parse(%q) = %q, %q, %v, want %q, %q, nil", tt.key, prefix, id, err, tt.wantPrefix, tt.wantID)
			}
		})
	}
}

// withChecksum replaces the last six characters of a key-shaped string
// with the checksum of the rest.
func withChecksum(tb testing.TB, s string) string {
	tb.Helper()
	body := s[:len(s)-apikey.ChecksumLen]
	return body + apikey.Checksum(body)
}

func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

// FuzzParse checks that Parse never panics, and that what it accepts has
// the documented shape and survives a second Parse unchanged.
func FuzzParse(f *testing.F) {
	f.Add(sampleKey)
	f.Add("keel__")
	f.Add("a_b_c")
	f.Add(strings.Repeat("_", 80))
	f.Fuzz(func(t *testing.T, key string) {
		prefix, id, err := apikey.Parse(key)
		if err != nil {
			if !errors.Is(err, apikey.ErrMalformed) {
				t.Fatalf("Parse(%q) error = %v, want ErrMalformed", key, err)
			}
			return
		}
		if len(id) != apikey.IDLen || prefix == "" || !strings.HasPrefix(key, prefix+"_"+id+"_") {
			t.Fatalf("Parse(%q) = %q, %q, which is not the key's shape", key, prefix, id)
		}
		if len(key) != len(prefix)+2+apikey.IDLen+apikey.SecretLen+apikey.ChecksumLen {
			t.Fatalf("Parse accepted %q of length %d", key, len(key))
		}
	})
}
