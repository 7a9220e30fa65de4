package dashboard_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/dashboard"
	"github.com/keel-go/keel/queue/memoryqueue"
)

// browserPath returns the browser to drive: KEEL_BROWSER when set (the
// test then fails if it does not start), else the first Chromium found.
func browserPath(t *testing.T) string {
	if p := os.Getenv("KEEL_BROWSER"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no browser found: install chromium (apt-get install -y chromium) or set KEEL_BROWSER to a Chromium binary")
	return ""
}

// settled is a job a broker acknowledged.
type settled struct {
	id   string
	kind queue.OutcomeKind
}

// ackWatch reports every job the worker settled, after the broker stored
// the outcome, so that a test waits for a state rather than for time.
type ackWatch struct {
	*memoryqueue.Broker
	settled chan settled
}

func (a *ackWatch) Ack(ctx context.Context, outcomes []queue.Outcome) error {
	err := a.Broker.Ack(ctx, outcomes)
	var be *queue.BatchError
	errors.As(err, &be)
	for i, o := range outcomes {
		if err == nil || be != nil && be.Errs[i] == nil {
			a.settled <- settled{o.Lease.Job.ID, o.Kind}
		}
	}
	return err
}

// waitSettled waits until the job id is settled with kind.
func (a *ackWatch) waitSettled(ctx context.Context, t *testing.T, id string, kind queue.OutcomeKind) {
	t.Helper()
	for {
		select {
		case s := <-a.settled:
			if s.id == id && s.kind == kind {
				return
			}
		case <-ctx.Done():
			t.Fatalf("job %s was not settled %v: %v", id, kind, ctx.Err())
		}
	}
}

// syncBuffer collects the browser's output for a failure report.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestBrowserRetryDeadJob drives headless Chromium through the dashboard:
// a job fails for good, the operator sees it with its error, fixes the
// cause, clicks Retry, and sees the job completed.
func TestBrowserRetryDeadJob(t *testing.T) {
	path := browserPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)

	mb, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mb.Close() })
	broker := &ackWatch{Broker: mb, settled: make(chan settled, 64)}

	var healthy atomic.Bool
	mux := queue.NewMux(nil)
	mux.HandleFunc("report.build", func(ctx context.Context, j *queue.Job) error {
		if !healthy.Load() {
			return errors.New("report store unavailable")
		}
		return nil
	})
	worker, err := queue.NewWorker(broker, mux, queue.WorkerOptions{Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := worker.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := worker.Stop(stopCtx); err != nil {
			t.Errorf("worker.Stop: %v", err)
		}
	})

	dash, err := dashboard.New(broker, dashboard.Options{Local: true, Prefix: "/admin/jobs"})
	if err != nil {
		t.Fatal(err)
	}
	routes := http.NewServeMux()
	routes.Handle("/admin/jobs/", dash)
	srv := httptest.NewServer(routes)
	t.Cleanup(srv.Close)

	client, err := queue.NewClient(broker, queue.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const id = "report-1"
	if _, err := client.Enqueue(ctx, "report.build", map[string]string{"month": "2026-03"},
		queue.WithID(id), queue.WithMaxRetries(0)); err != nil {
		t.Fatal(err)
	}
	broker.waitSettled(ctx, t, id, queue.Dead)

	var output syncBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(&output),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		// Close the browser and wait for its process to exit, so that
		// neither Chromium nor a goroutine of chromedp outlives the test.
		cancelBrowser()
		cancelAlloc()
		if t.Failed() {
			t.Logf("browser output:\n%s", output.String())
		}
	})

	row := `#archived tr[data-job="` + id + `"]`
	if err := chromedp.Do(browser,
		chromedp.Navigate(srv.URL+"/admin/jobs/"),
		chromedp.WaitVisible(chromedp.CSS(row+" button.retry")),
	); err != nil {
		t.Fatalf("loading the overview in %s: %v", path, err)
	}
	shown, err := chromedp.Run(browser, chromedp.Text(chromedp.CSS(row+" td.error")))
	if err != nil {
		t.Fatal(err)
	}
	if shown != "report store unavailable" {
		t.Fatalf("the failed job's error shows %q, want %q", shown, "report store unavailable")
	}

	healthy.Store(true)
	if err := chromedp.Do(browser,
		chromedp.Click(chromedp.CSS(row+" button.retry")),
		chromedp.WaitVisible(chromedp.CSS("#state")),
	); err != nil {
		t.Fatalf("clicking Retry: %v", err)
	}
	loc, err := chromedp.Run(browser, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/admin/jobs/queues/default/jobs/" + id; loc != want {
		t.Fatalf("after Retry the browser is at %s, want %s", loc, want)
	}

	broker.waitSettled(ctx, t, id, queue.Done)
	if err := chromedp.Do(browser,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#state[data-state="completed"]`)),
	); err != nil {
		t.Fatalf("waiting for the job page to show the job completed: %v", err)
	}
}
