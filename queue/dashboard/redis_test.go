package dashboard_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/keel-go/keel/internal/redistest"
	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/dashboard"
	"github.com/keel-go/keel/queue/redisqueue"
)

// TestRedisBroker runs the main flows against redisqueue.
func TestRedisBroker(t *testing.T) {
	t.Parallel()
	rdb, prefix := redistest.ClientPrefix(t, "dashboard")
	b, err := redisqueue.New(rdb, redisqueue.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	e := newEnvWith(t, b, b, dashboard.Options{})

	settle(t, b, &queue.Job{ID: "dead", Type: "t", Queue: "q", Payload: []byte(`{"x":"<script>alert(1)</script>"}`)}, queue.Dead, "<b>boom</b>")
	enqueue(t, b, &queue.Job{ID: "pend", Type: "t", Queue: "q"})

	body := e.get(t, "/", http.StatusOK)
	row := element(body, `<tr class="queue" data-queue="q"`, "</tr>")
	for _, cell := range []string{`data-state="pending"><a href="/queues/q/pending">1</a>`, `data-state="archived"><a href="/queues/q/archived">1</a>`} {
		if !strings.Contains(row, cell) {
			t.Errorf("queue row lacks %s:\n%s", cell, row)
		}
	}
	archived := element(body, `<table class="jobs" id="archived"`, "</table>")
	if !strings.Contains(archived, `data-job="dead"`) || !strings.Contains(archived, "&lt;b&gt;boom&lt;/b&gt;") {
		t.Errorf("archived list lacks the job and its escaped error:\n%s", archived)
	}
	job := e.get(t, jobPath("", "q", "dead"), http.StatusOK)
	if strings.Contains(job, "<script>alert") || !strings.Contains(job, "&lt;script&gt;alert(1)") {
		t.Errorf("job page does not escape the payload:\n%s", job)
	}
	e.get(t, jobPath("", "q", "nope"), http.StatusNotFound)

	token := tokenRE.FindStringSubmatch(job)[1]
	if r := e.post(t, jobPath("", "q", "dead")+"/retry", "", nil); r.status != http.StatusForbidden {
		t.Fatalf("POST retry without a token = %d, want 403", r.status)
	}
	if r := e.post(t, jobPath("", "q", "dead")+"/retry", token, nil); r.status != http.StatusSeeOther {
		t.Fatalf("POST retry = %d, want 303; body %s", r.status, r.body)
	}
	if got := state(t, b, "q", "dead"); got != queue.StatePending {
		t.Fatalf("job state after retry = %q, want pending", got)
	}
	if r := e.post(t, "/queues/q/pause", token, nil); r.status != http.StatusSeeOther {
		t.Fatalf("POST pause = %d, want 303", r.status)
	}
	if !strings.Contains(e.get(t, "/", http.StatusOK), `data-paused="true"`) {
		t.Fatal("the overview does not show the queue paused")
	}
	if r := e.post(t, jobPath("", "q", "pend")+"/delete", token, nil); r.status != http.StatusSeeOther {
		t.Fatalf("POST delete = %d, want 303", r.status)
	}
	if got := state(t, b, "q", "pend"); got != "" {
		t.Fatalf("job state after delete = %q, want gone", got)
	}
}
