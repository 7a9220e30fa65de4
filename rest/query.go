package rest

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keel-go/keel/errors"
)

// The query parameters a list endpoint reads. A filter parameter is
// ParamFilter followed by the field in brackets and, optionally, the
// operator in brackets: filter[age][gte].
const (
	ParamPage   = "page"
	ParamSize   = "size"
	ParamSort   = "sort"
	ParamCursor = "cursor"
	ParamSearch = "q"
	ParamFilter = "filter"
)

// CodeInvalidQuery is the code of the 400 problem [List.Parse] returns.
// Its violations say what is wrong with each parameter.
const CodeInvalidQuery = "invalid_query"

// The codes of the violations in a CodeInvalidQuery problem.
const (
	CodeMalformed          = "malformed"            // the query string is not valid URL encoding
	CodeUnknownParameter   = "unknown_parameter"    // a parameter outside the allowlist
	CodeRepeated           = "repeated"             // a parameter given more than once
	CodeInvalidValue       = "invalid_value"        // a value that does not parse as the field's type
	CodeOutOfRange         = "out_of_range"         // page or size outside its bounds
	CodeTooLong            = "too_long"             // q or a filter value too long, or too many in values
	CodeUnknownField       = "unknown_field"        // a sort or filter field outside the allowlist
	CodeDuplicateField     = "duplicate_field"      // the same field twice in sort, or the same filter twice
	CodeEmptyTerm          = "empty_term"           // an empty sort term ("name,,id")
	CodeOperatorNotAllowed = "operator_not_allowed" // a filter operator the field does not allow
	CodeInvalidCursor      = "invalid_cursor"       // a cursor that is tampered, foreign or malformed
	CodeCursorMismatch     = "cursor_mismatch"      // a cursor issued for another sort order
	CodeExclusive          = "mutually_exclusive"   // cursor and page together
)

// maxPage bounds the page number, so that the offset never overflows.
const maxPage = 1 << 30

// ListQuery is a parsed list request. It is plain data: [List.Parse]
// fills it from a request and [List.SQL] turns it into SQL, looking every
// field name up in the list's allowlist again, so that a ListQuery built by
// hand cannot inject an identifier either.
type ListQuery struct {
	// Page is the 1-based page number in page pagination, and 0 in keyset
	// (cursor) pagination.
	Page int
	// Size is the number of items per page.
	Size int
	// Sort is the order, the list's Key last as the tiebreaker when the
	// list has one.
	Sort []SortTerm
	// Filters are the conditions, all of which must hold, ordered by field
	// and then operator.
	Filters []Filter
	// Search is the free-text search (q), "" for none.
	Search string
	// Cursor is the position to continue from in keyset pagination, or nil
	// for the first page.
	Cursor *Cursor
}

// Keyset reports whether q uses keyset (cursor) pagination rather than page
// numbers.
func (q ListQuery) Keyset() bool { return q.Page == 0 }

// Offset returns the number of rows before the page in page pagination,
// and 0 in keyset pagination.
func (q ListQuery) Offset() int64 {
	if q.Page < 1 {
		return 0
	}
	return int64(q.Page-1) * int64(q.Size)
}

// SortTerm is one term of a sort order.
type SortTerm struct {
	Field string // the SortField's Name
	Desc  bool   // descending order
}

// String returns the term as written in the sort parameter: "name" or
// "-name".
func (t SortTerm) String() string {
	if t.Desc {
		return "-" + t.Field
	}
	return t.Field
}

// Filter is one condition of a list query.
type Filter struct {
	Field  string // the FilterField's Name
	Op     Op
	Values []any // one value, or several for In; typed as the field's Type says
}

// Parse reads the list parameters of r's query string. Every problem is
// collected into one 400 *errors.Error with code [CodeInvalidQuery] and a
// violation per parameter; see the package documentation for the syntax.
func (l *List) Parse(r *http.Request) (ListQuery, error) {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return ListQuery{}, invalid([]errors.Violation{{
			Pointer: "/query",
			Code:    CodeMalformed,
			Message: "the query string is not valid URL encoding",
		}})
	}
	return l.ParseValues(vals)
}

