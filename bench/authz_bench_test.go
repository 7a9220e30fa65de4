package bench_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/keel-go/keel/auth/rbac"
	"github.com/keel-go/keel/auth/rebac"
)

// authzRBACModel is a role model of 20 roles: four departments, each with
// a viewer, an editor inheriting the viewer, a lead inheriting the
// editor, and a manager with a wildcard, plus a chain of four global
// roles. A check walks at most the caller's roles, each a map lookup.
func authzRBACModel(tb testing.TB) *rbac.Model {
	tb.Helper()
	var roles []rbac.Role
	for _, d := range []string{"sales", "support", "eng", "ops"} {
		roles = append(roles,
			rbac.Role{Name: d + "-viewer", Permissions: []string{d + ":read", d + ":list", "reports:" + d + ":read"}},
			rbac.Role{Name: d + "-editor", Permissions: []string{d + ":write", d + ":comment"}, Inherits: []string{d + "-viewer"}},
			rbac.Role{Name: d + "-lead", Permissions: []string{d + ":approve"}, Inherits: []string{d + "-editor"}},
			rbac.Role{Name: d + "-manager", Permissions: []string{d + ":*"}, Inherits: []string{d + "-lead"}},
		)
	}
	roles = append(roles,
		rbac.Role{Name: "staff", Permissions: []string{"profile:read", "profile:write"}},
		rbac.Role{Name: "auditor", Permissions: []string{"audit:read"}, Inherits: []string{"staff"}},
		rbac.Role{Name: "security", Permissions: []string{"audit:*"}, Inherits: []string{"auditor"}},
		rbac.Role{Name: "admin", Permissions: []string{"*"}},
	)
	m, err := rbac.New(roles...)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// authzRBACCases are the checks BenchmarkAuthzRBAC times; want is the
// answer, checked by TestAuthzRBACBenchCases.
var authzRBACCases = []struct {
	name  string
	roles []string
	perm  string
	want  bool
}{
	{"own", []string{"eng-viewer"}, "eng:read", true},
	{"inherited", []string{"staff", "eng-lead"}, "eng:read", true},
	{"wildcard", []string{"staff", "ops-manager"}, "ops:deploy:prod", true},
	{"miss", []string{"staff", "sales-lead", "support-editor"}, "eng:approve", false},
}

func TestAuthzRBACBenchCases(t *testing.T) {
	m := authzRBACModel(t)
	for _, c := range authzRBACCases {
		if got := m.Check(c.roles, c.perm); got != c.want {
			t.Errorf("%s: Check(%q, %q) = %v, want %v", c.name, c.roles, c.perm, got, c.want)
		}
		if raceEnabled {
			continue
		}
		if allocs := testing.AllocsPerRun(100, func() { m.Check(c.roles, c.perm) }); allocs != 0 {
			t.Errorf("%s: Check allocates %v times, want 0", c.name, allocs)
		}
	}
}

// BenchmarkAuthzRBAC times rbac.Model.Check: effective permissions are
// precomputed, so a check is one or two map lookups per role.
func BenchmarkAuthzRBAC(b *testing.B) {
	m := authzRBACModel(b)
	for _, c := range authzRBACCases {
		b.Run("case="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if m.Check(c.roles, c.perm) != c.want {
					b.Fatal("wrong answer")
				}
			}
		})
	}
}

// authzReBACSchema is documents in folders shared with groups: a check
// of doc#viewer through the parent folder and a group is depth 3
// (doc#viewer, folder#viewer, group#member).
const authzReBACSchema = `
type user
type group
  relation member: [user]
type folder
  relation viewer: [user, group#member]
type doc
  relation parent: [folder]
  relation viewer: [user] | parent->viewer
`

// authzReBACEngine returns an engine over a memory store holding 10,000
// tuples: 100 groups of 88 users (8,800), 100 folders each shared with
// one group (100), 1,000 documents each in a folder (1,000) and 100
// documents shared with one user directly (100).
func authzReBACEngine(tb testing.TB) *rebac.Engine {
	tb.Helper()
	store := rebac.NewMemoryStore()
	e, err := rebac.New(rebac.MustParseSchema(authzReBACSchema), store, rebac.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	var tuples []rebac.Tuple
	add := func(s string) { tuples = append(tuples, rebac.MustParseTuple(s)) }
	for g := range 100 {
		for u := range 88 {
			add(fmt.Sprintf("group:g%d#member@user:u%d", g, g*88+u))
		}
		add(fmt.Sprintf("folder:f%d#viewer@group:g%d#member", g, g))
	}
	for d := range 1000 {
		add(fmt.Sprintf("doc:d%d#parent@folder:f%d", d, d%100))
	}
	for d := range 100 {
		add(fmt.Sprintf("doc:d%d#viewer@user:u%d", d, d))
	}
	if err := e.Write(context.Background(), tuples...); err != nil {
		tb.Fatal(err)
	}
	if n := store.Len(); n != 10_000 {
		tb.Fatalf("store holds %d tuples, want 10000", n)
	}
	return e
}

// authzReBACCases are the checks BenchmarkAuthzReBAC times. doc:d542 is
// in folder:f42, shared with group:g42, whose members are u3696-u3783.
var authzReBACCases = []struct {
	name, object, subject string
	want                  bool
}{
	{"direct", "doc:d7", "user:u7", true},             // depth 1
	{"depth3", "doc:d542", "user:u3700", true},        // doc -> folder -> group
	{"denied", "doc:d542", "user:u1", false},          // the whole graph of the document walked
	{"userset", "doc:d542", "group:g42#member", true}, // depth 2
}

func TestAuthzReBACBenchCases(t *testing.T) {
	e := authzReBACEngine(t)
	for _, c := range authzReBACCases {
		o, _ := rebac.ParseObject(c.object)
		s, _ := rebac.ParseSubject(c.subject)
		if got, err := e.Check(context.Background(), o, "viewer", s); got != c.want || err != nil {
			t.Errorf("%s: Check(%s#viewer@%s) = %v, %v, want %v, nil", c.name, c.object, c.subject, got, err, c.want)
		}
	}
}

// BenchmarkAuthzReBAC times rebac.Engine.Check over the memory store with
// 10,000 tuples.
func BenchmarkAuthzReBAC(b *testing.B) {
	e := authzReBACEngine(b)
	ctx := context.Background()
	for _, c := range authzReBACCases {
		o, _ := rebac.ParseObject(c.object)
		s, _ := rebac.ParseSubject(c.subject)
		b.Run("case="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := e.Check(ctx, o, "viewer", s); ok != c.want || err != nil {
					b.Fatal("wrong answer")
				}
			}
		})
	}
	b.Run("case=list", func(b *testing.B) {
		s := rebac.User("user", "u3700")
		b.ReportAllocs()
		for b.Loop() {
			if got, err := e.ListObjects(ctx, "doc", "viewer", s); len(got) != 10 || err != nil {
				b.Fatalf("ListObjects = %d objects, %v, want 10", len(got), err)
			}
		}
	})
}
