// Package rebactest is the conformance suite for [rebac.Store]
// implementations: every store runs [TestStore], the in-memory one in
// package rebac's tests, and a store in a database in its own.
//
//	func TestStore(t *testing.T) {
//		rebactest.TestStore(t, func(t *testing.T) rebac.Store {
//			return newTestStore(t) // an empty store, cleaned up by t.Cleanup
//		})
//	}
package rebactest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/keel-go/keel/auth/rebac"
)

// TestStore runs the conformance suite against the stores newStore
// returns, one fresh, empty store per subtest. The [rebac.DirectReader]
// subtest runs when the store implements that capability, and is skipped
// otherwise.
func TestStore(t *testing.T, newStore func(t *testing.T) rebac.Store) {
	ctx := context.Background()
	readme := rebac.Object{Type: "doc", ID: "readme"}
	alice := rebac.User("user", "alice")
	bob := rebac.User("user", "bob")
	eng := rebac.Userset(rebac.Object{Type: "group", ID: "eng"}, "member")
	engAsObject := rebac.User("group", "eng")

	t.Run("ReadEmpty", func(t *testing.T) {
		s := newStore(t)
		subs, err := s.Read(ctx, readme, "viewer")
		if err != nil || len(subs) != 0 {
			t.Errorf("Read(empty store) = %v, %v, want no subjects and no error", subs, err)
		}
		tuples, err := s.ReadBySubject(ctx, alice)
		if err != nil || len(tuples) != 0 {
			t.Errorf("ReadBySubject(empty store) = %v, %v, want no tuples and no error", tuples, err)
		}
	})

	t.Run("WriteThenRead", func(t *testing.T) {
		s := newStore(t)
		write(t, s, tuple(readme, "viewer", alice), tuple(readme, "viewer", eng), tuple(readme, "owner", bob))
		wantSubjects(t, s, readme, "viewer", alice, eng)
		wantSubjects(t, s, readme, "owner", bob)
		wantSubjects(t, s, readme, "editor")
		wantSubjects(t, s, rebac.Object{Type: "doc", ID: "other"}, "viewer")
	})

	t.Run("WriteIsIdempotent", func(t *testing.T) {
		s := newStore(t)
		write(t, s, tuple(readme, "viewer", alice))
		write(t, s, tuple(readme, "viewer", alice), tuple(readme, "viewer", alice))
		wantSubjects(t, s, readme, "viewer", alice)
		wantTuples(t, s, alice, tuple(readme, "viewer", alice))
	})

	t.Run("ReadBySubjectIsExact", func(t *testing.T) {
		s := newStore(t)
		folder := rebac.Object{Type: "folder", ID: "f1"}
		write(t, s,
			tuple(readme, "viewer", eng),
			tuple(readme, "parent", rebac.User("folder", "f1")),
			tuple(folder, "viewer", engAsObject),
			tuple(folder, "editor", rebac.Userset(rebac.Object{Type: "group", ID: "eng"}, "admin")),
			tuple(folder, "viewer", alice),
		)
		// The userset group:eng#member, the object group:eng and the
		// userset group:eng#admin are three different subjects.
		wantTuples(t, s, eng, tuple(readme, "viewer", eng))
		wantTuples(t, s, engAsObject, tuple(folder, "viewer", engAsObject))
		wantTuples(t, s, alice, tuple(folder, "viewer", alice))
		wantTuples(t, s, rebac.User("folder", "f1"), tuple(readme, "parent", rebac.User("folder", "f1")))
	})

	t.Run("DeleteRemovesBothWays", func(t *testing.T) {
		s := newStore(t)
		write(t, s, tuple(readme, "viewer", alice), tuple(readme, "viewer", bob), tuple(readme, "owner", alice))
		if err := s.Delete(ctx, tuple(readme, "viewer", alice)); err != nil {
			t.Fatalf("Delete() error = %v", err)
		}
		wantSubjects(t, s, readme, "viewer", bob)
		wantTuples(t, s, alice, tuple(readme, "owner", alice))
		if err := s.Delete(ctx, tuple(readme, "owner", alice), tuple(readme, "viewer", bob)); err != nil {
			t.Fatalf("Delete() error = %v", err)
		}
		wantSubjects(t, s, readme, "viewer")
		wantTuples(t, s, alice)
		wantTuples(t, s, bob)
	})

	t.Run("DeleteMissingIsNoError", func(t *testing.T) {
		s := newStore(t)
		if err := s.Delete(ctx, tuple(readme, "viewer", alice)); err != nil {
			t.Errorf("Delete(missing tuple) error = %v, want nil", err)
		}
		write(t, s, tuple(readme, "viewer", bob))
		if err := s.Delete(ctx, tuple(readme, "viewer", alice)); err != nil {
			t.Errorf("Delete(missing tuple) error = %v, want nil", err)
		}
		wantSubjects(t, s, readme, "viewer", bob)
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := newStore(t)
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Write(canceled, tuple(readme, "viewer", alice)); err == nil {
			t.Error("Write(canceled context) error = nil, want one")
		}
		if _, err := s.Read(canceled, readme, "viewer"); err == nil {
			t.Error("Read(canceled context) error = nil, want one")
		}
		if _, err := s.ReadBySubject(canceled, alice); err == nil {
			t.Error("ReadBySubject(canceled context) error = nil, want one")
		}
		if err := s.Delete(canceled, tuple(readme, "viewer", alice)); err == nil {
			t.Error("Delete(canceled context) error = nil, want one")
		}
	})

	t.Run("DirectReader", func(t *testing.T) {
		s := newStore(t)
		dr, ok := s.(rebac.DirectReader)
		if !ok {
			t.Skip("the store is not a rebac.DirectReader")
		}
		write(t, s, tuple(readme, "viewer", alice), tuple(readme, "viewer", eng), tuple(readme, "viewer", engAsObject))
		for _, tt := range []struct {
			t    rebac.Tuple
			want bool
		}{
			{tuple(readme, "viewer", alice), true},
			{tuple(readme, "viewer", eng), true},
			{tuple(readme, "viewer", engAsObject), true},
			{tuple(readme, "viewer", bob), false},
			{tuple(readme, "owner", alice), false},
			{tuple(readme, "viewer", rebac.Userset(rebac.Object{Type: "group", ID: "eng"}, "admin")), false},
		} {
			if got, err := dr.Has(ctx, tt.t); got != tt.want || err != nil {
				t.Errorf("Has(%s) = %v, %v, want %v, nil", tt.t, got, err, tt.want)
			}
		}
		got, err := dr.ReadUsersets(ctx, readme, "viewer")
		if err != nil {
			t.Fatalf("ReadUsersets() error = %v", err)
		}
		if g, w := sortedStrings(got), sortedStrings([]rebac.Subject{eng}); !slices.Equal(g, w) {
			t.Errorf("ReadUsersets(doc:readme#viewer) = %q, want %q", g, w)
		}
		if err := s.Delete(ctx, tuple(readme, "viewer", eng), tuple(readme, "viewer", alice)); err != nil {
			t.Fatal(err)
		}
		if got, err := dr.ReadUsersets(ctx, readme, "viewer"); len(got) != 0 || err != nil {
			t.Errorf("ReadUsersets() after Delete = %v, %v, want none", got, err)
		}
		if got, err := dr.Has(ctx, tuple(readme, "viewer", alice)); got || err != nil {
			t.Errorf("Has() after Delete = %v, %v, want false, nil", got, err)
		}
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := dr.Has(canceled, tuple(readme, "viewer", alice)); err == nil {
			t.Error("Has(canceled context) error = nil, want one")
		}
		if _, err := dr.ReadUsersets(canceled, readme, "viewer"); err == nil {
			t.Error("ReadUsersets(canceled context) error = nil, want one")
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 4 {
			wg.Go(func() {
				for i := range 50 {
					u := rebac.User("user", fmt.Sprintf("w%d-%d", w, i))
					if err := s.Write(ctx, tuple(readme, "viewer", u)); err != nil {
						errs <- err
						return
					}
					if _, err := s.Read(ctx, readme, "viewer"); err != nil {
						errs <- err
						return
					}
					if _, err := s.ReadBySubject(ctx, u); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent use: %v", err)
		}
		subs, err := s.Read(ctx, readme, "viewer")
		if err != nil || len(subs) != 200 {
			t.Errorf("after 200 concurrent writes: Read() = %d subjects, %v, want 200, nil", len(subs), err)
		}
	})
}

func tuple(o rebac.Object, rel string, s rebac.Subject) rebac.Tuple {
	return rebac.Tuple{Object: o, Relation: rel, Subject: s}
}

func write(t *testing.T, s rebac.Store, tuples ...rebac.Tuple) {
	t.Helper()
	if err := s.Write(context.Background(), tuples...); err != nil {
		t.Fatalf("Write(%v) error = %v", tuples, err)
	}
}

func wantSubjects(t *testing.T, s rebac.Store, o rebac.Object, rel string, want ...rebac.Subject) {
	t.Helper()
	got, err := s.Read(context.Background(), o, rel)
	if err != nil {
		t.Fatalf("Read(%s#%s) error = %v", o, rel, err)
	}
	if g, w := sortedStrings(got), sortedStrings(want); !slices.Equal(g, w) {
		t.Errorf("Read(%s#%s) = %q, want %q", o, rel, g, w)
	}
}

func wantTuples(t *testing.T, s rebac.Store, sub rebac.Subject, want ...rebac.Tuple) {
	t.Helper()
	got, err := s.ReadBySubject(context.Background(), sub)
	if err != nil {
		t.Fatalf("ReadBySubject(%s) error = %v", sub, err)
	}
	if g, w := sortedStrings(got), sortedStrings(want); !slices.Equal(g, w) {
		t.Errorf("ReadBySubject(%s) = %q, want %q", sub, g, w)
	}
}

func sortedStrings[T fmt.Stringer](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.String()
	}
	slices.SortFunc(out, strings.Compare)
	return out
}
