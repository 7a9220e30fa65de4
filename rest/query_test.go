package rest_test

import (
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/rest"
)

// testSpec is the specification most tests use: page pagination.
func testSpec() rest.ListSpec {
	return rest.ListSpec{
		Name: "users",
		Sorts: []rest.SortField{
			{Name: "name", Column: "name"},
			{Name: "created_at", Column: "created_at", Type: rest.Time},
			{Name: "score", Column: "score", Type: rest.Float},
		},
		Key: rest.SortField{Name: "id", Column: "id", Type: rest.Int},
		Filters: []rest.FilterField{
			{Name: "name", Column: "name", Ops: []rest.Op{rest.Eq, rest.Ne, rest.In, rest.Like}},
			{Name: "age", Column: "age", Type: rest.Int, Ops: []rest.Op{rest.Eq, rest.Gte, rest.Lt, rest.In}},
			{Name: "score", Column: "score", Type: rest.Float, Ops: []rest.Op{rest.Gt, rest.Lte}},
			{Name: "active", Column: "active", Type: rest.Bool},
			{Name: "created_at", Column: "created_at", Type: rest.Time, Ops: []rest.Op{rest.Gte, rest.Lt}},
			{Name: "org", Column: "org_id", Type: rest.UUID, Ops: []rest.Op{rest.Eq, rest.In}},
			{Name: "status", Column: "status", Type: rest.Enum, Values: []string{"open", "closed"}, Ops: []rest.Op{rest.Eq, rest.Ne, rest.In}},
		},
		Search:      []string{"name", "email"},
		MaxPageSize: 50,
		MaxInValues: 3,
		Params:      []string{"fields"},
	}
}

func testList(tb testing.TB) *rest.List {
	tb.Helper()
	l, err := rest.NewList(testSpec())
	if err != nil {
		tb.Fatalf("NewList() error = %v", err)
	}
	return l
}

// parse parses rawQuery as a request's query string.
func parse(tb testing.TB, l *rest.List, rawQuery string) (rest.ListQuery, error) {
	tb.Helper()
	r := httptest.NewRequest("GET", "/users", nil)
	r.URL.RawQuery = rawQuery
	return l.Parse(r)
}

func sortTerms(s ...string) []rest.SortTerm {
	var ts []rest.SortTerm
	for _, f := range s {
		t := rest.SortTerm{Field: strings.TrimPrefix(f, "-"), Desc: strings.HasPrefix(f, "-")}
		ts = append(ts, t)
	}
	return ts
}

func TestParse(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		query string
		want  rest.ListQuery
	}{
		{"", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id")}},
		{"page=3&size=50", rest.ListQuery{Page: 3, Size: 50, Sort: sortTerms("id")}},
		{"sort=-created_at,name", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("-created_at", "name", "id")}},
		{"sort=%2Bname,+-id", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("name", "-id")}},
		{"sort=-id,name", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("-id", "name")}},
		{"filter[name]=Ann", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id"),
			Filters: []rest.Filter{{Field: "name", Op: rest.Eq, Values: []any{"Ann"}}}}},
		{"filter[name][like]=50%25_x&filter[name][ne]=", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id"),
			Filters: []rest.Filter{{Field: "name", Op: rest.Ne, Values: []any{""}}, {Field: "name", Op: rest.Like, Values: []any{"50%_x"}}}}},
		{"filter[age][lt]=65&filter[age][gte]=18", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id"),
			Filters: []rest.Filter{{Field: "age", Op: rest.Lt, Values: []any{int64(65)}}, {Field: "age", Op: rest.Gte, Values: []any{int64(18)}}}}},
		{"filter[age][in]=1,-2,3", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id"),
			Filters: []rest.Filter{{Field: "age", Op: rest.In, Values: []any{int64(1), int64(-2), int64(3)}}}}},
		{"filter[score][gt]=1.5e2", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id"),
			Filters: []rest.Filter{{Field: "score", Op: rest.Gt, Values: []any{150.0}}}}},
		{"filter[active]=false", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id"),
			Filters: []rest.Filter{{Field: "active", Op: rest.Eq, Values: []any{false}}}}},
		{"filter[created_at][gte]=2026-01-01T01:00:00%2B01:00&filter[created_at][lt]=2026-01-01", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id"),
			Filters: []rest.Filter{{Field: "created_at", Op: rest.Lt, Values: []any{day}}, {Field: "created_at", Op: rest.Gte, Values: []any{day}}}}},
		{"filter[org]=123E4567-E89B-12D3-A456-426614174000", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id"),
			Filters: []rest.Filter{{Field: "org", Op: rest.Eq, Values: []any{"123e4567-e89b-12d3-a456-426614174000"}}}}},
		{"filter[status][in]=open,closed&filter[status][ne]=closed", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id"),
			Filters: []rest.Filter{{Field: "status", Op: rest.Ne, Values: []any{"closed"}}, {Field: "status", Op: rest.In, Values: []any{"open", "closed"}}}}},
		{"q=+ann+&fields=id,name", rest.ListQuery{Page: 1, Size: 20, Sort: sortTerms("id"), Search: "ann"}},
	}
	l := testList(t)
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := parse(t, l, tt.query)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v, %v", tt.query, err, violations(err))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.query, got, tt.want)
			}
		})
	}
}

