package rest

import (
	"fmt"
	"strconv"
	"strings"
)

// likeEscape is the escape character of every LIKE pattern the builder
// writes. It is not a backslash, which MySQL would read as an escape in
// the string literal of the ESCAPE clause itself.
const likeEscape = '!'

// Dialect is an SQL dialect: how placeholders and identifiers are written
// and which operator matches case-insensitively. The zero Dialect is not
// valid.
type Dialect int

// The dialects.
const (
	// Postgres writes $1, $2 placeholders, "quoted" identifiers and ILIKE.
	Postgres Dialect = iota + 1
	// MySQL writes ? placeholders, `quoted` identifiers and LIKE, which is
	// case-insensitive under MySQL's default collations.
	MySQL
	// SQLite writes ? placeholders, "quoted" identifiers and LIKE, which
	// is case-insensitive for ASCII letters.
	SQLite
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case MySQL:
		return "mysql"
	case SQLite:
		return "sqlite"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// Placeholder returns the placeholder of the n-th (1-based) argument.
func (d Dialect) Placeholder(n int) string {
	if d == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// Quote quotes an identifier, each part of a qualified one separately:
// u.created_at becomes "u"."created_at" (`u`.`created_at` for MySQL).
func (d Dialect) Quote(ident string) string {
	q := `"`
	if d == MySQL {
		q = "`"
	}
	parts := strings.Split(ident, ".")
	for i, p := range parts {
		parts[i] = q + strings.ReplaceAll(p, q, q+q) + q
	}
	return strings.Join(parts, ".")
}

func (d Dialect) valid() bool { return d >= Postgres && d <= SQLite }

// Select is the programmer's part of a list query, which the list
// completes with its conditions, order and limit.
type Select struct {
	// Base is the query up to and including FROM and any JOINs, without
	// WHERE, ORDER BY or LIMIT: "SELECT id, name FROM users".
	Base string
	// Where is an optional condition ANDed with the list's conditions:
	// "tenant_id = $1". It is inserted in parentheses.
	Where string
	// Args are the arguments of the placeholders in Base and Where, which
	// come first: with Postgres they are $1 to $n and the list's
	// placeholders continue from $n+1.
	Args []any
}

// SQL completes s with q's filters, search, keyset condition, order and
// limit, and returns the query and its arguments for database/sql:
//
//	SELECT ... FROM users WHERE (where) AND "status" = $2 AND ("name" ILIKE $3 ESCAPE '!')
//	  AND ("created_at" < $4 OR ("created_at" = $4 AND "id" > $5))
//	  ORDER BY "created_at" DESC, "id" ASC LIMIT $6 [OFFSET $7]
//
// Every identifier in the result comes from the list's spec, quoted; every
// value from q is an argument. The limit is q.Size+1, so that the caller
// learns whether another page follows without counting; [NewPage] drops
// the extra row. A backward cursor reverses the order, and NewPage
// restores it.
func (l *List) SQL(d Dialect, s Select, q ListQuery) (string, []any, error) {
	b, err := l.where(d, s, q, true)
	if err != nil {
		return "", nil, err
	}
	back := q.Cursor != nil && q.Cursor.Backward
	if len(q.Sort) > 0 {
		b.sql.WriteString(" ORDER BY ")
		for i, t := range q.Sort {
			if i > 0 {
				b.sql.WriteString(", ")
			}
			b.sql.WriteString(d.Quote(l.sorts[t.Field].Column))
			if t.Desc != back {
				b.sql.WriteString(" DESC")
			} else {
				b.sql.WriteString(" ASC")
			}
		}
	}
	b.sql.WriteString(" LIMIT ")
	b.arg(int64(q.Size) + 1)
	if off := q.Offset(); off > 0 {
		b.sql.WriteString(" OFFSET ")
		b.arg(off)
	}
	return b.sql.String(), b.args, nil
}

// CountSQL returns a query counting the rows q's filters and search
// select, regardless of pagination, for [Page.WithTotal]:
// SELECT COUNT(*) FROM (base WHERE ...) AS rest_count.
func (l *List) CountSQL(d Dialect, s Select, q ListQuery) (string, []any, error) {
	b, err := l.where(d, s, q, false)
	if err != nil {
		return "", nil, err
	}
	return "SELECT COUNT(*) FROM (" + b.sql.String() + ") AS rest_count", b.args, nil
}

type sqlBuilder struct {
	d    Dialect
	sql  strings.Builder
	args []any
}

// arg writes a placeholder for a new argument v.
func (b *sqlBuilder) arg(v any) int {
	b.args = append(b.args, v)
	b.sql.WriteString(b.d.Placeholder(len(b.args)))
	return len(b.args)
}

// again writes a placeholder for the argument v that is already argument
// n: Postgres refers to it again, the ? dialects repeat it.
func (b *sqlBuilder) again(n int, v any) {
	if b.d == Postgres {
		b.sql.WriteString(b.d.Placeholder(n))
		return
	}
	b.arg(v)
}

func (b *sqlBuilder) like() string {
	if b.d == Postgres {
		return " ILIKE "
	}
	return " LIKE "
}

// where writes the base query and its WHERE clause.
func (l *List) where(d Dialect, s Select, q ListQuery, keyset bool) (*sqlBuilder, error) {
	if err := l.check(d, s, q); err != nil {
		return nil, err
	}
	b := &sqlBuilder{d: d, args: append([]any(nil), s.Args...)}
	b.sql.WriteString(strings.TrimSpace(s.Base))
	n := 0
	and := func() {
		if n == 0 {
			b.sql.WriteString(" WHERE ")
		} else {
			b.sql.WriteString(" AND ")
		}
		n++
	}
	if w := strings.TrimSpace(s.Where); w != "" {
		and()
		b.sql.WriteString("(" + w + ")")
	}
	for _, f := range q.Filters {
		and()
		col := d.Quote(l.filters[f.Field].Column)
		switch f.Op {
		case In:
			b.sql.WriteString(col + " IN (")
			for i, v := range f.Values {
				if i > 0 {
					b.sql.WriteString(", ")
				}
				b.arg(v)
			}
			b.sql.WriteString(")")
		case Like:
			b.sql.WriteString(col + b.like())
			b.arg(containsPattern(f.Values[0].(string)))
			b.sql.WriteString(" ESCAPE '" + string(likeEscape) + "'")
		default:
			b.sql.WriteString(col + " " + sqlOp(f.Op) + " ")
			b.arg(f.Values[0])
		}
	}
	if q.Search != "" {
		and()
		b.sql.WriteString("(")
		pattern := containsPattern(q.Search)
		n := 0
		for i, c := range l.spec.Search {
			if i > 0 {
				b.sql.WriteString(" OR ")
			}
			b.sql.WriteString(d.Quote(c) + b.like())
			if i == 0 {
				n = b.arg(pattern)
			} else {
				b.again(n, pattern)
			}
			b.sql.WriteString(" ESCAPE '" + string(likeEscape) + "'")
		}
		b.sql.WriteString(")")
	}
	if keyset && q.Cursor != nil {
		and()
		l.keyset(b, q)
	}
	return b, nil
}

// keyset writes the condition selecting the rows after (or before) the
// cursor, as the expanded form of a row-value comparison, which works in
// every dialect and with mixed directions:
//
//	(a > $1 OR (a = $1 AND b < $2) OR (a = $1 AND b = $2 AND c > $3))
func (l *List) keyset(b *sqlBuilder, q ListQuery) {
	back := q.Cursor.Backward
	nums := make([]int, len(q.Sort))
	b.sql.WriteString("(")
	for i := range q.Sort {
		if i > 0 {
			b.sql.WriteString(" OR ")
		}
		b.sql.WriteString("(")
		for j := 0; j <= i; j++ {
			t := q.Sort[j]
			v := q.Cursor.Values[j]
			b.sql.WriteString(b.d.Quote(l.sorts[t.Field].Column))
			switch {
			case j < i:
				b.sql.WriteString(" = ")
			case t.Desc != back:
				b.sql.WriteString(" < ")
			default:
				b.sql.WriteString(" > ")
			}
			if nums[j] == 0 {
				nums[j] = b.arg(v)
			} else {
				b.again(nums[j], v)
			}
			if j < i {
				b.sql.WriteString(" AND ")
			}
		}
		b.sql.WriteString(")")
	}
	b.sql.WriteString(")")
}

func sqlOp(op Op) string {
	switch op {
	case Ne:
		return "<>"
	case Lt:
		return "<"
	case Lte:
		return "<="
	case Gt:
		return ">"
	case Gte:
		return ">="
	}
	return "="
}

// check verifies that q fits the list, so that every identifier written
// comes from the spec.
func (l *List) check(d Dialect, s Select, q ListQuery) error {
	if !d.valid() {
		return fmt.Errorf("%w: invalid dialect %v", ErrQuery, d)
	}
	if strings.TrimSpace(s.Base) == "" {
		return fmt.Errorf("%w: Select.Base is empty", ErrQuery)
	}
	if q.Size < 1 || q.Size > l.spec.MaxPageSize {
		return fmt.Errorf("%w: size %d outside 1 to %d", ErrQuery, q.Size, l.spec.MaxPageSize)
	}
	if q.Page < 0 || q.Page > maxPage {
		return fmt.Errorf("%w: page %d outside 0 to %d", ErrQuery, q.Page, maxPage)
	}
	seen := map[string]bool{}
	for _, t := range q.Sort {
		if _, ok := l.sorts[t.Field]; !ok || seen[t.Field] {
			return fmt.Errorf("%w: sort field %q unknown or repeated", ErrQuery, t.Field)
		}
		seen[t.Field] = true
	}
	for _, f := range q.Filters {
		ff, ok := l.filters[f.Field]
		switch {
		case !ok:
			return fmt.Errorf("%w: unknown filter field %q", ErrQuery, f.Field)
		case opRank(f.Op) < 0:
			return fmt.Errorf("%w: unknown operator %q", ErrQuery, f.Op)
		case f.Op == In && (len(f.Values) == 0 || len(f.Values) > l.spec.MaxInValues):
			return fmt.Errorf("%w: filter %q has %d values", ErrQuery, f.Field, len(f.Values))
		case f.Op != In && len(f.Values) != 1:
			return fmt.Errorf("%w: filter %q has %d values, want 1", ErrQuery, f.Field, len(f.Values))
		case f.Op == Like && ff.Type != String:
			return fmt.Errorf("%w: like on non-string field %q", ErrQuery, f.Field)
		}
		if f.Op == Like {
			if _, ok := f.Values[0].(string); !ok {
				return fmt.Errorf("%w: like filter %q needs a string", ErrQuery, f.Field)
			}
		}
	}
	if q.Search != "" && len(l.spec.Search) == 0 {
		return fmt.Errorf("%w: search without search columns", ErrQuery)
	}
	if q.Cursor != nil {
		if q.Page != 0 {
			return fmt.Errorf("%w: a cursor with page pagination", ErrQuery)
		}
		if len(q.Cursor.Values) != len(q.Sort) {
			return fmt.Errorf("%w: cursor has %d values for %d sort terms", ErrQuery, len(q.Cursor.Values), len(q.Sort))
		}
	}
	return nil
}

// containsPattern returns the LIKE pattern matching any text that contains
// s, with LIKE's wildcards in s escaped.
func containsPattern(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('%')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%', '_', likeEscape:
			b.WriteByte(likeEscape)
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('%')
	return b.String()
}
