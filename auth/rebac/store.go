package rebac

import (
	"context"
	"sync"
)

// Store holds relation tuples. An [Engine] reads it to answer checks and
// writes it through [Engine.Write] and [Engine.Delete], which validate
// tuples against the schema first, so a store only stores. The package
// provides [MemoryStore]; a store in a database implements the same four
// calls over a table of (object type, object ID, relation, subject type,
// subject ID, subject relation) with an index for each read.
//
// The contract for implementers, checked by the rebactest package's
// conformance suite:
//
//   - Write and Delete apply all of their tuples or none. Writing a
//     tuple that is already there, or deleting one that is not, is not an
//     error.
//   - Read returns the subjects of every tuple object#relation@subject,
//     and ReadBySubject every tuple whose subject is exactly subject
//     (the same type, ID and relation), in any order, each once; none is
//     an empty result, not an error.
//   - A read after a Write or Delete has returned sees its effect.
//   - Every call honours ctx and is safe for concurrent use.
type Store interface {
	// Write adds tuples.
	Write(ctx context.Context, tuples ...Tuple) error
	// Delete removes tuples.
	Delete(ctx context.Context, tuples ...Tuple) error
	// Read returns the subjects that have relation to object.
	Read(ctx context.Context, object Object, relation string) ([]Subject, error)
	// ReadBySubject returns the tuples whose subject is subject, for
	// reverse lookups ([Engine.ListObjects]).
	ReadBySubject(ctx context.Context, subject Subject) ([]Tuple, error)
}

// DirectReader is an optional capability of a [Store], detected by
// [Engine.Check]: a store that can tell whether one tuple exists, and list
// only the usersets among a relation's subjects, lets a check visit a
// relation with two index lookups instead of reading every subject — the
// difference between one lookup and copying a group of ten thousand
// members. [MemoryStore] implements it; a database store implements it
// with a primary-key lookup and a query on the subject relation column.
//
// Its answers must agree with the Store's reads: Has(t) is true exactly
// when Read(t.Object, t.Relation) includes t.Subject, and ReadUsersets
// returns exactly the subjects of Read that have a Relation.
type DirectReader interface {
	// Has reports whether the tuple t is stored.
	Has(ctx context.Context, t Tuple) (bool, error)
	// ReadUsersets returns the userset subjects of object#relation.
	ReadUsersets(ctx context.Context, object Object, relation string) ([]Subject, error)
}

// MemoryStore is a [Store] in the process's memory, indexed both ways so
// that both reads cost a map lookup and a copy of the result. It is also a
// [DirectReader].
//
// The zero value is an empty store ready to use. A MemoryStore is safe
// for concurrent use and holds nothing that needs releasing.
type MemoryStore struct {
	mu        sync.RWMutex
	byObject  map[objectRel]map[Subject]struct{}
	usersets  map[objectRel]map[Subject]struct{} // the subjects of byObject that are usersets
	bySubject map[Subject]map[objectRel]struct{}
}

var (
	_ Store        = (*MemoryStore)(nil)
	_ DirectReader = (*MemoryStore)(nil)
)

// objectRel is object#relation, the key of a tuple's left side.
type objectRel struct {
	object   Object
	relation string
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

// Write adds tuples, all of them at once.
func (m *MemoryStore) Write(ctx context.Context, tuples ...Tuple) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byObject == nil {
		m.byObject = make(map[objectRel]map[Subject]struct{})
		m.usersets = make(map[objectRel]map[Subject]struct{})
		m.bySubject = make(map[Subject]map[objectRel]struct{})
	}
	for _, t := range tuples {
		k := objectRel{t.Object, t.Relation}
		addTo(m.byObject, k, t.Subject)
		if t.Subject.Relation != "" {
			addTo(m.usersets, k, t.Subject)
		}
		objs := m.bySubject[t.Subject]
		if objs == nil {
			objs = make(map[objectRel]struct{})
			m.bySubject[t.Subject] = objs
		}
		objs[k] = struct{}{}
	}
	return nil
}

// Delete removes tuples, all of them at once.
func (m *MemoryStore) Delete(ctx context.Context, tuples ...Tuple) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range tuples {
		k := objectRel{t.Object, t.Relation}
		removeFrom(m.byObject, k, t.Subject)
		removeFrom(m.usersets, k, t.Subject)
		if objs := m.bySubject[t.Subject]; objs != nil {
			delete(objs, k)
			if len(objs) == 0 {
				delete(m.bySubject, t.Subject)
			}
		}
	}
	return nil
}

// Read returns the subjects that have relation to object.
func (m *MemoryStore) Read(ctx context.Context, object Object, relation string) ([]Subject, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return subjects(m.byObject[objectRel{object, relation}]), nil
}

// Has reports whether the tuple t is stored.
func (m *MemoryStore) Has(ctx context.Context, t Tuple) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.byObject[objectRel{t.Object, t.Relation}][t.Subject]
	return ok, nil
}

// ReadUsersets returns the userset subjects of object#relation.
func (m *MemoryStore) ReadUsersets(ctx context.Context, object Object, relation string) ([]Subject, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return subjects(m.usersets[objectRel{object, relation}]), nil
}

// ReadBySubject returns the tuples whose subject is subject.
func (m *MemoryStore) ReadBySubject(ctx context.Context, subject Subject) ([]Tuple, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	objs := m.bySubject[subject]
	if len(objs) == 0 {
		return nil, nil
	}
	out := make([]Tuple, 0, len(objs))
	for k := range objs {
		out = append(out, Tuple{Object: k.object, Relation: k.relation, Subject: subject})
	}
	return out, nil
}

// Len returns the number of tuples in the store.
func (m *MemoryStore) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, subs := range m.byObject {
		n += len(subs)
	}
	return n
}

// addTo adds s to the set of k in index.
func addTo(index map[objectRel]map[Subject]struct{}, k objectRel, s Subject) {
	set := index[k]
	if set == nil {
		set = make(map[Subject]struct{})
		index[k] = set
	}
	set[s] = struct{}{}
}

// removeFrom removes s from the set of k in index, and the set when it
// becomes empty.
func removeFrom(index map[objectRel]map[Subject]struct{}, k objectRel, s Subject) {
	if set := index[k]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(index, k)
		}
	}
}

// subjects returns the members of set as a slice, nil when there are none.
func subjects(set map[Subject]struct{}) []Subject {
	if len(set) == 0 {
		return nil
	}
	out := make([]Subject, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	return out
}