// violations returns the violations of a problem, or nil.
func violations(err error) []errors.Violation {
	e, ok := errors.AsType[*errors.Error](err)
	if !ok {
		return nil
	}
	return e.Violations()
}

func TestParseInvalid(t *testing.T) {
	long := strings.Repeat("a", 101)
	tests := []struct {
		query string
		want  []string // "pointer code" of each violation, in order
	}{
		{"page=0", []string{"/query/page out_of_range"}},
		{"page=-1", []string{"/query/page out_of_range"}},
		{"page=abc", []string{"/query/page invalid_value"}},
		{"page=99999999999999999999999", []string{"/query/page out_of_range"}},
		{"page=1073741825", []string{"/query/page out_of_range"}},
		{"page=", []string{"/query/page invalid_value"}},
		{"size=0", []string{"/query/size out_of_range"}},
		{"size=51", []string{"/query/size out_of_range"}},
		{"size=1.5", []string{"/query/size invalid_value"}},
		{"page=1&page=2", []string{"/query/page repeated"}},
		{"page=1&page=1", []string{"/query/page repeated"}},
		{"sort=password", []string{"/query/sort unknown_field"}},
		{"sort=name,-name", []string{"/query/sort duplicate_field"}},
		{"sort=name,,id", []string{"/query/sort empty_term"}},
		{"sort=", []string{"/query/sort empty_term"}},
		{"sort=-", []string{"/query/sort empty_term"}},
		{"sort=name&sort=id", []string{"/query/sort repeated"}},
		{"filter[age]=abc", []string{"/query/filter[age] invalid_value"}},
		{"filter[age]=1.5", []string{"/query/filter[age] invalid_value"}},
		{"filter[age][in]=1,x", []string{"/query/filter[age][in] invalid_value"}},
		{"filter[age][in]=1,2,3,4", []string{"/query/filter[age][in] too_long"}},
		{"filter[age][in]=", []string{"/query/filter[age][in] invalid_value"}},
		{"filter[age][like]=1", []string{"/query/filter[age][like] operator_not_allowed"}},
		{"filter[age][regex]=1", []string{"/query/filter[age][regex] operator_not_allowed"}},
		{"filter[name][gt]=a", []string{"/query/filter[name][gt] operator_not_allowed"}},
		{"filter[score]=1", []string{"/query/filter[score] operator_not_allowed"}},
		{"filter[score][gt]=NaN", []string{"/query/filter[score][gt] invalid_value"}},
		{"filter[score][gt]=Inf", []string{"/query/filter[score][gt] invalid_value"}},
		{"filter[active]=1", []string{"/query/filter[active] invalid_value"}},
		{"filter[created_at][gte]=2026-13-01", []string{"/query/filter[created_at][gte] invalid_value"}},
		{"filter[created_at][gte]=yesterday", []string{"/query/filter[created_at][gte] invalid_value"}},
		{"filter[org]=not-a-uuid", []string{"/query/filter[org] invalid_value"}},
		{"filter[status]=pending", []string{"/query/filter[status] invalid_value"}},
		{"filter[status][in]=open,,closed", []string{"/query/filter[status][in] invalid_value"}},
		{"filter[password]=x", []string{"/query/filter[password] unknown_field"}},
		{"filter[age", []string{"/query/filter[age unknown_parameter"}},
		{"filter[]=1", []string{"/query/filter[] unknown_parameter"}},
		{"filter[age][gte]x=1", []string{"/query/filter[age][gte]x unknown_parameter"}},
		{"filter[age][gte][x]=1", []string{"/query/filter[age][gte][x] unknown_parameter"}},
		{"filter[age]x=1", []string{"/query/filter[age]x unknown_parameter"}},
		{"filter=1", []string{"/query/filter unknown_parameter"}},
		{"filter[status]=open&filter[status]=closed", []string{"/query/filter[status] repeated"}},
		{"filter[status]=open&filter[status][eq]=closed", []string{"/query/filter[status][eq] duplicate_field"}},
		{"filter[name]=a%00b", []string{"/query/filter[name] invalid_value"}},
		{"filter[name]=%FF", []string{"/query/filter[name] invalid_value"}},
		{"filter[name]=" + strings.Repeat("x", 257), []string{"/query/filter[name] too_long"}},
		{"q=" + long, []string{"/query/q too_long"}},
		{"q=a%0Ab", []string{"/query/q invalid_value"}},
		{"q=a&q=b", []string{"/query/q repeated"}},
		{"cursor=abc", []string{"/query/cursor unknown_parameter"}},
		{"debug=1", []string{"/query/debug unknown_parameter"}},
		{"a/b~c=1", []string{"/query/a~1b~0c unknown_parameter"}},
		{"%zz=1", []string{"/query malformed"}},
		{"a=1;b=2", []string{"/query malformed"}},
		{
			"size=0&page=0&sort=x,&filter[age]=a&filter[nope]=1&zzz=1",
			[]string{
				"/query/filter[age] invalid_value", "/query/filter[nope] unknown_field", "/query/page out_of_range",
				"/query/size out_of_range", "/query/zzz unknown_parameter", "/query/sort unknown_field", "/query/sort empty_term",
			},
		},
	}
	l := testList(t)
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := parse(t, l, tt.query)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, nil; want a 400", tt.query, q)
			}
			e, ok := errors.AsType[*errors.Error](err)
			if !ok || e.StatusCode() != 400 || e.Code() != rest.CodeInvalidQuery {
				t.Fatalf("Parse(%q) error = %v, want a 400 *errors.Error with code %q", tt.query, err, rest.CodeInvalidQuery)
			}
			var got []string
			for _, v := range e.Violations() {
				got = append(got, v.Pointer+" "+v.Code)
				if v.Message == "" {
					t.Errorf("Parse(%q) violation %s has no message", tt.query, v.Pointer)
				}
				if v.Pointer != "/query" && v.Params["parameter"] == nil {
					t.Errorf("Parse(%q) violation %s params = %v, want the parameter name", tt.query, v.Pointer, v.Params)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Parse(%q) violations = %q, want %q", tt.query, got, tt.want)
			}
		})
	}
}

