// Package apikeytest checks an implementation of [apikey.Store] against
// the contract documented on the interface. Every store in keel runs it:
//
//	func TestStore(t *testing.T) {
//		apikeytest.Run(t, func(t *testing.T) apikey.Store {
//			return apikey.NewMemoryStore()
//		})
//	}
//
// newStore must return an empty store for each call.
package apikeytest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/auth/apikey"
	"github.com/keel-go/keel/errors"
)

// Run runs the conformance cases against stores made by newStore, each
// case in its own subtest with its own store.
func Run(t *testing.T, newStore func(t *testing.T) apikey.Store) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, s apikey.Store)
	}{
		{"CreateGet", testCreateGet},
		{"Duplicate", testDuplicate},
		{"GetMissing", testGetMissing},
		{"ListByOwner", testListByOwner},
		{"Revoke", testRevoke},
		{"RevokeMissingDoesNotCreate", testRevokeMissing},
		{"MarkUsedAdvancesOnly", testMarkUsed},
		{"MarkUsedMissingDoesNotCreate", testMarkUsedMissing},
		{"Copies", testCopies},
		{"ConcurrentMarkUsed", testConcurrentMarkUsed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newStore(t))
		})
	}
}

// NewKey returns a key of owner with a random ID and hash, created now,
// expiring in a day, never used and not revoked.
func NewKey(owner string) apikey.Key {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	sum := sha256.Sum256(b[:])
	now := time.Now()
	return apikey.Key{
		ID:        hex.EncodeToString(b[:4]),
		Owner:     owner,
		Scopes:    []string{"orders:read", "orders:write"},
		CreatedAt: now,
		ExpiresAt: now.Add(24 * time.Hour),
		Hash:      sum[:],
	}
}

func testCreateGet(t *testing.T, s apikey.Store) {
	want := NewKey("alice")
	mustCreate(t, s, want)
	checkEqual(t, mustGet(t, s, want.ID), want)
	never := NewKey("alice")
	never.ExpiresAt = time.Time{}
	never.Scopes = nil
	mustCreate(t, s, never)
	checkEqual(t, mustGet(t, s, never.ID), never)
}

func testDuplicate(t *testing.T, s apikey.Store) {
	k := NewKey("alice")
	mustCreate(t, s, k)
	other := NewKey("mallory")
	other.ID = k.ID
	if err := s.Create(context.Background(), other); !errors.Is(err, apikey.ErrDuplicate) {
		t.Fatalf("Create(taken ID) = %v, want ErrDuplicate", err)
	}
	checkEqual(t, mustGet(t, s, k.ID), k)
	if got := mustList(t, s, "mallory"); len(got) != 0 {
		t.Fatalf("ListByOwner(mallory) after a refused Create = %d keys, want 0", len(got))
	}
}

func testGetMissing(t *testing.T, s apikey.Store) {
	k, ok, err := s.Get(context.Background(), "nothere")
	if err != nil || ok {
		t.Fatalf("Get(missing) = %+v, %v, %v, want zero, false, nil", k, ok, err)
	}
}

func testListByOwner(t *testing.T, s apikey.Store) {
	var alice []string
	for range 3 {
		k := NewKey("alice")
		mustCreate(t, s, k)
		alice = append(alice, k.ID)
	}
	bob := NewKey("bob")
	mustCreate(t, s, bob)
	slices.Sort(alice)
	if got := ids(mustList(t, s, "alice")); !slices.Equal(got, alice) {
		t.Fatalf("ListByOwner(alice) = %v, want %v", got, alice)
	}
	if got := ids(mustList(t, s, "bob")); !slices.Equal(got, []string{bob.ID}) {
		t.Fatalf("ListByOwner(bob) = %v, want [%s]", got, bob.ID)
	}
	if got := mustList(t, s, "nobody"); len(got) != 0 {
		t.Fatalf("ListByOwner(nobody) = %d keys, want 0", len(got))
	}
	for _, k := range mustList(t, s, "alice") {
		if k.Owner != "alice" || len(k.Hash) != sha256.Size || len(k.Scopes) != 2 {
			t.Fatalf("listed key = %+v, want a full key of alice", k)
		}
	}
}

func testRevoke(t *testing.T, s apikey.Store) {
	ctx := context.Background()
	k := NewKey("alice")
	mustCreate(t, s, k)
	first := time.Now().Add(time.Minute)
	ok, err := s.Revoke(ctx, k.ID, first)
	if err != nil || !ok {
		t.Fatalf("Revoke = %v, %v, want true, nil", ok, err)
	}
	ok, err = s.Revoke(ctx, k.ID, first.Add(time.Hour))
	if err != nil || !ok {
		t.Fatalf("second Revoke = %v, %v, want true, nil", ok, err)
	}
	want := k
	want.RevokedAt = first
	checkEqual(t, mustGet(t, s, k.ID), want)
	if got := mustList(t, s, "alice"); len(got) != 1 || !got[0].RevokedAt.Equal(first) {
		t.Fatalf("ListByOwner after Revoke = %+v, want the key revoked at %v", got, first)
	}
}

