package rbac_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/rbac"
	"github.com/keel-go/keel/errors"
)

// blogRoles is a small model with multi-level inheritance, a diamond and
// wildcards.
func blogRoles() []rbac.Role {
	return []rbac.Role{
		{Name: "reader", Permissions: []string{"posts:read", "comments:read"}},
		{Name: "commenter", Permissions: []string{"comments:write"}, Inherits: []string{"reader"}},
		{Name: "author", Permissions: []string{"posts:write"}, Inherits: []string{"reader"}},
		{Name: "editor", Permissions: []string{"posts:*"}, Inherits: []string{"author", "commenter"}},
		{Name: "moderator", Permissions: []string{"comments:*"}},
		{Name: "admin", Permissions: []string{"*"}},
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name    string
		roles   []rbac.Role
		want    error
		message string // a substring of the error text
	}{
		{"empty name", []rbac.Role{{Name: ""}}, rbac.ErrInvalidRole, `""`},
		{"space in name", []rbac.Role{{Name: "ad min"}}, rbac.ErrInvalidRole, `"ad min"`},
		{"control in name", []rbac.Role{{Name: "a\x00"}}, rbac.ErrInvalidRole, "invalid role"},
		{"invalid utf-8 name", []rbac.Role{{Name: "a\xff"}}, rbac.ErrInvalidRole, "invalid role"},
		{"duplicate", []rbac.Role{{Name: "a"}, {Name: "b"}, {Name: "a"}}, rbac.ErrDuplicateRole, `"a"`},
		{"unknown parent", []rbac.Role{{Name: "a", Inherits: []string{"ghost"}}}, rbac.ErrUnknownRole, `role "a" inherits from undefined role "ghost"`},
		{"self cycle", []rbac.Role{{Name: "a", Inherits: []string{"a"}}}, rbac.ErrCycle, "a -> a"},
		{"two-role cycle", []rbac.Role{{Name: "a", Inherits: []string{"b"}}, {Name: "b", Inherits: []string{"a"}}}, rbac.ErrCycle, "a -> b -> a"},
		{"cycle below an entry", []rbac.Role{
			{Name: "root", Inherits: []string{"x"}},
			{Name: "x", Inherits: []string{"y"}},
			{Name: "y", Inherits: []string{"z"}},
			{Name: "z", Inherits: []string{"x"}},
		}, rbac.ErrCycle, "x -> y -> z -> x"},
		{"empty permission", []rbac.Role{{Name: "a", Permissions: []string{""}}}, rbac.ErrInvalidPermission, `role "a"`},
		{"space in permission", []rbac.Role{{Name: "a", Permissions: []string{"posts: read"}}}, rbac.ErrInvalidPermission, "posts: read"},
		{"star mid-permission", []rbac.Role{{Name: "a", Permissions: []string{"po*ts:read"}}}, rbac.ErrInvalidPermission, "po*ts:read"},
		{"star as first segment", []rbac.Role{{Name: "a", Permissions: []string{"*:read"}}}, rbac.ErrInvalidPermission, "*:read"},
		{"star glued to a segment", []rbac.Role{{Name: "a", Permissions: []string{"posts*"}}}, rbac.ErrInvalidPermission, "posts*"},
		{"two stars", []rbac.Role{{Name: "a", Permissions: []string{"posts:**"}}}, rbac.ErrInvalidPermission, "posts:**"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := rbac.New(tt.roles...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("New() error = %v, want %v", err, tt.want)
			}
			if m != nil {
				t.Errorf("New() model = %v, want nil", m)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("New() error = %q, want it to contain %q", err, tt.message)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	m := rbac.MustNew(blogRoles()...)
	tests := []struct {
		roles []string
		perm  string
		want  bool
	}{
		{[]string{"reader"}, "posts:read", true},
		{[]string{"reader"}, "posts:write", false},
		{[]string{"author"}, "posts:read", true}, // inherited
		{[]string{"author"}, "comments:write", false},
		{[]string{"editor"}, "comments:write", true}, // through commenter
		{[]string{"editor"}, "comments:read", true},  // diamond: reader twice
		{[]string{"editor"}, "posts:delete", true},   // posts:*
		{[]string{"editor"}, "posts:comments:pin", true},
		{[]string{"editor"}, "users:delete", false},
		{[]string{"reader", "moderator"}, "comments:delete", true}, // any role
		{[]string{"moderator", "reader"}, "posts:read", true},
		{[]string{"admin"}, "anything:at:all", true},
		{[]string{"ghost"}, "posts:read", false},
		{nil, "posts:read", false},
		{[]string{"admin"}, "", false},
	}
	for _, tt := range tests {
		if got := m.Check(tt.roles, tt.perm); got != tt.want {
			t.Errorf("Check(%q, %q) = %v, want %v", tt.roles, tt.perm, got, tt.want)
		}
	}
}

func TestZeroModel(t *testing.T) {
	var m rbac.Model
	if m.Check([]string{"admin"}, "x") {
		t.Error("zero Model: Check = true, want false")
	}
	var nilModel *rbac.Model
	if nilModel.Check([]string{"admin"}, "x") {
		t.Error("nil *Model: Check = true, want false")
	}
	empty, err := rbac.New()
	if err != nil {
		t.Fatalf("New() error = %v, want nil", err)
	}
	if empty.Check([]string{"admin"}, "x") {
		t.Error("empty model: Check = true, want false")
	}
}

func TestCheckAllocatesNothing(t *testing.T) {
	m := rbac.MustNew(blogRoles()...)
	for _, tt := range []struct {
		roles []string
		perm  string
	}{
		{[]string{"reader"}, "posts:read"},                     // exact hit
		{[]string{"reader", "author", "editor"}, "posts:pin"},  // wildcard hit
		{[]string{"reader", "author", "commenter"}, "x:y:z:w"}, // miss
	} {
		allocs := testing.AllocsPerRun(1000, func() { m.Check(tt.roles, tt.perm) })
		if allocs != 0 {
			t.Errorf("Check(%q, %q) allocates %v times, want 0", tt.roles, tt.perm, allocs)
		}
	}
}

func TestAuthorize(t *testing.T) {
	m := rbac.MustNew(blogRoles()...)
	var authz auth.Authorizer = m
	tests := []struct {
		name string
		p    *auth.Principal
		perm string
		want bool
	}{
		{"nil principal", nil, "posts:read", false},
		{"no roles", &auth.Principal{Subject: "u1"}, "posts:read", false},
		{"granted", &auth.Principal{Subject: "u1", Roles: []string{"author"}}, "posts:read", true},
		{"denied", &auth.Principal{Subject: "u1", Roles: []string{"author"}}, "users:delete", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := authz.Authorize(context.Background(), tt.p, tt.perm)
			if err != nil || got != tt.want {
				t.Errorf("Authorize(%q) = %v, %v, want %v, nil", tt.perm, got, err, tt.want)
			}
		})
	}
}

func TestPermissions(t *testing.T) {
	m := rbac.MustNew(blogRoles()...)
	tests := []struct {
		role string
		want []string
	}{
		{"reader", []string{"comments:read", "posts:read"}},
		{"editor", []string{"comments:read", "comments:write", "posts:*", "posts:read", "posts:write"}},
		{"admin", []string{"*"}},
		{"ghost", nil},
	}
	for _, tt := range tests {
		if got := m.Permissions(tt.role); !slices.Equal(got, tt.want) {
			t.Errorf("Permissions(%q) = %q, want %q", tt.role, got, tt.want)
		}
	}
}

// The model copies what it is given and what it returns: changing either
// afterwards changes nothing.
func TestAttack_MutateDefinitionsAfterLoad(t *testing.T) {
	roles := blogRoles()
	m := rbac.MustNew(roles...)
	roles[0].Permissions[0] = "users:delete"
	roles[0].Inherits = append(roles[0].Inherits, "admin")
	got := m.Roles()
	got[0].Permissions[0] = "users:delete"
	if m.Check([]string{"reader"}, "users:delete") {
		t.Error(`Check(reader, "users:delete") = true after mutating the definitions, want false`)
	}
	if !m.Check([]string{"reader"}, "posts:read") {
		t.Error(`Check(reader, "posts:read") = false after mutating the definitions, want true`)
	}
	if r := m.Roles()[0]; !slices.Equal(r.Permissions, []string{"posts:read", "comments:read"}) {
		t.Errorf("Roles()[0].Permissions = %q, want the original", r.Permissions)
	}
}

// A wildcard grant reaches only what its prefix names.
func TestAttack_WildcardOverreach(t *testing.T) {
	m := rbac.MustNew(rbac.Role{Name: "editor", Permissions: []string{"posts:*"}})
	for _, perm := range []string{
		"posts",       // the prefix itself, without a segment
		"posts:",      // an empty last segment
		"postsx:read", // a longer first segment
		"post:read",
		"Posts:read", // case matters
		"comments:posts:read",
		"*",
		"x:*",
	} {
		if m.Check([]string{"editor"}, perm) {
			t.Errorf("Check(editor, %q) = true, want false", perm)
		}
	}
	for _, perm := range []string{"posts:read", "posts:*", "posts::", "posts:a:b"} {
		if !m.Check([]string{"editor"}, perm) {
			t.Errorf("Check(editor, %q) = false, want true", perm)
		}
	}
}

// Role names from a token match exactly: no case folding, trimming or
// prefix matching lets a caller claim a role it was not given.
func TestAttack_RoleNameLookalikes(t *testing.T) {
	m := rbac.MustNew(blogRoles()...)
	for _, role := range []string{"Admin", "ADMIN", " admin", "admin ", "admin\x00", "admi", "admin2", ""} {
		if m.Check([]string{role}, "users:delete") {
			t.Errorf("Check([%q], users:delete) = true, want false", role)
		}
	}
}

func TestConcurrentChecks(t *testing.T) {
	m := rbac.MustNew(blogRoles()...)
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for range 1000 {
				ok = ok && m.Check([]string{"editor"}, "posts:read") && !m.Check([]string{"reader"}, "posts:write")
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("concurrent Check gave a wrong answer")
		}
	}
}
