package rest_test

import (
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/rest"
)

var base = rest.Select{Base: "SELECT id, name FROM users"}

func TestSQL(t *testing.T) {
	l := cursorList(t, "users", testKey)
	after := issue(t, l, "sort=-created_at,name", []any{time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), "Ann", int64(7)}, false)
	before := issue(t, l, "sort=-created_at,name", []any{time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), "Ann", int64(7)}, true)
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		query   string
		dialect rest.Dialect
		sel     rest.Select
		want    string
		args    []any
	}{
		{
			"first keyset page", "size=10", rest.Postgres, base,
			`SELECT id, name FROM users ORDER BY "id" ASC LIMIT $1`,
			[]any{int64(11)},
		},
		{
			"page", "page=3&size=10&sort=-name", rest.SQLite, base,
			`SELECT id, name FROM users ORDER BY "name" DESC, "id" ASC LIMIT ? OFFSET ?`,
			[]any{int64(11), int64(20)},
		},
		{
			"filters", "filter[age][gte]=18&filter[age][lt]=65&filter[status][in]=open,closed&filter[active]=true", rest.MySQL, base,
			"SELECT id, name FROM users WHERE `active` = ? AND `age` < ? AND `age` >= ? AND `status` IN (?, ?) ORDER BY `id` ASC LIMIT ?",
			[]any{true, int64(65), int64(18), "open", "closed", int64(21)},
		},
		{
			"like and search", "filter[name][like]=a_b&q=100%25", rest.Postgres, rest.Select{Base: base.Base, Where: "tenant = $1", Args: []any{"t1"}},
			`SELECT id, name FROM users WHERE (tenant = $1) AND "name" ILIKE $2 ESCAPE '!' AND ("name" ILIKE $3 ESCAPE '!' OR "email" ILIKE $3 ESCAPE '!') ORDER BY "id" ASC LIMIT $4`,
			[]any{"t1", "%a!_b%", "%100!%%", int64(21)},
		},
		{
			"search with ?", "q=a!b", rest.SQLite, base,
			`SELECT id, name FROM users WHERE ("name" LIKE ? ESCAPE '!' OR "email" LIKE ? ESCAPE '!') ORDER BY "id" ASC LIMIT ?`,
			[]any{"%a!!b%", "%a!!b%", int64(21)},
		},
		{
			"keyset forward", "size=5&cursor=" + after, rest.Postgres, base,
			`SELECT id, name FROM users WHERE (("created_at" < $1) OR ("created_at" = $1 AND "name" > $2) OR ("created_at" = $1 AND "name" = $2 AND "id" > $3)) ORDER BY "created_at" DESC, "name" ASC, "id" ASC LIMIT $4`,
			[]any{day, "Ann", int64(7), int64(6)},
		},
		{
			"keyset backward", "size=5&cursor=" + before, rest.MySQL, base,
			"SELECT id, name FROM users WHERE ((`created_at` > ?) OR (`created_at` = ? AND `name` < ?) OR (`created_at` = ? AND `name` = ? AND `id` < ?)) ORDER BY `created_at` ASC, `name` DESC, `id` DESC LIMIT ?",
			[]any{day, day, "Ann", day, "Ann", int64(7), int64(6)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parse(t, l, tt.query)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v %v", tt.query, err, violations(err))
			}
			got, args, err := l.SQL(tt.dialect, tt.sel, q)
			if err != nil {
				t.Fatalf("SQL() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("SQL() =\n%s\nwant\n%s", got, tt.want)
			}
			if !reflect.DeepEqual(args, tt.args) {
				t.Errorf("SQL() args = %#v, want %#v", args, tt.args)
			}
			checkPlaceholders(t, tt.dialect, got, args)
		})
	}
}

func TestCountSQL(t *testing.T) {
	l := testList(t)
	q, err := parse(t, l, "page=2&filter[age][gte]=18&q=x")
	if err != nil {
		t.Fatal(err)
	}
	got, args, err := l.CountSQL(rest.Postgres, base, q)
	want := `SELECT COUNT(*) FROM (SELECT id, name FROM users WHERE "age" >= $1 AND ("name" ILIKE $2 ESCAPE '!' OR "email" ILIKE $2 ESCAPE '!')) AS rest_count`
	if err != nil || got != want || !reflect.DeepEqual(args, []any{int64(18), "%x%"}) {
		t.Errorf("CountSQL() = %s, %v, %v; want %s, [18 %%x%%]", got, args, err, want)
	}
}

