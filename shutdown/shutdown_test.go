package shutdown_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keel-go/keel/shutdown"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// patience bounds every wait on real I/O, so that a broken test fails
// instead of hanging.
const patience = 10 * time.Second

// events records lifecycle calls in order.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, s)
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

// hook returns a Hook that records its start and stop.
func (e *events) hook(name string) shutdown.Hook {
	return shutdown.Hook{
		OnStart: func(context.Context) error { e.add("start " + name); return nil },
		OnStop:  func(context.Context) error { e.add("stop " + name); return nil },
	}
}

// newManager returns a Manager that reads signals from the returned
// channel and fails the test if it tries to exit.
func newManager(tb testing.TB, opts shutdown.Options) (*shutdown.Manager, chan os.Signal) {
	tb.Helper()
	sigs := make(chan os.Signal, 2)
	if opts.Signals == nil {
		opts.Signals = sigs
	}
	if opts.Exit == nil {
		opts.Exit = func(code int) { tb.Errorf("Exit(%d) called", code) }
	}
	m, err := shutdown.New(opts)
	if err != nil {
		tb.Fatalf("New(%+v) = %v", opts, err)
	}
	return m, sigs
}

func runAsync(ctx context.Context, m *shutdown.Manager) <-chan error {
	errc := make(chan error, 1)
	go func() { errc <- m.Run(ctx) }()
	return errc
}

// probe calls h with a GET request and decodes the JSON body.
func probe(tb testing.TB, h http.Handler) (int, shutdown.Readiness) {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var body shutdown.Readiness
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		tb.Fatalf("decoding probe body %q: %v", rec.Body.String(), err)
	}
	return rec.Code, body
}

func TestNewValidatesOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    shutdown.Options
		wantErr string
	}{
		{name: "zero", opts: shutdown.Options{}},
		{name: "drain within default timeout", opts: shutdown.Options{DrainDelay: 5 * time.Second}},
		{name: "custom", opts: shutdown.Options{DrainDelay: time.Second, StopTimeout: 2 * time.Second}},
		{name: "negative drain", opts: shutdown.Options{DrainDelay: -1}, wantErr: "DrainDelay"},
		{name: "negative timeout", opts: shutdown.Options{StopTimeout: -1}, wantErr: "StopTimeout"},
		{name: "drain beyond default timeout", opts: shutdown.Options{DrainDelay: 30 * time.Second}, wantErr: "DrainDelay"},
		{name: "drain equals timeout", opts: shutdown.Options{DrainDelay: time.Second, StopTimeout: time.Second}, wantErr: "shorter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := shutdown.New(tt.opts)
			if tt.wantErr == "" {
				if err != nil || m == nil {
					t.Fatalf("New(%+v) = %v, %v, want a Manager", tt.opts, m, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New(%+v) error = %v, want one mentioning %q", tt.opts, err, tt.wantErr)
			}
		})
	}
}

func TestAddPanicsOnMisuse(t *testing.T) {
	tests := []struct {
		name string
		add  func(m *shutdown.Manager)
	}{
		{name: "empty name", add: func(m *shutdown.Manager) { m.Add("", shutdown.Hook{}) }},
		{name: "nil component", add: func(m *shutdown.Manager) { m.Add("x", nil) }},
		{name: "duplicate", add: func(m *shutdown.Manager) {
			m.Add("x", shutdown.Hook{})
			m.Add("x", shutdown.Hook{})
		}},
		{name: "after Run", add: func(m *shutdown.Manager) {
			m.Shutdown()
			if err := m.Run(context.Background()); err != nil {
				panic(fmt.Sprintf("Run = %v", err)) // a panic, but the wrong one
			}
			m.Add("x", shutdown.Hook{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newManager(t, shutdown.Options{})
			defer func() {
				p := recover()
				msg, _ := p.(string)
				if !strings.HasPrefix(msg, "shutdown: Add") {
					t.Errorf("panic = %v, want a shutdown: Add panic", p)
				}
			}()
			tt.add(m)
		})
	}
}

func TestRunStartsInOrderAndStopsInReverse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ev events
		m, sigs := newManager(t, shutdown.Options{})
		for _, name := range []string{"db", "cache", "http"} {
			m.Add(name, ev.hook(name))
		}
		errc := runAsync(context.Background(), m)
		synctest.Wait()
		select {
		case <-m.Started():
		default:
			t.Error("Started not closed once every component started")
		}
		if code, body := probe(t, m.ReadyzHandler()); code != http.StatusOK || body.Status != "ok" {
			t.Errorf("readyz once started = %d %q, want 200 ok", code, body.Status)
		}
		sigs <- syscall.SIGTERM
		if err := <-errc; err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		want := []string{"start db", "start cache", "start http", "stop http", "stop cache", "stop db"}
		if got := ev.get(); !slices.Equal(got, want) {
			t.Errorf("events = %q, want %q", got, want)
		}
		if code, body := probe(t, m.ReadyzHandler()); code != http.StatusServiceUnavailable || body.Status != "stopped" {
			t.Errorf("readyz after Run = %d %q, want 503 stopped", code, body.Status)
		}
	})
}

