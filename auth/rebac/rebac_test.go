package rebac_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/rebac"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// newDocsEngine returns an engine over the Google Docs schema and a fresh
// memory store, with tuples written.
func newDocsEngine(t testing.TB, opts rebac.Options, tuples ...string) *rebac.Engine {
	t.Helper()
	e, err := rebac.New(rebac.MustParseSchema(docsSchema), rebac.NewMemoryStore(), opts)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	writeTuples(t, e, tuples...)
	return e
}

func writeTuples(t testing.TB, e *rebac.Engine, tuples ...string) {
	t.Helper()
	ts := make([]rebac.Tuple, len(tuples))
	for i, s := range tuples {
		ts[i] = rebac.MustParseTuple(s)
	}
	if err := e.Write(context.Background(), ts...); err != nil {
		t.Fatalf("Write() error = %v", err)
	}
}

func obj(s string) rebac.Object {
	o, err := rebac.ParseObject(s)
	if err != nil {
		panic(err)
	}
	return o
}

func sub(s string) rebac.Subject {
	v, err := rebac.ParseSubject(s)
	if err != nil {
		panic(err)
	}
	return v
}

// check runs Check and fails t on an error.
func check(t *testing.T, e *rebac.Engine, object, relation, subject string) bool {
	t.Helper()
	ok, err := e.Check(context.Background(), obj(object), relation, sub(subject))
	if err != nil {
		t.Fatalf("Check(%s#%s@%s) error = %v", object, relation, subject, err)
	}
	return ok
}

// The classic example: a company folder tree, a document in it, groups
// nested in groups.
func TestGoogleDocs(t *testing.T) {
	e := newDocsEngine(t, rebac.Options{},
		"group:eng#member@user:alice",
		"group:eng#member@group:backend#member", // backend is part of eng
		"group:backend#member@user:bob",
		"group:sales#member@user:carol",
		"folder:company#viewer@group:eng#member",
		"folder:company#owner@user:dana",
		"folder:plans#parent@folder:company",
		"folder:plans#editor@user:erin",
		"doc:roadmap#parent@folder:plans",
		"doc:roadmap#owner@user:frank",
		"doc:pricing#viewer@group:sales#member",
	)
	tests := []struct {
		object, relation, subject string
		want                      bool
	}{
		{"doc:roadmap", "owner", "user:frank", true},                // direct
		{"doc:roadmap", "editor", "user:frank", true},               // owner is editor
		{"doc:roadmap", "viewer", "user:frank", true},               // editor is viewer
		{"doc:roadmap", "viewer", "user:erin", true},                // editor of the parent folder
		{"doc:roadmap", "editor", "user:erin", true},                // parent->editor
		{"doc:roadmap", "owner", "user:erin", false},                // no rewrite reaches owner
		{"doc:roadmap", "viewer", "user:alice", true},               // eng views the grandparent folder
		{"doc:roadmap", "editor", "user:alice", false},              // ... but does not edit
		{"doc:roadmap", "viewer", "user:bob", true},                 // backend ⊂ eng
		{"doc:roadmap", "viewer", "user:dana", true},                // owner of the grandparent
		{"doc:roadmap", "editor", "user:dana", true},                // owner -> editor, inherited twice
		{"doc:roadmap", "viewer", "user:carol", false},              // sales sees only pricing
		{"doc:pricing", "viewer", "user:carol", true},               // userset tuple
		{"doc:pricing", "viewer", "user:alice", false},              // not in sales
		{"doc:roadmap", "viewer", "group:eng#member", true},         // a userset as the subject
		{"doc:roadmap", "viewer", "group:backend#member", true},     // nested userset
		{"doc:pricing", "viewer", "group:eng#member", false},        //
		{"group:eng", "member", "group:eng#member", true},           // a userset contains itself
		{"group:eng", "member", "user:bob", true},                   //
		{"group:backend", "member", "user:alice", false},            // nesting goes one way
		{"folder:company", "viewer", "user:erin", false},            // parents do not inherit from children
		{"doc:unknown", "viewer", "user:alice", false},              // nothing about it
		{"doc:roadmap", "viewer", "user:nobody", false},             //
		{"doc:roadmap", "viewer", "group:unknown#member", false},    //
		{"folder:plans", "viewer", "user:alice@example.com", false}, // IDs may hold '@'
	}
	for _, tt := range tests {
		if got := check(t, e, tt.object, tt.relation, tt.subject); got != tt.want {
			t.Errorf("Check(%s#%s@%s) = %v, want %v", tt.object, tt.relation, tt.subject, got, tt.want)
		}
	}
}

