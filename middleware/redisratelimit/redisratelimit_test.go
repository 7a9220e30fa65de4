package redisratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/middleware/redisratelimit"
)

// step is one call in a sequence run against both stores.
type step struct {
	advance time.Duration
	quota   middleware.Quota
}

// near reports whether two durations differ by at most 3 µs: the Redis
// store counts in microseconds since the epoch in Lua's doubles (a quarter
// of a microsecond apart) and rounds its durations up to whole
// microseconds, where the memory store counts nanoseconds.
func near(a, b time.Duration) bool {
	d := a - b
	return -3*time.Microsecond <= d && d <= 3*time.Microsecond
}

func TestMatchesMemoryStore(t *testing.T) {
	client := redisClient(t)
	perMinute3 := middleware.Quota{Rate: 3, Window: time.Minute}
	per10s2 := middleware.Quota{Rate: 2, Window: 10 * time.Second}
	odd := middleware.Quota{Rate: 7, Window: 3 * time.Second, Burst: 10}
	repeat := func(n int, s step) []step {
		out := make([]step, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"exhaust and refuse", repeat(5, step{0, perMinute3})},
		{"refill", []step{
			{0, per10s2}, {0, per10s2}, {0, per10s2},
			{4 * time.Second, per10s2},
			{500 * time.Millisecond, per10s2},
			{500 * time.Millisecond, per10s2},
			{time.Hour, per10s2},
			{2500 * time.Millisecond, per10s2},
		}},
		{"burst larger than rate, fractional interval", repeat(40, step{137 * time.Millisecond, odd})},
		{"burst lowered", []step{
			{0, middleware.Quota{Rate: 3, Window: time.Second}},
			{0, middleware.Quota{Rate: 3, Window: time.Second, Burst: 1}},
			{0, middleware.Quota{Rate: 3, Window: time.Second, Burst: 1}},
			{300 * time.Millisecond, middleware.Quota{Rate: 3, Window: time.Second, Burst: 1}},
			{34 * time.Millisecond, middleware.Quota{Rate: 3, Window: time.Second, Burst: 1}},
		}},
		{"burst raised", []step{
			{0, per10s2}, {0, per10s2},
			{0, middleware.Quota{Rate: 2, Window: 10 * time.Second, Burst: 5}},
			{5 * time.Second, middleware.Quota{Rate: 2, Window: 10 * time.Second, Burst: 5}},
			{time.Minute, middleware.Quota{Rate: 2, Window: 10 * time.Second, Burst: 5}},
			{0, middleware.Quota{Rate: 2, Window: 10 * time.Second, Burst: 5}},
		}},
		{"rate changed", []step{
			{0, per10s2}, {0, per10s2},
			{time.Second, middleware.Quota{Rate: 10, Window: 10 * time.Second, Burst: 2}},
			{time.Second, middleware.Quota{Rate: 10, Window: 10 * time.Second, Burst: 2}},
			{0, middleware.Quota{Rate: 10, Window: 10 * time.Second, Burst: 2}},
			{0, middleware.Quota{Rate: 1, Window: time.Minute, Burst: 2}},
			{30 * time.Second, middleware.Quota{Rate: 1, Window: time.Minute, Burst: 2}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			mem := middleware.NewMemoryRateLimitStore(middleware.MemoryRateLimitStoreOptions{})
			rs := newStore(t, client, redisratelimit.Options{CallerClock: true})
			ctx := context.Background()
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				want, err := mem.Allow(ctx, "k", s.quota, clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				got, err := rs.Allow(ctx, "k", s.quota, clock.Now())
				if err != nil {
					t.Fatalf("step %d: Allow: %v", i, err)
				}
				if got.Allowed != want.Allowed || got.Remaining != want.Remaining || !near(got.Reset, want.Reset) || !near(got.RetryAfter, want.RetryAfter) {
					t.Errorf("step %d (%+v): Redis %+v, want the memory store's %+v", i, s.quota, got, want)
				}
			}
		})
	}
}

func TestServerClock(t *testing.T) {
	client := redisClient(t)
	rs := newStore(t, client, redisratelimit.Options{})
	q := middleware.Quota{Rate: 3, Window: time.Hour} // one token every 20 minutes
	ctx := context.Background()
	// The time passed in is ignored: the server's clock counts.
	past := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	interval := 20 * time.Minute
	for i, want := range []struct {
		allowed   bool
		remaining int
	}{{true, 2}, {true, 1}, {true, 0}, {false, 0}, {false, 0}} {
		d, err := rs.Allow(ctx, "k", q, past)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed != want.allowed || d.Remaining != want.remaining {
			t.Errorf("call %d: %+v, want allowed %v with %d remaining", i, d, want.allowed, want.remaining)
		}
		// Nothing refills during the test: the next token is about one
		// interval away, less the time the test has run.
		if d.Reset > interval || d.Reset < interval-time.Minute {
			t.Errorf("call %d: Reset %v, want about %v", i, d.Reset, interval)
		}
		if d.Allowed && d.RetryAfter != 0 || !d.Allowed && d.RetryAfter != d.Reset {
			t.Errorf("call %d: RetryAfter %v with Reset %v, want 0 when allowed, Reset when refused", i, d.RetryAfter, d.Reset)
		}
	}
}

func TestConcurrentInstancesShareOneBucket(t *testing.T) {
	const (
		instances  = 4
		goroutines = 8
		calls      = 25 // 800 calls in all
		burst      = 100
	)
	base := redisClient(t) // skips without Redis
	prefix := testPrefix(t, base)
	q := middleware.Quota{Rate: burst, Window: 24 * time.Hour} // nothing refills
	var allowed, refused atomic.Int64
	var wg sync.WaitGroup
	for range instances {
		// Each instance has a client (a connection pool) of its own.
		client := redis.NewClient(base.Options())
		t.Cleanup(func() { client.Close() })
		rs := newStore(t, client, redisratelimit.Options{Prefix: prefix})
		for range goroutines {
			wg.Go(func() {
				for range calls {
					d, err := rs.Allow(context.Background(), "shared", q, time.Now())
					switch {
					case err != nil:
						t.Error(err)
						return
					case d.Allowed:
						allowed.Add(1)
					default:
						refused.Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	if a, r := allowed.Load(), refused.Load(); a != burst || a+r != instances*goroutines*calls {
		t.Errorf("%d allowed and %d refused of %d calls, want exactly %d allowed", a, r, instances*goroutines*calls, burst)
	}
}

func TestRefusedConsumesNothing(t *testing.T) {
	client := redisClient(t)
	rs := newStore(t, client, redisratelimit.Options{})
	q := middleware.Quota{Rate: 1, Window: time.Hour}
	ctx := context.Background()
	if d, err := rs.Allow(ctx, "k", q, time.Now()); err != nil || !d.Allowed {
		t.Fatalf("first call: %+v, %v, want allowed", d, err)
	}
	key := rs.Key("k")
	before, err := client.HGetAll(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	ttlBefore := client.PTTL(ctx, key).Val()
	var last middleware.RateDecision
	for range 20 {
		if last, err = rs.Allow(ctx, "k", q, time.Now()); err != nil || last.Allowed {
			t.Fatalf("refused call: %+v, %v, want refused", last, err)
		}
	}
	after, err := client.HGetAll(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("bucket %v after refusals, want it unchanged: %v", after, before)
	}
	if ttl := client.PTTL(ctx, key).Val(); ttl > ttlBefore {
		t.Errorf("PTTL %v after refusals, want no more than %v: refusals do not extend it", ttl, ttlBefore)
	}
	// Waiting RetryAfter is enough; a refused client was not pushed back.
	if last.RetryAfter > time.Hour || last.RetryAfter < 59*time.Minute {
		t.Errorf("RetryAfter after 20 refusals = %v, want just under an hour", last.RetryAfter)
	}
}

func TestKeyExpiresWhenTheBucketIsFull(t *testing.T) {
	client := redisClient(t)
	ctx := context.Background()

	// With the caller's clock the numbers are exact: the key lives as long
	// as the bucket takes to refill.
	clock := newClock()
	rs := newStore(t, client, redisratelimit.Options{CallerClock: true})
	q := middleware.Quota{Rate: 2, Window: 10 * time.Second}
	for i, want := range []time.Duration{5 * time.Second, 10 * time.Second} {
		if _, err := rs.Allow(ctx, "k", q, clock.Now()); err != nil {
			t.Fatal(err)
		}
		ttl, err := client.PTTL(ctx, rs.Key("k")).Result()
		if err != nil || ttl > want || ttl < want-2*time.Second {
			t.Errorf("after %d calls: PTTL %v, %v, want just under %v", i+1, ttl, err, want)
		}
	}

	// And it does expire: one token every 50 ms.
	rs = newStore(t, client, redisratelimit.Options{})
	if _, err := rs.Allow(ctx, "short", middleware.Quota{Rate: 20, Window: time.Second, Burst: 1}, time.Now()); err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		n, err := client.Exists(ctx, rs.Key("short")).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("key %q still exists after 10 s, want it gone after 50 ms", rs.Key("short"))
		}
	}
}

func TestContextEnds(t *testing.T) {
	client := redisClient(t)
	rs := newStore(t, client, redisratelimit.Options{})
	q := middleware.Quota{Rate: 1, Window: time.Hour}

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, tt := range []struct {
		ctx  context.Context
		want error
	}{{canceled, context.Canceled}, {expired, context.DeadlineExceeded}} {
		if d, err := rs.Allow(tt.ctx, "k", q, time.Now()); !errors.Is(err, tt.want) {
			t.Errorf("Allow = %+v, %v, want %v", d, err, tt.want)
		}
	}
	// Nothing was consumed.
	if d, err := rs.Allow(context.Background(), "k", q, time.Now()); err != nil || !d.Allowed {
		t.Errorf("Allow after the canceled calls = %+v, %v, want allowed", d, err)
	}
}

func TestScriptIsCached(t *testing.T) {
	client := redisClient(t)
	var log commandLog
	client.AddHook(&log)
	rs := newStore(t, client, redisratelimit.Options{})
	q := middleware.Quota{Rate: 10, Window: time.Minute}
	ctx := context.Background()
	if _, err := rs.Allow(ctx, "k", q, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The first call sends the script if the server does not have it yet.
	if first := log.take(); !slices.Equal(first, []string{"evalsha"}) && !slices.Equal(first, []string{"evalsha", "eval"}) {
		t.Errorf("first call sent %q, want evalsha, then eval if the script was not loaded", first)
	}
	for range 3 {
		if _, err := rs.Allow(ctx, "k", q, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if next := log.take(); !slices.Equal(next, []string{"evalsha", "evalsha", "evalsha"}) {
		t.Errorf("later calls sent %q, want one evalsha each", next)
	}
}

func TestRateLimitMiddlewareWithRedis(t *testing.T) {
	client := redisClient(t)
	rs := newStore(t, client, redisratelimit.Options{})
	var calls atomic.Int64
	h := middleware.RateLimit(middleware.RateLimitOptions{
		Quota: middleware.Quota{Rate: 3, Window: time.Minute},
		Store: rs,
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.WriteString(w, "ok")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	for i := range 5 {
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := http.StatusOK
		if i >= 3 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Errorf("request %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
		if rl := resp.Header.Get("RateLimit"); !strings.HasPrefix(rl, `"default";r=`) {
			t.Errorf("request %d: RateLimit %q, want the default policy's standing", i+1, rl)
		}
		if want == http.StatusTooManyRequests {
			ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || ra < 1 || ra > 20 {
				t.Errorf("request %d: Retry-After %q, want 1 to 20 seconds", i+1, resp.Header.Get("Retry-After"))
			}
			if !strings.Contains(string(body), "too_many_requests") {
				t.Errorf("request %d: body %s, want a too_many_requests problem", i+1, body)
			}
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("handler ran %d times, want 3", n)
	}
}

func TestInvalidQuota(t *testing.T) {
	rs, err := redisratelimit.New(unreachableClient(t), redisratelimit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []middleware.Quota{{}, {Rate: 1}, {Rate: 1, Window: time.Second, Burst: -1}, {Rate: -1, Window: time.Second}, {Window: time.Second}} {
		if _, err := rs.Allow(context.Background(), "k", q, time.Now()); !errors.Is(err, middleware.ErrInvalidQuota) {
			t.Errorf("Allow with %+v: err = %v, want ErrInvalidQuota", q, err)
		}
	}
}

func TestUnreachableServer(t *testing.T) {
	rs, err := redisratelimit.New(unreachableClient(t), redisratelimit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := rs.Allow(context.Background(), "k", middleware.Quota{Rate: 1, Window: time.Second}, time.Now())
	if err == nil || !strings.HasPrefix(err.Error(), "redisratelimit: ") || d.Allowed {
		t.Errorf("Allow = %+v, %v, want a redisratelimit error", d, err)
	}
}

func TestNew(t *testing.T) {
	if _, err := redisratelimit.New(nil, redisratelimit.Options{}); err == nil || err.Error() != "redisratelimit: nil client" {
		t.Errorf("New(nil) err = %v, want redisratelimit: nil client", err)
	}
	rs, err := redisratelimit.New(unreachableClient(t), redisratelimit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rs.Key("default:ip:192.0.2.1"), redisratelimit.DefaultPrefix+"default:ip:192.0.2.1"; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
}

func BenchmarkAllow(b *testing.B) {
	client := redisClient(b)
	rs := newStore(b, client, redisratelimit.Options{})
	q := middleware.Quota{Rate: 1 << 30, Window: time.Second}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := rs.Allow(ctx, "bench", q, time.Now()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
