package rbac

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
)

// Sentinel errors of [New] and [LoadJSON]. The error returned wraps one
// of them and names the role or permission at fault; callers compare with
// [errors.Is].
var (
	// ErrInvalidRole is returned for a role with an empty name or one
	// containing white space, control characters or invalid UTF-8.
	ErrInvalidRole = errors.New("rbac: invalid role name")
	// ErrDuplicateRole is returned when two roles share a name.
	ErrDuplicateRole = errors.New("rbac: duplicate role")
	// ErrUnknownRole is returned when a role inherits from a role the
	// model does not define.
	ErrUnknownRole = errors.New("rbac: unknown role")
	// ErrCycle is returned when roles inherit from each other in a
	// circle; the message names the circle ("rbac: inheritance cycle:
	// a -> b -> a").
	ErrCycle = errors.New("rbac: inheritance cycle")
	// ErrInvalidPermission is returned for a permission that is empty,
	// contains white space or control characters, or uses "*" other than
	// as the whole permission or the whole last segment (see [Model]).
	ErrInvalidPermission = errors.New("rbac: invalid permission")
)

// Role is one role of a [Model]: its name, the permissions it grants
// itself, and the roles whose permissions it includes.
type Role struct {
	// Name identifies the role; it is what Principal.Roles holds. Names
	// are compared exactly (case-sensitive).
	Name string `json:"name"`
	// Permissions are the permissions the role grants. See [Model] for
	// wildcards.
	Permissions []string `json:"permissions,omitempty"`
	// Inherits names the roles whose permissions, their own inherited
	// ones included, this role also grants: an "admin" that inherits
	// "editor" can do everything an editor can.
	Inherits []string `json:"inherits,omitempty"`
}

// Model is a set of roles with their effective permissions: each role's
// own permissions plus those of every role it inherits from, directly or
// not. The effective sets are computed once, by [New], so a check is a
// few map lookups and allocates nothing.
//
// A permission is a string such as "posts:read"; the model gives ":" a
// meaning only in wildcard grants. A role may grant:
//
//   - "*", which grants every permission;
//   - a permission whose last segment is "*", such as "posts:*", which
//     grants every permission that starts with the text before the "*"
//     ("posts:") and has at least one more character: "posts:read" and
//     "posts:comments:delete", but neither "posts" nor "postsx:read";
//   - any other permission, which grants exactly itself.
//
// A "*" anywhere else in a grant is rejected by [New]. In a permission
// being checked "*" has no special meaning: Check(roles, "posts:*") asks
// for the literal permission "posts:*", which only "posts:*" and "*"
// grant.
//
// A Model is immutable and safe for concurrent use; the zero value is an
// empty model that grants nothing. Its Authorize method makes it an
// [auth.Authorizer] over Principal.Roles.
type Model struct {
	roles map[string]*grants
	defs  []Role
}

var _ auth.Authorizer = (*Model)(nil)

// grants is a role's effective permission set.
type grants struct {
	all      bool                // granted "*"
	exact    map[string]struct{} // granted as is
	prefixes map[string]struct{} // "posts:" for a grant of "posts:*"
}

// New returns the model of roles. It fails, naming the role at fault,
// when a name is invalid or repeated, a permission is invalid, a role
// inherits from a role that is not defined, or inheritance forms a cycle;
// the cycle error lists it in order ("rbac: inheritance cycle: admin ->
// editor -> admin").
func New(roles ...Role) (*Model, error) {
	byName := make(map[string]*Role, len(roles))
	for i := range roles {
		r := &roles[i]
		if !validName(r.Name) {
			return nil, fmt.Errorf("%w: %q", ErrInvalidRole, r.Name)
		}
		if _, dup := byName[r.Name]; dup {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateRole, r.Name)
		}
		byName[r.Name] = r
		for _, p := range r.Permissions {
			if err := validPermission(p); err != nil {
				return nil, fmt.Errorf("%w: role %q: %q: %s", ErrInvalidPermission, r.Name, p, err)
			}
		}
	}
	for _, r := range roles {
		for _, parent := range r.Inherits {
			if _, ok := byName[parent]; !ok {
				return nil, fmt.Errorf("%w: role %q inherits from undefined role %q", ErrUnknownRole, r.Name, parent)
			}
		}
	}
	if cycle := findCycle(roles, byName); cycle != nil {
		return nil, fmt.Errorf("%w: %s", ErrCycle, strings.Join(cycle, " -> "))
	}

	m := &Model{roles: make(map[string]*grants, len(roles)), defs: make([]Role, len(roles))}
	for i, r := range roles {
		m.defs[i] = Role{Name: r.Name, Permissions: slices.Clone(r.Permissions), Inherits: slices.Clone(r.Inherits)}
	}
	for _, r := range roles {
		g := &grants{exact: make(map[string]struct{}), prefixes: make(map[string]struct{})}
		// The graph is acyclic, so the walk ends; seen skips a role
		// reached twice through a diamond.
		seen := map[string]bool{}
		stack := []string{r.Name}
		for len(stack) > 0 {
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[name] {
				continue
			}
			seen[name] = true
			def := byName[name]
			for _, p := range def.Permissions {
				g.add(p)
			}
			stack = append(stack, def.Inherits...)
		}
		m.roles[r.Name] = g
	}
	return m, nil
}

