package rest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

const (
	cursorVersion = 1
	maxCursorLen  = 4096 // encoded; longer is refused before decoding
	macDomain     = "keel/rest cursor v1\x00"
)

// Cursor is a position in a keyset-paginated list: the sort-key values of
// the row a page starts after (or, going backward, before).
type Cursor struct {
	// Values are the row's values of the sort terms, in order, typed as
	// their fields' Types say (int64, float64, bool, time.Time or string).
	Values []any
	// Backward is true for a cursor that fetches the page before the row
	// rather than the page after it.
	Backward bool
}

// cursorPayload is what a cursor carries under its signature.
type cursorPayload struct {
	Sort string   `json:"s"`
	Back bool     `json:"b,omitempty"`
	Keys []string `json:"k"`
}

// Cursor returns the opaque cursor for the row whose sort-key values
// are values (one per term of q.Sort, as [NewPage] gets them from its key
// function), going forward or backward. It is signed with the list's
// CursorKey and bound to the list's Name and to q's sort order.
func (l *List) Cursor(q ListQuery, values []any, backward bool) (string, error) {
	if l.spec.CursorKey == nil {
		return "", fmt.Errorf("%w: the list has no CursorKey", ErrCursor)
	}
	if len(values) != len(q.Sort) {
		return "", fmt.Errorf("%w: %d values for %d sort terms", ErrCursor, len(values), len(q.Sort))
	}
	p := cursorPayload{Sort: sortString(q.Sort), Back: backward, Keys: make([]string, len(values))}
	for i, t := range q.Sort {
		f, ok := l.sorts[t.Field]
		if !ok {
			return "", fmt.Errorf("%w: unknown sort field %q", ErrCursor, t.Field)
		}
		s, err := formatValue(f.Type, values[i])
		if err != nil {
			return "", fmt.Errorf("%w: field %q: %v", ErrCursor, t.Field, err)
		}
		p.Keys[i] = s
	}
	body, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCursor, err)
	}
	buf := make([]byte, 0, 1+sha256.Size+len(body))
	buf = append(buf, cursorVersion)
	buf = append(buf, l.mac(body)...)
	buf = append(buf, body...)
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

func (l *List) mac(body []byte) []byte {
	m := hmac.New(sha256.New, l.spec.CursorKey)
	m.Write([]byte(macDomain))
	m.Write([]byte(l.spec.Name))
	m.Write([]byte{0})
	m.Write(body)
	return m.Sum(nil)
}

// decodeCursor verifies and decodes a cursor. Every failure is the same
// error: a client learns nothing from probing.
func (l *List) decodeCursor(s string) (cursorPayload, error) {
	bad := fmt.Errorf("rest: invalid cursor")
	if l.spec.CursorKey == nil || len(s) == 0 || len(s) > maxCursorLen {
		return cursorPayload{}, bad
	}
	buf, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(buf) < 1+sha256.Size || buf[0] != cursorVersion {
		return cursorPayload{}, bad
	}
	sig, body := buf[1:1+sha256.Size], buf[1+sha256.Size:]
	if !hmac.Equal(sig, l.mac(body)) {
		return cursorPayload{}, bad
	}
	var p cursorPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return cursorPayload{}, bad
	}
	return p, nil
}

// typedCursor converts a verified payload's keys to the types of the sort
// fields they belong to.
func (l *List) typedCursor(p cursorPayload, terms []SortTerm) (*Cursor, error) {
	if len(p.Keys) != len(terms) {
		return nil, fmt.Errorf("rest: cursor has %d keys for %d sort terms", len(p.Keys), len(terms))
	}
	c := &Cursor{Values: make([]any, len(terms)), Backward: p.Back}
	for i, t := range terms {
		f, ok := l.sorts[t.Field]
		if !ok {
			return nil, fmt.Errorf("rest: unknown sort field %q", t.Field)
		}
		v, err := parseValue(f.Type, p.Keys[i], nil)
		if err != nil {
			return nil, err
		}
		c.Values[i] = v
	}
	return c, nil
}

// formatValue writes v in the canonical text form of type t, the form
// parseValue reads back.
func formatValue(t Type, v any) (string, error) {
	switch t {
	case String, UUID:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case fmt.Stringer:
			return x.String(), nil
		}
	case Int:
		switch x := v.(type) {
		case int:
			return strconv.FormatInt(int64(x), 10), nil
		case int8:
			return strconv.FormatInt(int64(x), 10), nil
		case int16:
			return strconv.FormatInt(int64(x), 10), nil
		case int32:
			return strconv.FormatInt(int64(x), 10), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case uint8:
			return strconv.FormatUint(uint64(x), 10), nil
		case uint16:
			return strconv.FormatUint(uint64(x), 10), nil
		case uint32:
			return strconv.FormatUint(uint64(x), 10), nil
		case uint:
			if uint64(x) <= math.MaxInt64 {
				return strconv.FormatUint(uint64(x), 10), nil
			}
		case uint64:
			if x <= math.MaxInt64 {
				return strconv.FormatUint(x, 10), nil
			}
		}
	case Float:
		switch x := v.(type) {
		case float64:
			if !math.IsInf(x, 0) && !math.IsNaN(x) {
				return strconv.FormatFloat(x, 'g', -1, 64), nil
			}
		case float32:
			return formatValue(t, float64(x))
		case int, int64, int32:
			s, err := formatValue(Int, x)
			return s, err
		}
	case Bool:
		if x, ok := v.(bool); ok {
			return strconv.FormatBool(x), nil
		}
	case Time:
		if x, ok := v.(time.Time); ok {
			return x.UTC().Format(time.RFC3339Nano), nil
		}
	}
	return "", fmt.Errorf("a %T cannot be a %s key", v, t)
}
