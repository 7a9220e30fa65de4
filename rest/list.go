package rest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keel-go/keel/errors"
)

// Defaults applied by [NewList] to the zero fields of a [ListSpec].
const (
	DefaultPageSize     = 20  // ListSpec.DefaultPageSize
	DefaultMaxPageSize  = 100 // ListSpec.MaxPageSize
	DefaultMaxSearchLen = 100 // ListSpec.MaxSearchLen
	DefaultMaxInValues  = 100 // ListSpec.MaxInValues
	DefaultMaxValueLen  = 256 // ListSpec.MaxValueLen

	// MinCursorKeyLen is the minimum length in bytes of ListSpec.CursorKey.
	MinCursorKeyLen = 32
)

// Errors returned for programming mistakes; callers test them with Is.
var (
	// ErrCursor is returned by [List.Cursor] and [NewPage] when a key value
	// cannot be put in a cursor: the list has no CursorKey, the number of
	// values does not match the sort, or a value's Go type does not fit its
	// field's Type. It is a programming mistake, not a client's; use Is.
	ErrCursor = errors.New("rest: cannot encode cursor")

	// ErrQuery is returned by [List.SQL] and [List.CountSQL] when the
	// ListQuery does not fit the list: a field outside the allowlist, a size out
	// of bounds, a cursor with the wrong number of values. [List.Parse] never
	// produces such a query, so it means a ListQuery built or changed by hand;
	// use Is.
	ErrQuery = errors.New("rest: list query does not fit the list")
)

// Type is the type of a filter value or of a sort key. It decides how a
// query parameter or a cursor value is parsed and which Go value reaches the
// SQL arguments.
type Type int

// The value types. The Go type of a parsed value is given for each.
const (
	String Type = iota // string (the zero Type)
	Int                // int64, base 10
	Float              // float64, finite
	Bool               // bool, "true" or "false"
	Time               // time.Time in UTC, RFC 3339 ("2026-01-02T15:04:05Z") or a date ("2026-01-02", midnight UTC)
	UUID               // string, canonical lower-case 8-4-4-4-12 hex form
	Enum               // string, one of FilterField.Values
)

// String returns the name of the type, as used in error messages.
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Int:
		return "integer"
	case Float:
		return "number"
	case Bool:
		return "boolean"
	case Time:
		return "time"
	case UUID:
		return "uuid"
	case Enum:
		return "enum"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// Op is a filter operator, written after the field name in a query
// parameter: filter[age][gte]=18. A filter without an operator,
// filter[status]=open, means [Eq].
type Op string

// The filter operators.
const (
	Eq   Op = "eq"   // column = value
	Ne   Op = "ne"   // column <> value
	Lt   Op = "lt"   // column < value
	Lte  Op = "lte"  // column <= value
	Gt   Op = "gt"   // column > value
	Gte  Op = "gte"  // column >= value
	In   Op = "in"   // column IN (values), the values comma-separated
	Like Op = "like" // column contains value, case-insensitively (String only)
)

// allOps lists the operators in their canonical order, which is also the
// order of the filters of one field in a ListQuery.
var allOps = [...]Op{Eq, Ne, Lt, Lte, Gt, Gte, In, Like}

func opRank(op Op) int { return slices.Index(allOps[:], op) }

// opAllowed reports whether op makes sense for a field of type t.
func opAllowed(t Type, op Op) bool {
	switch op {
	case Eq, Ne, In:
		return true
	case Lt, Lte, Gt, Gte:
		return t == Int || t == Float || t == Time || t == String
	case Like:
		return t == String
	}
	return false
}

// SortField is a field clients may sort by: sort=name or sort=-name.
type SortField struct {
	// Name is the field as clients write it in the sort parameter.
	Name string
	// Column is the SQL column, optionally qualified ("u.created_at"),
	// quoted by the dialect when the SQL is built. It must be NOT NULL for
	// keyset pagination to be correct.
	Column string
	// Type is the type of the column's values, used to decode the values a
	// cursor carries. The zero value is String.
	Type Type
}

