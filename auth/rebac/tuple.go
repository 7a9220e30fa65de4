package rebac

import (
	"fmt"
	"strings"
)

// Limits on the parts of a tuple.
const (
	// MaxNameLen is the longest object type or relation name.
	MaxNameLen = 64
	// MaxIDLen is the longest object ID.
	MaxIDLen = 256
)

// Object is a thing relations are about: a document, a folder, a group,
// a user. Its text form is "type:id" ("doc:readme").
type Object struct {
	// Type is the object's type, a name declared in the [Schema]:
	// a lower-case letter, then lower-case letters, digits or '_'.
	Type string
	// ID identifies the object within its type: 1 to 256 printable ASCII
	// characters other than '#' (so "alice@example.com" and "urn:x:1"
	// are valid IDs).
	ID string
}

// String returns "type:id".
func (o Object) String() string { return o.Type + ":" + o.ID }

// Subject is who a relation tuple is about: an object (usually a user,
// "user:alice"), or a userset — every subject that has a relation to an
// object, "group:eng#member" — when Relation is set.
type Subject struct {
	// Object is the subject itself, or the object of the userset.
	Object
	// Relation is empty for a plain subject, and names the relation of
	// the userset otherwise.
	Relation string
}

// String returns "type:id" or "type:id#relation".
func (s Subject) String() string {
	if s.Relation == "" {
		return s.Object.String()
	}
	return s.Object.String() + "#" + s.Relation
}

// User returns the plain subject type:id, for example User("user", "alice").
func User(typ, id string) Subject { return Subject{Object: Object{Type: typ, ID: id}} }

// Userset returns the subject "every subject with relation to object",
// for example Userset(Object{"group", "eng"}, "member").
func Userset(object Object, relation string) Subject {
	return Subject{Object: object, Relation: relation}
}

// Tuple is a relation tuple, object#relation@subject: Subject has
// Relation to Object. "doc:readme#viewer@user:alice" says alice may view
// the readme; "doc:readme#viewer@group:eng#member" says every member of
// eng may.
type Tuple struct {
	Object   Object
	Relation string
	Subject  Subject
}

// String returns the tuple's text form, which [ParseTuple] reads back.
func (t Tuple) String() string {
	return t.Object.String() + "#" + t.Relation + "@" + t.Subject.String()
}

// ParseTuple parses "type:id#relation@type:id" or
// "type:id#relation@type:id#relation". It returns an error wrapping
// [ErrInvalidTuple] naming the part at fault. For every tuple it accepts,
// String returns s unchanged.
func ParseTuple(s string) (Tuple, error) {
	objPart, rest, ok := strings.Cut(s, "#")
	if !ok {
		return Tuple{}, fmt.Errorf("%w: %q: no '#' after the object", ErrInvalidTuple, s)
	}
	obj, err := ParseObject(objPart)
	if err != nil {
		return Tuple{}, fmt.Errorf("%w: %q: %w", ErrInvalidTuple, s, unwrapInvalid(err))
	}
	rel, subPart, ok := strings.Cut(rest, "@")
	if !ok {
		return Tuple{}, fmt.Errorf("%w: %q: no '@' after the relation", ErrInvalidTuple, s)
	}
	if !validName(rel) {
		return Tuple{}, fmt.Errorf("%w: %q: invalid relation name %q", ErrInvalidTuple, s, rel)
	}
	sub, err := ParseSubject(subPart)
	if err != nil {
		return Tuple{}, fmt.Errorf("%w: %q: %w", ErrInvalidTuple, s, unwrapInvalid(err))
	}
	return Tuple{Object: obj, Relation: rel, Subject: sub}, nil
}

// MustParseTuple is like [ParseTuple] but panics on a malformed tuple,
// for tuples written in code.
func MustParseTuple(s string) Tuple {
	t, err := ParseTuple(s)
	if err != nil {
		panic(err.Error())
	}
	return t
}

// ParseObject parses "type:id". It returns an error wrapping
// [ErrInvalidTuple].
func ParseObject(s string) (Object, error) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok {
		return Object{}, fmt.Errorf("%w: object %q: no ':' between type and ID", ErrInvalidTuple, s)
	}
	o := Object{Type: typ, ID: id}
	if err := o.validate(); err != nil {
		return Object{}, err
	}
	return o, nil
}

// ParseSubject parses "type:id" or "type:id#relation". It returns an
// error wrapping [ErrInvalidTuple].
func ParseSubject(s string) (Subject, error) {
	objPart, rel, isSet := strings.Cut(s, "#")
	obj, err := ParseObject(objPart)
	if err != nil {
		return Subject{}, err
	}
	sub := Subject{Object: obj, Relation: rel}
	if isSet && !validName(rel) {
		return Subject{}, fmt.Errorf("%w: subject %q: invalid relation name %q", ErrInvalidTuple, s, rel)
	}
	return sub, nil
}

// validate returns an error wrapping [ErrInvalidTuple] when o's type or
// ID is malformed.
func (o Object) validate() error {
	if !validName(o.Type) {
		return fmt.Errorf("%w: object %q: invalid type name %q", ErrInvalidTuple, o.String(), o.Type)
	}
	if !validID(o.ID) {
		return fmt.Errorf("%w: object %q: invalid ID", ErrInvalidTuple, o.String())
	}
	return nil
}

// validate returns an error wrapping [ErrInvalidTuple] when s is
// malformed.
func (s Subject) validate() error {
	if err := s.Object.validate(); err != nil {
		return err
	}
	if s.Relation != "" && !validName(s.Relation) {
		return fmt.Errorf("%w: subject %q: invalid relation name %q", ErrInvalidTuple, s.String(), s.Relation)
	}
	return nil
}

// validate returns an error wrapping [ErrInvalidTuple] when t is
// malformed.
func (t Tuple) validate() error {
	if err := t.Object.validate(); err != nil {
		return err
	}
	if !validName(t.Relation) {
		return fmt.Errorf("%w: tuple %q: invalid relation name %q", ErrInvalidTuple, t.String(), t.Relation)
	}
	return t.Subject.validate()
}

// validName reports whether s is a type or relation name: a lower-case
// ASCII letter, then up to 63 lower-case letters, digits or '_'.
func validName(s string) bool {
	if s == "" || len(s) > MaxNameLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// validID reports whether s is an object ID: 1 to 256 printable ASCII
// characters other than '#', which would make a tuple's text ambiguous.
func validID(s string) bool {
	if s == "" || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return false
		}
	}
	return true
}

// unwrapInvalid strips the [ErrInvalidTuple] prefix from err's text, for
// nesting a part's error inside a tuple's.
func unwrapInvalid(err error) error {
	return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), ErrInvalidTuple.Error()+": "))
}