func TestNestedGroups(t *testing.T) {
	e := newDocsEngine(t, rebac.Options{},
		"group:l1#member@group:l2#member",
		"group:l2#member@group:l3#member",
		"group:l3#member@group:l4#member",
		"group:l4#member@user:deep",
		"doc:d#viewer@group:l1#member",
	)
	for _, s := range []string{"user:deep", "group:l4#member", "group:l2#member"} {
		if !check(t, e, "doc:d", "viewer", s) {
			t.Errorf("Check(doc:d#viewer@%s) = false, want true", s)
		}
	}
	for g := 1; g <= 4; g++ {
		if !check(t, e, fmt.Sprintf("group:l%d", g), "member", "user:deep") {
			t.Errorf("Check(group:l%d#member@user:deep) = false, want true", g)
		}
	}
	if check(t, e, "group:l4", "member", "group:l1#member") {
		t.Error("Check(group:l4#member@group:l1#member) = true, want false")
	}
}

// Groups that are members of each other in a circle end the walk, with or
// without a path to the subject.
func TestAttack_CyclicGroupsTerminate(t *testing.T) {
	e := newDocsEngine(t, rebac.Options{},
		"group:a#member@group:b#member",
		"group:b#member@group:c#member",
		"group:c#member@group:a#member",
		"group:c#member@user:carl",
		"group:self#member@group:self#member",
		"doc:d#viewer@group:a#member",
		"folder:f1#parent@folder:f2", // folders in a circle too
		"folder:f2#parent@folder:f1",
		"folder:f2#viewer@user:vic",
		"doc:e#parent@folder:f1",
	)
	tests := []struct {
		object, relation, subject string
		want                      bool
	}{
		{"doc:d", "viewer", "user:carl", true},
		{"doc:d", "viewer", "user:nobody", false},
		{"group:a", "member", "user:carl", true},
		{"group:b", "member", "group:a#member", true},
		{"group:self", "member", "user:carl", false},
		{"doc:e", "viewer", "user:vic", true},
		{"doc:e", "viewer", "user:nobody", false},
		{"folder:f1", "editor", "user:vic", false},
	}
	for _, tt := range tests {
		if got := check(t, e, tt.object, tt.relation, tt.subject); got != tt.want {
			t.Errorf("Check(%s#%s@%s) = %v, want %v", tt.object, tt.relation, tt.subject, got, tt.want)
		}
	}
	got, err := e.ListObjects(context.Background(), "group", "member", sub("user:carl"))
	if err != nil || len(got) != 3 {
		t.Errorf("ListObjects(group#member, carl) = %v, %v, want the three groups of the circle", got, err)
	}
}

// A chain longer than MaxDepth is not followed to its end: the check
// stops with ErrDepthExceeded, and denies.
func TestAttack_DeepChainIsBounded(t *testing.T) {
	const n = 40
	var tuples []string
	for i := range n - 1 {
		tuples = append(tuples, fmt.Sprintf("group:g%d#member@group:g%d#member", i, i+1))
	}
	tuples = append(tuples, fmt.Sprintf("group:g%d#member@user:deep", n-1), "group:g0#member@user:shallow")

	e := newDocsEngine(t, rebac.Options{}, tuples...)
	ok, err := e.Check(context.Background(), obj("group:g0"), "member", sub("user:deep"))
	if ok || !errors.Is(err, rebac.ErrDepthExceeded) {
		t.Errorf("Check(40-deep chain, default limit) = %v, %v, want false, ErrDepthExceeded", ok, err)
	}
	if !check(t, e, "group:g0", "member", "user:shallow") {
		t.Error("Check(shallow member) = false, want true despite the deep chain")
	}
	if _, err := e.ListObjects(context.Background(), "group", "member", sub("user:deep")); !errors.Is(err, rebac.ErrDepthExceeded) {
		t.Errorf("ListObjects(40-deep chain) error = %v, want ErrDepthExceeded", err)
	}
	// Within the limit the chain ends normally: 25 groups need depth 25.
	ok, err = e.Check(context.Background(), obj(fmt.Sprintf("group:g%d", n-25)), "member", sub("user:deep"))
	if !ok || err != nil {
		t.Errorf("Check(25-deep chain, limit 25) = %v, %v, want true, nil", ok, err)
	}
	ok, err = e.Check(context.Background(), obj(fmt.Sprintf("group:g%d", n-26)), "member", sub("user:deep"))
	if ok || !errors.Is(err, rebac.ErrDepthExceeded) {
		t.Errorf("Check(26-deep chain, limit 25) = %v, %v, want false, ErrDepthExceeded", ok, err)
	}

	deep := newDocsEngine(t, rebac.Options{MaxDepth: 50}, tuples...)
	if !check(t, deep, "group:g0", "member", "user:deep") {
		t.Error("Check(40-deep chain, limit 50) = false, want true")
	}
	got, err := deep.ListObjects(context.Background(), "group", "member", sub("user:deep"))
	if err != nil || len(got) != n {
		t.Errorf("ListObjects(40-deep chain, limit 50) = %d objects, %v, want %d, nil", len(got), err, n)
	}
}

