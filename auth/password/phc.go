package password

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Limits on the salt and key lengths [Parse] accepts, in bytes. They admit
// hashes from other argon2id implementations (8-byte salts, 16-byte keys)
// and bound what a tampered hash can hold.
const (
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// b64 is the PHC string format's base64: the standard alphabet without
// padding, strict about trailing bits so that each hash has one spelling.
var b64 = base64.RawStdEncoding.Strict()

// Encode returns the PHC string of an argon2id hash:
//
//	$argon2id$v=19$m=<memory>,t=<time>,p=<threads>$<salt>$<key>
//
// with salt and key in unpadded standard base64.
func Encode(p Params, salt, key []byte) string {
	var b strings.Builder
	b.Grow(40 + b64.EncodedLen(len(salt)) + b64.EncodedLen(len(key)))
	b.WriteString("$argon2id$v=19$m=")
	b.WriteString(strconv.FormatUint(uint64(p.Memory), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(p.Time), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(p.Threads), 10))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(salt))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(key))
	return b.String()
}

// Parse reads an argon2id PHC string as [Encode] writes it. It accepts
// only version 19, the parameters m, t and p in that order and in
// canonical decimal, and values within [MaxMemory], [MaxTime] and
// [MaxThreads] (m at least 8·p), a salt of 8 to 64 bytes and a key of 16
// to 64 bytes. Anything else is an error wrapping [ErrMalformedHash],
// returned before any memory is allocated for the parameters.
func Parse(encoded string) (p Params, salt, key []byte, err error) {
	fail := func(format string, args ...any) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: "+format, append([]any{ErrMalformedHash}, args...)...)
	}
	if len(encoded) > 256 {
		return fail("longer than 256 bytes")
	}
	rest, ok := strings.CutPrefix(encoded, "$argon2id$")
	if !ok {
		return fail("not an argon2id hash")
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 4 {
		return fail("want 5 $-separated fields")
	}
	if fields[0] != "v=19" {
		return fail("unsupported version")
	}
	params := strings.Split(fields[1], ",")
	if len(params) != 3 {
		return fail("want parameters m, t, p")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(params[i], name+"=")
		if !ok {
			return fail("want parameter %s in position %d", name, i+1)
		}
		n, ok := parseDecimal(v)
		if !ok {
			return fail("parameter %s is not a canonical decimal", name)
		}
		vals[i] = n
	}
	if vals[0] > MaxMemory || vals[1] > MaxTime || vals[2] > MaxThreads {
		return fail("parameters above the limits")
	}
	p = Params{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2])}
	if err := p.validate(); err != nil {
		return fail("%v", err)
	}
	// The decoder skips line breaks; a hash has one spelling, without them.
	if !isB64(fields[2]) || !isB64(fields[3]) {
		return fail("salt or key has a character outside base64")
	}
	if n := b64.DecodedLen(len(fields[2])); n < minSaltLen || n > maxSaltLen {
		return fail("salt length outside %d..%d bytes", minSaltLen, maxSaltLen)
	}
	if n := b64.DecodedLen(len(fields[3])); n < minKeyLen || n > maxKeyLen {
		return fail("key length outside %d..%d bytes", minKeyLen, maxKeyLen)
	}
	if salt, err = b64.DecodeString(fields[2]); err != nil {
		return fail("salt is not base64")
	}
	if key, err = b64.DecodeString(fields[3]); err != nil {
		return fail("key is not base64")
	}
	return p, salt, key, nil
}

// parseDecimal parses a canonical unsigned decimal of at most 10 digits:
// no sign, no leading zero, no spaces.
func parseDecimal(s string) (uint64, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// isB64 reports whether s holds only characters of the standard base64
// alphabet, without padding.
func isB64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}
