package rebac

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// DefaultMaxDepth is how long a chain of relations [Engine.Check] and
// [Engine.ListObjects] follow unless [Options.MaxDepth] says otherwise.
const DefaultMaxDepth = 25

// Audit actions of [Engine.Write] and [Engine.Delete].
const (
	ActionTupleWritten = "rebac.tuple_written"
	ActionTupleDeleted = "rebac.tuple_deleted"
)

// Sentinel errors. Callers compare with [errors.Is].
var (
	// ErrInvalidTuple is returned by the parsers, and by the Engine's
	// methods, for an object, subject or tuple that is malformed: a bad
	// type or relation name, an empty or oversized ID, an ID with '#'.
	ErrInvalidTuple = errors.New("rebac: invalid tuple")
	// ErrInvalidSchema is returned by [NewSchema] and [ParseSchema].
	ErrInvalidSchema = errors.New("rebac: invalid schema")
	// ErrUnknownRelation is returned by the Engine's methods for a type
	// the schema does not declare or a relation its type does not have.
	ErrUnknownRelation = errors.New("rebac: unknown type or relation")
	// ErrNotAllowed is returned by [Engine.Write] for a tuple whose
	// subject the relation's Direct list does not name.
	ErrNotAllowed = errors.New("rebac: subject type not allowed for the relation")
	// ErrDepthExceeded is returned by [Engine.Check] and
	// [Engine.ListObjects] when the answer depends on a chain of
	// relations longer than [Options.MaxDepth]. Check returns it only
	// when it found no shorter path, with false.
	ErrDepthExceeded = errors.New("rebac: maximum depth exceeded")
)

// Options configures an [Engine]. The zero value is ready to use.
type Options struct {
	// MaxDepth bounds the chains of relations a check follows: each
	// relation visited on the way from the object to the subject (a
	// direct tuple, a computed relation, an arrow, a nested userset)
	// counts one. It must not be negative. Default: [DefaultMaxDepth].
	MaxDepth int

	// Auditor receives an event for each tuple written
	// ([ActionTupleWritten]) or deleted ([ActionTupleDeleted]), with the
	// tuple as Resource and the principal of ctx, if any, as Actor.
	// Default: nil, no audit.
	Auditor auth.Auditor

	// Now returns the current time, for audit events. Default: time.Now.
	Now func() time.Time
}

// Engine answers relationship questions over a [Schema] and a [Store]:
// does subject have relation to object ([Engine.Check]), and which
// objects of a type can it reach ([Engine.ListObjects]). It writes tuples
// after validating them against the schema.
//
// Create an Engine with [New]; the zero value is invalid. An Engine is
// safe for concurrent use when its store is, and holds nothing that needs
// releasing.
type Engine struct {
	schema   *Schema
	store    Store
	maxDepth int
	auditor  auth.Auditor
	now      func() time.Time
}

// New returns an engine for schema over store. It reports an error when
// schema or store is nil or opts is invalid.
func New(schema *Schema, store Store, opts Options) (*Engine, error) {
	switch {
	case schema == nil:
		return nil, errors.New("rebac: New: nil Schema")
	case store == nil:
		return nil, errors.New("rebac: New: nil Store")
	case opts.MaxDepth < 0:
		return nil, fmt.Errorf("rebac: New: Options.MaxDepth %d is negative", opts.MaxDepth)
	}
	if opts.MaxDepth == 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Engine{schema: schema, store: store, maxDepth: opts.MaxDepth, auditor: opts.Auditor, now: opts.Now}, nil
}

// Schema returns the engine's schema.
func (e *Engine) Schema() *Schema { return e.schema }

// Write validates tuples against the schema and adds them to the store,
// all or none. It fails with an error wrapping [ErrInvalidTuple],
// [ErrUnknownRelation] or [ErrNotAllowed], naming the first invalid tuple,
// before writing anything.
func (e *Engine) Write(ctx context.Context, tuples ...Tuple) error {
	for _, t := range tuples {
		if err := e.schema.validateTuple(t); err != nil {
			return err
		}
	}
	if err := e.store.Write(ctx, tuples...); err != nil {
		return fmt.Errorf("rebac: write: %w", err)
	}
	e.audit(ctx, ActionTupleWritten, tuples)
	return nil
}

// Delete removes tuples from the store, all or none. Removing a tuple
// revokes what it granted at once: the next check no longer sees it. It
// fails with an error wrapping [ErrInvalidTuple] for a malformed tuple.
func (e *Engine) Delete(ctx context.Context, tuples ...Tuple) error {
	for _, t := range tuples {
		if err := t.validate(); err != nil {
			return err
		}
	}
	if err := e.store.Delete(ctx, tuples...); err != nil {
		return fmt.Errorf("rebac: delete: %w", err)
	}
	e.audit(ctx, ActionTupleDeleted, tuples)
	return nil
}

