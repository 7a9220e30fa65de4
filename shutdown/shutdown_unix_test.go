//go:build unix

package shutdown_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keel-go/keel/shutdown"
)

// TestGracefulShutdownRealSIGTERM sends a real SIGTERM to the test process
// while Run listens with signal.Notify.
func TestGracefulShutdownRealSIGTERM(t *testing.T) {
	const inFlight = 10
	m, err := shutdown.New(shutdown.Options{
		StopTimeout: patience,
		Exit:        func(code int) { t.Errorf("Exit(%d) called", code) },
	})
	if err != nil {
		t.Fatal(err)
	}
	h := newBlockingHandler(m)
	app := newServer(t, h)
	admin := newServer(t, h)
	stopBegan := make(chan struct{})
	m.Add("admin", admin)
	m.Add("app", app)
	m.Add("marker", shutdown.Hook{OnStop: func(context.Context) error { close(stopBegan); return nil }})
	errc := runAsync(context.Background(), m)
	// Run subscribes to signals before it starts the first component.
	recv(t, m.Started(), "the components to start")
	client := newClient(t)
	if code, body := get(t, client, "http://"+admin.Addr()+"/readyz"); code != http.StatusOK {
		t.Fatalf("GET /readyz once started = %d %s, want 200", code, body)
	}
	results := sendBlocked(t, client, "http://"+app.Addr()+"/work", inFlight, h)

	start := time.Now()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatalf("kill: %v", err)
	}
	recv(t, stopBegan, "the stop to begin")
	code, body := get(t, client, "http://"+admin.Addr()+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"draining"`) {
		t.Errorf("GET /readyz during drain = %d %s, want 503 draining", code, body)
	}
	close(h.release)
	checkAllOK(t, results, inFlight)
	if err := recv(t, errc, "Run to return"); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if d := time.Since(start); d >= patience {
		t.Errorf("Run returned %v after SIGTERM, want within the %v deadline", d, patience)
	}
}