func TestRunStopTriggers(t *testing.T) {
	tests := []struct {
		name    string
		trigger func(cancel context.CancelFunc, m *shutdown.Manager, sigs chan<- os.Signal)
	}{
		{name: "SIGTERM", trigger: func(_ context.CancelFunc, _ *shutdown.Manager, sigs chan<- os.Signal) { sigs <- syscall.SIGTERM }},
		{name: "SIGINT", trigger: func(_ context.CancelFunc, _ *shutdown.Manager, sigs chan<- os.Signal) { sigs <- os.Interrupt }},
		{name: "context", trigger: func(cancel context.CancelFunc, _ *shutdown.Manager, _ chan<- os.Signal) { cancel() }},
		{name: "Shutdown", trigger: func(_ context.CancelFunc, m *shutdown.Manager, _ chan<- os.Signal) { m.Shutdown() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var ev events
				m, sigs := newManager(t, shutdown.Options{})
				m.Add("a", ev.hook("a"))
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				errc := runAsync(ctx, m)
				synctest.Wait()
				tt.trigger(cancel, m, sigs)
				if err := <-errc; err != nil {
					t.Fatalf("Run = %v, want nil", err)
				}
				if got, want := ev.get(), []string{"start a", "stop a"}; !slices.Equal(got, want) {
					t.Errorf("events = %q, want %q", got, want)
				}
			})
		})
	}
}

func TestShutdownBeforeRunStartsNothing(t *testing.T) {
	var ev events
	m, _ := newManager(t, shutdown.Options{})
	m.Add("a", ev.hook("a"))
	m.Shutdown()
	m.Shutdown()
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if got := ev.get(); len(got) != 0 {
		t.Errorf("events = %q, want none", got)
	}
}

func TestRunTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, _ := newManager(t, shutdown.Options{})
		errc := runAsync(context.Background(), m)
		synctest.Wait()
		if err := m.Run(context.Background()); !errors.Is(err, shutdown.ErrAlreadyStarted) {
			t.Errorf("second Run while running = %v, want ErrAlreadyStarted", err)
		}
		m.Shutdown()
		if err := <-errc; err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		if err := m.Run(context.Background()); !errors.Is(err, shutdown.ErrAlreadyStarted) {
			t.Errorf("Run after Run = %v, want ErrAlreadyStarted", err)
		}
	})
}

func TestRunFailedStartRollsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ev events
		errBoom := errors.New("boom")
		// The drain delay must not apply: the process was never ready.
		m, _ := newManager(t, shutdown.Options{DrainDelay: 5 * time.Second})
		m.Add("a", ev.hook("a"))
		m.Add("b", ev.hook("b"))
		m.Add("c", shutdown.Hook{
			OnStart: func(context.Context) error { ev.add("start c"); return errBoom },
			OnStop:  func(context.Context) error { ev.add("stop c"); return nil },
		})
		m.Add("d", ev.hook("d"))

		start := time.Now()
		err := m.Run(context.Background())
		if !errors.Is(err, errBoom) {
			t.Fatalf("Run = %v, want it to wrap %v", err, errBoom)
		}
		var ce *shutdown.ComponentError
		if !errors.As(err, &ce) || ce.Name != "c" || ce.Op != "start" {
			t.Errorf("Run = %v, want a ComponentError for start c", err)
		}
		want := []string{"start a", "start b", "start c", "stop b", "stop a"}
		if got := ev.get(); !slices.Equal(got, want) {
			t.Errorf("events = %q, want %q", got, want)
		}
		select {
		case <-m.Started():
			t.Error("Started closed although a Start failed")
		default:
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("rollback took %v, want no drain delay", d)
		}
	})
}