// FilterField is a field clients may filter on: filter[name]=value or
// filter[name][op]=value.
type FilterField struct {
	// Name is the field as clients write it between the brackets.
	Name string
	// Column is the SQL column, optionally qualified, quoted by the dialect.
	Column string
	// Type is the type values are parsed as. The zero value is String.
	Type Type
	// Values lists the allowed values of an Enum field; it is required for
	// Enum and not allowed for the other types.
	Values []string
	// Ops lists the operators allowed on the field. Empty means [Eq] only.
	// Lt, Lte, Gt and Gte need a String, Int, Float or Time field; Like
	// needs a String field.
	Ops []Op
}

// ListSpec declares what a list endpoint accepts: its page sizes, the fields
// it sorts and filters by, the columns it searches, and how cursors are
// signed. It is declared once per endpoint and compiled by [NewList]. Every
// zero field means the default its documentation states.
type ListSpec struct {
	// Name identifies the list in its cursors, so that a cursor issued by one
	// list is refused by another that shares the key ("users").
	// The default is "".
	Name string

	// DefaultPageSize is the page size when the request has no size
	// parameter. The default is 20, or MaxPageSize if that is smaller.
	DefaultPageSize int
	// MaxPageSize is the largest size a client may ask for; a larger one is
	// a 400. The default is 100.
	MaxPageSize int

	// Sorts lists the fields clients may sort by.
	Sorts []SortField
	// DefaultSort is the sort used when the request has no sort parameter,
	// written as a client would ("-created_at,name"). The default is the
	// Key alone, ascending, or no order when there is no Key.
	DefaultSort string
	// Key is the unique, NOT NULL column (usually the primary key) appended
	// to every sort as the final tiebreaker, which makes the order total:
	// pages neither repeat nor skip rows, and keyset cursors are exact.
	// It is required when CursorKey is set. Clients may also sort by it by
	// its Name.
	Key SortField

	// Filters lists the fields clients may filter on.
	Filters []FilterField

	// Search lists the columns the free-text parameter q is matched against
	// (a case-insensitive "contains" on any of them). Empty disables q: the
	// parameter is then a 400 like any unknown one.
	Search []string
	// MaxSearchLen is the maximum length of q in bytes. The default is 100.
	MaxSearchLen int

	// MaxInValues is the maximum number of comma-separated values of an in
	// filter. The default is 100.
	MaxInValues int
	// MaxValueLen is the maximum length in bytes of one filter value.
	// The default is 256.
	MaxValueLen int

	// CursorKey is the HMAC-SHA256 key that signs cursors; at least 32
	// bytes of secret randomness. When it is nil the list has no cursor
	// pagination (only page and size) and the cursor parameter is refused.
	CursorKey []byte

	// Params lists other query parameters the endpoint accepts and reads
	// itself; the parser ignores them instead of refusing them.
	Params []string
}

// List is a compiled [ListSpec]: it parses list requests into a [ListQuery]
// with [List.Parse] and turns a ListQuery into SQL with [List.SQL].
//
// Create a List with [NewList] or [MustList]; the zero value is not usable.
// A List is immutable and safe for concurrent use.
type List struct {
	spec        ListSpec
	sorts       map[string]SortField
	filters     map[string]*FilterField
	params      map[string]bool
	defaultSort []SortTerm
}

// NewList validates spec, applies its defaults and returns the compiled
// list. The error names the first field that is wrong.
func NewList(spec ListSpec) (*List, error) {
	s := spec.withDefaults()
	l := &List{
		spec:    s,
		sorts:   make(map[string]SortField, len(s.Sorts)+1),
		filters: make(map[string]*FilterField, len(s.Filters)),
		params:  make(map[string]bool, len(s.Params)),
	}
	if err := l.validate(); err != nil {
		return nil, err
	}
	return l, nil
}