// audit records one event per tuple.
func (e *Engine) audit(ctx context.Context, action string, tuples []Tuple) {
	if e.auditor == nil {
		return
	}
	var actor string
	if p, ok := auth.FromContext(ctx); ok {
		actor = p.Subject
	}
	var ip string
	if a := reqctx.ClientIP(ctx); a.IsValid() {
		ip = a.String()
	}
	for _, t := range tuples {
		e.auditor.Audit(ctx, auth.Event{
			Time:      e.now(),
			Actor:     actor,
			Action:    action,
			Resource:  t.String(),
			Result:    auth.ResultSuccess,
			RequestID: reqctx.RequestID(ctx),
			IP:        ip,
		})
	}
}

// Check reports whether subject has relation to object: through a direct
// tuple, or through the relation's rewrites — the relations it includes,
// its arrows, and the usersets its tuples name, nested to any depth up to
// [Options.MaxDepth].
//
// Cycles (a group that is, through others, a member of itself) are safe:
// each object#relation is explored once per check, at its shortest
// distance. When no path was found and some chain was cut at the depth
// limit, Check returns false and an error wrapping [ErrDepthExceeded]: the
// answer is unknown, and must be treated as a denial. A check on a type or
// relation the schema lacks returns an error wrapping
// [ErrUnknownRelation]; on a malformed ID, [ErrInvalidTuple]; a store
// error is returned wrapped. Check never returns true with an error.
func (e *Engine) Check(ctx context.Context, object Object, relation string, subject Subject) (bool, error) {
	if err := e.validateQuery(object, relation, subject); err != nil {
		return false, err
	}
	c := checker{e: e, ctx: ctx, subject: subject, seen: make(map[objectRel]int)}
	ok, err := c.check(objectRel{object, relation}, e.maxDepth)
	switch {
	case err != nil:
		return false, err
	case ok:
		return true, nil
	case c.cut:
		return false, fmt.Errorf("%w: checking %s#%s for %s (limit %d)", ErrDepthExceeded, object, relation, subject, e.maxDepth)
	}
	return false, nil
}

// validateQuery checks the object, relation and subject of a query
// against the schema, then their IDs: a name the schema lacks is a
// mistake in the code, an ID may come from a client.
func (e *Engine) validateQuery(object Object, relation string, subject Subject) error {
	if !e.schema.HasRelation(object.Type, relation) {
		return fmt.Errorf("%w: %s#%s", ErrUnknownRelation, object.Type, relation)
	}
	if !e.schema.hasType(subject.Type) {
		return fmt.Errorf("%w: subject type %q", ErrUnknownRelation, subject.Type)
	}
	if subject.Relation != "" && !e.schema.HasRelation(subject.Type, subject.Relation) {
		return fmt.Errorf("%w: subject %s#%s", ErrUnknownRelation, subject.Type, subject.Relation)
	}
	if err := object.validate(); err != nil {
		return err
	}
	return subject.validate()
}

// checker is the state of one [Engine.Check].
type checker struct {
	e       *Engine
	ctx     context.Context
	subject Subject
	// seen maps each object#relation explored to the largest depth
	// budget it was explored with: exploring it again with no more
	// budget cannot find anything new, which is what makes cycles end.
	seen map[objectRel]int
	cut  bool // a chain was cut at the depth limit
}

