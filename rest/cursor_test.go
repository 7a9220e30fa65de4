package rest_test

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/rest"
)

func cursorList(tb testing.TB, name string, key []byte) *rest.List {
	tb.Helper()
	spec := testSpec()
	spec.Name = name
	spec.CursorKey = key
	l, err := rest.NewList(spec)
	if err != nil {
		tb.Fatalf("NewList() error = %v", err)
	}
	return l
}

// issue returns a cursor for the values after parsing rawQuery.
func issue(tb testing.TB, l *rest.List, rawQuery string, values []any, backward bool) string {
	tb.Helper()
	q, err := parse(tb, l, rawQuery)
	if err != nil {
		tb.Fatalf("Parse(%q) error = %v", rawQuery, err)
	}
	c, err := l.Cursor(q, values, backward)
	if err != nil {
		tb.Fatalf("Cursor(%v) error = %v", values, err)
	}
	return c
}

func TestCursorRoundTrip(t *testing.T) {
	l := cursorList(t, "users", testKey)
	created := time.Date(2026, 3, 4, 5, 6, 7, 890, time.FixedZone("X", 3600))
	tests := []struct {
		sort     string
		values   []any
		want     []any
		backward bool
	}{
		{"name", []any{"Ann", int64(7)}, []any{"Ann", int64(7)}, false},
		{"-created_at", []any{created, 7}, []any{created.UTC(), int64(7)}, true},
		{"score,-id", []any{float32(1.5), uint32(9)}, []any{1.5, int64(9)}, false},
		{"name", []any{[]byte("Bob,\"x\""), int8(-1)}, []any{"Bob,\"x\"", int64(-1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.sort, func(t *testing.T) {
			c := issue(t, l, "sort="+tt.sort, tt.values, tt.backward)
			// With the same sort, and with none: the cursor's sort is taken.
			for _, query := range []string{"sort=" + tt.sort + "&cursor=" + c, "cursor=" + c} {
				q, err := parse(t, l, query)
				if err != nil {
					t.Fatalf("Parse(%q) error = %v %v", query, err, violations(err))
				}
				if q.Cursor == nil || !reflect.DeepEqual(q.Cursor.Values, tt.want) || q.Cursor.Backward != tt.backward {
					t.Errorf("Parse(%q).Cursor = %+v, want values %v, backward %v", query, q.Cursor, tt.want, tt.backward)
				}
				if got := sortString(q.Sort); got != tt.sort && got != tt.sort+",id" {
					t.Errorf("Parse(%q).Sort = %s, want %s with the key", query, got, tt.sort)
				}
			}
		})
	}
}

func sortString(ts []rest.SortTerm) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.String())
	}
	return strings.Join(s, ",")
}

func TestCursorRefused(t *testing.T) {
	l := cursorList(t, "users", testKey)
	good := issue(t, l, "sort=name", []any{"Ann", int64(7)}, false)
	raw, _ := base64.RawURLEncoding.DecodeString(good)

	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(b)
	}
	foreignKey := issue(t, cursorList(t, "users", []byte(strings.Repeat("k", 32))), "sort=name", []any{"Ann", int64(7)}, false)
	foreignList := issue(t, cursorList(t, "orders", testKey), "sort=name", []any{"Ann", int64(7)}, false)

	tests := []struct {
		name, query, code string
	}{
		{"tampered version", "cursor=" + flip(0), rest.CodeInvalidCursor},
		{"tampered signature", "cursor=" + flip(5), rest.CodeInvalidCursor},
		{"tampered payload", "cursor=" + flip(len(raw)-3), rest.CodeInvalidCursor},
		{"truncated", "cursor=" + good[:len(good)-4], rest.CodeInvalidCursor},
		{"padded", "cursor=" + good + "%3D", rest.CodeInvalidCursor},
		{"not base64", "cursor=%21%21%21", rest.CodeInvalidCursor},
		{"empty", "cursor=", rest.CodeInvalidCursor},
		{"huge", "cursor=" + strings.Repeat("A", 5000), rest.CodeInvalidCursor},
		{"foreign key", "cursor=" + foreignKey, rest.CodeInvalidCursor},
		{"foreign list", "cursor=" + foreignList, rest.CodeInvalidCursor},
		{"other sort", "sort=-name&cursor=" + good, rest.CodeCursorMismatch},
		{"sort without key term", "sort=created_at&cursor=" + good, rest.CodeCursorMismatch},
		{"with page", "page=2&cursor=" + good, rest.CodeExclusive},
		{"repeated", "cursor=" + good + "&cursor=" + good, rest.CodeRepeated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parse(t, l, tt.query)
			vs := violations(err)
			if len(vs) != 1 || vs[0].Code != tt.code || vs[0].Pointer != "/query/cursor" {
				t.Errorf("Parse(%.60q) = %+v, %v; want one %s violation of /query/cursor", tt.query, q, vs, tt.code)
			}
		})
	}
}

// TestCursorSpecChanged checks that a cursor signed under an older spec,
// whose sort field has since gone, is a 400 and not a panic.
func TestCursorSpecChanged(t *testing.T) {
	old := cursorList(t, "users", testKey)
	c := issue(t, old, "sort=score", []any{1.5, int64(1)}, false)
	spec := testSpec()
	spec.CursorKey = testKey
	spec.Sorts = spec.Sorts[:1]
	l := rest.MustList(spec)
	_, err := parse(t, l, "cursor="+c)
	if vs := violations(err); len(vs) != 1 || vs[0].Code != rest.CodeInvalidCursor {
		t.Errorf("Parse(old cursor) violations = %v, want one invalid_cursor", vs)
	}
	// A sort field whose type changed: the stored text no longer parses.
	spec = testSpec()
	spec.CursorKey = testKey
	spec.Sorts[0].Type = rest.Int
	c = issue(t, old, "sort=name", []any{"Ann", int64(1)}, false)
	_, err = parse(t, rest.MustList(spec), "cursor="+c)
	if vs := violations(err); len(vs) != 1 || vs[0].Code != rest.CodeInvalidCursor {
		t.Errorf("Parse(cursor of a retyped field) violations = %v, want one invalid_cursor", vs)
	}
}

func TestCursorEncodeErrors(t *testing.T) {
	l := cursorList(t, "users", testKey)
	q, _ := parse(t, l, "sort=-created_at")
	tests := []struct {
		name   string
		l      *rest.List
		values []any
	}{
		{"no cursor key", testList(t), []any{time.Now(), int64(1)}},
		{"too few values", l, []any{time.Now()}},
		{"string for time", l, []any{"2026-01-01", int64(1)}},
		{"float for int", l, []any{time.Now(), 1.5}},
		{"nil", l, []any{nil, int64(1)}},
		{"huge uint", l, []any{time.Now(), uint64(1) << 63}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.l.Cursor(q, tt.values, false)
			if !errors.Is(err, rest.ErrCursor) {
				t.Errorf("Cursor(%v) = %q, %v; want ErrCursor", tt.values, c, err)
			}
		})
	}
}
