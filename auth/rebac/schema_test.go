package rebac_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/keel-go/keel/auth/rebac"
	"github.com/keel-go/keel/errors"
)

// docsSchema is the classic Google Docs model: users, nested groups,
// nested folders, and documents in folders.
const docsSchema = `
// Users are only ever subjects.
type user

type group
  relation member: [user, group#member]

type folder
  relation owner: [user]
  relation parent: [folder]
  relation editor: [user, group#member] | owner | parent->editor
  relation viewer: [user, group#member] | editor | parent->viewer

type doc
  relation owner: [user]
  relation parent: [folder]
  relation editor: [user, group#member] | owner | parent->editor
  relation viewer: [user, group#member] | editor | parent->viewer
`

func TestParseSchema(t *testing.T) {
	s, err := rebac.ParseSchema(docsSchema)
	if err != nil {
		t.Fatalf("ParseSchema() error = %v", err)
	}
	types := s.Types()
	if got := len(types); got != 4 {
		t.Fatalf("len(Types()) = %d, want 4", got)
	}
	want := rebac.Relation{
		Name:     "viewer",
		Direct:   []string{"user", "group#member"},
		Computed: []string{"editor"},
		Arrows:   []rebac.Arrow{{Via: "parent", Relation: "viewer"}},
	}
	got := types[3].Relations[3]
	if got.Name != want.Name || !slices.Equal(got.Direct, want.Direct) || !slices.Equal(got.Computed, want.Computed) || !slices.Equal(got.Arrows, want.Arrows) {
		t.Errorf("doc#viewer = %+v, want %+v", got, want)
	}
	if !s.HasRelation("doc", "viewer") || s.HasRelation("user", "viewer") || s.HasRelation("nope", "x") {
		t.Error("HasRelation gives wrong answers")
	}
	// String prints the text form, which parses back to the same schema.
	back, err := rebac.ParseSchema(s.String())
	if err != nil {
		t.Fatalf("ParseSchema(String()) error = %v", err)
	}
	if back.String() != s.String() {
		t.Errorf("String() round trip:\n%s\nwant\n%s", back.String(), s.String())
	}
}

func TestSchemaGoValuesMatchText(t *testing.T) {
	s := rebac.MustNewSchema(
		rebac.ObjectType{Name: "user"},
		rebac.ObjectType{Name: "group", Relations: []rebac.Relation{{Name: "member", Direct: []string{"user", "group#member"}}}},
	)
	const want = "type user\n\ntype group\n  relation member: [user, group#member]\n"
	if got := s.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestSchemaRejects(t *testing.T) {
	tests := []struct{ name, src, message string }{
		{"bad keyword", "types user", `line 1: want "type" or "relation"`},
		{"relation first", "relation member: [user]", "line 1: relation before any type"},
		{"bad type name", "type User", `invalid type name "User"`},
		{"duplicate type", "type user\ntype user", `type "user" declared twice`},
		{"duplicate relation", "type user\ntype g\n relation m: [user]\n relation m: [user]", "g#m declared twice"},
		{"no colon", "type user\ntype g\n relation m [user]", "no ':'"},
		{"empty union", "type user\ntype g\n relation m:", `invalid term ""`},
		{"empty term", "type user\ntype g\n relation m: [user] |", `invalid term ""`},
		{"unterminated list", "type user\ntype g\n relation m: [user", "unterminated"},
		{"two lists", "type user\ntype g\n relation m: [user] | [user]", "two lists"},
		{"bad direct", "type user\ntype g\n relation m: [User]", `invalid direct subject "User"`},
		{"bad arrow", "type user\ntype g\n relation m: [user] | p->", "invalid arrow"},
		{"undeclared direct type", "type g\n relation m: [user]", `undeclared type "user"`},
		{"undeclared userset relation", "type user\ntype g\n relation m: [g#admin]", `type "g" has no relation "admin"`},
		{"direct twice", "type user\ntype g\n relation m: [user, user]", "listed twice"},
		{"unknown computed", "type user\ntype g\n relation m: [user] | owner", `includes "owner"`},
		{"self computed", "type user\ntype g\n relation m: [user] | m", "includes itself"},
		{"unknown via", "type user\ntype d\n relation v: [user] | parent->v", `no relation "parent"`},
		{"via with rewrite", "type user\ntype f\n relation v: [user]\ntype d\n relation o: [f]\n relation parent: [f] | o\n relation v: parent->v", "must have only direct subjects"},
		{"via naming a userset", "type user\ntype g\n relation m: [user]\ntype d\n relation parent: [g#m]\n relation v: parent->m", "must name objects"},
		{"target missing on a via type", "type user\ntype f\n relation v: [user]\ntype e\ntype d\n relation parent: [f, e]\n relation v: parent->v", `type "e", which "parent" may name, has no relation "v"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := rebac.ParseSchema(tt.src)
			if !errors.Is(err, rebac.ErrInvalidSchema) || s != nil {
				t.Fatalf("ParseSchema() = %v, %v, want ErrInvalidSchema", s, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("ParseSchema() error = %q, want it to contain %q", err, tt.message)
			}
		})
	}
	if _, err := rebac.NewSchema(rebac.ObjectType{Name: "g", Relations: []rebac.Relation{{Name: "m"}}}); !errors.Is(err, rebac.ErrInvalidSchema) ||
		!strings.Contains(err.Error(), "no direct subjects and no rewrite") {
		t.Errorf("NewSchema(relation without rewrite) error = %v, want ErrInvalidSchema naming it", err)
	}
}

// FuzzParseSchema parses arbitrary text: ParseSchema never panics, and a
// schema it accepts prints to a text form that parses to the same schema.
func FuzzParseSchema(f *testing.F) {
	f.Add(docsSchema)
	f.Add("type user\ntype g\n relation m: [user, g#m]")
	f.Add("type a\n relation r: [a] | s | r->r\n relation s: [a]")
	f.Fuzz(func(t *testing.T, src string) {
		s, err := rebac.ParseSchema(src)
		if err != nil {
			if !errors.Is(err, rebac.ErrInvalidSchema) {
				t.Fatalf("ParseSchema() error = %v, want ErrInvalidSchema", err)
			}
			return
		}
		text := s.String()
		back, err := rebac.ParseSchema(text)
		if err != nil {
			t.Fatalf("ParseSchema(String()) error = %v for\n%s", err, text)
		}
		if got := back.String(); got != text {
			t.Fatalf("String() round trip:\n%s\nwant\n%s", got, text)
		}
	})
}
