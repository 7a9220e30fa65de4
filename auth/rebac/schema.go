package rebac

import (
	"fmt"
	"slices"
	"strings"
)

// ObjectType declares a type of object and its relations, for [NewSchema].
type ObjectType struct {
	// Name is the type's name, as in "doc:readme".
	Name string
	// Relations are the relations an object of the type can have. A type
	// without relations (typically "user") is only ever a subject.
	Relations []Relation
}

// Relation declares one relation of an object type and how its subjects
// are found: the union of its direct tuples, other relations of the same
// object, and relations of related objects. In the text form of a schema,
// "viewer: [user, group#member] | editor | parent->viewer" is
//
//	Relation{
//		Name:     "viewer",
//		Direct:   []string{"user", "group#member"},
//		Computed: []string{"editor"},
//		Arrows:   []Arrow{{Via: "parent", Relation: "viewer"}},
//	}
//
// At least one of Direct, Computed and Arrows is required.
type Relation struct {
	// Name is the relation's name, as in "doc:readme#viewer".
	Name string
	// Direct lists what a tuple of this relation may name as its
	// subject: an object type ("user"), or a userset type#relation
	// ("group#member"). Empty when the relation has no tuples of its own.
	Direct []string
	// Computed names relations of the same object whose subjects this
	// relation includes: a viewer "includes editor" when every editor
	// may view.
	Computed []string
	// Arrows are tuple-to-userset rewrites: the relation includes the
	// subjects that have Arrow.Relation to the objects this object is
	// related to by Arrow.Via ("the viewers of the folder the document is
	// in").
	Arrows []Arrow
}

// Arrow is a tuple-to-userset rewrite, written "via->relation": follow the
// object's tuples of relation Via to other objects, and take the subjects
// of their relation Relation.
type Arrow struct {
	// Via is a relation of the same object whose tuples name plain
	// objects ("parent": the folder the document is in). It must have
	// only Direct object types, no usersets and no rewrites.
	Via string
	// Relation is the relation of those objects to take the subjects
	// of ("viewer"). Every type Via may name must have it.
	Relation string
}

// Schema is a validated set of object types and relations, built by
// [NewSchema] or [ParseSchema]. It is immutable and safe for concurrent
// use; the zero value has no types.
type Schema struct {
	types []ObjectType
	rels  map[relKey]*relDef
	// Reverse indexes for ListObjects: the relations that compute from
	// a relation, and the arrows that read one.
	computedBy map[relKey][]string
	arrowsTo   map[relKey][]arrowFrom
	declared   map[string]bool
}

// relKey names a relation of a type.
type relKey struct{ typ, rel string }

// relDef is a validated relation.
type relDef struct {
	Relation
	direct map[string]bool // the Direct entries, for validating tuples
}

// arrowFrom is an arrow seen from its target: relation rel of objects of
// type typ includes the subjects of the target relation of the objects
// they reach through via.
type arrowFrom struct {
	typ, rel, via string
}

// NewSchema validates types and returns their schema. It fails, with an
// error wrapping [ErrInvalidSchema] that names the type and relation at
// fault, when a name is malformed or repeated, a relation has no rewrite,
// or a rewrite refers to an undeclared type or relation.
func NewSchema(types ...ObjectType) (*Schema, error) {
	s := &Schema{
		rels:       make(map[relKey]*relDef),
		computedBy: make(map[relKey][]string),
		arrowsTo:   make(map[relKey][]arrowFrom),
		declared:   make(map[string]bool),
	}
	for _, t := range types {
		if !validName(t.Name) {
			return nil, fmt.Errorf("%w: invalid type name %q", ErrInvalidSchema, t.Name)
		}
		if s.declared[t.Name] {
			return nil, fmt.Errorf("%w: type %q declared twice", ErrInvalidSchema, t.Name)
		}
		s.declared[t.Name] = true
		ct := ObjectType{Name: t.Name}
		for _, r := range t.Relations {
			if !validName(r.Name) {
				return nil, fmt.Errorf("%w: type %q: invalid relation name %q", ErrInvalidSchema, t.Name, r.Name)
			}
			k := relKey{t.Name, r.Name}
			if s.rels[k] != nil {
				return nil, fmt.Errorf("%w: relation %s#%s declared twice", ErrInvalidSchema, t.Name, r.Name)
			}
			cr := Relation{Name: r.Name, Direct: slices.Clone(r.Direct), Computed: slices.Clone(r.Computed), Arrows: slices.Clone(r.Arrows)}
			s.rels[k] = &relDef{Relation: cr, direct: make(map[string]bool, len(r.Direct))}
			ct.Relations = append(ct.Relations, cr)
		}
		s.types = append(s.types, ct)
	}
	for _, t := range s.types {
		for _, r := range t.Relations {
			if err := s.check(t.Name, s.rels[relKey{t.Name, r.Name}]); err != nil {
				return nil, fmt.Errorf("%w: relation %s#%s: %s", ErrInvalidSchema, t.Name, r.Name, err)
			}
		}
	}
	return s, nil
}

