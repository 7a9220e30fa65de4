package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/auth/jwtauth"
	"github.com/keel-go/keel/auth/jwtauth/jwtauthtest"
	"github.com/keel-go/keel/auth/jwtauth/redisstore"
	"github.com/keel-go/keel/internal/redistest"
)

func TestConformance(t *testing.T) {
	c := redistest.Client(t)
	jwtauthtest.Run(t, func(t *testing.T, now func() time.Time) jwtauth.Store {
		return redisstore.New(c, redisstore.Options{Prefix: redistest.Prefix(t, c, "jwtauth"), Now: now})
	})
}

func TestExpiries(t *testing.T) {
	c := redistest.Client(t)
	prefix := redistest.Prefix(t, c, "jwtauth")
	now := time.Now()
	s := redisstore.New(c, redisstore.Options{Prefix: prefix, Now: func() time.Time { return now }})
	ctx := context.Background()

	pttl := func(key string) time.Duration {
		t.Helper()
		d, err := c.PTTL(ctx, prefix+key).Result()
		if err != nil {
			t.Fatalf("PTTL %s: %v", key, err)
		}
		return d
	}
	near := func(name string, got, want time.Duration) {
		t.Helper()
		if got < want-5*time.Second || got > want {
			t.Errorf("%s expires in %v, want about %v", name, got, want)
		}
	}

	if err := s.RevokeJTI(ctx, "j1", now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	near("revoked jti", pttl("jti:j1"), 10*time.Minute)

	if err := s.RevokeFamily(ctx, "f1", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeFamily(ctx, "f1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	near("revoked family, after a shorter second revocation", pttl("fam:{f1}"), time.Hour)
	if err := s.RevokeFamily(ctx, "f1", now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	near("revoked family, after a longer second revocation", pttl("fam:{f1}"), 2*time.Hour)

	if err := s.UseRefresh(ctx, "f2", "r1", now.Add(7*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	near("used refresh token", pttl("used:{f2}:r1"), 7*24*time.Hour)
	if err := s.UseRefresh(ctx, "f2", "r2", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	near("used refresh token past its exp", pttl("used:{f2}:r2"), jwtauth.MinUsedMark)

	if err := s.RevokeJTI(ctx, "j2", now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(ctx, prefix+"jti:j2").Result(); n != 0 {
		t.Errorf("a revocation already expired was written")
	}
}

func TestPrefixIsolation(t *testing.T) {
	c := redistest.Client(t)
	a := redisstore.New(c, redisstore.Options{Prefix: redistest.Prefix(t, c, "jwtauth")})
	b := redisstore.New(c, redisstore.Options{Prefix: redistest.Prefix(t, c, "jwtauth")})
	ctx := context.Background()
	if err := a.RevokeFamily(ctx, "fam", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Revoked(ctx, "", "fam"); err != nil || got {
		t.Errorf("a store with another prefix sees Revoked = %v, %v; want false, nil", got, err)
	}
}

func TestUnreachableRedisIsAnError(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	defer c.Close()
	s := redisstore.New(c, redisstore.Options{})
	if _, err := s.Revoked(context.Background(), "j", "f"); err == nil {
		t.Errorf("Revoked against an unreachable Redis = nil error, want one")
	}
	if err := s.UseRefresh(context.Background(), "f", "j", time.Now().Add(time.Hour)); err == nil {
		t.Errorf("UseRefresh against an unreachable Redis = nil error, want one")
	}
}