func TestRemovalRevokes(t *testing.T) {
	ctx := context.Background()
	e := newDocsEngine(t, rebac.Options{},
		"group:eng#member@user:alice",
		"folder:plans#viewer@group:eng#member",
		"doc:roadmap#parent@folder:plans",
		"doc:roadmap#viewer@user:bob",
	)
	steps := []struct {
		remove  string
		subject string
		want    bool
	}{
		{"", "user:alice", true},
		{"", "user:bob", true},
		{"doc:roadmap#viewer@user:bob", "user:bob", false},   // direct tuple
		{"group:eng#member@user:alice", "user:alice", false}, // group membership
	}
	for _, s := range steps {
		if s.remove != "" {
			if err := e.Delete(ctx, rebac.MustParseTuple(s.remove)); err != nil {
				t.Fatalf("Delete(%s) error = %v", s.remove, err)
			}
		}
		if got := check(t, e, "doc:roadmap", "viewer", s.subject); got != s.want {
			t.Errorf("after removing %q: Check(doc:roadmap#viewer@%s) = %v, want %v", s.remove, s.subject, got, s.want)
		}
	}
	// Removing the document from its folder revokes everything inherited.
	writeTuples(t, e, "group:eng#member@user:alice")
	if !check(t, e, "doc:roadmap", "viewer", "user:alice") {
		t.Fatal("re-added member: Check = false, want true")
	}
	if err := e.Delete(ctx, rebac.MustParseTuple("doc:roadmap#parent@folder:plans")); err != nil {
		t.Fatal(err)
	}
	if check(t, e, "doc:roadmap", "viewer", "user:alice") {
		t.Error("after moving the document out: Check = true, want false")
	}
	if got, _ := e.ListObjects(ctx, "doc", "viewer", sub("user:alice")); len(got) != 0 {
		t.Errorf("after moving the document out: ListObjects = %v, want none", got)
	}
}

func TestWriteValidates(t *testing.T) {
	ctx := context.Background()
	store := rebac.NewMemoryStore()
	e, err := rebac.New(rebac.MustParseSchema(docsSchema), store, rebac.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tuple rebac.Tuple
		want  error
	}{
		{rebac.Tuple{Object: rebac.Object{Type: "doc", ID: "a#b"}, Relation: "viewer", Subject: rebac.User("user", "x")}, rebac.ErrInvalidTuple},
		{rebac.Tuple{Object: rebac.Object{Type: "doc", ID: "d"}, Relation: "viewer", Subject: rebac.User("user", "")}, rebac.ErrInvalidTuple},
		{rebac.MustParseTuple("page:d#viewer@user:x"), rebac.ErrUnknownRelation},
		{rebac.MustParseTuple("doc:d#reader@user:x"), rebac.ErrUnknownRelation},
		{rebac.MustParseTuple("doc:d#viewer@folder:f"), rebac.ErrNotAllowed},      // folder is not a direct viewer type
		{rebac.MustParseTuple("doc:d#viewer@group:g"), rebac.ErrNotAllowed},       // a group, not its members
		{rebac.MustParseTuple("doc:d#owner@group:g#member"), rebac.ErrNotAllowed}, // owners are users
		{rebac.MustParseTuple("doc:d#parent@folder:f#viewer"), rebac.ErrNotAllowed},
	}
	for _, tt := range tests {
		err := e.Write(ctx, rebac.MustParseTuple("doc:ok#viewer@user:fine"), tt.tuple)
		if !errors.Is(err, tt.want) {
			t.Errorf("Write(%s) error = %v, want %v", tt.tuple, err, tt.want)
		}
	}
	if n := store.Len(); n != 0 {
		t.Errorf("after rejected batches the store holds %d tuples, want 0 (all or none)", n)
	}
	if err := e.Delete(ctx, rebac.Tuple{Object: rebac.Object{Type: "doc", ID: ""}, Relation: "viewer", Subject: rebac.User("user", "x")}); !errors.Is(err, rebac.ErrInvalidTuple) {
		t.Errorf("Delete(malformed) error = %v, want ErrInvalidTuple", err)
	}
}