// MustList is like [NewList] but panics if spec is invalid: a programming
// mistake, caught when the server starts.
func MustList(spec ListSpec) *List {
	l, err := NewList(spec)
	if err != nil {
		panic(err.Error())
	}
	return l
}

// Spec returns a deep copy of the specification the list was built from,
// with its defaults applied and without its CursorKey.
func (l *List) Spec() ListSpec {
	s := l.spec
	s.Sorts = slices.Clone(s.Sorts)
	s.Filters = slices.Clone(s.Filters)
	for i := range s.Filters {
		s.Filters[i].Values = slices.Clone(s.Filters[i].Values)
		s.Filters[i].Ops = slices.Clone(s.Filters[i].Ops)
	}
	s.Search = slices.Clone(s.Search)
	s.Params = slices.Clone(s.Params)
	s.CursorKey = nil // a secret does not leave the list
	return s
}

func (s ListSpec) withDefaults() ListSpec {
	if s.MaxPageSize == 0 {
		s.MaxPageSize = DefaultMaxPageSize
	}
	if s.DefaultPageSize == 0 {
		s.DefaultPageSize = min(DefaultPageSize, s.MaxPageSize)
	}
	if s.MaxSearchLen == 0 {
		s.MaxSearchLen = DefaultMaxSearchLen
	}
	if s.MaxInValues == 0 {
		s.MaxInValues = DefaultMaxInValues
	}
	if s.MaxValueLen == 0 {
		s.MaxValueLen = DefaultMaxValueLen
	}
	// Copy what the caller could mutate later.
	s.Sorts = slices.Clone(s.Sorts)
	s.Search = slices.Clone(s.Search)
	s.Params = slices.Clone(s.Params)
	s.CursorKey = slices.Clone(s.CursorKey)
	s.Filters = slices.Clone(s.Filters)
	for i := range s.Filters {
		s.Filters[i].Values = slices.Clone(s.Filters[i].Values)
		s.Filters[i].Ops = slices.Clone(s.Filters[i].Ops)
		if len(s.Filters[i].Ops) == 0 {
			s.Filters[i].Ops = []Op{Eq}
		}
	}
	return s
}

