// Package sessiontest checks an implementation of [session.Store] against
// the contract documented on the interface. Every store in keel runs it:
//
//	func TestStore(t *testing.T) {
//		sessiontest.Run(t, func(t *testing.T) session.Store {
//			return session.NewMemoryStore(nil)
//		})
//	}
//
// newStore must return an empty store for each call, whose clock is the
// real time: the cases build records that expire an hour from now, and
// records that have already expired.
package sessiontest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/session"
)

// Run runs the conformance cases against stores made by newStore, each
// case in its own subtest with its own store.
func Run(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, s session.Store)
	}{
		{"CreateGet", testCreateGet},
		{"GetMissing", testGetMissing},
		{"Expired", testExpired},
		{"Touch", testTouch},
		{"TouchMissingDoesNotCreate", testTouchMissing},
		{"TouchIntoPastEnds", testTouchIntoPast},
		{"Update", testUpdate},
		{"UpdateMissingDoesNotCreate", testUpdateMissing},
		{"Delete", testDelete},
		{"ListByUser", testListByUser},
		{"DeleteByUser", testDeleteByUser},
		{"Copies", testCopies},
		{"Concurrent", testConcurrent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newStore(t))
		})
	}
}

// NewRecord returns a live record of userID with a random ID, created now
// and expiring in an hour, with a principal and some data.
func NewRecord(userID string) session.Record {
	var raw [32]byte
	_, _ = rand.Read(raw[:]) // never fails (crypto/rand, Go 1.24+)
	now := time.Now()
	return session.Record{
		ID:     base64.RawURLEncoding.EncodeToString(raw[:]),
		UserID: userID,
		Principal: &auth.Principal{
			Subject:    userID,
			Kind:       auth.KindUser,
			Roles:      []string{"admin", "viewer"},
			Scopes:     []string{"read"},
			Attributes: map[string]any{"tenant": "acme"},
			Methods:    []auth.Method{auth.MethodPassword, auth.MethodTOTP},
			AuthTime:   now.Add(-time.Second),
		},
		Data:      map[string]string{"theme": "dark", "csrf": "x"},
		CreatedAt: now.Add(-time.Minute),
		LastSeen:  now,
		ExpiresAt: now.Add(time.Hour),
	}
}

func testCreateGet(t *testing.T, s session.Store) {
	want := NewRecord("alice")
	mustCreate(t, s, want)
	got := mustGet(t, s, want.ID)
	checkEqual(t, got, want)
}

func testGetMissing(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec, ok, err := s.Get(ctx, NewRecord("x").ID)
	if err != nil || ok {
		t.Fatalf("Get(missing) = %+v, %v, %v, want zero, false, nil", rec, ok, err)
	}
}

func testExpired(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec := NewRecord("alice")
	rec.ExpiresAt = time.Now().Add(-time.Second)
	mustCreate(t, s, rec)
	if _, ok, err := s.Get(ctx, rec.ID); err != nil || ok {
		t.Fatalf("Get(expired) = _, %v, %v, want false, nil", ok, err)
	}
	if got := mustList(t, s, "alice"); len(got) != 0 {
		t.Fatalf("ListByUser after expiry = %d records, want 0", len(got))
	}
	if ok, err := s.Touch(ctx, rec.ID, time.Now(), time.Now().Add(time.Hour)); err != nil || ok {
		t.Fatalf("Touch(expired) = %v, %v, want false, nil", ok, err)
	}
	if _, ok, _ := s.Get(ctx, rec.ID); ok {
		t.Fatal("Touch brought an expired record back")
	}
}

func testTouch(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec := NewRecord("alice")
	mustCreate(t, s, rec)
	seen := rec.LastSeen.Add(90 * time.Second)
	exp := rec.ExpiresAt.Add(2 * time.Hour)
	ok, err := s.Touch(ctx, rec.ID, seen, exp)
	if err != nil || !ok {
		t.Fatalf("Touch = %v, %v, want true, nil", ok, err)
	}
	want := rec
	want.LastSeen, want.ExpiresAt = seen, exp
	checkEqual(t, mustGet(t, s, rec.ID), want)
	if got := mustList(t, s, "alice"); len(got) != 1 || !got[0].ExpiresAt.Equal(exp) {
		t.Fatalf("ListByUser after Touch = %+v, want one record expiring at %v", got, exp)
	}
}