func TestCheckErrors(t *testing.T) {
	e := newDocsEngine(t, rebac.Options{}, "doc:d#viewer@user:x")
	tests := []struct {
		name     string
		object   rebac.Object
		relation string
		subject  rebac.Subject
		want     error
	}{
		{"unknown type", rebac.Object{Type: "page", ID: "d"}, "viewer", rebac.User("user", "x"), rebac.ErrUnknownRelation},
		{"unknown relation", rebac.Object{Type: "doc", ID: "d"}, "reader", rebac.User("user", "x"), rebac.ErrUnknownRelation},
		{"unknown subject type", rebac.Object{Type: "doc", ID: "d"}, "viewer", rebac.User("robot", "x"), rebac.ErrUnknownRelation},
		{"unknown subject relation", rebac.Object{Type: "doc", ID: "d"}, "viewer", rebac.Userset(rebac.Object{Type: "group", ID: "g"}, "admin"), rebac.ErrUnknownRelation},
		{"bad object ID", rebac.Object{Type: "doc", ID: "d#viewer@user:x"}, "viewer", rebac.User("user", "x"), rebac.ErrInvalidTuple},
		{"empty subject ID", rebac.Object{Type: "doc", ID: "d"}, "viewer", rebac.User("user", ""), rebac.ErrInvalidTuple},
	}
	for _, tt := range tests {
		ok, err := e.Check(context.Background(), tt.object, tt.relation, tt.subject)
		if ok || !errors.Is(err, tt.want) {
			t.Errorf("%s: Check() = %v, %v, want false, %v", tt.name, ok, err, tt.want)
		}
	}
	if _, err := e.ListObjects(context.Background(), "doc", "reader", rebac.User("user", "x")); !errors.Is(err, rebac.ErrUnknownRelation) {
		t.Errorf("ListObjects(unknown relation) error = %v, want ErrUnknownRelation", err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, err := e.Check(canceled, obj("doc:d"), "viewer", sub("user:x")); ok || !errors.Is(err, context.Canceled) {
		t.Errorf("Check(canceled) = %v, %v, want false, context.Canceled", ok, err)
	}
	if _, err := e.ListObjects(canceled, "doc", "viewer", sub("user:x")); !errors.Is(err, context.Canceled) {
		t.Errorf("ListObjects(canceled) error = %v, want context.Canceled", err)
	}
}

func TestNewRejects(t *testing.T) {
	s := rebac.MustParseSchema(docsSchema)
	if _, err := rebac.New(nil, rebac.NewMemoryStore(), rebac.Options{}); err == nil {
		t.Error("New(nil schema) error = nil")
	}
	if _, err := rebac.New(s, nil, rebac.Options{}); err == nil {
		t.Error("New(nil store) error = nil")
	}
	if _, err := rebac.New(s, rebac.NewMemoryStore(), rebac.Options{MaxDepth: -1}); err == nil || !strings.Contains(err.Error(), "MaxDepth") {
		t.Errorf("New(MaxDepth -1) error = %v, want one naming MaxDepth", err)
	}
}

// plainStore hides every method of a store but the Store interface's.
type plainStore struct{ rebac.Store }

// failingStore fails every read after the first n.
type failingStore struct {
	rebac.Store
	mu sync.Mutex
	n  int
}

var errStoreDown = errors.New("store down")

func (f *failingStore) Read(ctx context.Context, o rebac.Object, rel string) ([]rebac.Subject, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n <= 0 {
		return nil, errStoreDown
	}
	f.n--
	return f.Store.Read(ctx, o, rel)
}

func (f *failingStore) ReadBySubject(ctx context.Context, s rebac.Subject) ([]rebac.Tuple, error) {
	return nil, errStoreDown
}

// A store that fails makes the check fail, never allow.
func TestStoreFailureFailsClosed(t *testing.T) {
	mem := rebac.NewMemoryStore()
	fs := &failingStore{Store: mem, n: 1}
	e, _ := rebac.New(rebac.MustParseSchema(docsSchema), fs, rebac.Options{})
	if err := e.Write(context.Background(),
		rebac.MustParseTuple("doc:d#parent@folder:f"),
		rebac.MustParseTuple("folder:f#viewer@user:x"),
	); err != nil {
		t.Fatal(err)
	}
	ok, err := e.Check(context.Background(), obj("doc:d"), "viewer", sub("user:x"))
	if ok || !errors.Is(err, errStoreDown) {
		t.Errorf("Check(failing store) = %v, %v, want false, the store's error", ok, err)
	}
	if _, err := e.ListObjects(context.Background(), "doc", "viewer", sub("user:x")); !errors.Is(err, errStoreDown) {
		t.Errorf("ListObjects(failing store) error = %v, want the store's error", err)
	}
}

// ListObjects returns exactly the objects Check allows, on random tuple
// sets over the Google Docs schema, for every subject and every relation.
func TestListObjectsMatchesCheck(t *testing.T) {
	ctx := context.Background()
	const (
		users, groups, folders, docs = 4, 4, 5, 6
		rounds                       = 40
	)
	name := func(typ string, i int) string { return fmt.Sprintf("%s:%s%d", typ, typ[:1], i) }
	var subjects []string
	for i := range users {
		subjects = append(subjects, name("user", i))
	}
	for i := range groups {
		subjects = append(subjects, name("group", i)+"#member")
	}
	objects := map[string]int{"group": groups, "folder": folders, "doc": docs}
	relations := map[string][]string{
		"group":  {"member"},
		"folder": {"owner", "parent", "editor", "viewer"},
		"doc":    {"owner", "parent", "editor", "viewer"},
	}
	allowed, denied := 0, 0
	for round := range rounds {
		rng := rand.New(rand.NewPCG(uint64(round), 7))
		pick := func(typ string, n int) string { return name(typ, rng.IntN(n)) }
		var tuples []string
		for range 10 + rng.IntN(30) {
			var t string
			switch rng.IntN(9) {
			case 0:
				t = pick("group", groups) + "#member@" + pick("user", users)
			case 1:
				t = pick("group", groups) + "#member@" + pick("group", groups) + "#member"
			case 2:
				t = pick("folder", folders) + "#parent@" + pick("folder", folders)
			case 3:
				t = pick("doc", docs) + "#parent@" + pick("folder", folders)
			case 4:
				t = pick("folder", folders) + "#owner@" + pick("user", users)
			case 5:
				t = pick("doc", docs) + "#owner@" + pick("user", users)
			case 6:
				t = pick("folder", folders) + "#" + []string{"editor", "viewer"}[rng.IntN(2)] + "@" + pick("group", groups) + "#member"
			case 7:
				t = pick("doc", docs) + "#" + []string{"editor", "viewer"}[rng.IntN(2)] + "@" + pick("user", users)
			default:
				t = pick("doc", docs) + "#viewer@" + pick("group", groups) + "#member"
			}
			tuples = append(tuples, t)
		}
		// Odd rounds hide the memory store's DirectReader, so that both
		// ways Check reads direct tuples are compared.
		var store rebac.Store = rebac.NewMemoryStore()
		if round%2 == 1 {
			store = plainStore{store}
		}
		e, err := rebac.New(rebac.MustParseSchema(docsSchema), store, rebac.Options{MaxDepth: 100})
		if err != nil {
			t.Fatal(err)
		}
		writeTuples(t, e, tuples...)
		for _, s := range subjects {
			for typ, n := range objects {
				for _, rel := range relations[typ] {
					listed, err := e.ListObjects(ctx, typ, rel, sub(s))
					if err != nil {
						t.Fatalf("round %d: ListObjects(%s#%s, %s) error = %v", round, typ, rel, s, err)
					}
					var want []rebac.Object
					for i := range n {
						o := obj(name(typ, i))
						ok, err := e.Check(ctx, o, rel, sub(s))
						if err != nil {
							t.Fatalf("round %d: Check(%s#%s@%s) error = %v", round, o, rel, s, err)
						}
						if ok {
							want = append(want, o)
							allowed++
						} else {
							denied++
						}
					}
					if !slices.Equal(listed, want) {
						t.Fatalf("round %d: ListObjects(%s#%s, %s) = %v, want %v (from Check)\ntuples: %q",
							round, typ, rel, s, listed, want, tuples)
					}
				}
			}
		}
	}
	// The random models must exercise both answers, or the comparison
	// proves little.
	if allowed < 500 || denied < 500 {
		t.Errorf("random models gave %d allowed and %d denied checks, want at least 500 of each", allowed, denied)
	}
	t.Logf("%d allowed, %d denied checks compared", allowed, denied)
}

func TestAuthorizer(t *testing.T) {
	e := newDocsEngine(t, rebac.Options{},
		"doc:readme#viewer@user:alice",
		"doc:readme#owner@user:bob",
		"doc:a@b#viewer@user:alice",
	)
	byRoute := e.Authorizer(rebac.AuthorizerOptions{
		Object: func(ctx context.Context) (rebac.Object, error) {
			id := reqctx.PathParam(ctx, "id")
			if id == "missing" {
				return rebac.Object{}, errors.NotFound("no document %q", id)
			}
			return rebac.Object{Type: "doc", ID: id}, nil
		},
	})
	static := e.Authorizer(rebac.AuthorizerOptions{})
	ctxFor := func(id string) context.Context {
		var d reqctx.Data
		d.AddParam("id", id)
		return reqctx.WithData(context.Background(), d)
	}
	alice := &auth.Principal{Subject: "alice"}
	tests := []struct {
		name    string
		authz   auth.Authorizer
		ctx     context.Context
		p       *auth.Principal
		perm    string
		want    bool
		wantErr bool
	}{
		{"whole permission", static, context.Background(), alice, "doc:readme#viewer", true, false},
		{"whole permission denied", static, context.Background(), alice, "doc:readme#owner", false, false},
		{"ID with '@'", static, context.Background(), alice, "doc:a@b#viewer", true, false},
		{"owner views", static, context.Background(), &auth.Principal{Subject: "bob"}, "doc:readme#viewer", true, false},
		{"relation on the route's object", byRoute, ctxFor("readme"), alice, "viewer", true, false},
		{"relation denied", byRoute, ctxFor("readme"), alice, "editor", false, false},
		{"other object", byRoute, ctxFor("other"), alice, "viewer", false, false},
		{"malformed ID from the request", byRoute, ctxFor("readme#viewer@user:alice"), alice, "viewer", false, false},
		{"object function error", byRoute, ctxFor("missing"), alice, "viewer", false, true},
		{"nil principal", static, context.Background(), nil, "doc:readme#viewer", false, false},
		{"relation without Object", static, context.Background(), alice, "viewer", false, true},
		{"unknown relation", static, context.Background(), alice, "doc:readme#reader", false, true},
		{"malformed permission", static, context.Background(), alice, "Doc:readme#viewer", false, true},
		{"malformed relation", byRoute, ctxFor("readme"), alice, "View er", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.authz.Authorize(tt.ctx, tt.p, tt.perm)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("Authorize(%q) = %v, %v, want %v, error %v", tt.perm, got, err, tt.want, tt.wantErr)
			}
		})
	}
	if _, err := byRoute.Authorize(ctxFor("missing"), alice, "viewer"); errors.From(err).StatusCode() != 404 {
		t.Errorf("Authorize(missing object) error = %v, want the Object function's 404", err)
	}
	custom := e.Authorizer(rebac.AuthorizerOptions{SubjectType: "robot"})
	if _, err := custom.Authorize(context.Background(), alice, "doc:readme#viewer"); !errors.Is(err, rebac.ErrUnknownRelation) {
		t.Errorf("Authorize(undeclared SubjectType) error = %v, want ErrUnknownRelation", err)
	}
}