func (l *List) validate() error {
	s := &l.spec
	if s.MaxPageSize < 1 {
		return fmt.Errorf("rest: ListSpec.MaxPageSize is %d, want at least 1", s.MaxPageSize)
	}
	if s.DefaultPageSize < 1 || s.DefaultPageSize > s.MaxPageSize {
		return fmt.Errorf("rest: ListSpec.DefaultPageSize is %d, want 1 to MaxPageSize (%d)", s.DefaultPageSize, s.MaxPageSize)
	}
	if s.MaxSearchLen < 1 || s.MaxInValues < 1 || s.MaxValueLen < 1 {
		return fmt.Errorf("rest: ListSpec.MaxSearchLen, MaxInValues and MaxValueLen must be positive")
	}
	for i, f := range s.Sorts {
		if err := checkField(f.Name, f.Column, f.Type, fmt.Sprintf("Sorts[%d]", i)); err != nil {
			return err
		}
		if f.Type == Enum {
			return fmt.Errorf("rest: ListSpec.Sorts[%d] (%q): a sort field cannot be an Enum; use String", i, f.Name)
		}
		if _, dup := l.sorts[f.Name]; dup {
			return fmt.Errorf("rest: ListSpec.Sorts[%d]: duplicate sort field %q", i, f.Name)
		}
		l.sorts[f.Name] = f
	}
	if s.Key != (SortField{}) {
		if err := checkField(s.Key.Name, s.Key.Column, s.Key.Type, "Key"); err != nil {
			return err
		}
		if s.Key.Type == Enum {
			return fmt.Errorf("rest: ListSpec.Key (%q) cannot be an Enum; use String", s.Key.Name)
		}
		if f, ok := l.sorts[s.Key.Name]; ok && f != s.Key {
			return fmt.Errorf("rest: ListSpec.Key %q differs from the sort field of the same name", s.Key.Name)
		}
		l.sorts[s.Key.Name] = s.Key
	}
	for i := range s.Filters {
		f := &s.Filters[i]
		where := fmt.Sprintf("Filters[%d]", i)
		if err := checkField(f.Name, f.Column, f.Type, where); err != nil {
			return err
		}
		if f.Type == Enum && len(f.Values) == 0 {
			return fmt.Errorf("rest: ListSpec.%s (%q): an Enum field needs Values", where, f.Name)
		}
		if f.Type != Enum && len(f.Values) > 0 {
			return fmt.Errorf("rest: ListSpec.%s (%q): Values is only for Enum fields", where, f.Name)
		}
		for _, op := range f.Ops {
			if opRank(op) < 0 {
				return fmt.Errorf("rest: ListSpec.%s (%q): unknown operator %q", where, f.Name, op)
			}
			if !opAllowed(f.Type, op) {
				return fmt.Errorf("rest: ListSpec.%s (%q): operator %q does not apply to a %s field", where, f.Name, op, f.Type)
			}
		}
		if _, dup := l.filters[f.Name]; dup {
			return fmt.Errorf("rest: ListSpec.%s: duplicate filter field %q", where, f.Name)
		}
		l.filters[f.Name] = f
	}
	for i, c := range s.Search {
		if !validColumn(c) {
			return fmt.Errorf("rest: ListSpec.Search[%d]: %q is not a column name (letters, digits and _, optionally qualified)", i, c)
		}
	}
	if s.CursorKey != nil {
		if len(s.CursorKey) < MinCursorKeyLen {
			return fmt.Errorf("rest: ListSpec.CursorKey has %d bytes, want at least %d", len(s.CursorKey), MinCursorKeyLen)
		}
		if s.Key == (SortField{}) {
			return fmt.Errorf("rest: ListSpec.Key is required for cursor pagination (CursorKey is set)")
		}
	}
	for i, p := range s.Params {
		if p == "" || reserved(p) {
			return fmt.Errorf("rest: ListSpec.Params[%d]: %q is reserved or empty", i, p)
		}
		l.params[p] = true
	}
	if s.DefaultSort != "" {
		terms, vs := l.parseSort(s.DefaultSort)
		if len(vs) > 0 {
			return fmt.Errorf("rest: ListSpec.DefaultSort %q: %s", s.DefaultSort, vs[0].Message)
		}
		l.defaultSort = terms
	}
	return nil
}

func checkField(name, column string, t Type, where string) error {
	if !validName(name) {
		return fmt.Errorf("rest: ListSpec.%s: name %q must be letters, digits, _ and . only", where, name)
	}
	if !validColumn(column) {
		return fmt.Errorf("rest: ListSpec.%s (%q): column %q is not a column name (letters, digits and _, optionally qualified)", where, name, column)
	}
	if t < String || t > Enum {
		return fmt.Errorf("rest: ListSpec.%s (%q): unknown type %v", where, name, t)
	}
	return nil
}

// validName reports whether s is usable as a field name in a query
// parameter: no brackets, commas or signs that would make the syntax
// ambiguous.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// validColumn reports whether s is an SQL identifier, optionally qualified
// by one table name. Columns are quoted anyway; the check catches a column
// such as "lower(name)" that quoting would turn into a missing column.
func validColumn(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 63 || p[0] >= '0' && p[0] <= '9' {
			return false
		}
		for _, c := range []byte(p) {
			if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

// reserved reports whether name is a parameter the list itself reads.
func reserved(name string) bool {
	switch name {
	case ParamPage, ParamSize, ParamSort, ParamCursor, ParamSearch, ParamFilter:
		return true
	}
	return strings.HasPrefix(name, ParamFilter+"[")
}
