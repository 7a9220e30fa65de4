package twolevel_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/rediscache"
	"github.com/keel-go/keel/cache/twolevel"
	"github.com/keel-go/keel/errors"
)

// noClear is a near cache without a Clear method.
type noClear struct{ cache.Cache[[]byte] }

func TestNewInvalid(t *testing.T) {
	client := unreachableClient(t)
	near, far := newMapNear(), newFar(t, client, "p:")
	tests := []struct {
		name      string
		near, far cache.Cache[[]byte]
		client    redis.UniversalClient
		opts      twolevel.Options
		want      string
	}{
		{"nil near", nil, far, client, twolevel.Options{}, "nil near"},
		{"nil far", near, nil, client, twolevel.Options{}, "nil far"},
		{"nil client", near, far, nil, twolevel.Options{}, "nil client"},
		{"near without Clear", noClear{near}, far, client, twolevel.Options{}, "no Clear method"},
		{"negative MaxNearTTL", near, far, client, twolevel.Options{MaxNearTTL: -time.Second}, "MaxNearTTL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := twolevel.New(tt.near, tt.far, tt.client, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				if c != nil {
					_ = c.Close()
				}
				t.Fatalf("New() error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// farWithoutExtras hides every method of a far cache beyond cache.Cache:
// no Prefix, no GetWithTTL.
type farWithoutExtras struct{ cache.Cache[[]byte] }

// TestChannel needs no server: the subscriber keeps failing to connect
// until Close stops it.
func TestChannel(t *testing.T) {
	client := unreachableClient(t)
	far := newFar(t, client, "myapp:users:")
	tests := []struct {
		name string
		far  cache.Cache[[]byte]
		opts twolevel.Options
		want string
	}{
		{"from the far prefix", far, twolevel.Options{}, "myapp:users:invalidate"},
		{"default", farWithoutExtras{far}, twolevel.Options{}, twolevel.DefaultChannel},
		{"explicit", far, twolevel.Options{Channel: "mine"}, "mine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := twolevel.New(newMapNear(), tt.far, client, tt.opts)
			if err != nil {
				t.Fatalf("New() = %v", err)
			}
			defer c.Close()
			if got := c.Channel(); got != tt.want {
				t.Errorf("Channel() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRedisDown checks that the subscriber reports its failures and
// that Close stops it while it retries, and that reads and writes go to
// the far cache without touching the near cache while it is not
// subscribed.
func TestRedisDown(t *testing.T) {
	client := unreachableClient(t)
	near := newMapNear()
	errs := make(chan error, 100)
	c, err := twolevel.New[[]byte](near, newMapNear(), client, twolevel.Options{
		OnError: func(err error) {
			select {
			case errs <- err:
			default:
			}
		},
	})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "twolevel:") {
			t.Errorf("OnError got %v, want an error prefixed twolevel:", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnError not called within 10s while Redis is unreachable")
	}
	ctx := context.Background()
	if err := c.Set(ctx, "k", []byte("v"), 0); err == nil || !strings.Contains(err.Error(), "publish") {
		t.Errorf("Set() = %v, want a publish error", err)
	}
	if v, ok, err := c.Get(ctx, "k"); err != nil || !ok || string(v) != "v" {
		t.Errorf("Get() = %q, %v, %v, want v from the far cache", v, ok, err)
	}
	if near.Len() != 0 {
		t.Errorf("near cache has %d entries while unsubscribed, want 0", near.Len())
	}
	done := make(chan struct{})
	go func() {
		_ = c.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close() did not return within 10s")
	}
}

func TestClosed(t *testing.T) {
	client := redisClient(t, "")
	in := newInstance(t, client, testPrefix(t, client), twolevel.Options{})
	for i := range 2 {
		if err := in.Close(); err != nil {
			t.Fatalf("Close() #%d = %v, want nil", i+1, err)
		}
	}
	ctx := context.Background()
	if _, _, err := in.Get(ctx, "k"); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Get after Close = %v, want cache.ErrClosed", err)
	}
	if err := in.Set(ctx, "k", []byte("v"), 0); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Set after Close = %v, want cache.ErrClosed", err)
	}
	if err := in.Delete(ctx, "k"); !errors.Is(err, cache.ErrClosed) {
		t.Errorf("Delete after Close = %v, want cache.ErrClosed", err)
	}
	if _, _, err := in.near.Get(ctx, "k"); err != nil {
		t.Errorf("near.Get after Close = %v, want nil: Close leaves the near cache open", err)
	}
	if _, _, err := in.far.Get(ctx, "k"); err != nil {
		t.Errorf("far.Get after Close = %v, want nil: Close leaves the far cache open", err)
	}
	if err := client.Ping(ctx).Err(); err != nil {
		t.Errorf("client.Ping after Close = %v, want nil: Close leaves the client open", err)
	}
}

// TestCrossInstance runs two instances over one Redis: a write on B
// reaches A, whose near cache held the old value.
func TestCrossInstance(t *testing.T) {
	clientA, clientB := redisClient(t, ""), redisClient(t, "")
	prefix := testPrefix(t, clientA)
	a := newInstance(t, clientA, prefix, twolevel.Options{})
	b := newInstance(t, clientB, prefix, twolevel.Options{})
	ctx := context.Background()

	if err := a.Set(ctx, "k", []byte("v1"), 0); err != nil {
		t.Fatalf("a.Set() = %v", err)
	}
	waitSubscribed(t, a, "k")
	if v, _, _ := a.near.Get(ctx, "k"); string(v) != "v1" {
		t.Fatalf("a's near cache holds %q, want v1", v)
	}

	if err := b.Set(ctx, "k", []byte("v2"), 0); err != nil {
		t.Fatalf("b.Set() = %v", err)
	}
	eventually(t, "a.Get to return b's value", func() bool {
		v, _, err := a.Get(ctx, "k")
		if err != nil {
			t.Fatalf("a.Get() = %v", err)
		}
		return string(v) == "v2"
	})

	waitSubscribed(t, a, "k") // a caches v2 again
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatalf("b.Delete() = %v", err)
	}
	eventually(t, "a.Get to miss after b's Delete", func() bool {
		_, ok, err := a.Get(ctx, "k")
		if err != nil {
			t.Fatalf("a.Get() = %v", err)
		}
		return !ok
	})

	waitSubscribed(t, a, "k")
	if err := b.Set(ctx, "k", []byte("gone"), -1); err != nil {
		t.Fatalf("b.Set(negative ttl) = %v", err)
	}
	eventually(t, "a.Get to miss after b's Set with a negative ttl", func() bool {
		_, ok, _ := a.Get(ctx, "k")
		return !ok
	})
}

// TestOwnMessagesIgnored checks that an instance does not drop from its
// near cache the value it has just written when its own invalidation
// comes back. Messages on a channel arrive in publish order, so once A has
// applied B's later invalidation it has seen its own.
func TestOwnMessagesIgnored(t *testing.T) {
	clientA, clientB := redisClient(t, ""), redisClient(t, "")
	prefix := testPrefix(t, clientA)
	a := newInstance(t, clientA, prefix, twolevel.Options{})
	b := newInstance(t, clientB, prefix, twolevel.Options{})
	ctx := context.Background()
	waitSubscribed(t, a, "marker")

	if err := a.Set(ctx, "own", []byte("mine"), 0); err != nil {
		t.Fatal(err)
	}
	if !a.near.Has("own") {
		t.Fatal("a's near cache lacks the value a just set")
	}
	if err := b.Delete(ctx, "marker"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a to apply b's invalidation of marker", func() bool { return !a.near.Has("marker") })
	if !a.near.Has("own") {
		t.Error("a dropped its own write from its near cache on its own invalidation")
	}
}

// TestClearOnReconnect kills the subscriber's connection with CLIENT
// KILL; go-redis reconnects and resubscribes, and the near cache must be
// cleared, then filled again.
func TestClearOnReconnect(t *testing.T) {
	name := "keeltest-twolevel-" + rand.Text()
	client := redisClient(t, name)
	errs := make(chan error, 100)
	a := newInstance(t, client, testPrefix(t, client), twolevel.Options{
		OnError: func(err error) {
			select {
			case errs <- err:
			default:
			}
		},
	})
	ctx := context.Background()
	waitSubscribed(t, a, "k1")
	if err := a.Set(ctx, "k2", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if a.near.Len() != 2 {
		t.Fatalf("near cache has %d entries, want 2", a.near.Len())
	}

	killPubSub(t, client, name)
	eventually(t, "the near cache to be cleared after the reconnection", func() bool { return a.near.Len() == 0 })
	select {
	case err := <-errs:
		t.Logf("OnError: %v", err)
	default:
		t.Error("OnError not called for the lost connection")
	}
	waitSubscribed(t, a, "k1")
}

// killPubSub kills the pub/sub connections of the client called name, and
// only those: other tests share the server.
func killPubSub(tb testing.TB, client *redis.Client, name string) {
	tb.Helper()
	ctx := context.Background()
	list, err := client.Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text()
	if err != nil {
		tb.Fatalf("CLIENT LIST = %v", err)
	}
	killed := 0
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		var id, cname string
		for _, field := range strings.Fields(sc.Text()) {
			k, v, _ := strings.Cut(field, "=")
			switch k {
			case "id":
				id = v
			case "name":
				cname = v
			}
		}
		if cname != name {
			continue
		}
		if err := client.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
			tb.Fatalf("CLIENT KILL ID %s = %v", id, err)
		}
		killed++
	}
	if killed != 1 {
		tb.Fatalf("killed %d pub/sub connections named %q, want 1", killed, name)
	}
}

// TestMalformedMessageClears publishes garbage on the channel: the
// instance cannot tell which key changed, so it clears its near cache.
func TestMalformedMessageClears(t *testing.T) {
	client := redisClient(t, "")
	errs := make(chan error, 10)
	a := newInstance(t, client, testPrefix(t, client), twolevel.Options{
		OnError: func(err error) { errs <- err },
	})
	ctx := context.Background()
	waitSubscribed(t, a, "k")
	if err := client.Publish(ctx, a.Channel(), "garbage").Err(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the near cache to be cleared", func() bool { return a.near.Len() == 0 })
	select {
	case err := <-errs:
		if !errors.Is(err, twolevel.ErrMalformedMessage) {
			t.Errorf("OnError got %v, want ErrMalformedMessage", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("OnError not called for a malformed message")
	}
}

// TestNearTTL checks the TTL given to the near cache: the far entry's
// remaining TTL or the write's ttl, capped at MaxNearTTL.
func TestNearTTL(t *testing.T) {
	client := redisClient(t, "")
	prefix := testPrefix(t, client)
	const maxNear = 30 * time.Second
	a := newInstance(t, client, prefix, twolevel.Options{MaxNearTTL: maxNear})
	hidden := newMapNear()
	noTTL, err := twolevel.New[[]byte](hidden, farWithoutExtras{newFar(t, client, prefix)}, client, twolevel.Options{
		MaxNearTTL: maxNear,
		Channel:    a.Channel(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer noTTL.Close()
	ctx := context.Background()
	waitSubscribed(t, a, "probe")
	waitSubscribed(t, &instance{Cache: noTTL, near: hidden, far: a.far}, "probe")

	tests := []struct {
		name     string
		in       *instance
		farTTL   time.Duration // set in the far cache directly, then read
		min, max time.Duration
	}{
		{"far TTL below the cap", a, 10 * time.Second, 9 * time.Second, 10 * time.Second},
		{"far TTL above the cap", a, time.Hour, maxNear, maxNear},
		{"no far TTL", a, 0, maxNear, maxNear},
		{"far without GetWithTTL", &instance{Cache: noTTL, near: hidden}, 10 * time.Second, maxNear, maxNear},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "read" + string(rune('a'+i))
			if err := a.far.Set(ctx, key, []byte("v"), tt.farTTL); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := tt.in.Get(ctx, key); err != nil || !ok {
				t.Fatalf("Get() = %v, %v, want a hit", ok, err)
			}
			if got := tt.in.near.LastTTL(key); got < tt.min || got > tt.max {
				t.Errorf("near TTL after a read = %v, want within [%v, %v]", got, tt.min, tt.max)
			}
		})
	}

	writes := []struct {
		ttl      time.Duration
		min, max time.Duration
	}{
		{5 * time.Second, 4 * time.Second, 5 * time.Second},
		{time.Hour, maxNear, maxNear},
		{0, maxNear, maxNear},
	}
	for _, tt := range writes {
		if err := a.Set(ctx, "w", []byte("v"), tt.ttl); err != nil {
			t.Fatal(err)
		}
		if got := a.near.LastTTL("w"); got < tt.min || got > tt.max {
			t.Errorf("near TTL after Set(ttl %v) = %v, want within [%v, %v]", tt.ttl, got, tt.min, tt.max)
		}
	}
}

// blockingFar is a far cache whose reads wait, once armed, until the test
// releases them.
type blockingFar struct {
	*rediscache.Cache[[]byte]
	mu      sync.Mutex
	entered chan struct{} // closed when an armed read reached the far cache
	release chan struct{}
}

func (f *blockingFar) arm() (entered, release chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entered, f.release = make(chan struct{}), make(chan struct{})
	return f.entered, f.release
}

func (f *blockingFar) GetWithTTL(ctx context.Context, key string) ([]byte, time.Duration, bool, error) {
	v, ttl, ok, err := f.Cache.GetWithTTL(ctx, key)
	f.mu.Lock()
	entered, release := f.entered, f.release
	f.entered, f.release = nil, nil
	f.mu.Unlock()
	if entered != nil {
		close(entered)
		<-release
	}
	return v, ttl, ok, err
}

// TestSlowReadDoesNotRefill checks that a read of the far cache that
// overlaps a change of its key does not put the value it read into the
// near cache, whether the change is local or comes from another instance.
func TestSlowReadDoesNotRefill(t *testing.T) {
	clientA, clientB := redisClient(t, ""), redisClient(t, "")
	prefix := testPrefix(t, clientA)
	ctx := context.Background()
	near := newMapNear()
	far := &blockingFar{Cache: newFar(t, clientA, prefix)}
	c, err := twolevel.New[[]byte](near, far, clientA, twolevel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a := &instance{Cache: c, near: near, far: far.Cache}
	b := newInstance(t, clientB, prefix, twolevel.Options{})
	waitSubscribed(t, a, "marker")

	changes := []struct {
		name   string
		change func()
	}{
		{"local Delete", func() {
			if err := a.Delete(ctx, "k"); err != nil {
				t.Fatal(err)
			}
		}},
		{"local Set", func() {
			if err := a.Set(ctx, "k", []byte("new"), 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"remote Set", func() {
			waitSubscribed(t, a, "marker")
			if err := b.Set(ctx, "k", []byte("new"), 0); err != nil {
				t.Fatal(err)
			}
			if err := b.Delete(ctx, "marker"); err != nil {
				t.Fatal(err)
			}
			// Messages arrive in order: once marker is gone, so is k's
			// invalidation applied.
			eventually(t, "a to apply b's invalidations", func() bool { return !a.near.Has("marker") })
		}},
	}
	for _, tt := range changes {
		t.Run(tt.name, func(t *testing.T) {
			if err := far.Cache.Set(ctx, "k", []byte("old"), 0); err != nil {
				t.Fatal(err)
			}
			if err := near.Delete(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			entered, release := far.arm()
			got := make(chan string, 1)
			go func() {
				v, _, _ := a.Get(ctx, "k")
				got <- string(v)
			}()
			<-entered
			tt.change()
			close(release)
			if v := <-got; v != "old" {
				t.Fatalf("the slow Get returned %q, want old, the value it read", v)
			}
			if v, ok, _ := near.Get(ctx, "k"); ok && string(v) == "old" {
				t.Errorf("near cache holds %q after the slow read, want no old value", v)
			}
		})
	}
}

// TestPublishError checks that a write whose announcement fails reports
// it, after the far cache was written.
func TestPublishError(t *testing.T) {
	client := redisClient(t, "")
	far := newFar(t, client, testPrefix(t, client))
	c, err := twolevel.New[[]byte](newMapNear(), far, unreachableClient(t), twolevel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "k", []byte("v"), 0); err == nil || !strings.Contains(err.Error(), "publish") {
		t.Errorf("Set() = %v, want a publish error", err)
	}
	if v, ok, err := far.Get(ctx, "k"); err != nil || !ok || string(v) != "v" {
		t.Errorf("far.Get() = %q, %v, %v, want v: the write precedes the announcement", v, ok, err)
	}
	if err := c.Delete(ctx, "k"); err == nil || !strings.Contains(err.Error(), "publish") {
		t.Errorf("Delete() = %v, want a publish error", err)
	}
}