// ParseValues is [List.Parse] for query values already parsed.
func (l *List) ParseValues(vals url.Values) (ListQuery, error) {
	var (
		q        = ListQuery{Size: l.spec.DefaultPageSize}
		vs       []errors.Violation
		pageSet  bool
		sortRaw  string
		sortSet  bool
		cursor   string
		cursorOK bool
		seen     = map[filterKey]bool{}
	)
	if l.spec.CursorKey == nil {
		q.Page = 1
	}
	// Sorted, so that the violations and filters come in a stable order.
	for _, name := range slices.Sorted(maps.Keys(vals)) {
		list := vals[name]
		if l.params[name] {
			continue
		}
		if strings.HasPrefix(name, ParamFilter+"[") {
			vs = l.parseFilter(name, list, seen, &q, vs)
			continue
		}
		switch name {
		case ParamPage, ParamSize, ParamSort, ParamCursor, ParamSearch:
		default:
			vs = append(vs, violation(name, CodeUnknownParameter, "unknown parameter %s", quote(name)))
			continue
		}
		if name == ParamCursor && l.spec.CursorKey == nil || name == ParamSearch && len(l.spec.Search) == 0 {
			vs = append(vs, violation(name, CodeUnknownParameter, "unknown parameter %s", quote(name)))
			continue
		}
		if len(list) != 1 {
			vs = append(vs, violation(name, CodeRepeated, "parameter %s is given %d times, want once", name, len(list)))
			continue
		}
		v := list[0]
		switch name {
		case ParamPage:
			n, err := strconv.Atoi(v)
			switch {
			case err != nil && !isRangeErr(err):
				vs = append(vs, violation(name, CodeInvalidValue, "page must be a whole number"))
			case err != nil || n < 1 || n > maxPage:
				vs = append(vs, violation(name, CodeOutOfRange, "page must be between 1 and %d", maxPage))
			default:
				q.Page, pageSet = n, true
			}
		case ParamSize:
			n, err := strconv.Atoi(v)
			switch {
			case err != nil && !isRangeErr(err):
				vs = append(vs, violation(name, CodeInvalidValue, "size must be a whole number"))
			case err != nil || n < 1 || n > l.spec.MaxPageSize:
				vs = append(vs, violationP(name, CodeOutOfRange, map[string]any{"min": 1, "max": l.spec.MaxPageSize},
					"size must be between 1 and %d", l.spec.MaxPageSize))
			default:
				q.Size = n
			}
		case ParamSort:
			sortRaw, sortSet = v, true
		case ParamCursor:
			cursor, cursorOK = v, true
		case ParamSearch:
			switch {
			case len(v) > l.spec.MaxSearchLen:
				vs = append(vs, violationP(name, CodeTooLong, map[string]any{"max": l.spec.MaxSearchLen},
					"q must be at most %d bytes", l.spec.MaxSearchLen))
			case !validText(v):
				vs = append(vs, violation(name, CodeInvalidValue, "q must be UTF-8 text without control characters"))
			default:
				q.Search = strings.TrimSpace(v)
			}
		}
	}

	// Sort: the parameter, or the cursor's, or the default.
	var sortOK = true
	if sortSet {
		terms, svs := l.parseSort(sortRaw)
		vs = append(vs, svs...)
		sortOK = len(svs) == 0
		q.Sort = terms
	} else {
		q.Sort = slices.Clone(l.defaultSort)
	}
	q.Sort = l.withKey(q.Sort)

	if cursorOK {
		if pageSet {
			vs = append(vs, violation(ParamCursor, CodeExclusive, "cursor and page cannot be used together"))
		} else if c, err := l.readCursor(cursor, sortSet, sortOK, &q); err != nil {
			vs = append(vs, *err)
		} else {
			q.Cursor = c
		}
	}

	if len(vs) > 0 {
		return ListQuery{}, invalid(vs)
	}
	slices.SortFunc(q.Filters, func(a, b Filter) int {
		if c := strings.Compare(a.Field, b.Field); c != 0 {
			return c
		}
		return opRank(a.Op) - opRank(b.Op)
	})
	return q, nil
}

type filterKey struct {
	field string
	op    Op
}