// checkPlaceholders checks that the query has one placeholder per argument.
func checkPlaceholders(tb testing.TB, d rest.Dialect, query string, args []any) {
	tb.Helper()
	if d != rest.Postgres {
		if n := strings.Count(query, "?"); n != len(args) {
			tb.Errorf("query has %d placeholders for %d args: %s", n, len(args), query)
		}
		return
	}
	top := 0
	for _, m := range regexp.MustCompile(`\$(\d+)`).FindAllStringSubmatch(query, -1) {
		n, _ := strconv.Atoi(m[1])
		top = max(top, n)
	}
	if top != len(args) {
		tb.Errorf("query's highest placeholder is $%d for %d args: %s", top, len(args), query)
	}
}

// injections are attacks on SQL built from strings. None may reach the
// query text.
var injections = []string{
	`'; DROP TABLE users; --`,
	`" OR "1"="1`,
	"` OR 1=1 #",
	`name; DELETE FROM users`,
	`1 OR 1=1`,
	`x') OR ('a'='a`,
	`$1`,
	`?`,
	`/* comment */`,
	`\'; SELECT pg_sleep(10); --`,
	`%' ESCAPE '`,
	`!%_`,
	`id DESC, (SELECT password FROM admins)`,
}

// TestSQLInjection sends each attack in every parameter and checks that
// either the request is a 400 or the query text is exactly what a benign
// value produces, with the attack only in the arguments.
func TestSQLInjection(t *testing.T) {
	l := cursorList(t, "users", testKey)
	benign := "benign"
	// Parameters whose values reach the arguments: the query text must be
	// that of the benign value.
	valueParams := []string{"filter[name]", "filter[name][ne]", "filter[name][like]", "filter[name][in]", "q"}
	// Parameters that must refuse the attack.
	refused := []string{"sort", "page", "size", "cursor", "filter[age]", "filter[status]", "filter[org]",
		"filter[created_at][gte]", "filter[active]", "filter[score][gt]"}

	for _, d := range []rest.Dialect{rest.Postgres, rest.MySQL, rest.SQLite} {
		for _, attack := range injections {
			for _, p := range valueParams {
				wantSQL, _, err := buildFor(t, l, d, p, benign)
				if err != nil {
					t.Fatalf("%v: %s=%s error = %v", d, p, benign, err)
				}
				got, args, err := buildFor(t, l, d, p, attack)
				if p == "filter[name][in]" && strings.Contains(attack, ",") {
					continue // split into several values: a different, still parameterized, shape
				}
				if err != nil {
					t.Errorf("%v: %s=%q error = %v", d, p, attack, err)
					continue
				}
				if got != wantSQL {
					t.Errorf("%v: %s=%q: SQL = %s, want the benign shape %s", d, p, attack, got, wantSQL)
				}
				if !slices.ContainsFunc(args, func(a any) bool { s, _ := a.(string); return s == attack || unescapeLike(s) == attack }) {
					t.Errorf("%v: %s=%q: args %q do not carry the value", d, p, attack, args)
				}
			}
			for _, p := range refused {
				if _, _, err := buildFor(t, l, d, p, attack); err == nil {
					t.Errorf("%v: %s=%q accepted, want a 400", d, p, attack)
				} else if e, ok := errors.AsType[*errors.Error](err); !ok || e.StatusCode() != 400 {
					t.Errorf("%v: %s=%q error = %v, want a 400", d, p, attack, err)
				}
			}
			// A filter or sort field named by the attack.
			for _, p := range []string{"filter[" + attack + "]", "filter[name][" + attack + "]", attack} {
				if _, _, err := buildFor(t, l, d, p, "x"); err == nil {
					t.Errorf("%v: parameter %q accepted, want a 400", d, p)
				}
			}
		}
	}
}

// TestSQLInjectionCursor signs attacks into a cursor, as if the key had
// leaked: the values still only travel as arguments.
func TestSQLInjectionCursor(t *testing.T) {
	l := cursorList(t, "users", testKey)
	for _, d := range []rest.Dialect{rest.Postgres, rest.MySQL, rest.SQLite} {
		want := ""
		for i, attack := range append([]string{"benign"}, injections...) {
			c := issue(t, l, "sort=name", []any{attack, int64(1)}, false)
			q, err := parse(t, l, "cursor="+c)
			if err != nil {
				t.Fatalf("Parse(cursor) error = %v", err)
			}
			got, args, err := l.SQL(d, base, q)
			if err != nil {
				t.Fatalf("SQL() error = %v", err)
			}
			if i == 0 {
				want = got
				continue
			}
			if got != want || !slices.Contains(args, any(attack)) {
				t.Errorf("%v: cursor value %q: SQL = %s, args %q; want %s with the value as an argument", d, attack, got, args, want)
			}
		}
	}
}