func testRevokeMissing(t *testing.T, s apikey.Store) {
	ctx := context.Background()
	ok, err := s.Revoke(ctx, "nothere", time.Now())
	if err != nil || ok {
		t.Fatalf("Revoke(missing) = %v, %v, want false, nil", ok, err)
	}
	if _, ok, _ := s.Get(ctx, "nothere"); ok {
		t.Fatal("Revoke(missing) created a key")
	}
}

func testMarkUsed(t *testing.T, s apikey.Store) {
	ctx := context.Background()
	k := NewKey("alice")
	mustCreate(t, s, k)
	t1 := time.Now().Add(time.Minute)
	if err := s.MarkUsed(ctx, k.ID, t1); err != nil {
		t.Fatalf("MarkUsed = %v, want nil", err)
	}
	if err := s.MarkUsed(ctx, k.ID, t1.Add(-30*time.Second)); err != nil {
		t.Fatalf("MarkUsed(earlier) = %v, want nil", err)
	}
	want := k
	want.LastUsedAt = t1
	checkEqual(t, mustGet(t, s, k.ID), want)
	t2 := t1.Add(time.Nanosecond)
	if err := s.MarkUsed(ctx, k.ID, t2); err != nil {
		t.Fatal(err)
	}
	want.LastUsedAt = t2
	checkEqual(t, mustGet(t, s, k.ID), want)
}

func testMarkUsedMissing(t *testing.T, s apikey.Store) {
	ctx := context.Background()
	if err := s.MarkUsed(ctx, "nothere", time.Now()); err != nil {
		t.Fatalf("MarkUsed(missing) = %v, want nil", err)
	}
	if _, ok, _ := s.Get(ctx, "nothere"); ok {
		t.Fatal("MarkUsed(missing) created a key")
	}
}

func testCopies(t *testing.T, s apikey.Store) {
	k := NewKey("alice")
	want := NewKey("x")
	want.ID, want.Owner, want.CreatedAt, want.ExpiresAt = k.ID, k.Owner, k.CreatedAt, k.ExpiresAt
	want.Scopes, want.Hash = slices.Clone(k.Scopes), slices.Clone(k.Hash)
	mustCreate(t, s, k)
	k.Scopes[0] = "changed"
	k.Hash[0] ^= 0xff
	got := mustGet(t, s, k.ID)
	checkEqual(t, got, want)
	got.Scopes[0] = "changed"
	got.Hash[0] ^= 0xff
	checkEqual(t, mustGet(t, s, k.ID), want)
}

func testConcurrentMarkUsed(t *testing.T, s apikey.Store) {
	ctx := context.Background()
	k := NewKey("alice")
	mustCreate(t, s, k)
	base := time.Now()
	latest := base.Add(100 * time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Go(func() {
			if err := s.MarkUsed(ctx, k.ID, base.Add(time.Duration(i+1)*time.Second)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent MarkUsed: %v", err)
	}
	if got := mustGet(t, s, k.ID).LastUsedAt; !got.Equal(latest) {
		t.Fatalf("LastUsedAt after concurrent MarkUsed = %v, want the latest %v", got, latest)
	}
}

func mustCreate(tb testing.TB, s apikey.Store, k apikey.Key) {
	tb.Helper()
	if err := s.Create(context.Background(), k); err != nil {
		tb.Fatalf("Create = %v, want nil", err)
	}
}

func mustGet(tb testing.TB, s apikey.Store, id string) apikey.Key {
	tb.Helper()
	k, ok, err := s.Get(context.Background(), id)
	if err != nil || !ok {
		tb.Fatalf("Get(%s) = _, %v, %v, want true, nil", id, ok, err)
	}
	return k
}

func mustList(tb testing.TB, s apikey.Store, owner string) []apikey.Key {
	tb.Helper()
	keys, err := s.ListByOwner(context.Background(), owner)
	if err != nil {
		tb.Fatalf("ListByOwner(%s) = %v, want nil error", owner, err)
	}
	return keys
}

func ids(keys []apikey.Key) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k.ID)
	}
	slices.Sort(out)
	return out
}

// checkEqual compares two keys field by field; times compare with Equal.
func checkEqual(tb testing.TB, got, want apikey.Key) {
	tb.Helper()
	switch {
	case got.ID != want.ID || got.Owner != want.Owner:
		tb.Fatalf("key = %s of %s, want %s of %s", got.ID, got.Owner, want.ID, want.Owner)
	case !slices.Equal(got.Scopes, want.Scopes):
		tb.Fatalf("Scopes = %q, want %q", got.Scopes, want.Scopes)
	case !slices.Equal(got.Hash, want.Hash):
		tb.Fatalf("Hash = %x, want %x", got.Hash, want.Hash)
	case !got.CreatedAt.Equal(want.CreatedAt):
		tb.Fatalf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	case !got.ExpiresAt.Equal(want.ExpiresAt):
		tb.Fatalf("ExpiresAt = %v, want %v", got.ExpiresAt, want.ExpiresAt)
	case !got.LastUsedAt.Equal(want.LastUsedAt):
		tb.Fatalf("LastUsedAt = %v, want %v", got.LastUsedAt, want.LastUsedAt)
	case !got.RevokedAt.Equal(want.RevokedAt):
		tb.Fatalf("RevokedAt = %v, want %v", got.RevokedAt, want.RevokedAt)
	}
}
