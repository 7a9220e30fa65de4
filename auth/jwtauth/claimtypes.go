package jwtauth

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// NumericDate is a JWT time: seconds since the epoch (RFC 7519 section 2),
// truncated to jwt.TimePrecision as golang-jwt does. It has the layout of
// jwt.NumericDate, so a *NumericDate converts to a *jwt.NumericDate for
// free, and decodes with no reflection and no allocation, where
// jwt.NumericDate runs a second JSON decoder per claim. Only JSON numbers
// are accepted, not numbers in strings.
type NumericDate jwt.NumericDate

// maxNumericDate bounds the seconds accepted, far beyond any real token
// (about 31 million years) and within what time.Unix represents.
const maxNumericDate = 1e15

// UnmarshalJSON decodes a JSON number of seconds.
func (d *NumericDate) UnmarshalJSON(b []byte) error {
	var sec, nsec int64
	if n, ok := parseInt(b); ok {
		sec = n
	} else {
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || !jsonNumber(b) {
			return jwt.ErrInvalidType
		}
		round, frac := math.Modf(f)
		if math.Abs(round) > maxNumericDate {
			return jwt.ErrInvalidType
		}
		sec, nsec = int64(round), int64(frac*1e9)
	}
	if sec > maxNumericDate || sec < -maxNumericDate {
		return jwt.ErrInvalidType
	}
	d.Time = time.Unix(sec, nsec).Truncate(jwt.TimePrecision)
	return nil
}

// MarshalJSON encodes d as golang-jwt does, in seconds.
func (d NumericDate) MarshalJSON() ([]byte, error) {
	return jwt.NumericDate(d).MarshalJSON()
}

// ClaimStrings is a claim that holds a string or an array of strings
// (aud, roles, scp, amr), as jwt.ClaimStrings, which it converts to for
// free. It decodes both forms without reflection in the common case of
// strings without escapes.
type ClaimStrings []string

// UnmarshalJSON decodes a JSON string, an array of strings or null.
func (s *ClaimStrings) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return jwt.ErrInvalidType
	}
	switch b[0] {
	case 'n':
		*s = nil
		return nil
	case '"':
		v, ok := plainString(b)
		if !ok {
			if err := json.Unmarshal(b, &v); err != nil {
				return jwt.ErrInvalidType
			}
		}
		*s = ClaimStrings{v}
		return nil
	case '[':
		if out, ok := plainArray(b); ok {
			*s = out
			return nil
		}
		// Escapes or other values: decode as golang-jwt does, refusing any
		// element that is not a string.
		var vs []any
		if err := json.Unmarshal(b, &vs); err != nil {
			return jwt.ErrInvalidType
		}
		out := make(ClaimStrings, 0, len(vs))
		for _, v := range vs {
			str, ok := v.(string)
			if !ok {
				return jwt.ErrInvalidType
			}
			out = append(out, str)
		}
		*s = out
		return nil
	}
	return jwt.ErrInvalidType
}

// plainString returns the contents of the JSON string b when it has no
// escape and is valid UTF-8, the case that needs no decoding.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	c := b[1 : len(b)-1]
	if bytes.IndexByte(c, '\\') >= 0 || bytes.IndexByte(c, '"') >= 0 || !printable(c) {
		return "", false
	}
	return string(c), true
}

// plainArray decodes a JSON array of plain strings (see plainString),
// and reports false for anything else, which the caller decodes the slow
// way.
func plainArray(b []byte) (ClaimStrings, bool) {
	out := make(ClaimStrings, 0, bytes.Count(b, []byte{','})+1)
	i := skipSpace(b, 1)
	if i < len(b) && b[i] == ']' {
		return out, skipSpace(b, i+1) == len(b)
	}
	for i < len(b) {
		if b[i] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(b[i+1:], '"')
		if end < 0 {
			return nil, false
		}
		v, ok := plainString(b[i : i+end+2])
		if !ok {
			return nil, false
		}
		out = append(out, v)
		i = skipSpace(b, i+end+2)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ']':
			return out, skipSpace(b, i+1) == len(b)
		case ',':
			i = skipSpace(b, i+1)
		default:
			return nil, false
		}
	}
	return nil, false
}

// printable reports whether c is valid UTF-8 without control characters,
// which a JSON string cannot hold unescaped.
func printable(c []byte) bool {
	for _, ch := range c {
		if ch < 0x20 {
			return false
		}
	}
	return utf8.Valid(c)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// parseInt parses a JSON integer of at most 18 digits.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// jsonNumber reports whether b is a number in JSON's grammar, which
// strconv.ParseFloat is more lenient than (it takes "Inf", "0x1p3", "1_0").
func jsonNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(b)
}
