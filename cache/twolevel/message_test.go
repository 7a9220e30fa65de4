package twolevel

import (
	"slices"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
)

func TestMessageRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		origin string
		keys   []string
	}{
		{"one key", "ORIGIN", []string{"user:42"}},
		{"several keys", "o", []string{"a", "b", "c"}},
		{"binary key", "o", []string{"\x00\xff\n", "é"}},
		{"long key", "o", []string{strings.Repeat("k", 300)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := string(encodeMessage(tt.origin, tt.keys...))
			origin, keys, err := decodeMessage(payload)
			if err != nil || origin != tt.origin || !slices.Equal(keys, tt.keys) {
				t.Errorf("decodeMessage(encodeMessage(%q, %q)) = %q, %q, %v, want the same back", tt.origin, tt.keys, origin, keys, err)
			}
		})
	}
}

func TestDecodeMessageErrors(t *testing.T) {
	tests := []struct {
		name    string
		payload string
	}{
		{"empty", ""},
		{"other version", "2\x01o\x01k"},
		{"no origin", "1"},
		{"empty origin", "1\x00\x01k"},
		{"origin longer than the message", "1\x05o"},
		{"no key", "1\x01o"},
		{"empty key", "1\x01o\x00"},
		{"key longer than the message", "1\x01o\x09abc"},
		{"truncated length", "1\x01o\x80"},
		{"non-minimal length", "1\x81\x00o\x01k"},
		{"length overflow", "1\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin, keys, err := decodeMessage(tt.payload)
			if !errors.Is(err, ErrMalformedMessage) {
				t.Errorf("decodeMessage(%q) = %q, %q, %v, want ErrMalformedMessage", tt.payload, origin, keys, err)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		failures int
		want     string
	}{
		{1, "0s"}, {2, "10ms"}, {3, "20ms"}, {9, "1.28s"}, {10, "2s"}, {1000, "2s"},
	}
	for _, tt := range tests {
		if got := backoff(tt.failures).String(); got != tt.want {
			t.Errorf("backoff(%d) = %s, want %s", tt.failures, got, tt.want)
		}
	}
}

// FuzzDecodeMessage checks that any payload on the channel decodes
// without panicking, and that what decodes is canonical: encoding the
// result gives the payload back.
func FuzzDecodeMessage(f *testing.F) {
	f.Add(string(encodeMessage("ORIGIN", "k")))
	f.Add(string(encodeMessage("o", "a", "\x00", strings.Repeat("x", 200))))
	f.Add("1\x81\x00o\x01k")
	f.Add("")
	f.Fuzz(func(t *testing.T, payload string) {
		origin, keys, err := decodeMessage(payload)
		if err != nil {
			if !errors.Is(err, ErrMalformedMessage) {
				t.Fatalf("decodeMessage(%q) error = %v, want ErrMalformedMessage", payload, err)
			}
			return
		}
		if origin == "" || len(keys) == 0 || slices.Contains(keys, "") {
			t.Fatalf("decodeMessage(%q) = %q, %q, want a non-empty origin and keys", payload, origin, keys)
		}
		if again := string(encodeMessage(origin, keys...)); again != payload {
			t.Fatalf("encodeMessage(decodeMessage(%q)) = %q, want the payload back", payload, again)
		}
	})
}