// buildFor parses one parameter and builds its SQL.
func buildFor(tb testing.TB, l *rest.List, d rest.Dialect, param, value string) (string, []any, error) {
	tb.Helper()
	q, err := l.ParseValues(map[string][]string{param: {value}})
	if err != nil {
		return "", nil, err
	}
	return l.SQL(d, base, q)
}

func unescapeLike(s string) string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "%"), "%")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '!' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestSQLHandMadeQuery checks that a ListQuery built by hand cannot put an
// identifier the spec does not list into the query.
func TestSQLHandMadeQuery(t *testing.T) {
	l := cursorList(t, "users", testKey)
	ok := rest.ListQuery{Page: 1, Size: 10, Sort: sortTerms("id")}
	tests := []struct {
		name string
		d    rest.Dialect
		sel  rest.Select
		q    func(q rest.ListQuery) rest.ListQuery
	}{
		{"zero dialect", 0, base, func(q rest.ListQuery) rest.ListQuery { return q }},
		{"empty base", rest.Postgres, rest.Select{}, func(q rest.ListQuery) rest.ListQuery { return q }},
		{"size 0", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery { q.Size = 0; return q }},
		{"size above max", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery { q.Size = 51; return q }},
		{"negative page", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery { q.Page = -1; return q }},
		{"unknown sort", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery {
			q.Sort = sortTerms(`id"; DROP TABLE users; --`)
			return q
		}},
		{"repeated sort", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery { q.Sort = sortTerms("id", "-id"); return q }},
		{"unknown filter", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery {
			q.Filters = []rest.Filter{{Field: "password", Op: rest.Eq, Values: []any{"x"}}}
			return q
		}},
		{"unknown op", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery {
			q.Filters = []rest.Filter{{Field: "name", Op: "= 1 OR 1 =", Values: []any{"x"}}}
			return q
		}},
		{"no values", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery {
			q.Filters = []rest.Filter{{Field: "name", Op: rest.In}}
			return q
		}},
		{"two values for eq", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery {
			q.Filters = []rest.Filter{{Field: "name", Op: rest.Eq, Values: []any{"a", "b"}}}
			return q
		}},
		{"like on int", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery {
			q.Filters = []rest.Filter{{Field: "age", Op: rest.Like, Values: []any{"1"}}}
			return q
		}},
		{"like with int", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery {
			q.Filters = []rest.Filter{{Field: "name", Op: rest.Like, Values: []any{1}}}
			return q
		}},
		{"cursor with page", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery {
			q.Cursor = &rest.Cursor{Values: []any{1}}
			return q
		}},
		{"cursor length", rest.Postgres, base, func(q rest.ListQuery) rest.ListQuery {
			q.Page = 0
			q.Cursor = &rest.Cursor{Values: []any{1, 2}}
			return q
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, args, err := l.SQL(tt.d, tt.sel, tt.q(ok))
			if !errors.Is(err, rest.ErrQuery) {
				t.Errorf("SQL() = %q, %v, %v; want ErrQuery", got, args, err)
			}
			if _, _, err := l.CountSQL(tt.d, tt.sel, tt.q(ok)); !errors.Is(err, rest.ErrQuery) && tt.name != "cursor length" && tt.name != "cursor with page" {
				t.Errorf("CountSQL() error = %v, want ErrQuery", err)
			}
		})
	}
	if _, _, err := rest.MustList(rest.ListSpec{}).SQL(rest.Postgres, base, rest.ListQuery{Page: 1, Size: 1, Search: "x"}); !errors.Is(err, rest.ErrQuery) {
		t.Errorf("SQL(search without columns) error = %v, want ErrQuery", err)
	}
}

func TestDialect(t *testing.T) {
	tests := []struct {
		d           rest.Dialect
		name, quote string
		ph          string
	}{
		{rest.Postgres, "postgres", `"u"."a""b"`, "$3"},
		{rest.MySQL, "mysql", "`u`.`a\"b`", "?"},
		{rest.SQLite, "sqlite", `"u"."a""b"`, "?"},
		{rest.Dialect(0), "Dialect(0)", `"u"."a""b"`, "?"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.name {
			t.Errorf("Dialect(%d).String() = %q, want %q", int(tt.d), got, tt.name)
		}
		if got := tt.d.Quote(`u.a"b`); got != tt.quote {
			t.Errorf("%v.Quote(%q) = %s, want %s", tt.d, `u.a"b`, got, tt.quote)
		}
		if got := tt.d.Placeholder(3); got != tt.ph {
			t.Errorf("%v.Placeholder(3) = %s, want %s", tt.d, got, tt.ph)
		}
	}
	if got := rest.MySQL.Quote("a`b"); got != "`a``b`" {
		t.Errorf("MySQL.Quote(a`b) = %s, want `a``b`", got)
	}
}
