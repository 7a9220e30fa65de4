package rest_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the database/sql driver "pgx"

	"github.com/keel-go/keel/rest"
)

// pgRow is a row of the test table.
type pgRow struct {
	ID        int64
	Name      string
	Email     string
	Age       int64
	Score     float64
	Active    bool
	CreatedAt time.Time
	Org       string
	Status    string
}

func pgKey(r pgRow, field string) any {
	switch field {
	case "name":
		return r.Name
	case "created_at":
		return r.CreatedAt
	case "score":
		return r.Score
	}
	return r.ID
}

const (
	orgA = "123e4567-e89b-12d3-a456-426614174000"
	orgB = "00000000-0000-4000-8000-000000000001"
)

// pgRows are the rows of the test table, with repeated names, times and
// scores so that the tiebreaker matters, and names holding LIKE wildcards.
func pgRows() []pgRow {
	names := []string{"Ann", "ann", "Bob", "50% off", "a_b", "Zed", "bob!", "Émile"}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var rows []pgRow
	for i := int64(1); i <= 40; i++ {
		r := pgRow{
			ID:        i,
			Name:      names[i%int64(len(names))],
			Email:     fmt.Sprintf("user%d@example.com", i),
			Age:       15 + (i*7)%60,
			Score:     float64(i%5) * 1.5,
			Active:    i%3 == 0,
			CreatedAt: day.Add(time.Duration(i%6) * 24 * time.Hour),
			Org:       orgA,
			Status:    "open",
		}
		if i%2 == 0 {
			r.Org = orgB
		}
		if i%4 == 0 {
			r.Status = "closed"
		}
		rows = append(rows, r)
	}
	return rows
}