// check reports whether c.subject is in n, following at most budget
// relations.
func (c *checker) check(n objectRel, budget int) (bool, error) {
	if budget <= 0 {
		c.cut = true
		return false, nil
	}
	if b, ok := c.seen[n]; ok && b >= budget {
		return false, nil
	}
	c.seen[n] = budget
	if err := c.ctx.Err(); err != nil {
		return false, err
	}
	if c.subject.Relation != "" && n.object == c.subject.Object && n.relation == c.subject.Relation {
		return true, nil
	}
	r := c.e.schema.relation(n.object.Type, n.relation)
	if r == nil {
		return false, nil // a userset a stale tuple names, no longer in the schema
	}
	if len(r.Direct) > 0 {
		subs, found, err := c.direct(n)
		if err != nil || found {
			return found, err
		}
		for _, s := range subs {
			if s.Relation == "" {
				continue
			}
			if ok, err := c.check(objectRel{s.Object, s.Relation}, budget-1); ok || err != nil {
				return ok, err
			}
		}
	}
	for _, rel := range r.Computed {
		if ok, err := c.check(objectRel{n.object, rel}, budget-1); ok || err != nil {
			return ok, err
		}
	}
	for _, a := range r.Arrows {
		subs, err := c.e.store.Read(c.ctx, n.object, a.Via)
		if err != nil {
			return false, fmt.Errorf("rebac: reading %s#%s: %w", n.object, a.Via, err)
		}
		for _, s := range subs {
			if s.Relation != "" {
				continue // a tupleset names objects; ignore a stale userset
			}
			if ok, err := c.check(objectRel{s.Object, a.Relation}, budget-1); ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

// direct reports whether a tuple of n names c.subject, and returns the
// subjects of n's tuples to expand otherwise: only the usersets when the
// store is a [DirectReader], all of them when it is not.
func (c *checker) direct(n objectRel) (subs []Subject, found bool, err error) {
	if dr, ok := c.e.store.(DirectReader); ok {
		found, err = dr.Has(c.ctx, Tuple{Object: n.object, Relation: n.relation, Subject: c.subject})
		if err == nil && !found {
			subs, err = dr.ReadUsersets(c.ctx, n.object, n.relation)
		}
	} else {
		subs, err = c.e.store.Read(c.ctx, n.object, n.relation)
		found = err == nil && slices.Contains(subs, c.subject)
	}
	if err != nil {
		return nil, false, fmt.Errorf("rebac: reading %s#%s: %w", n.object, n.relation, err)
	}
	return subs, found, nil
}

// ListObjects returns the objects of objectType to which subject has
// relation, sorted by ID: exactly the objects o for which
// Check(ctx, o, relation, subject) is true. It walks the relations
// backwards from the subject ([Store.ReadBySubject]) instead of checking
// every object, so its cost follows what the subject can reach, not the
// number of objects.
//
// It returns an error wrapping [ErrDepthExceeded] when a chain longer
// than [Options.MaxDepth] leads somewhere new, and the errors of
// [Engine.Check] for a malformed or unknown query.
func (e *Engine) ListObjects(ctx context.Context, objectType, relation string, subject Subject) ([]Object, error) {
	if !e.schema.HasRelation(objectType, relation) {
		return nil, fmt.Errorf("%w: %s#%s", ErrUnknownRelation, objectType, relation)
	}
	if err := e.validateQuery(Object{Type: objectType, ID: "x"}, relation, subject); err != nil {
		return nil, err
	}
	// depth holds each object#relation known to contain the subject with
	// the length of its shortest chain, as Check counts it; frontier is
	// the breadth-first queue.
	depth := make(map[objectRel]int)
	var frontier []objectRel
	add := func(n objectRel, d int) {
		if _, ok := depth[n]; !ok {
			depth[n] = d
			frontier = append(frontier, n)
		}
	}
	if subject.Relation != "" {
		add(objectRel{subject.Object, subject.Relation}, 1)
	}
	direct, err := e.readBySubject(ctx, subject)
	if err != nil {
		return nil, err
	}
	for _, n := range direct {
		add(n, 1)
	}
	cut := false
	for len(frontier) > 0 {
		n := frontier[0]
		frontier = frontier[1:]
		d := depth[n]
		next, err := e.parents(ctx, n)
		if err != nil {
			return nil, err
		}
		for _, p := range next {
			if _, ok := depth[p]; ok {
				continue
			}
			if d >= e.maxDepth {
				cut = true
				continue
			}
			add(p, d+1)
		}
	}
	if cut {
		return nil, fmt.Errorf("%w: listing %s#%s for %s (limit %d)", ErrDepthExceeded, objectType, relation, subject, e.maxDepth)
	}
	var out []Object
	for n := range depth {
		if n.object.Type == objectType && n.relation == relation {
			out = append(out, n.object)
		}
	}
	slices.SortFunc(out, func(a, b Object) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// readBySubject returns the object#relation of each tuple naming subject
// that a check would read: those of relations with direct subjects.
func (e *Engine) readBySubject(ctx context.Context, subject Subject) ([]objectRel, error) {
	tuples, err := e.store.ReadBySubject(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("rebac: reading tuples of %s: %w", subject, err)
	}
	out := make([]objectRel, 0, len(tuples))
	for _, t := range tuples {
		if r := e.schema.relation(t.Object.Type, t.Relation); r != nil && len(r.Direct) > 0 {
			out = append(out, objectRel{t.Object, t.Relation})
		}
	}
	return out, nil
}

// parents returns the object#relation sets that include n directly: those
// whose tuples name n as a userset, the relations of n's object that
// include n's relation, and the relations that reach n through an arrow.
func (e *Engine) parents(ctx context.Context, n objectRel) ([]objectRel, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := e.readBySubject(ctx, Userset(n.object, n.relation))
	if err != nil {
		return nil, err
	}
	for _, rel := range e.schema.computedBy[relKey{n.object.Type, n.relation}] {
		out = append(out, objectRel{n.object, rel})
	}
	arrows := e.schema.arrowsTo[relKey{n.object.Type, n.relation}]
	if len(arrows) == 0 {
		return out, nil
	}
	tuples, err := e.store.ReadBySubject(ctx, Subject{Object: n.object})
	if err != nil {
		return nil, fmt.Errorf("rebac: reading tuples of %s: %w", n.object, err)
	}
	for _, a := range arrows {
		for _, t := range tuples {
			if t.Object.Type == a.typ && t.Relation == a.via {
				out = append(out, objectRel{t.Object, a.rel})
			}
		}
	}
	return out, nil
}

// AuthorizerOptions configures the [Authorizer] returned by
// [Engine.Authorizer]. The zero value is ready to use.
type AuthorizerOptions struct {
	// SubjectType is the object type of principals: the subject of a
	// check is SubjectType:Principal.Subject. Default: "user".
	SubjectType string

	// Object returns the object a permission that names only a relation
	// ("viewer") is checked on, read from ctx — typically from the
	// route's parameters:
	//
	//	func(ctx context.Context) (rebac.Object, error) {
	//		return rebac.Object{Type: "doc", ID: reqctx.PathParam(ctx, "id")}, nil
	//	}
	//
	// An error is passed on by Authorize (an *errors.Error keeps its
	// status). Default: none, and every permission must name its object
	// ("doc:readme#viewer").
	Object func(ctx context.Context) (Object, error)
}

// Authorizer adapts an [Engine] to [auth.Authorizer]. A permission is
// either a whole check, "type:id#relation" ("doc:readme#viewer"), or a
// relation name ("viewer") checked on the object [AuthorizerOptions.Object]
// returns. The subject is the principal, as SubjectType:Subject.
//
// Create one with [Engine.Authorizer]; the zero value is invalid. It is
// safe for concurrent use when the engine and Object are.
type Authorizer struct {
	engine      *Engine
	subjectType string
	object      func(ctx context.Context) (Object, error)
}

var _ auth.Authorizer = (*Authorizer)(nil)

// Authorizer returns an [auth.Authorizer] that asks e.
func (e *Engine) Authorizer(opts AuthorizerOptions) *Authorizer {
	if opts.SubjectType == "" {
		opts.SubjectType = "user"
	}
	return &Authorizer{engine: e, subjectType: opts.SubjectType, object: opts.Object}
}

// Authorize checks permission for p. A principal or an object ID that
// cannot be written in a tuple (an ID with '#', an empty one) is denied
// without an error: nothing can grant it anything. A permission that is
// malformed or names a type or relation the schema lacks is a
// configuration mistake and returns an error, as do store failures and
// [ErrDepthExceeded].
func (a *Authorizer) Authorize(ctx context.Context, p *auth.Principal, permission string) (bool, error) {
	if p == nil {
		return false, nil
	}
	var (
		obj Object
		rel string
	)
	if i := strings.LastIndexByte(permission, '#'); i >= 0 {
		// An object ID may come from the request; a type or a relation
		// only from the code. So a bad ID is denied below, and a bad name
		// is an error here.
		typ, id, _ := strings.Cut(permission[:i], ":")
		obj, rel = Object{Type: typ, ID: id}, permission[i+1:]
		if !validName(typ) || !validName(rel) {
			return false, fmt.Errorf("rebac: permission %q is neither a relation nor type:id#relation", permission)
		}
	} else {
		if !validName(permission) {
			return false, fmt.Errorf("rebac: permission %q is neither a relation nor type:id#relation", permission)
		}
		if a.object == nil {
			return false, fmt.Errorf("rebac: permission %q names no object and AuthorizerOptions.Object is not set", permission)
		}
		o, err := a.object(ctx)
		if err != nil {
			return false, fmt.Errorf("rebac: object for %q: %w", permission, err)
		}
		obj, rel = o, permission
	}
	ok, err := a.engine.Check(ctx, obj, rel, User(a.subjectType, p.Subject))
	if errors.Is(err, ErrInvalidTuple) {
		// A malformed ID, from the request or the principal: nothing can
		// grant it anything, so it is denied rather than failed.
		return false, nil
	}
	return ok, err
}