func TestParseEchoIsBounded(t *testing.T) {
	name := strings.Repeat("x", 10000)
	_, err := rest.MustList(rest.ListSpec{}).ParseValues(url.Values{name: {"1"}})
	vs := violations(err)
	if len(vs) != 1 {
		t.Fatalf("ParseValues(long name) violations = %v, want 1", vs)
	}
	if len(vs[0].Pointer) > 100 || len(vs[0].Message) > 200 {
		t.Errorf("ParseValues(long name) violation = %d-byte pointer, %d-byte message; want both short", len(vs[0].Pointer), len(vs[0].Message))
	}
}

func TestParseDefaultSort(t *testing.T) {
	spec := testSpec()
	spec.DefaultSort = "-created_at"
	l := rest.MustList(spec)
	q, err := parse(t, l, "")
	if err != nil {
		t.Fatalf("Parse(\"\") error = %v", err)
	}
	if want := sortTerms("-created_at", "id"); !reflect.DeepEqual(q.Sort, want) {
		t.Errorf("Parse(\"\").Sort = %v, want %v", q.Sort, want)
	}
	// Without a Key and a default sort, no order is imposed.
	q, err = parse(t, rest.MustList(rest.ListSpec{}), "")
	if err != nil || q.Sort != nil {
		t.Errorf("Parse(\"\") on an empty spec = %+v, %v; want no sort", q, err)
	}
}

func TestParseSearchDisabled(t *testing.T) {
	_, err := parse(t, rest.MustList(rest.ListSpec{}), "q=x")
	vs := violations(err)
	if len(vs) != 1 || vs[0].Code != rest.CodeUnknownParameter {
		t.Errorf("Parse(q=x) without search columns = %v, want one unknown_parameter violation", vs)
	}
}

func TestParseKeysetMode(t *testing.T) {
	spec := testSpec()
	spec.CursorKey = testKey
	l := rest.MustList(spec)
	q, err := parse(t, l, "size=5")
	if err != nil {
		t.Fatalf("Parse(size=5) error = %v", err)
	}
	if !q.Keyset() || q.Page != 0 || q.Cursor != nil {
		t.Errorf("Parse(size=5) with a cursor key = %+v, want keyset mode without a cursor", q)
	}
	q, err = parse(t, l, "page=2")
	if err != nil || q.Keyset() || q.Page != 2 {
		t.Errorf("Parse(page=2) with a cursor key = %+v, %v; want page mode, page 2", q, err)
	}
}