// pgTable connects to KEEL_POSTGRES_URL and creates the test table in a
// schema of the test's own, dropped at cleanup. It returns the qualified
// table name.
func pgTable(t *testing.T) (*sql.DB, string) {
	t.Helper()
	dsn := os.Getenv("KEEL_POSTGRES_URL")
	if dsn == "" {
		t.Skip("KEEL_POSTGRES_URL is not set; run with KEEL_POSTGRES_URL=postgres://user@host:5432/db?sslmode=disable to test against PostgreSQL")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open %s: %v", redact(dsn), err)
	}
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("KEEL_POSTGRES_URL is set but PostgreSQL is unreachable: %v", err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "rest_test_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	table := schema + ".items"
	_, err = db.ExecContext(ctx, `CREATE TABLE `+table+` (
		id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, age integer NOT NULL,
		score double precision NOT NULL, active boolean NOT NULL, created_at timestamptz NOT NULL,
		org_id uuid NOT NULL, status text NOT NULL)`)
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	for _, r := range pgRows() {
		_, err := db.ExecContext(ctx, `INSERT INTO `+table+` VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.ID, r.Name, r.Email, r.Age, r.Score, r.Active, r.CreatedAt, r.Org, r.Status)
		if err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	return db, table
}

func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		return u.Redacted()
	}
	return "the database URL"
}

// pgList runs one list request against the table.
func pgList(t *testing.T, db *sql.DB, table string, l *rest.List, rawQuery string) (*rest.Page[pgRow], error) {
	t.Helper()
	q, err := parse(t, l, rawQuery)
	if err != nil {
		return nil, err
	}
	sel := rest.Select{Base: "SELECT id, name, email, age, score, active, created_at, org_id::text, status FROM " + table}
	query, args, err := l.SQL(rest.Postgres, sel, q)
	if err != nil {
		t.Fatalf("SQL(%s) error = %v", rawQuery, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		t.Fatalf("query for %s: %v\n%s %v", rawQuery, err, query, args)
	}
	defer rows.Close()
	var got []pgRow
	for rows.Next() {
		var r pgRow
		if err := rows.Scan(&r.ID, &r.Name, &r.Email, &r.Age, &r.Score, &r.Active, &r.CreatedAt, &r.Org, &r.Status); err != nil {
			t.Fatalf("scan: %v", err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows for %s: %v", rawQuery, err)
	}
	p, err := rest.NewPage(l, q, got, pgKey)
	if err != nil {
		t.Fatalf("NewPage(%s) error = %v", rawQuery, err)
	}
	cq, cargs, err := l.CountSQL(rest.Postgres, sel, q)
	if err != nil {
		t.Fatalf("CountSQL(%s) error = %v", rawQuery, err)
	}
	var total int64
	if err := db.QueryRowContext(ctx, cq, cargs...).Scan(&total); err != nil {
		t.Fatalf("count for %s: %v\n%s", rawQuery, err, cq)
	}
	return p.WithTotal(total), nil
}

func rowIDs(rs []pgRow) []int64 {
	var s []int64
	for _, r := range rs {
		s = append(s, r.ID)
	}
	return s
}

// TestPostgresPagination walks every sort forward and backward with cursors
// and with page numbers, and compares with the whole list in one page.
func TestPostgresPagination(t *testing.T) {
	db, table := pgTable(t)
	l := cursorList(t, "items", testKey)
	for _, sort := range []string{"id", "name", "-name", "-created_at,name", "score,-id", "created_at,-score"} {
		t.Run(sort, func(t *testing.T) {
			all, err := pgList(t, db, table, l, "page=1&size=50&sort="+sort)
			if err != nil {
				t.Fatalf("list all: %v", err)
			}
			want := rowIDs(all.Items)
			if len(want) != 40 || all.HasMore || *all.Total != 40 {
				t.Fatalf("whole list = %d rows, more %v, total %d; want 40, false, 40", len(want), all.HasMore, *all.Total)
			}

			// Forward with cursors; the first request fixes the sort and the
			// cursors carry it.
			var fwd []int64
			var last *rest.Page[pgRow]
			query := "size=7&sort=" + sort
			for range 10 {
				p, err := pgList(t, db, table, l, query)
				if err != nil {
					t.Fatalf("list %s: %v", query, err)
				}
				fwd = append(fwd, rowIDs(p.Items)...)
				last = p
				if p.NextCursor == "" {
					break
				}
				query = "size=7&cursor=" + p.NextCursor
			}
			if !slices.Equal(fwd, want) {
				t.Fatalf("keyset pages forward = %v, want %v", fwd, want)
			}

			// Backward from the last page.
			back := rowIDs(last.Items)
			for p := last; p.PrevCursor != ""; {
				p, err = pgList(t, db, table, l, "size=7&sort="+sort+"&cursor="+p.PrevCursor)
				if err != nil {
					t.Fatalf("list backward: %v", err)
				}
				back = append(rowIDs(p.Items), back...)
			}
			if !slices.Equal(back, want) {
				t.Errorf("keyset pages backward = %v, want %v", back, want)
			}

			// Page numbers.
			var pages []int64
			for n := 1; n <= 6; n++ {
				p, err := pgList(t, db, table, l, fmt.Sprintf("page=%d&size=7&sort=%s", n, sort))
				if err != nil {
					t.Fatalf("list page %d: %v", n, err)
				}
				pages = append(pages, rowIDs(p.Items)...)
				if p.HasMore != (n < 6) {
					t.Errorf("page %d HasMore = %v, want %v", n, p.HasMore, n < 6)
				}
			}
			if !slices.Equal(pages, want) {
				t.Errorf("numbered pages = %v, want %v", pages, want)
			}
		})
	}
}

// TestPostgresFilters runs filters and searches and compares with the rows
// that satisfy them, computed here.
func TestPostgresFilters(t *testing.T) {
	db, table := pgTable(t)
	l := testList(t)
	contains := func(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		query string
		match func(pgRow) bool
	}{
		{"filter[age][gte]=30&filter[age][lt]=50", func(r pgRow) bool { return r.Age >= 30 && r.Age < 50 }},
		{"filter[age][in]=15,22,29", func(r pgRow) bool { return r.Age == 15 || r.Age == 22 || r.Age == 29 }},
		{"filter[score][gt]=1.5&filter[score][lte]=4.5", func(r pgRow) bool { return r.Score > 1.5 && r.Score <= 4.5 }},
		{"filter[active]=true", func(r pgRow) bool { return r.Active }},
		{"filter[created_at][gte]=2026-01-03&filter[created_at][lt]=2026-01-05T00:00:00Z", func(r pgRow) bool {
			return !r.CreatedAt.Before(day(3)) && r.CreatedAt.Before(day(5))
		}},
		{"filter[org]=" + strings.ToUpper(orgB), func(r pgRow) bool { return r.Org == orgB }},
		{"filter[org][in]=" + orgA + "," + orgB, func(r pgRow) bool { return true }},
		{"filter[status][ne]=closed", func(r pgRow) bool { return r.Status != "closed" }},
		{"filter[status][in]=closed", func(r pgRow) bool { return r.Status == "closed" }},
		{"filter[name]=Ann", func(r pgRow) bool { return r.Name == "Ann" }},
		{"filter[name][in]=Bob,Zed", func(r pgRow) bool { return r.Name == "Bob" || r.Name == "Zed" }},
		{"filter[name][like]=b", func(r pgRow) bool { return contains(r.Name, "b") }},
		{"q=50%25", func(r pgRow) bool { return contains(r.Name, "50%") }},
		{"q=_", func(r pgRow) bool { return contains(r.Name, "_") }},
		{"q=!", func(r pgRow) bool { return contains(r.Name, "!") }},
		{"q=%25", func(r pgRow) bool { return contains(r.Name, "%") }},
		{"q=%C3%A9mile", func(r pgRow) bool { return contains(r.Name, "émile") }},
		{"q=user1", func(r pgRow) bool { return contains(r.Email, "user1") }},
		{"q=ANN&filter[active]=false", func(r pgRow) bool { return contains(r.Name, "ann") && !r.Active }},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p, err := pgList(t, db, table, l, "size=50&"+tt.query)
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			var want []int64
			for _, r := range pgRows() {
				if tt.match(r) {
					want = append(want, r.ID)
				}
			}
			if got := rowIDs(p.Items); !slices.Equal(got, want) || *p.Total != int64(len(want)) {
				t.Errorf("list %s = %v (total %d), want %v", tt.query, got, *p.Total, want)
			}
		})
	}
}

// TestPostgresInjection runs the attacks as values against the real
// database: they match nothing and the table survives.
func TestPostgresInjection(t *testing.T) {
	db, table := pgTable(t)
	l := testList(t)
	for _, attack := range injections {
		for _, param := range []string{"filter[name]", "filter[name][like]", "filter[name][ne]", "q"} {
			query := url.Values{param: {attack}, "size": {"50"}}.Encode()
			p, err := pgList(t, db, table, l, query)
			if err != nil {
				t.Fatalf("list %s: %v", query, err)
			}
			want := 0
			if param == "filter[name][ne]" {
				want = 40
			}
			if len(p.Items) != want {
				t.Errorf("list %s = %d rows, want %d", query, len(p.Items), want)
			}
		}
	}
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil || n != 40 {
		t.Errorf("rows after the attacks = %d, %v; want 40", n, err)
	}
}