// MustNewSchema is like [NewSchema] but panics on an invalid schema, for
// schemas written in Go and built at start-up.
func MustNewSchema(types ...ObjectType) *Schema {
	s, err := NewSchema(types...)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// check validates the rewrites of relation r of type typ and records them
// in the reverse indexes.
func (s *Schema) check(typ string, r *relDef) error {
	if len(r.Direct)+len(r.Computed)+len(r.Arrows) == 0 {
		return fmt.Errorf("no direct subjects and no rewrite")
	}
	for _, d := range r.Direct {
		dt, drel, isSet := strings.Cut(d, "#")
		switch {
		case !s.declared[dt]:
			return fmt.Errorf("direct subject %q: undeclared type %q", d, dt)
		case isSet && s.rels[relKey{dt, drel}] == nil:
			return fmt.Errorf("direct subject %q: type %q has no relation %q", d, dt, drel)
		case r.direct[d]:
			return fmt.Errorf("direct subject %q listed twice", d)
		}
		r.direct[d] = true
	}
	for _, c := range r.Computed {
		switch {
		case c == r.Name:
			return fmt.Errorf("includes itself")
		case s.rels[relKey{typ, c}] == nil:
			return fmt.Errorf("includes %q, which type %q does not have", c, typ)
		case slices.Contains(s.computedBy[relKey{typ, c}], r.Name):
			return fmt.Errorf("includes %q twice", c)
		}
		s.computedBy[relKey{typ, c}] = append(s.computedBy[relKey{typ, c}], r.Name)
	}
	for _, a := range r.Arrows {
		via := s.rels[relKey{typ, a.Via}]
		if via == nil {
			return fmt.Errorf("arrow %s->%s: type %q has no relation %q", a.Via, a.Relation, typ, a.Via)
		}
		if len(via.Computed) > 0 || len(via.Arrows) > 0 || len(via.Direct) == 0 {
			return fmt.Errorf("arrow %s->%s: %q must have only direct subjects", a.Via, a.Relation, a.Via)
		}
		for _, d := range via.Direct {
			if strings.Contains(d, "#") {
				return fmt.Errorf("arrow %s->%s: %q must name objects, not the userset %q", a.Via, a.Relation, a.Via, d)
			}
			if s.rels[relKey{d, a.Relation}] == nil {
				return fmt.Errorf("arrow %s->%s: type %q, which %q may name, has no relation %q", a.Via, a.Relation, d, a.Via, a.Relation)
			}
			k := relKey{d, a.Relation}
			af := arrowFrom{typ: typ, rel: r.Name, via: a.Via}
			if slices.Contains(s.arrowsTo[k], af) {
				return fmt.Errorf("arrow %s->%s listed twice", a.Via, a.Relation)
			}
			s.arrowsTo[k] = append(s.arrowsTo[k], af)
		}
	}
	return nil
}

// Types returns a copy of the schema's types, in their declared order.
func (s *Schema) Types() []ObjectType {
	if s == nil {
		return nil
	}
	out := make([]ObjectType, len(s.types))
	for i, t := range s.types {
		out[i] = ObjectType{Name: t.Name}
		for _, r := range t.Relations {
			out[i].Relations = append(out[i].Relations, Relation{
				Name: r.Name, Direct: slices.Clone(r.Direct), Computed: slices.Clone(r.Computed), Arrows: slices.Clone(r.Arrows),
			})
		}
	}
	return out
}

// HasRelation reports whether objects of type typ have relation rel.
func (s *Schema) HasRelation(typ, rel string) bool {
	return s != nil && s.rels[relKey{typ, rel}] != nil
}

// relation returns the definition of typ#rel, or nil.
func (s *Schema) relation(typ, rel string) *relDef {
	if s == nil {
		return nil
	}
	return s.rels[relKey{typ, rel}]
}

// hasType reports whether typ is declared.
func (s *Schema) hasType(typ string) bool {
	return s != nil && s.declared[typ]
}

// validateTuple returns an error when t is malformed or the schema does
// not allow it: an undeclared type, a relation the object's type does not
// have, or a subject the relation's Direct list does not name.
func (s *Schema) validateTuple(t Tuple) error {
	if err := t.validate(); err != nil {
		return err
	}
	r := s.relation(t.Object.Type, t.Relation)
	switch {
	case !s.hasType(t.Object.Type):
		return fmt.Errorf("%w: tuple %q: undeclared type %q", ErrUnknownRelation, t, t.Object.Type)
	case r == nil:
		return fmt.Errorf("%w: tuple %q: type %q has no relation %q", ErrUnknownRelation, t, t.Object.Type, t.Relation)
	}
	want := t.Subject.Type
	if t.Subject.Relation != "" {
		want += "#" + t.Subject.Relation
	}
	if !r.direct[want] {
		return fmt.Errorf("%w: tuple %q: %s#%s does not accept %q subjects", ErrNotAllowed, t, t.Object.Type, t.Relation, want)
	}
	return nil
}

// String returns the schema in the text form [ParseSchema] reads.
func (s *Schema) String() string {
	var b strings.Builder
	for i, t := range s.Types() {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("type " + t.Name + "\n")
		for _, r := range t.Relations {
			b.WriteString("  relation " + r.Name + ":")
			var terms []string
			if len(r.Direct) > 0 {
				terms = append(terms, "["+strings.Join(r.Direct, ", ")+"]")
			}
			terms = append(terms, r.Computed...)
			for _, a := range r.Arrows {
				terms = append(terms, a.Via+"->"+a.Relation)
			}
			b.WriteString(" " + strings.Join(terms, " | ") + "\n")
		}
	}
	return b.String()
}

// ParseSchema reads a schema in its text form:
//
//	type user
//
//	type group
//	  relation member: [user, group#member]
//
//	type folder
//	  relation owner: [user]
//	  relation parent: [folder]
//	  relation viewer: [user, group#member] | owner | parent->viewer
//
// Each "type" line declares a type; the "relation" lines under it declare
// its relations as a union of terms separated by '|': at most one
// bracketed list of direct subject types ([Relation.Direct]), relation
// names of the same type ([Relation.Computed]) and arrows via->relation
// ([Relation.Arrows]). Blank lines and lines starting with "//" are
// ignored; indentation is free. The result is validated as [NewSchema]
// does. Errors wrap [ErrInvalidSchema] and give the line number.
func ParseSchema(src string) (*Schema, error) {
	var types []ObjectType
	for n, line := range strings.Split(src, "\n") {
		lineNo := n + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		kw, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch kw {
		case "type":
			if !validName(rest) {
				return nil, fmt.Errorf("%w: line %d: invalid type name %q", ErrInvalidSchema, lineNo, rest)
			}
			types = append(types, ObjectType{Name: rest})
		case "relation":
			if len(types) == 0 {
				return nil, fmt.Errorf("%w: line %d: relation before any type", ErrInvalidSchema, lineNo)
			}
			r, err := parseRelation(rest)
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: %s", ErrInvalidSchema, lineNo, err)
			}
			t := &types[len(types)-1]
			t.Relations = append(t.Relations, r)
		default:
			return nil, fmt.Errorf("%w: line %d: want \"type\" or \"relation\", got %q", ErrInvalidSchema, lineNo, kw)
		}
	}
	return NewSchema(types...)
}

