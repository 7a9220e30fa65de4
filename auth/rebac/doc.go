// Package rebac is relationship-based access control in the style of
// Google's Zanzibar: permissions follow from relation tuples — "alice is
// a viewer of doc:readme", "members of group:eng are editors of
// folder:plans", "doc:readme is in folder:plans" — and from a schema that
// says how relations imply one another.
//
//	schema := rebac.MustParseSchema(`
//		type user
//		type group
//		  relation member: [user, group#member]
//		type folder
//		  relation owner: [user]
//		  relation editor: [user, group#member] | owner
//		  relation viewer: [user, group#member] | editor
//		type doc
//		  relation parent: [folder]
//		  relation viewer: [user] | parent->viewer
//	`)
//	engine, err := rebac.New(schema, rebac.NewMemoryStore(), rebac.Options{})
//
//	engine.Write(ctx,
//		rebac.MustParseTuple("group:eng#member@user:alice"),
//		rebac.MustParseTuple("folder:plans#editor@group:eng#member"),
//		rebac.MustParseTuple("doc:readme#parent@folder:plans"),
//	)
//	ok, err := engine.Check(ctx, rebac.Object{Type: "doc", ID: "readme"}, "viewer", rebac.User("user", "alice")) // true
//
// # Tuples
//
// A [Tuple] is object#relation@subject. The subject is an object
// ("user:alice") or a userset, every subject with a relation to an object
// ("group:eng#member"). [ParseTuple] and [Tuple.String] convert the text
// form; names are lower-case identifiers, IDs any printable ASCII but '#'.
//
// # Schema
//
// A [Schema] declares each object type's relations and, for each, the
// union that defines it: direct tuples of the listed subject types
// ("[user, group#member]"), other relations of the same object ("editor":
// every editor is a viewer), and arrows ("parent->viewer": the viewers of
// the document's parent folder). [NewSchema] takes Go values,
// [ParseSchema] the text form above; both reject unknown types and
// relations when the schema loads, and [Engine.Write] rejects tuples the
// schema does not allow.
//
// # Checks
//
// [Engine.Check] walks from the object towards the subject, depth first,
// stopping at the first path. Each object#relation is explored once per
// check at its shortest distance, so cycles (a group nested in itself)
// end, and chains are bounded by [Options.MaxDepth] (default 25): when
// the only paths are longer, Check returns false with [ErrDepthExceeded],
// which must be treated as a denial. [Engine.ListObjects] walks the other
// way, from the subject through [Store.ReadBySubject], and returns
// exactly the objects Check would allow.
//
// # Stores
//
// Tuples live behind the [Store] interface — write, delete, read by
// object#relation, read by subject — so that they can live in a
// database; [MemoryStore] keeps them in memory, and the rebactest
// package's conformance suite checks any implementation.
//
// # HTTP
//
// [Engine.Authorizer] adapts an engine to [auth.Authorizer]: a route
// permission is either a whole check ("doc:readme#viewer") or a relation
// ("viewer") checked on the object a function reads from the request's
// context, with the principal as user:<Subject>.
package rebac
