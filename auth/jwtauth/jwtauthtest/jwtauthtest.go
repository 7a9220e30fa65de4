// Package jwtauthtest checks that a [jwtauth.Store] keeps the contract the
// [jwtauth.Issuer] and [jwtauth.Verifier] rely on. Every store
// implementation runs it from its tests:
//
//	func TestStore(t *testing.T) {
//		jwtauthtest.Run(t, func(t *testing.T, now func() time.Time) jwtauth.Store {
//			return newStoreUnderTest(t, now)
//		})
//	}
package jwtauthtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/errors"
)

// NewStore returns an empty store that reads the time from now. Stores
// whose entries expire on their own (Redis) may use now only to compute
// expiry durations. The store must be cleaned up through t.Cleanup.
type NewStore func(t *testing.T, now func() time.Time) jwtauth.Store

// Run runs the conformance cases against stores from newStore, each case
// on a new store, in parallel subtests. It checks the results of every
// operation but not the expiry of entries over time, which a store whose
// clock the suite cannot move tests on its own.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, s jwtauth.Store, now time.Time)
	}{
		{"UseRefreshOnceThenReused", testUseRefresh},
		{"RevokeFamily", testRevokeFamily},
		{"RevokeJTI", testRevokeJTI},
		{"RevokedEmptyIDs", testRevokedEmpty},
		{"PastExpiryIsNoop", testPastExpiry},
		{"LaterRevocationKept", testLaterRevocation},
		{"ConcurrentUseRefresh", testConcurrentUse},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := time.Now().Truncate(time.Second)
			s := newStore(t, func() time.Time { return now })
			tc.run(t, s, now)
		})
	}
}

func testUseRefresh(t *testing.T, s jwtauth.Store, now time.Time) {
	ctx := context.Background()
	fam, jti, jti2 := id(), id(), id()
	exp := now.Add(time.Hour)
	if err := s.UseRefresh(ctx, fam, jti, exp); err != nil {
		t.Fatalf("first UseRefresh = %v, want nil", err)
	}
	if err := s.UseRefresh(ctx, fam, jti, exp); !errors.Is(err, jwtauth.ErrTokenReused) {
		t.Fatalf("second UseRefresh = %v, want ErrTokenReused", err)
	}
	if err := s.UseRefresh(ctx, fam, jti2, exp); err != nil {
		t.Fatalf("UseRefresh of another token of the family = %v, want nil", err)
	}
	if err := s.UseRefresh(ctx, id(), jti, exp); err != nil {
		t.Fatalf("UseRefresh of the same jti in another family = %v, want nil", err)
	}
	// Using tokens is not revoking them.
	if got, err := s.Revoked(ctx, jti, fam); err != nil || got {
		t.Fatalf("Revoked after use = %v, %v, want false, nil", got, err)
	}
	// An expiry already past still marks the token (for MinUsedMark).
	jti3 := id()
	if err := s.UseRefresh(ctx, fam, jti3, now.Add(-time.Second)); err != nil {
		t.Fatalf("UseRefresh with past exp = %v, want nil", err)
	}
	if err := s.UseRefresh(ctx, fam, jti3, now.Add(-time.Second)); !errors.Is(err, jwtauth.ErrTokenReused) {
		t.Fatalf("second UseRefresh with past exp = %v, want ErrTokenReused", err)
	}
}

func testRevokeFamily(t *testing.T, s jwtauth.Store, now time.Time) {
	ctx := context.Background()
	fam, other, jti := id(), id(), id()
	if err := s.UseRefresh(ctx, fam, jti, now.Add(time.Hour)); err != nil {
		t.Fatalf("UseRefresh = %v, want nil", err)
	}
	if err := s.RevokeFamily(ctx, fam, now.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeFamily = %v, want nil", err)
	}
	for _, tc := range []struct {
		jti, fam string
		want     bool
	}{
		{"", fam, true},
		{id(), fam, true},
		{"", other, false},
		{id(), other, false},
	} {
		if got, err := s.Revoked(ctx, tc.jti, tc.fam); err != nil || got != tc.want {
			t.Errorf("Revoked(%q, %q) = %v, %v, want %v, nil", tc.jti, tc.fam, got, err, tc.want)
		}
	}
	if err := s.UseRefresh(ctx, fam, id(), now.Add(time.Hour)); !errors.Is(err, jwtauth.ErrRevoked) {
		t.Errorf("UseRefresh of a new token in a revoked family = %v, want ErrRevoked", err)
	}
	if err := s.UseRefresh(ctx, fam, jti, now.Add(time.Hour)); !errors.Is(err, jwtauth.ErrRevoked) {
		t.Errorf("UseRefresh of a used token in a revoked family = %v, want ErrRevoked", err)
	}
	if err := s.UseRefresh(ctx, other, id(), now.Add(time.Hour)); err != nil {
		t.Errorf("UseRefresh in another family = %v, want nil", err)
	}
}