// MustParseSchema is like [ParseSchema] but panics on an invalid schema.
func MustParseSchema(src string) *Schema {
	s, err := ParseSchema(src)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// parseRelation parses "name: term | term ...".
func parseRelation(s string) (Relation, error) {
	name, expr, ok := strings.Cut(s, ":")
	if !ok {
		return Relation{}, fmt.Errorf("relation %q: no ':' after the name", s)
	}
	r := Relation{Name: strings.TrimSpace(name)}
	if !validName(r.Name) {
		return Relation{}, fmt.Errorf("invalid relation name %q", r.Name)
	}
	sawDirect := false
	for term := range strings.SplitSeq(expr, "|") {
		term = strings.TrimSpace(term)
		switch {
		case strings.HasPrefix(term, "["):
			if sawDirect {
				return Relation{}, fmt.Errorf("relation %q: two lists of direct subjects", r.Name)
			}
			sawDirect = true
			list, ok := strings.CutSuffix(term[1:], "]")
			if !ok {
				return Relation{}, fmt.Errorf("relation %q: unterminated '['", r.Name)
			}
			for d := range strings.SplitSeq(list, ",") {
				d = strings.TrimSpace(d)
				typ, rel, isSet := strings.Cut(d, "#")
				if !validName(typ) || (isSet && !validName(rel)) {
					return Relation{}, fmt.Errorf("relation %q: invalid direct subject %q", r.Name, d)
				}
				r.Direct = append(r.Direct, d)
			}
		case strings.Contains(term, "->"):
			via, rel, _ := strings.Cut(term, "->")
			via, rel = strings.TrimSpace(via), strings.TrimSpace(rel)
			if !validName(via) || !validName(rel) {
				return Relation{}, fmt.Errorf("relation %q: invalid arrow %q", r.Name, term)
			}
			r.Arrows = append(r.Arrows, Arrow{Via: via, Relation: rel})
		case validName(term):
			r.Computed = append(r.Computed, term)
		default:
			return Relation{}, fmt.Errorf("relation %q: invalid term %q", r.Name, term)
		}
	}
	return r, nil
}
