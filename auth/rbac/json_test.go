package rbac_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keel-go/keel/auth/rbac"
	"github.com/keel-go/keel/errors"
)

func TestLoadJSON(t *testing.T) {
	const doc = `{"roles": [
		{"name": "viewer", "permissions": ["posts:read"]},
		{"name": "editor", "permissions": ["posts:write"], "inherits": ["viewer"]}
	]}`
	m, err := rbac.LoadJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("LoadJSON() error = %v, want nil", err)
	}
	if !m.Check([]string{"editor"}, "posts:read") {
		t.Error(`Check(editor, "posts:read") = false, want true`)
	}
}

func TestLoadJSONRejects(t *testing.T) {
	tests := []struct {
		name, doc string
		want      error  // a sentinel, or nil for a decoding error
		message   string // a substring of the error text
	}{
		{"syntax", `{"roles": [`, nil, "decoding the model"},
		{"unknown field", `{"roles": [{"name": "a", "perms": ["x"]}]}`, nil, `unknown field "perms"`},
		{"trailing data", `{"roles": []} {}`, nil, "data after the JSON document"},
		{"wrong type", `{"roles": {"name": "a"}}`, nil, "decoding the model"},
		{"cycle", `{"roles": [{"name": "a", "inherits": ["b"]}, {"name": "b", "inherits": ["a"]}]}`, rbac.ErrCycle, "a -> b -> a"},
		{"unknown parent", `{"roles": [{"name": "a", "inherits": ["root"]}]}`, rbac.ErrUnknownRole, `"root"`},
		{"null role", `{"roles": [null]}`, rbac.ErrInvalidRole, `""`},
		{"too large", `{"roles": [` + strings.Repeat(" ", 4<<20) + `]}`, nil, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := rbac.LoadJSON(strings.NewReader(tt.doc))
			if err == nil || m != nil {
				t.Fatalf("LoadJSON() = %v, %v, want an error", m, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("LoadJSON() error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("LoadJSON() error = %q, want it to contain %q", err, tt.message)
			}
		})
	}
}

func TestMarshalJSONRoundTrip(t *testing.T) {
	m := rbac.MustNew(blogRoles()...)
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("Marshal() error = %v", err)
	}
	back, err := rbac.LoadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("LoadJSON(Marshal()) error = %v", err)
	}
	for _, r := range m.Roles() {
		if got, want := back.Permissions(r.Name), m.Permissions(r.Name); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("round trip: Permissions(%q) = %q, want %q", r.Name, got, want)
		}
	}
	empty, _ := rbac.New()
	if data, _ := json.Marshal(empty); string(data) != `{"roles":[]}` {
		t.Errorf("Marshal(empty model) = %s, want {\"roles\":[]}", data)
	}
}

// FuzzLoadJSON loads arbitrary documents: LoadJSON never panics, and a
// model it accepts grants each role its own and its ancestors' permissions,
// round-trips through MarshalJSON, and grants nothing to an unknown role.
func FuzzLoadJSON(f *testing.F) {
	f.Add(`{"roles":[{"name":"a","permissions":["x:*"],"inherits":["b"]},{"name":"b","permissions":["y"]}]}`)
	f.Add(`{"roles":[{"name":"a","inherits":["a"]}]}`)
	f.Add(`{"roles":[{"name":"a","permissions":["*"]}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := rbac.LoadJSON(strings.NewReader(doc))
		if err != nil {
			if m != nil {
				t.Fatalf("LoadJSON() = %v, %v: a model with an error", m, err)
			}
			return
		}
		roles := m.Roles()
		byName := map[string]rbac.Role{}
		for _, r := range roles {
			byName[r.Name] = r
		}
		for _, r := range roles {
			// Every permission of the role and of its ancestors is granted.
			stack, seen := []string{r.Name}, map[string]bool{}
			for len(stack) > 0 {
				name := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if seen[name] {
					continue
				}
				seen[name] = true
				for _, p := range byName[name].Permissions {
					if !m.Check([]string{r.Name}, p) {
						t.Errorf("Check(%q, %q) = false, want true (granted by %q)", r.Name, p, name)
					}
				}
				stack = append(stack, byName[name].Inherits...)
			}
		}
		if m.Check([]string{"\x00not-a-role"}, "x") {
			t.Error("an undefined role is granted a permission")
		}
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("Marshal() error = %v", err)
		}
		back, err := rbac.LoadJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("LoadJSON(Marshal()) error = %v", err)
		}
		for _, r := range roles {
			if got, want := back.Permissions(r.Name), m.Permissions(r.Name); strings.Join(got, "\x00") != strings.Join(want, "\x00") {
				t.Errorf("round trip: Permissions(%q) = %q, want %q", r.Name, got, want)
			}
		}
	})
}