func testRevokeJTI(t *testing.T, s jwtauth.Store, now time.Time) {
	ctx := context.Background()
	jti, other, fam := id(), id(), id()
	if err := s.RevokeJTI(ctx, jti, now.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeJTI = %v, want nil", err)
	}
	for _, tc := range []struct {
		jti, fam string
		want     bool
	}{
		{jti, "", true},
		{jti, fam, true},
		{other, "", false},
		{other, fam, false},
		{"", fam, false},
	} {
		if got, err := s.Revoked(ctx, tc.jti, tc.fam); err != nil || got != tc.want {
			t.Errorf("Revoked(%q, %q) = %v, %v, want %v, nil", tc.jti, tc.fam, got, err, tc.want)
		}
	}
	// Revoking a jti revokes no family.
	if err := s.UseRefresh(ctx, fam, id(), now.Add(time.Hour)); err != nil {
		t.Errorf("UseRefresh after an unrelated RevokeJTI = %v, want nil", err)
	}
}

func testRevokedEmpty(t *testing.T, s jwtauth.Store, _ time.Time) {
	if got, err := s.Revoked(context.Background(), "", ""); err != nil || got {
		t.Errorf(`Revoked("", "") = %v, %v, want false, nil`, got, err)
	}
}

func testPastExpiry(t *testing.T, s jwtauth.Store, now time.Time) {
	ctx := context.Background()
	jti, fam := id(), id()
	if err := s.RevokeJTI(ctx, jti, now.Add(-time.Second)); err != nil {
		t.Fatalf("RevokeJTI in the past = %v, want nil", err)
	}
	if err := s.RevokeFamily(ctx, fam, now); err != nil {
		t.Fatalf("RevokeFamily until now = %v, want nil", err)
	}
	if got, err := s.Revoked(ctx, jti, fam); err != nil || got {
		t.Errorf("Revoked after revocations already expired = %v, %v, want false, nil", got, err)
	}
}

func testLaterRevocation(t *testing.T, s jwtauth.Store, now time.Time) {
	ctx := context.Background()
	fam := id()
	if err := s.RevokeFamily(ctx, fam, now.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeFamily = %v, want nil", err)
	}
	// A second, shorter revocation, or one already expired, must not lift
	// the first.
	if err := s.RevokeFamily(ctx, fam, now.Add(time.Minute)); err != nil {
		t.Fatalf("second RevokeFamily = %v, want nil", err)
	}
	if err := s.RevokeFamily(ctx, fam, now.Add(-time.Minute)); err != nil {
		t.Fatalf("third RevokeFamily = %v, want nil", err)
	}
	if got, err := s.Revoked(ctx, "", fam); err != nil || !got {
		t.Errorf("Revoked after a shorter second revocation = %v, %v, want true, nil", got, err)
	}
}

func testConcurrentUse(t *testing.T, s jwtauth.Store, now time.Time) {
	ctx := context.Background()
	fam, jti := id(), id()
	const n = 16
	var (
		wg             sync.WaitGroup
		mu             sync.Mutex
		ok, reused     int
		unexpectedErrs []error
	)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			err := s.UseRefresh(ctx, fam, jti, now.Add(time.Hour))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, jwtauth.ErrTokenReused):
				reused++
			default:
				unexpectedErrs = append(unexpectedErrs, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok != 1 || reused != n-1 || len(unexpectedErrs) > 0 {
		t.Errorf("%d concurrent UseRefresh: %d nil, %d ErrTokenReused, errors %v; want 1, %d, none", n, ok, reused, unexpectedErrs, n-1)
	}
}

func id() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
