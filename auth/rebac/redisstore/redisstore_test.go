package redisstore_test

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/keel-go/keel/auth/rebac"
	"github.com/keel-go/keel/auth/rebac/rebactest"
	"github.com/keel-go/keel/auth/rebac/redisstore"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newClient connects to KEEL_REDIS_URL, skipping the test when it is unset
// and failing it when Redis cannot be reached. It returns the client and a
// key prefix of the test's own, whose keys are deleted when it ends.
func newClient(t *testing.T) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("KEEL_REDIS_URL")
	if url == "" {
		t.Skip("set KEEL_REDIS_URL=redis://127.0.0.1:6379/0 to run against Redis")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("KEEL_REDIS_URL: %v", err)
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		t.Fatalf("Redis at KEEL_REDIS_URL unreachable: %v", err)
	}
	prefix := "keeltest:rebac:" + rand.Text()[:12] + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("cleaning up %s*: %v", prefix, err)
		}
		client.Close()
	})
	return client, prefix
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
