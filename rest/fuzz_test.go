package rest_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/rest"
)

// checkParsed fails unless err is nil or a 400 invalid_query problem, and
// unless a parsed query builds SQL in every dialect with one placeholder per
// argument.
func checkParsed(t *testing.T, l *rest.List, input string, q rest.ListQuery, err error) {
	t.Helper()
	if err != nil {
		e, ok := errors.AsType[*errors.Error](err)
		if !ok || e.StatusCode() != 400 || e.Code() != rest.CodeInvalidQuery || len(e.Violations()) == 0 {
			t.Fatalf("Parse(%q) error = %v, want a 400 invalid_query problem with violations", input, err)
		}
		return
	}
	for _, d := range []rest.Dialect{rest.Postgres, rest.MySQL, rest.SQLite} {
		query, args, err := l.SQL(d, base, q)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, but SQL(%v) error = %v", input, q, d, err)
		}
		checkPlaceholders(t, d, query, args)
		if _, _, err := l.CountSQL(d, base, q); err != nil {
			t.Fatalf("Parse(%q) = %+v, but CountSQL(%v) error = %v", input, q, d, err)
		}
	}
}

// FuzzParse parses arbitrary query strings: never a panic, either a 400
// problem or a query that builds valid-looking SQL.
func FuzzParse(f *testing.F) {
	l := cursorList(f, "users", testKey)
	c := issue(f, l, "sort=-created_at", []any{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), int64(1)}, false)
	f.Add("")
	f.Add("page=2&size=10&sort=-name,created_at")
	f.Add("size=5&cursor=" + c)
	f.Add("sort=name&cursor=" + c)
	f.Add("filter[age][gte]=18&filter[age][lt]=65&filter[status][in]=open,closed&q=ann")
	f.Add("filter[name][like]=50%25_!&filter[org]=123e4567-e89b-12d3-a456-426614174000")
	f.Add("filter[created_at][gte]=2026-01-01&filter[active]=true&filter[score][gt]=1e3")
	f.Add("filter[age]=abc&filter[nope]=1&sort=x,,x&page=0&size=1000&debug")
	f.Add("filter[a][b][c]=1&filter]=&filter[=&%zz&a;b")
	f.Add("sort=-&sort=+&page=1&cursor=x")
	f.Fuzz(func(t *testing.T, raw string) {
		vals, err := url.ParseQuery(raw)
		if err != nil {
			vals = nil // Parse refuses it; ParseValues gets what survived
		}
		q, err := l.ParseValues(vals)
		checkParsed(t, l, raw, q, err)
	})
}

// FuzzCursor decodes arbitrary cursors: never a panic, either a 400 or a
// cursor whose values have the sort's length.
func FuzzCursor(f *testing.F) {
	l := cursorList(f, "users", testKey)
	f.Add(issue(f, l, "sort=name", []any{"Ann", int64(7)}, false))
	f.Add(issue(f, l, "sort=-created_at,name", []any{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "Bob", int64(1)}, true))
	f.Add(issue(f, l, "sort=score", []any{1.5, int64(-3)}, false))
	f.Add("")
	f.Add("AQ")
	f.Add("not a cursor")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, cursor string) {
		q, err := l.ParseValues(url.Values{"cursor": {cursor}})
		checkParsed(t, l, cursor, q, err)
		if err == nil && (q.Cursor == nil || len(q.Cursor.Values) != len(q.Sort)) {
			t.Fatalf("cursor %q parsed to %+v, want values for each sort term", cursor, q)
		}
	})
}
