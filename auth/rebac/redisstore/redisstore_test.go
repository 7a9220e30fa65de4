package redisstore_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/keel-go/keel/auth/rebac"
	"github.com/keel-go/keel/auth/rebac/rebactest"
	"github.com/keel-go/keel/auth/rebac/redisstore"
	"github.com/keel-go/keel/internal/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newClient returns a client for KEEL_REDIS_URL and a key prefix of the
// test's own (see package redistest).
func newClient(t *testing.T) (*redis.Client, string) {
	return redistest.ClientPrefix(t, "rebac")
}

func newStore(t *testing.T) rebac.Store {
	client, prefix := newClient(t)
	s, err := redisstore.New(client, redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStore(t *testing.T) { rebactest.TestStore(t, newStore) }

// TestEngineOnRedis runs the classic document example through the engine
// with the Redis store, so that the DirectReader path is exercised too.
func TestEngineOnRedis(t *testing.T) {
	schema := rebac.MustParseSchema(`
		type user
		type group
		  relation member: [user, group#member]
		type folder
		  relation viewer: [user, group#member]
		type doc
		  relation parent: [folder]
		  relation owner: [user]
		  relation viewer: [user, group#member] | owner | parent->viewer
	`)
	store := newStore(t)
	e, err := rebac.New(schema, store, rebac.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, s := range []string{
		"group:eng#member@user:alice",
		"folder:plans#viewer@group:eng#member",
		"doc:readme#parent@folder:plans",
		"doc:readme#owner@user:carol",
	} {
		if err := e.Write(ctx, rebac.MustParseTuple(s)); err != nil {
			t.Fatalf("Write(%s): %v", s, err)
		}
	}
	readme := rebac.Object{Type: "doc", ID: "readme"}
	for _, tc := range []struct {
		user string
		want bool
	}{{"alice", true}, {"carol", true}, {"mallory", false}} {
		got, err := e.Check(ctx, readme, "viewer", rebac.User("user", tc.user))
		if err != nil || got != tc.want {
			t.Errorf("Check(readme viewer %s) = %v, %v; want %v", tc.user, got, err, tc.want)
		}
	}
	if err := e.Delete(ctx, rebac.MustParseTuple("group:eng#member@user:alice")); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Check(ctx, readme, "viewer", rebac.User("user", "alice")); got {
		t.Error("alice still views the readme after leaving the group")
	}
}

func TestNewRefusesBraces(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	if _, err := redisstore.New(client, redisstore.Options{Prefix: "a{b}:"}); err == nil {
		t.Error("New accepted a prefix with braces")
	}
	if _, err := redisstore.New(nil, redisstore.Options{}); err == nil {
		t.Error("New accepted a nil client")
	}
}
