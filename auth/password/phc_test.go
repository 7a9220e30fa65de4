package password_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/keel-go/keel/auth/password"
	"github.com/keel-go/keel/errors"
)

const (
	salt16 = "c29tZXNhbHRzb21lc2FsdA"                      // "somesaltsomesalt"
	key32  = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g" // 32 bytes
)

func TestParse(t *testing.T) {
	good := "$argon2id$v=19$m=19456,t=2,p=1$" + salt16 + "$" + key32
	p, salt, key, err := password.Parse(good)
	if err != nil {
		t.Fatalf("Parse(%q) error = %v", good, err)
	}
	if want := (password.Params{Memory: 19456, Time: 2, Threads: 1}); p != want {
		t.Errorf("Params = %v, want %v", p, want)
	}
	if string(salt) != "somesaltsomesalt" || len(key) != 32 {
		t.Errorf("salt, key = %q, %d bytes, want %q, 32 bytes", salt, len(key), "somesaltsomesalt")
	}
	if got := password.Encode(p, salt, key); got != good {
		t.Errorf("Encode(Parse(s)) = %q, want %q", got, good)
	}

	bad := []struct {
		name, s string
	}{
		{"empty", ""},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt16 + "$" + key32},
		{"version 16", "$argon2id$v=16$m=64,t=1,p=1$" + salt16 + "$" + key32},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt16 + "$" + key32},
		{"huge memory", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt16 + "$" + key32},
		{"memory over cap", "$argon2id$v=19$m=262145,t=1,p=1$" + salt16 + "$" + key32},
		{"memory overflows uint32", "$argon2id$v=19$m=99999999999,t=1,p=1$" + salt16 + "$" + key32},
		{"huge time", "$argon2id$v=19$m=64,t=4294967295,p=1$" + salt16 + "$" + key32},
		{"huge threads", "$argon2id$v=19$m=64,t=1,p=255$" + salt16 + "$" + key32},
		{"threads wrap uint8", "$argon2id$v=19$m=64,t=1,p=257$" + salt16 + "$" + key32},
		{"zero time", "$argon2id$v=19$m=64,t=0,p=1$" + salt16 + "$" + key32},
		{"zero threads", "$argon2id$v=19$m=64,t=1,p=0$" + salt16 + "$" + key32},
		{"memory below 8p", "$argon2id$v=19$m=8,t=1,p=2$" + salt16 + "$" + key32},
		{"params reordered", "$argon2id$v=19$t=1,m=64,p=1$" + salt16 + "$" + key32},
		{"extra param", "$argon2id$v=19$m=64,t=1,p=1,keyid=a$" + salt16 + "$" + key32},
		{"leading zero", "$argon2id$v=19$m=064,t=1,p=1$" + salt16 + "$" + key32},
		{"sign", "$argon2id$v=19$m=+64,t=1,p=1$" + salt16 + "$" + key32},
		{"space", "$argon2id$v=19$m= 64,t=1,p=1$" + salt16 + "$" + key32},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "==$" + key32},
		{"url base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$" + strings.ReplaceAll(key32, "h", "-")},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key32},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$aGFzaA"},
		{"missing key", "$argon2id$v=19$m=64,t=1,p=1$" + salt16},
		{"trailing field", "$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$" + key32 + "$"},
		{"non-canonical trailing bits", "$argon2id$v=19$m=64,t=1,p=1$" + salt16[:len(salt16)-1] + "B$" + key32},
		{"too long", "$argon2id$v=19$m=64,t=1,p=1$" + strings.Repeat("A", 300) + "$" + key32},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, err := password.Parse(tt.s); !errors.Is(err, password.ErrMalformedHash) {
				t.Errorf("Parse(%q) error = %v, want ErrMalformedHash", tt.s, err)
			}
		})
	}
}

// TestParseNoAllocationForHostileParams checks that a hash asking for
// 4 GiB is refused by reading it, without allocating for its parameters.
func TestParseNoAllocationForHostileParams(t *testing.T) {
	s := "$argon2id$v=19$m=4294967295,t=4294967295,p=255$" + salt16 + "$" + key32
	allocs := testing.AllocsPerRun(20, func() { password.Parse(s) })
	if allocs > 8 {
		t.Errorf("Parse of a hostile hash allocates %v times, want a handful of small allocations", allocs)
	}
}

// FuzzParse checks that Parse never panics, that whatever it accepts is
// within the limits, and that accepted hashes survive an Encode round trip.
func FuzzParse(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$" + salt16 + "$" + key32)
	f.Add("$argon2id$v=19$m=4294967295,t=1,p=1$" + salt16 + "$" + key32)
	f.Add("$2b$10$abcdefghijklmnopqrstuu")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := password.Parse(s)
		if err != nil {
			if !errors.Is(err, password.ErrMalformedHash) {
				t.Fatalf("Parse(%q) error = %v, want ErrMalformedHash", s, err)
			}
			return
		}
		if p.Memory > password.MaxMemory || p.Time > password.MaxTime || p.Threads > password.MaxThreads ||
			p.Time == 0 || p.Threads == 0 || p.Memory < 8*uint32(p.Threads) {
			t.Fatalf("Parse(%q) accepted params %v outside the limits", s, p)
		}
		if len(salt) < 8 || len(salt) > 64 || len(key) < 16 || len(key) > 64 {
			t.Fatalf("Parse(%q) accepted a %d-byte salt and %d-byte key", s, len(salt), len(key))
		}
		if got := password.Encode(p, salt, key); got != s {
			t.Fatalf("Encode(Parse(%q)) = %q, want the input back", s, got)
		}
		p2, salt2, key2, err := password.Parse(password.Encode(p, salt, key))
		if err != nil || p2 != p || !bytes.Equal(salt2, salt) || !bytes.Equal(key2, key) {
			t.Fatalf("round trip of %q changed it", s)
		}
	})
}