// MustNew is like [New] but panics on an invalid model, for models
// written in Go and built at start-up.
func MustNew(roles ...Role) *Model {
	m, err := New(roles...)
	if err != nil {
		panic(err.Error())
	}
	return m
}

// Check reports whether any of roles grants perm. Unknown role names grant
// nothing. It allocates nothing.
func (m *Model) Check(roles []string, perm string) bool {
	if m == nil || perm == "" {
		return false
	}
	for _, name := range roles {
		if g := m.roles[name]; g != nil && g.grants(perm) {
			return true
		}
	}
	return false
}

// Authorize reports whether p's roles grant permission, making the model
// an [auth.Authorizer]. A nil principal is denied. It never returns an
// error.
func (m *Model) Authorize(_ context.Context, p *auth.Principal, permission string) (bool, error) {
	if p == nil {
		return false, nil
	}
	return m.Check(p.Roles, permission), nil
}

// Permissions returns the effective permissions of role, its own and
// inherited ones, sorted, as written in the roles (wildcards stay
// wildcards); nil for an unknown role.
func (m *Model) Permissions(role string) []string {
	if m == nil {
		return nil
	}
	g := m.roles[role]
	if g == nil {
		return nil
	}
	out := make([]string, 0, len(g.exact)+len(g.prefixes)+1)
	if g.all {
		out = append(out, "*")
	}
	for p := range g.exact {
		out = append(out, p)
	}
	for p := range g.prefixes {
		out = append(out, p+"*")
	}
	slices.Sort(out)
	return out
}

// Roles returns a copy of the role definitions the model was built from,
// in their original order.
func (m *Model) Roles() []Role {
	if m == nil {
		return nil
	}
	out := make([]Role, len(m.defs))
	for i, r := range m.defs {
		out[i] = Role{Name: r.Name, Permissions: slices.Clone(r.Permissions), Inherits: slices.Clone(r.Inherits)}
	}
	return out
}

// add records the grant p.
func (g *grants) add(p string) {
	switch {
	case p == "*":
		g.all = true
	case strings.HasSuffix(p, ":*"):
		g.prefixes[p[:len(p)-1]] = struct{}{}
	default:
		g.exact[p] = struct{}{}
	}
}

// grants reports whether the set grants perm: exactly, by "*", or by a
// "prefix:*" grant for some prefix of perm ending in ':'.
func (g *grants) grants(perm string) bool {
	if g.all {
		return true
	}
	if _, ok := g.exact[perm]; ok {
		return true
	}
	if len(g.prefixes) == 0 {
		return false
	}
	// perm[:i+1] is a substring, so the lookup does not allocate; the
	// last character is excluded so that the rest is never empty.
	for i := 0; i < len(perm)-1; i++ {
		if perm[i] == ':' {
			if _, ok := g.prefixes[perm[:i+1]]; ok {
				return true
			}
		}
	}
	return false
}

// findCycle returns a cycle of inheritance as the list of role names
// around it, first repeated last, or nil when there is none. Roles are
// visited in their order, so the cycle reported is deterministic.
func findCycle(roles []Role, byName map[string]*Role) []string {
	const (
		unvisited = iota
		onPath
		done
	)
	state := make(map[string]int, len(roles))
	var path []string
	var visit func(name string) []string
	visit = func(name string) []string {
		state[name] = onPath
		path = append(path, name)
		for _, parent := range byName[name].Inherits {
			switch state[parent] {
			case onPath:
				i := slices.Index(path, parent)
				return append(slices.Clone(path[i:]), parent)
			case unvisited:
				if c := visit(parent); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		return nil
	}
	for _, r := range roles {
		if state[r.Name] == unvisited {
			if c := visit(r.Name); c != nil {
				return c
			}
		}
	}
	return nil
}

// validName reports whether s can name a role: valid UTF-8, not empty, no
// white space or control characters.
func validName(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsSpace(c) || unicode.IsControl(c) {
			return false
		}
	}
	return true
}

// validPermission returns why p cannot be granted, or nil.
func validPermission(p string) error {
	if !validName(p) {
		return errors.New("empty, or contains white space or control characters")
	}
	if i := strings.IndexByte(p, '*'); i >= 0 {
		if p != "*" && (i != len(p)-1 || !strings.HasSuffix(p, ":*")) {
			return errors.New(`"*" may only be the whole permission or its whole last segment`)
		}
	}
	return nil
}
