// Package rbac is role-based access control: roles grant permissions,
// roles inherit from other roles, and a caller may do what any of its
// roles grants.
//
//	model, err := rbac.New(
//		rbac.Role{Name: "viewer", Permissions: []string{"posts:read"}},
//		rbac.Role{Name: "editor", Permissions: []string{"posts:write"}, Inherits: []string{"viewer"}},
//		rbac.Role{Name: "admin", Permissions: []string{"*"}},
//	)
//	if err != nil {
//		return err // a cycle, an undefined parent, a bad permission
//	}
//	model.Check([]string{"editor"}, "posts:read") // true, inherited
//
//	// Enforce the permissions each route declares, on principal.Roles.
//	api := r.Group("/api", auth.RequireRoute(model, auth.GuardOptions{}))
//	api.Post("/posts", handleCreatePost, router.Permissions("posts:write"))
//
// # The model
//
// [New] (or [LoadJSON] for the JSON form) checks the roles once: names
// unique and well-formed, permissions well-formed, every inherited role
// defined, and no inheritance cycle — the error names the cycle. It then
// computes each role's effective permissions, its own and every
// ancestor's, so that [Model.Check] is a map lookup per role and
// allocates nothing. A [Model] never changes; build a new one to change
// the roles and swap it in (an atomic.Pointer) where the roles are
// reloaded.
//
// # Wildcards
//
// A grant of "*" grants everything; a grant ending in ":*" ("posts:*")
// grants every permission that begins with the text before the "*" and
// is longer than it. No other "*" is accepted in a grant, and a "*" in
// the permission being checked is an ordinary character. See [Model].
//
// # Principals
//
// [Model.Authorize] makes a Model an [auth.Authorizer] that checks
// Principal.Roles, so it plugs into [auth.Require], [auth.RequireRoute]
// and [auth.Guard]. Role names that the model does not define grant
// nothing, so a token that carries a role from another system is harmless.
package rbac
