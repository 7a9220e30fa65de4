package rest_test

import (
	"strings"
	"testing"

	"github.com/keel-go/keel/rest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestNewListInvalid(t *testing.T) {
	tests := []struct {
		name string
		spec rest.ListSpec
		want string // a substring of the error
	}{
		{"negative max", rest.ListSpec{MaxPageSize: -1}, "MaxPageSize"},
		{"default above max", rest.ListSpec{MaxPageSize: 10, DefaultPageSize: 11}, "DefaultPageSize"},
		{"sort without column", rest.ListSpec{Sorts: []rest.SortField{{Name: "a"}}}, "Sorts[0]"},
		{"sort column expression", rest.ListSpec{Sorts: []rest.SortField{{Name: "a", Column: "lower(a)"}}}, "column"},
		{"sort column injection", rest.ListSpec{Sorts: []rest.SortField{{Name: "a", Column: `a"; DROP TABLE x; --`}}}, "column"},
		{"sort column three parts", rest.ListSpec{Sorts: []rest.SortField{{Name: "a", Column: "s.t.a"}}}, "column"},
		{"sort name with bracket", rest.ListSpec{Sorts: []rest.SortField{{Name: "a]", Column: "a"}}}, "name"},
		{"sort name with comma", rest.ListSpec{Sorts: []rest.SortField{{Name: "a,b", Column: "a"}}}, "name"},
		{"duplicate sort", rest.ListSpec{Sorts: []rest.SortField{{Name: "a", Column: "a"}, {Name: "a", Column: "b"}}}, "duplicate"},
		{"enum sort", rest.ListSpec{Sorts: []rest.SortField{{Name: "a", Column: "a", Type: rest.Enum}}}, "Enum"},
		{"unknown type", rest.ListSpec{Filters: []rest.FilterField{{Name: "a", Column: "a", Type: rest.Type(99)}}}, "type"},
		{"enum without values", rest.ListSpec{Filters: []rest.FilterField{{Name: "a", Column: "a", Type: rest.Enum}}}, "Values"},
		{"values on int", rest.ListSpec{Filters: []rest.FilterField{{Name: "a", Column: "a", Type: rest.Int, Values: []string{"1"}}}}, "Values"},
		{"like on int", rest.ListSpec{Filters: []rest.FilterField{{Name: "a", Column: "a", Type: rest.Int, Ops: []rest.Op{rest.Like}}}}, "like"},
		{"lt on bool", rest.ListSpec{Filters: []rest.FilterField{{Name: "a", Column: "a", Type: rest.Bool, Ops: []rest.Op{rest.Lt}}}}, "lt"},
		{"unknown op", rest.ListSpec{Filters: []rest.FilterField{{Name: "a", Column: "a", Ops: []rest.Op{"regex"}}}}, "regex"},
		{"duplicate filter", rest.ListSpec{Filters: []rest.FilterField{{Name: "a", Column: "a"}, {Name: "a", Column: "a"}}}, "duplicate"},
		{"search column", rest.ListSpec{Search: []string{"name || email"}}, "Search[0]"},
		{"short key", rest.ListSpec{Key: rest.SortField{Name: "id", Column: "id"}, CursorKey: []byte("short")}, "CursorKey"},
		{"cursor without key", rest.ListSpec{CursorKey: testKey}, "Key"},
		{"key differs from sort", rest.ListSpec{Sorts: []rest.SortField{{Name: "id", Column: "uid"}}, Key: rest.SortField{Name: "id", Column: "id"}}, "Key"},
		{"reserved param", rest.ListSpec{Params: []string{"sort"}}, "Params[0]"},
		{"filter param", rest.ListSpec{Params: []string{"filter[x]"}}, "Params[0]"},
		{"default sort unknown", rest.ListSpec{DefaultSort: "-nope"}, "DefaultSort"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := rest.NewList(tt.spec)
			if err == nil {
				t.Fatalf("NewList() = %v, nil; want an error mentioning %q", l, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "rest: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewList() error = %q, want it to start with \"rest: \" and mention %q", err, tt.want)
			}
		})
	}
}

func TestNewListDefaults(t *testing.T) {
	l, err := rest.NewList(rest.ListSpec{})
	if err != nil {
		t.Fatalf("NewList(zero spec) error = %v", err)
	}
	s := l.Spec()
	if s.DefaultPageSize != rest.DefaultPageSize || s.MaxPageSize != rest.DefaultMaxPageSize ||
		s.MaxSearchLen != rest.DefaultMaxSearchLen || s.MaxInValues != rest.DefaultMaxInValues || s.MaxValueLen != rest.DefaultMaxValueLen {
		t.Errorf("Spec() = %+v, want the documented defaults", s)
	}
	l, err = rest.NewList(rest.ListSpec{MaxPageSize: 5})
	if err != nil {
		t.Fatalf("NewList(MaxPageSize 5) error = %v", err)
	}
	if got := l.Spec().DefaultPageSize; got != 5 {
		t.Errorf("DefaultPageSize with MaxPageSize 5 = %d, want 5", got)
	}
}

func TestNewListCopiesSpec(t *testing.T) {
	sorts := []rest.SortField{{Name: "name", Column: "name"}}
	key := append([]byte(nil), testKey...)
	l := rest.MustList(rest.ListSpec{Sorts: sorts, Key: rest.SortField{Name: "id", Column: "id"}, CursorKey: key})
	sorts[0].Column = "password"
	key[0] ^= 1
	if got := l.Spec().Sorts[0].Column; got != "name" {
		t.Errorf("Spec().Sorts[0].Column after changing the caller's slice = %q, want %q", got, "name")
	}
	filtered := rest.MustList(rest.ListSpec{Filters: []rest.FilterField{{Name: "s", Column: "s", Type: rest.Enum, Values: []string{"open"}}}})
	filtered.Spec().Filters[0].Values[0] = "evil"
	if _, err := parse(t, filtered, "filter[s]=open"); err != nil {
		t.Errorf("Parse(filter[s]=open) after changing Spec()'s copy: %v, want nil", err)
	}
	if l.Spec().CursorKey != nil {
		t.Errorf("Spec().CursorKey = %v, want nil: the key stays inside", l.Spec().CursorKey)
	}
}

func TestMustListPanics(t *testing.T) {
	defer func() {
		r := recover()
		s, _ := r.(string)
		if !strings.HasPrefix(s, "rest: ") {
			t.Errorf("MustList(invalid) panicked with %v, want a message starting with \"rest: \"", r)
		}
	}()
	rest.MustList(rest.ListSpec{MaxPageSize: -1})
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[rest.Type]string{rest.String: "string", rest.Int: "integer", rest.Float: "number",
		rest.Bool: "boolean", rest.Time: "time", rest.UUID: "uuid", rest.Enum: "enum", rest.Type(42): "Type(42)"} {
		if got := typ.String(); got != want {
			t.Errorf("Type(%d).String() = %q, want %q", int(typ), got, want)
		}
	}
}