// readCursor verifies a cursor parameter and checks it against the sort of
// the request, or adopts the cursor's sort when the request has none.
func (l *List) readCursor(s string, sortSet, sortOK bool, q *ListQuery) (*Cursor, *errors.Violation) {
	bad := violation(ParamCursor, CodeInvalidCursor, "the cursor is invalid or was issued for another list")
	p, err := l.decodeCursor(s)
	if err != nil {
		return nil, &bad
	}
	if sortSet {
		if !sortOK {
			return nil, nil
		}
		if p.Sort != sortString(q.Sort) {
			v := violation(ParamCursor, CodeCursorMismatch,
				"the cursor was issued for sort %s; repeat that sort or start again without a cursor", quote(p.Sort))
			return nil, &v
		}
	} else {
		terms, svs := l.parseSort(p.Sort)
		if len(svs) > 0 {
			// Signed by us, so the spec changed since it was issued.
			return nil, &bad
		}
		q.Sort = l.withKey(terms)
	}
	c, err := l.typedCursor(p, q.Sort)
	if err != nil {
		return nil, &bad
	}
	return c, nil
}

// parseFilter reads one filter[field] or filter[field][op] parameter.
func (l *List) parseFilter(name string, list []string, seen map[filterKey]bool, q *ListQuery, vs []errors.Violation) []errors.Violation {
	rest := name[len(ParamFilter)+1:]
	field, after, ok := strings.Cut(rest, "]")
	op := Eq
	if ok && after != "" {
		if !strings.HasPrefix(after, "[") || !strings.HasSuffix(after, "]") || strings.Count(after, "]") != 1 {
			ok = false
		} else {
			op = Op(after[1 : len(after)-1])
		}
	}
	if !ok || field == "" {
		return append(vs, violation(name, CodeUnknownParameter, "malformed filter parameter %s; write filter[field]=value or filter[field][op]=value", quote(name)))
	}
	f, known := l.filters[field]
	if !known {
		return append(vs, violation(name, CodeUnknownField, "cannot filter on %s", quote(field)))
	}
	if !slices.Contains(f.Ops, op) {
		allowed := make([]string, len(f.Ops))
		for i, o := range f.Ops {
			allowed[i] = string(o)
		}
		return append(vs, violationP(name, CodeOperatorNotAllowed, map[string]any{"allowed": allowed},
			"operator %s is not allowed on %s; allowed: %s", quote(string(op)), field, strings.Join(allowed, ", ")))
	}
	if len(list) != 1 {
		return append(vs, violation(name, CodeRepeated, "parameter %s is given %d times, want once (use the in operator for several values)", quote(name), len(list)))
	}
	k := filterKey{field, op}
	if seen[k] {
		return append(vs, violation(name, CodeDuplicateField, "filter on %s with operator %s is given twice", field, op))
	}
	seen[k] = true

	raw := list[0]
	var parts []string
	if op == In {
		if len(raw) > l.spec.MaxValueLen*l.spec.MaxInValues {
			return append(vs, violation(name, CodeTooLong, "%s is too long", quote(name)))
		}
		parts = strings.Split(raw, ",")
		if len(parts) > l.spec.MaxInValues {
			return append(vs, violationP(name, CodeTooLong, map[string]any{"max": l.spec.MaxInValues},
				"%s has %d values, want at most %d", quote(name), len(parts), l.spec.MaxInValues))
		}
	} else {
		parts = []string{raw}
	}
	values := make([]any, 0, len(parts))
	for _, p := range parts {
		if len(p) > l.spec.MaxValueLen {
			return append(vs, violationP(name, CodeTooLong, map[string]any{"max": l.spec.MaxValueLen},
				"a value of %s is longer than %d bytes", quote(name), l.spec.MaxValueLen))
		}
		v, err := parseValue(f.Type, p, f.Values)
		if err != nil {
			params := map[string]any{"type": f.Type.String()}
			if f.Type == Enum {
				params["allowed"] = slices.Clone(f.Values)
			}
			return append(vs, violationP(name, CodeInvalidValue, params, "%s: %v", quote(name), err))
		}
		values = append(values, v)
	}
	q.Filters = append(q.Filters, Filter{Field: field, Op: op, Values: values})
	return vs
}