// A principal whose Subject looks like a userset or a whole tuple is a
// plain user ID to the authorizer: it cannot borrow a group's rights.
func TestAttack_SubjectWithTupleSyntax(t *testing.T) {
	e := newDocsEngine(t, rebac.Options{},
		"group:eng#member@user:alice",
		"doc:secret#viewer@group:eng#member",
		"doc:secret#viewer@user:eng",
	)
	authz := e.Authorizer(rebac.AuthorizerOptions{})
	for _, subject := range []string{"eng#member", "group:eng#member", "alice#", "x@group:eng#member", "", "al ice"} {
		ok, err := authz.Authorize(context.Background(), &auth.Principal{Subject: subject}, "doc:secret#viewer")
		if ok || err != nil {
			t.Errorf("Authorize(subject %q) = %v, %v, want false, nil", subject, ok, err)
		}
	}
}

// An object ID taken from the request cannot smuggle in another
// relation or subject: it is validated as one ID and denied.
func TestAttack_TupleInjectionThroughID(t *testing.T) {
	e := newDocsEngine(t, rebac.Options{},
		"doc:public#viewer@user:mallory",
		"doc:secret#owner@user:boss",
	)
	authz := e.Authorizer(rebac.AuthorizerOptions{Object: func(ctx context.Context) (rebac.Object, error) {
		return rebac.Object{Type: "doc", ID: reqctx.PathParam(ctx, "id")}, nil
	}})
	mallory := &auth.Principal{Subject: "mallory"}
	for _, id := range []string{"secret#viewer@user:mallory", "public#viewer", "secret\x00", "secret ", ""} {
		var d reqctx.Data
		d.AddParam("id", id)
		ok, err := authz.Authorize(reqctx.WithData(context.Background(), d), mallory, "viewer")
		if ok || err != nil {
			t.Errorf("Authorize(id %q) = %v, %v, want false, nil", id, ok, err)
		}
		// Built into a whole permission, as a handler might.
		ok, err = authz.Authorize(context.Background(), mallory, "doc:"+id+"#viewer")
		if ok || err != nil {
			t.Errorf("Authorize(%q) = %v, %v, want false, nil", "doc:"+id+"#viewer", ok, err)
		}
	}
}