func testTouchMissing(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec := NewRecord("alice")
	ok, err := s.Touch(ctx, rec.ID, time.Now(), time.Now().Add(time.Hour))
	if err != nil || ok {
		t.Fatalf("Touch(missing) = %v, %v, want false, nil", ok, err)
	}
	if _, ok, _ := s.Get(ctx, rec.ID); ok {
		t.Fatal("Touch(missing) created a record")
	}
	// A record deleted (logged out) stays deleted.
	mustCreate(t, s, rec)
	if err := s.Delete(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Touch(ctx, rec.ID, time.Now(), time.Now().Add(time.Hour)); err != nil || ok {
		t.Fatalf("Touch(deleted) = %v, %v, want false, nil", ok, err)
	}
	if _, ok, _ := s.Get(ctx, rec.ID); ok {
		t.Fatal("Touch brought a deleted record back")
	}
}

func testTouchIntoPast(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec := NewRecord("alice")
	mustCreate(t, s, rec)
	if _, err := s.Touch(ctx, rec.ID, time.Now(), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(ctx, rec.ID); err != nil || ok {
		t.Fatalf("Get after Touch into the past = _, %v, %v, want false, nil", ok, err)
	}
}

func testUpdate(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec := NewRecord("alice")
	mustCreate(t, s, rec)
	upd := session.Record{
		ID:        rec.ID,
		UserID:    rec.UserID,
		Principal: &auth.Principal{Subject: "alice", Kind: auth.KindUser, Roles: []string{"owner"}},
		Data:      map[string]string{"cart": "42"},
	}
	ok, err := s.Update(ctx, upd)
	if err != nil || !ok {
		t.Fatalf("Update = %v, %v, want true, nil", ok, err)
	}
	want := rec
	want.Principal, want.Data = upd.Principal, upd.Data
	checkEqual(t, mustGet(t, s, rec.ID), want)
}

func testUpdateMissing(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec := NewRecord("alice")
	ok, err := s.Update(ctx, rec)
	if err != nil || ok {
		t.Fatalf("Update(missing) = %v, %v, want false, nil", ok, err)
	}
	if _, ok, _ := s.Get(ctx, rec.ID); ok {
		t.Fatal("Update(missing) created a record")
	}
	if got := mustList(t, s, "alice"); len(got) != 0 {
		t.Fatalf("ListByUser after Update(missing) = %d records, want 0", len(got))
	}
}

func testDelete(t *testing.T, s session.Store) {
	ctx := context.Background()
	a, b := NewRecord("alice"), NewRecord("alice")
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatalf("Delete = %v, want nil", err)
	}
	if _, ok, _ := s.Get(ctx, a.ID); ok {
		t.Fatal("Get after Delete found the record")
	}
	if got := ids(mustList(t, s, "alice")); !slices.Equal(got, []string{b.ID}) {
		t.Fatalf("ListByUser after Delete = %v, want [%s]", got, b.ID)
	}
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatalf("Delete(missing) = %v, want nil", err)
	}
}

func testListByUser(t *testing.T, s session.Store) {
	var alice []string
	for range 3 {
		rec := NewRecord("alice")
		mustCreate(t, s, rec)
		alice = append(alice, rec.ID)
	}
	bob := NewRecord("bob")
	mustCreate(t, s, bob)
	slices.Sort(alice)
	if got := ids(mustList(t, s, "alice")); !slices.Equal(got, alice) {
		t.Fatalf("ListByUser(alice) = %v, want %v", got, alice)
	}
	if got := ids(mustList(t, s, "bob")); !slices.Equal(got, []string{bob.ID}) {
		t.Fatalf("ListByUser(bob) = %v, want [%s]", got, bob.ID)
	}
	if got := mustList(t, s, "nobody"); len(got) != 0 {
		t.Fatalf("ListByUser(nobody) = %d records, want 0", len(got))
	}
	for _, rec := range mustList(t, s, "alice") {
		if rec.UserID != "alice" || rec.Principal == nil || rec.Data["theme"] != "dark" {
			t.Fatalf("ListByUser record = %+v, want a full record of alice", rec)
		}
	}
}

func testDeleteByUser(t *testing.T, s session.Store) {
	ctx := context.Background()
	var alice []session.Record
	for range 3 {
		rec := NewRecord("alice")
		mustCreate(t, s, rec)
		alice = append(alice, rec)
	}
	bob := NewRecord("bob")
	mustCreate(t, s, bob)
	n, err := s.DeleteByUser(ctx, "alice")
	if err != nil || n != 3 {
		t.Fatalf("DeleteByUser = %d, %v, want 3, nil", n, err)
	}
	for _, rec := range alice {
		if _, ok, _ := s.Get(ctx, rec.ID); ok {
			t.Fatalf("Get(%s) after DeleteByUser found the record", rec.ID)
		}
	}
	if got := mustList(t, s, "alice"); len(got) != 0 {
		t.Fatalf("ListByUser after DeleteByUser = %d records, want 0", len(got))
	}
	mustGet(t, s, bob.ID)
	if n, err := s.DeleteByUser(ctx, "alice"); err != nil || n != 0 {
		t.Fatalf("second DeleteByUser = %d, %v, want 0, nil", n, err)
	}
}