// parseSort parses a sort parameter against the allowlist, without the
// tiebreaker.
func (l *List) parseSort(s string) ([]SortTerm, []errors.Violation) {
	var (
		terms []SortTerm
		vs    []errors.Violation
		seen  = map[string]bool{}
	)
	for raw := range strings.SplitSeq(s, ",") {
		t := strings.TrimSpace(raw)
		desc := false
		if strings.HasPrefix(t, "-") {
			desc, t = true, t[1:]
		} else if strings.HasPrefix(t, "+") {
			t = t[1:]
		}
		switch {
		case t == "":
			vs = append(vs, violation(ParamSort, CodeEmptyTerm, "sort has an empty term"))
		case !l.hasSort(t):
			allowed := l.sortNames()
			vs = append(vs, violationP(ParamSort, CodeUnknownField, map[string]any{"field": truncate(t), "allowed": allowed},
				"cannot sort by %s; allowed: %s", quote(t), strings.Join(allowed, ", ")))
		case seen[t]:
			vs = append(vs, violationP(ParamSort, CodeDuplicateField, map[string]any{"field": t}, "sort names %s twice", t))
		default:
			seen[t] = true
			terms = append(terms, SortTerm{Field: t, Desc: desc})
		}
	}
	return terms, vs
}

func (l *List) hasSort(name string) bool {
	_, ok := l.sorts[name]
	return ok
}

func (l *List) sortNames() []string {
	names := make([]string, 0, len(l.sorts))
	for n := range l.sorts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// withKey appends the tiebreaker to terms unless they already sort by it.
func (l *List) withKey(terms []SortTerm) []SortTerm {
	k := l.spec.Key.Name
	if k == "" || slices.ContainsFunc(terms, func(t SortTerm) bool { return t.Field == k }) {
		return terms
	}
	return append(terms, SortTerm{Field: k})
}

func sortString(terms []SortTerm) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.String())
	}
	return b.String()
}

// parseValue parses s as a value of type t; allowed lists an Enum's values.
func parseValue(t Type, s string, allowed []string) (any, error) {
	switch t {
	case String:
		if !validText(s) {
			return nil, fmt.Errorf("want UTF-8 text without control characters")
		}
		return s, nil
	case Int:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("want an integer")
		}
		return n, nil
	case Float:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("want a finite number")
		}
		return f, nil
	case Bool:
		switch s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("want true or false")
	case Time:
		if len(s) == len(time.DateOnly) {
			if tm, err := time.Parse(time.DateOnly, s); err == nil {
				return tm, nil
			}
		}
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || tm.Year() < 1 || tm.Year() > 9999 {
			return nil, fmt.Errorf("want an RFC 3339 time such as 2026-01-02T15:04:05Z, or a date such as 2026-01-02")
		}
		return tm.UTC(), nil
	case UUID:
		if !isUUID(s) {
			return nil, fmt.Errorf("want a UUID such as 123e4567-e89b-12d3-a456-426614174000")
		}
		return strings.ToLower(s), nil
	case Enum:
		if slices.Contains(allowed, s) {
			return s, nil
		}
		return nil, fmt.Errorf("want one of %s", strings.Join(allowed, ", "))
	}
	return nil, fmt.Errorf("unsupported type")
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range []byte(s) {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// validText reports whether s is valid UTF-8 without control characters:
// a NUL byte or invalid UTF-8 would make PostgreSQL fail the query with a
// 500 instead of the 400 the client deserves.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func isRangeErr(err error) bool {
	ne, ok := errors.AsType[*strconv.NumError](err)
	return ok && ne.Err == strconv.ErrRange
}

func invalid(vs []errors.Violation) *errors.Error {
	return errors.BadRequest("invalid query parameters").WithCode(CodeInvalidQuery).WithViolations(vs...)
}

// violation builds the violation of parameter name. Its pointer is
// "/query/" followed by the parameter name, escaped as RFC 6901 says, and
// its params hold the parameter name.
func violation(name, code, format string, args ...any) errors.Violation {
	return violationP(name, code, nil, format, args...)
}

func violationP(name, code string, params map[string]any, format string, args ...any) errors.Violation {
	if params == nil {
		params = map[string]any{}
	}
	name = truncate(name)
	params["parameter"] = name
	return errors.Violation{
		Pointer: "/query/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name),
		Code:    code,
		Message: fmt.Sprintf(format, args...),
		Params:  params,
	}
}

// truncate shortens client-supplied text echoed in a problem.
func truncate(s string) string {
	const maxEcho = 64
	if len(s) <= maxEcho {
		return s
	}
	return s[:maxEcho] + "..."
}

func quote(s string) string { return strconv.Quote(truncate(s)) }