func TestRunComponentFailureStopsAll(t *testing.T) {
	errBoom := errors.New("worker crashed")
	tests := []struct {
		name    string
		result  error
		wantErr error
	}{
		{name: "error", result: errBoom, wantErr: errBoom},
		{name: "returned nil", result: nil, wantErr: shutdown.ErrExited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var ev events
				crash := make(chan struct{})
				m, _ := newManager(t, shutdown.Options{})
				m.Add("a", ev.hook("a"))
				m.Add("worker", shutdown.NewTask(func(ctx context.Context) error {
					<-crash
					return tt.result
				}))
				m.Add("b", ev.hook("b"))
				errc := runAsync(context.Background(), m)
				synctest.Wait()
				close(crash)
				err := <-errc
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Run = %v, want it to wrap %v", err, tt.wantErr)
				}
				var ce *shutdown.ComponentError
				if !errors.As(err, &ce) || ce.Name != "worker" || ce.Op != "run" {
					t.Errorf("Run = %v, want a ComponentError for run worker", err)
				}
				want := []string{"start a", "start b", "stop b", "stop a"}
				if got := ev.get(); !slices.Equal(got, want) {
					t.Errorf("events = %q, want %q", got, want)
				}
			})
		})
	}
}

func TestRunStopDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ev events
		m, sigs := newManager(t, shutdown.Options{StopTimeout: 2 * time.Second})
		m.Add("a", ev.hook("a"))
		m.Add("stuck", shutdown.Hook{OnStop: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}})
		m.Add("b", ev.hook("b"))
		errc := runAsync(context.Background(), m)
		synctest.Wait()

		start := time.Now()
		sigs <- syscall.SIGTERM
		err := <-errc
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Run = %v, want it to wrap context.DeadlineExceeded", err)
		}
		var ce *shutdown.ComponentError
		if !errors.As(err, &ce) || ce.Name != "stuck" || ce.Op != "stop" {
			t.Errorf("Run = %v, want a ComponentError for stop stuck", err)
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("Run returned %v after the signal, want 2s", d)
		}
		// Components after the stuck one are still stopped, with the
		// expired context, so they can close hard.
		want := []string{"start a", "start b", "stop b", "stop a"}
		if got := ev.get(); !slices.Equal(got, want) {
			t.Errorf("events = %q, want %q", got, want)
		}
	})
}

func TestRunJoinsErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errA, errB, errCrash := errors.New("a failed"), errors.New("b failed"), errors.New("crash")
		crash := make(chan struct{})
		m, _ := newManager(t, shutdown.Options{})
		m.Add("a", shutdown.Hook{OnStop: func(context.Context) error { return errA }})
		m.Add("b", shutdown.Hook{OnStop: func(context.Context) error { return errB }})
		m.Add("worker", shutdown.NewTask(func(context.Context) error {
			<-crash
			return errCrash
		}))
		errc := runAsync(context.Background(), m)
		synctest.Wait()
		close(crash)
		err := <-errc
		for _, want := range []error{errA, errB, errCrash} {
			if !errors.Is(err, want) {
				t.Errorf("Run = %v, want it to wrap %v", err, want)
			}
		}
		// The trigger first, then stop errors in stop order.
		want := `shutdown: "worker" failed while running: crash` + "\n" +
			`shutdown: stop "b": b failed` + "\n" +
			`shutdown: stop "a": a failed`
		if got := err.Error(); got != want {
			t.Errorf("Run error text = %q, want %q", got, want)
		}
	})
}

func TestSecondSignalForcesExit(t *testing.T) {
	tests := []struct {
		name  string
		drain time.Duration
	}{
		{name: "while stopping"},
		{name: "while draining", drain: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				exits := make(chan int, 2)
				release := make(chan struct{})
				m, sigs := newManager(t, shutdown.Options{
					DrainDelay: tt.drain,
					Exit:       func(code int) { exits <- code },
				})
				m.Add("slow", shutdown.Hook{OnStop: func(ctx context.Context) error {
					<-release
					return nil
				}})
				errc := runAsync(context.Background(), m)
				synctest.Wait()
				sigs <- syscall.SIGTERM
				synctest.Wait()
				select {
				case code := <-exits:
					t.Fatalf("Exit(%d) after the first signal, want no exit", code)
				default:
				}
				start := time.Now()
				sigs <- syscall.SIGINT
				synctest.Wait()
				select {
				case code := <-exits:
					if code != 1 {
						t.Errorf("Exit(%d), want Exit(1)", code)
					}
				default:
					t.Fatal("second signal did not call Exit")
				}
				if d := time.Since(start); d != 0 {
					t.Errorf("Exit came %v after the second signal, want at once", d)
				}
				close(release)
				if err := <-errc; err != nil {
					t.Fatalf("Run = %v, want nil", err)
				}
			})
		})
	}
}

func TestSignalDuringStartCancelsIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ev events
		m, sigs := newManager(t, shutdown.Options{})
		m.Add("a", ev.hook("a"))
		m.Add("slow", shutdown.Hook{OnStart: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}})
		m.Add("b", ev.hook("b"))
		errc := runAsync(context.Background(), m)
		synctest.Wait()
		if code, body := probe(t, m.ReadyzHandler()); code != http.StatusServiceUnavailable || body.Status != "starting" {
			t.Errorf("readyz while starting = %d %q, want 503 starting", code, body.Status)
		}
		sigs <- syscall.SIGTERM
		err := <-errc
		var ce *shutdown.ComponentError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &ce) || ce.Name != "slow" || ce.Op != "start" {
			t.Errorf("Run = %v, want the cancelled start of slow", err)
		}
		if got, want := ev.get(), []string{"start a", "stop a"}; !slices.Equal(got, want) {
			t.Errorf("events = %q, want %q", got, want)
		}
	})
}

func TestStartContextEndsWithStartPhase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var startCtx context.Context
		m, _ := newManager(t, shutdown.Options{})
		m.Add("a", shutdown.Hook{OnStart: func(ctx context.Context) error {
			startCtx = ctx
			return nil
		}})
		errc := runAsync(context.Background(), m)
		synctest.Wait()
		if startCtx.Err() == nil {
			t.Error("Start's context still live after the start phase, want it cancelled")
		}
		m.Shutdown()
		if err := <-errc; err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	})
}

func TestDrainDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stopped := make(chan time.Time, 1)
		m, sigs := newManager(t, shutdown.Options{DrainDelay: 5 * time.Second})
		m.Add("http", shutdown.Hook{OnStop: func(context.Context) error {
			stopped <- time.Now()
			return nil
		}})
		errc := runAsync(context.Background(), m)
		synctest.Wait()

		start := time.Now()
		sigs <- syscall.SIGTERM
		synctest.Wait()
		if len(stopped) != 0 {
			t.Fatal("component stopped before the drain delay")
		}
		if code, body := probe(t, m.ReadyzHandler()); code != http.StatusServiceUnavailable || body.Status != "draining" {
			t.Errorf("readyz while draining = %d %q, want 503 draining", code, body.Status)
		}
		if code, _ := probe(t, m.LivezHandler()); code != http.StatusOK {
			t.Errorf("livez while draining = %d, want 200", code)
		}
		if err := <-errc; err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		if d := (<-stopped).Sub(start); d != 5*time.Second {
			t.Errorf("component stopped %v after the signal, want 5s", d)
		}
	})
}

func TestLoggerRecordsLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf strings.Builder
		var mu sync.Mutex
		logger := zerolog.New(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return buf.Write(p)
		}))
		m, sigs := newManager(t, shutdown.Options{Logger: logger})
		m.Add("db", shutdown.Hook{OnStop: func(context.Context) error { return errors.New("close failed") }})
		errc := runAsync(context.Background(), m)
		synctest.Wait()
		sigs <- syscall.SIGTERM
		if err := <-errc; err == nil {
			t.Fatal("Run = nil, want the stop error")
		}
		mu.Lock()
		got := buf.String()
		mu.Unlock()
		for _, want := range []string{
			`"message":"started"`,
			`"reason":"signal terminated"`,
			`"component":"db","message":"component failed to stop"`,
			`"error":"close failed"`,
			`"message":"stopped"`,
		} {
			if !strings.Contains(got, want) {
				t.Errorf("log = %s\nwant it to contain %s", got, want)
			}
		}
	})
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestClosedSignalChannelIsIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sigs := make(chan os.Signal)
		close(sigs)
		m, _ := newManager(t, shutdown.Options{Signals: sigs})
		errc := runAsync(context.Background(), m)
		synctest.Wait()
		if code, _ := probe(t, m.ReadyzHandler()); code != http.StatusOK {
			t.Errorf("readyz = %d, want 200: a closed signal channel must not stop Run", code)
		}
		m.Shutdown()
		if err := <-errc; err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	})
}