func testCopies(t *testing.T, s session.Store) {
	rec := NewRecord("alice")
	want := rec.Clone()
	mustCreate(t, s, rec)
	rec.Data["theme"] = "changed"
	rec.Principal.Roles[0] = "changed"
	got := mustGet(t, s, rec.ID)
	checkEqual(t, got, want)
	got.Data["theme"] = "changed again"
	got.Principal.Roles[0] = "changed again"
	checkEqual(t, mustGet(t, s, rec.ID), want)
}

func testConcurrent(t *testing.T, s session.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		user := fmt.Sprintf("user%d", g%2)
		var recs []session.Record
		for range 8 {
			recs = append(recs, NewRecord(user))
		}
		wg.Go(func() {
			for _, rec := range recs {
				if err := s.Create(ctx, rec); err != nil {
					errs <- err
					return
				}
				if _, err := s.Touch(ctx, rec.ID, time.Now(), time.Now().Add(time.Hour)); err != nil {
					errs <- err
					return
				}
				if _, err := s.Update(ctx, rec); err != nil {
					errs <- err
					return
				}
				if _, err := s.ListByUser(ctx, user); err != nil {
					errs <- err
					return
				}
				if err := s.Delete(ctx, rec.ID); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent use: %v", err)
	}
	for _, user := range []string{"user0", "user1"} {
		if got := mustList(t, s, user); len(got) != 0 {
			t.Fatalf("ListByUser(%s) after deleting everything = %d records, want 0", user, len(got))
		}
	}
}

func mustCreate(tb testing.TB, s session.Store, rec session.Record) {
	tb.Helper()
	if err := s.Create(context.Background(), rec); err != nil {
		tb.Fatalf("Create = %v, want nil", err)
	}
}

func mustGet(tb testing.TB, s session.Store, id string) session.Record {
	tb.Helper()
	rec, ok, err := s.Get(context.Background(), id)
	if err != nil || !ok {
		tb.Fatalf("Get(%s) = _, %v, %v, want true, nil", id, ok, err)
	}
	return rec
}

func mustList(tb testing.TB, s session.Store, user string) []session.Record {
	tb.Helper()
	recs, err := s.ListByUser(context.Background(), user)
	if err != nil {
		tb.Fatalf("ListByUser(%s) = %v, want nil error", user, err)
	}
	return recs
}

func ids(recs []session.Record) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

// checkEqual compares two records field by field; times compare with
// Equal, so that a store may drop the monotonic clock reading.
func checkEqual(tb testing.TB, got, want session.Record) {
	tb.Helper()
	switch {
	case got.ID != want.ID:
		tb.Fatalf("ID = %q, want %q", got.ID, want.ID)
	case got.UserID != want.UserID:
		tb.Fatalf("UserID = %q, want %q", got.UserID, want.UserID)
	case !maps.Equal(got.Data, want.Data):
		tb.Fatalf("Data = %v, want %v", got.Data, want.Data)
	case !got.CreatedAt.Equal(want.CreatedAt):
		tb.Fatalf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	case !got.LastSeen.Equal(want.LastSeen):
		tb.Fatalf("LastSeen = %v, want %v", got.LastSeen, want.LastSeen)
	case !got.ExpiresAt.Equal(want.ExpiresAt):
		tb.Fatalf("ExpiresAt = %v, want %v", got.ExpiresAt, want.ExpiresAt)
	}
	checkPrincipal(tb, got.Principal, want.Principal)
}

func checkPrincipal(tb testing.TB, got, want *auth.Principal) {
	tb.Helper()
	if (got == nil) != (want == nil) {
		tb.Fatalf("Principal = %+v, want %+v", got, want)
	}
	if got == nil {
		return
	}
	switch {
	case got.Subject != want.Subject || got.Kind != want.Kind || got.SessionID != want.SessionID:
		tb.Fatalf("Principal = %+v, want %+v", got, want)
	case !slices.Equal(got.Roles, want.Roles) || !slices.Equal(got.Scopes, want.Scopes) || !slices.Equal(got.Methods, want.Methods):
		tb.Fatalf("Principal = %+v, want %+v", got, want)
	case !got.AuthTime.Equal(want.AuthTime):
		tb.Fatalf("Principal.AuthTime = %v, want %v", got.AuthTime, want.AuthTime)
	case fmt.Sprint(got.Attributes) != fmt.Sprint(want.Attributes):
		tb.Fatalf("Principal.Attributes = %v, want %v", got.Attributes, want.Attributes)
	}
}