func TestAudit(t *testing.T) {
	var mu sync.Mutex
	var events []auth.Event
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	e, _ := rebac.New(rebac.MustParseSchema(docsSchema), rebac.NewMemoryStore(), rebac.Options{
		Auditor: auth.AuditorFunc(func(_ context.Context, ev auth.Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, ev)
		}),
		Now: func() time.Time { return at },
	})
	ctx := auth.WithPrincipal(reqctx.WithData(context.Background(), reqctx.Data{RequestID: "req-1"}), &auth.Principal{Subject: "admin"})
	tu := rebac.MustParseTuple("doc:d#viewer@user:x")
	if err := e.Write(ctx, tu); err != nil {
		t.Fatal(err)
	}
	if err := e.Delete(ctx, tu); err != nil {
		t.Fatal(err)
	}
	_ = e.Write(ctx, rebac.MustParseTuple("doc:d#viewer@folder:f")) // rejected: not audited
	want := []auth.Event{
		{Time: at, Actor: "admin", Action: rebac.ActionTupleWritten, Resource: "doc:d#viewer@user:x", Result: auth.ResultSuccess, RequestID: "req-1"},
		{Time: at, Actor: "admin", Action: rebac.ActionTupleDeleted, Resource: "doc:d#viewer@user:x", Result: auth.ResultSuccess, RequestID: "req-1"},
	}
	if len(events) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(events), len(want), events)
	}
	for i := range want {
		if fmt.Sprint(events[i]) != fmt.Sprint(want[i]) {
			t.Errorf("event %d = %+v, want %+v", i, events[i], want[i])
		}
	}
}

func TestConcurrentChecksAndWrites(t *testing.T) {
	e := newDocsEngine(t, rebac.Options{},
		"folder:f#viewer@group:g#member",
		"doc:d#parent@folder:f",
	)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 4 {
		wg.Go(func() {
			for i := range 100 {
				u := rebac.User("user", fmt.Sprintf("u%d-%d", w, i))
				m := rebac.Tuple{Object: obj("group:g"), Relation: "member", Subject: u}
				if err := e.Write(ctx, m); err != nil {
					errs <- err
					return
				}
				if ok, err := e.Check(ctx, obj("doc:d"), "viewer", u); !ok || err != nil {
					errs <- fmt.Errorf("Check(%s) after Write = %v, %v, want true", u, ok, err)
					return
				}
				if err := e.Delete(ctx, m); err != nil {
					errs <- err
					return
				}
				if ok, err := e.Check(ctx, obj("doc:d"), "viewer", u); ok || err != nil {
					errs <- fmt.Errorf("Check(%s) after Delete = %v, %v, want false", u, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
