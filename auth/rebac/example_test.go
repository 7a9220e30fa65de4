package rebac_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/rebac"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/reqctx"
	"github.com/keel-go/keel/router"
)

// The Google Docs model: documents in folders, folders shared with
// groups, groups nested in groups.
func Example() {
	schema := rebac.MustParseSchema(`
		type user
		type group
		  relation member: [user, group#member]
		type folder
		  relation owner: [user]
		  relation editor: [user, group#member] | owner
		  relation viewer: [user, group#member] | editor
		type doc
		  relation parent: [folder]
		  relation owner: [user]
		  relation viewer: [user] | owner | parent->viewer
	`)
	engine, err := rebac.New(schema, rebac.NewMemoryStore(), rebac.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for _, t := range []string{
		"group:eng#member@user:alice",
		"group:eng#member@group:sre#member",
		"group:sre#member@user:bob",
		"folder:plans#editor@group:eng#member",
		"doc:roadmap#parent@folder:plans",
		"doc:roadmap#owner@user:carol",
	} {
		if err := engine.Write(ctx, rebac.MustParseTuple(t)); err != nil {
			fmt.Println(err)
			return
		}
	}
	roadmap := rebac.Object{Type: "doc", ID: "roadmap"}
	for _, user := range []string{"alice", "bob", "carol", "dave"} {
		ok, err := engine.Check(ctx, roadmap, "viewer", rebac.User("user", user))
		fmt.Println(user, "views the roadmap:", ok, err)
	}
	// Output:
	// alice views the roadmap: true <nil>
	// bob views the roadmap: true <nil>
	// carol views the roadmap: true <nil>
	// dave views the roadmap: false <nil>
}

func ExampleEngine_ListObjects() {
	engine, _ := rebac.New(rebac.MustParseSchema(`
		type user
		type team
		  relation member: [user]
		type project
		  relation contributor: [user, team#member]
	`), rebac.NewMemoryStore(), rebac.Options{})
	ctx := context.Background()
	for _, t := range []string{
		"team:web#member@user:alice",
		"project:site#contributor@team:web#member",
		"project:api#contributor@user:alice",
		"project:ops#contributor@user:bob",
	} {
		_ = engine.Write(ctx, rebac.MustParseTuple(t))
	}
	projects, err := engine.ListObjects(ctx, "project", "contributor", rebac.User("user", "alice"))
	fmt.Println(projects, err)
	// Output:
	// [project:api project:site] <nil>
}

func ExampleParseTuple() {
	t, err := rebac.ParseTuple("doc:readme#viewer@group:eng#member")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Object, t.Relation, t.Subject, t.Subject.Relation)
	_, err = rebac.ParseTuple("doc:readme#viewer")
	fmt.Println(err)
	// Output:
	// doc:readme viewer group:eng#member member
	// rebac: invalid tuple: "doc:readme#viewer": no '@' after the relation
}

// The engine guards routes: the permission is a relation, checked on the
// document the route's parameter names, with the principal as the user.
// Denials answer 404, so a caller cannot tell a document it may not see
// from one that does not exist.
func ExampleEngine_Authorizer() {
	engine, _ := rebac.New(rebac.MustParseSchema(`
		type user
		type doc
		  relation owner: [user]
		  relation viewer: [user] | owner
	`), rebac.NewMemoryStore(), rebac.Options{})
	_ = engine.Write(context.Background(), rebac.MustParseTuple("doc:memo#owner@user:alice"))

	authz := engine.Authorizer(rebac.AuthorizerOptions{
		Object: func(ctx context.Context) (rebac.Object, error) {
			return rebac.Object{Type: "doc", ID: reqctx.PathParam(ctx, "id")}, nil
		},
	})
	r := router.New()
	r.Use(middleware.RequestID(middleware.RequestIDOptions{}), func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			p := &auth.Principal{Subject: req.Header.Get("X-Demo-User")} // a stand-in for auth.Middleware
			next.ServeHTTP(w, req.WithContext(auth.WithPrincipal(req.Context(), p)))
		})
	})
	docs := r.Group("/docs", auth.RequireRoute(authz, auth.GuardOptions{HideForbidden: true}))
	docs.Get("/:id", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintln(w, "the memo")
	}), router.Permissions("viewer"))

	for _, c := range []struct{ user, id string }{{"alice", "memo"}, {"bob", "memo"}, {"alice", "nope"}} {
		req := httptest.NewRequest(http.MethodGet, "/docs/"+c.id, nil)
		req.Header.Set("X-Demo-User", c.user)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(c.user, c.id, w.Code)
	}
	// Output:
	// alice memo 200
	// bob memo 404
	// alice nope 404
}