// TestGracefulShutdownUnderLoad is the end-to-end story: a real server
// inside a Manager, with requests in flight, receives SIGTERM.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	const inFlight = 50
	m, sigs := newManager(t, shutdown.Options{StopTimeout: patience})
	h := newBlockingHandler(m)

	app := newServer(t, h)
	admin := newServer(t, h)
	listenerClosed := make(chan struct{})
	app.RegisterOnShutdown(func() { close(listenerClosed) })
	stopBegan := make(chan struct{})

	m.Add("admin", admin)
	m.Add("app", app)
	// Added last, so it stops first.
	m.Add("marker", shutdown.Hook{OnStop: func(context.Context) error { close(stopBegan); return nil }})
	errc := runAsync(context.Background(), m)
	recv(t, m.Started(), "the components to start")
	client := newClient(t)
	if code, body := get(t, client, "http://"+admin.Addr()+"/readyz"); code != http.StatusOK {
		t.Fatalf("GET /readyz once started = %d %s, want 200", code, body)
	}

	results := sendBlocked(t, client, "http://"+app.Addr()+"/work", inFlight, h)

	start := time.Now()
	sigs <- syscall.SIGTERM
	recv(t, stopBegan, "the stop to begin")
	code, body := get(t, client, "http://"+admin.Addr()+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"draining"`) {
		t.Errorf("GET /readyz during drain = %d %s, want 503 draining", code, body)
	}

	recv(t, listenerClosed, "the app listener to close")
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Get("http://" + app.Addr() + "/work"); err == nil {
		resp.Body.Close()
		t.Errorf("new request after the listener closed = %s, want connection refused", resp.Status)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("new request after the listener closed: %v, want connection refused", err)
	}

	close(h.release)
	checkAllOK(t, results, inFlight)
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(patience):
		t.Fatal("Run did not return")
	}
	if d := time.Since(start); d >= patience {
		t.Errorf("Run returned %v after SIGTERM, want within the %v deadline", d, patience)
	}
}

// blockingHandler serves /work, which blocks until release is closed, and
// /readyz.
type blockingHandler struct {
	mux     *http.ServeMux
	started chan struct{}
	release chan struct{}
}

func newBlockingHandler(m *shutdown.Manager) *blockingHandler {
	h := &blockingHandler{
		mux:     http.NewServeMux(),
		started: make(chan struct{}, 100),
		release: make(chan struct{}),
	}
	h.mux.Handle("GET /readyz", m.ReadyzHandler())
	h.mux.HandleFunc("GET /work", func(w http.ResponseWriter, r *http.Request) {
		h.started <- struct{}{}
		<-h.release
		io.WriteString(w, "done")
	})
	return h
}

func (h *blockingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func newServer(tb testing.TB, h http.Handler) *shutdown.Server {
	tb.Helper()
	s, err := shutdown.NewServer("127.0.0.1:0", h, shutdown.ServerOptions{})
	if err != nil {
		tb.Fatalf("NewServer: %v", err)
	}
	return s
}

func newClient(tb testing.TB) *http.Client {
	tb.Helper()
	tr := &http.Transport{}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: patience}
}

func recv[T any](tb testing.TB, ch <-chan T, what string) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		tb.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func get(tb testing.TB, c *http.Client, url string) (int, string) {
	tb.Helper()
	resp, err := c.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

type result struct {
	code int
	body string
	err  error
}

// sendBlocked sends n concurrent requests to url and returns once the
// handler holds all of them.
func sendBlocked(tb testing.TB, c *http.Client, url string, n int, h *blockingHandler) <-chan result {
	tb.Helper()
	results := make(chan result, n)
	for range n {
		go func() {
			resp, err := c.Get(url)
			if err != nil {
				results <- result{err: err}
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			results <- result{code: resp.StatusCode, body: string(b), err: err}
		}()
	}
	for i := range n {
		select {
		case <-h.started:
		case r := <-results:
			tb.Fatalf("request %d finished before release: %+v", i, r)
		case <-time.After(patience):
			tb.Fatalf("only %d of %d requests reached the handler", i, n)
		}
	}
	return results
}

func checkAllOK(tb testing.TB, results <-chan result, n int) {
	tb.Helper()
	ok := 0
	for range n {
		r := recv(tb, results, "an in-flight response")
		if r.err != nil || r.code != http.StatusOK || r.body != "done" {
			tb.Errorf("in-flight request = %d %q %v, want 200 done", r.code, r.body, r.err)
			continue
		}
		ok++
	}
	if ok != n {
		tb.Errorf("%d of %d in-flight requests completed, want all", ok, n)
	}
}
