package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/dashboard"
	"github.com/keel-go/keel/queue/memoryqueue"
)

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	b, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	auth := func(next http.Handler) http.Handler { return next }
	tests := []struct {
		name    string
		broker  queue.Inspector
		opts    dashboard.Options
		wantErr string
	}{
		{"no auth and not local", b, dashboard.Options{}, "Auth is required"},
		{"nil broker", nil, dashboard.Options{Local: true}, "needs a broker"},
		{"auth", b, dashboard.Options{Auth: auth}, ""},
		{"local", b, dashboard.Options{Local: true}, ""},
		{"auth and local", b, dashboard.Options{Auth: auth, Local: true}, ""},
		{"prefix", b, dashboard.Options{Local: true, Prefix: "/admin/jobs"}, ""},
		{"prefix without slash", b, dashboard.Options{Local: true, Prefix: "admin"}, "Prefix"},
		{"prefix with trailing slash", b, dashboard.Options{Local: true, Prefix: "/admin/"}, "Prefix"},
		{"prefix with pattern characters", b, dashboard.Options{Local: true, Prefix: "/{x}"}, "Prefix"},
		{"prefix with dot-dot", b, dashboard.Options{Local: true, Prefix: "/a/../b"}, "Prefix"},
		{"prefix with double slash", b, dashboard.Options{Local: true, Prefix: "/a//b"}, "Prefix"},
		{"negative failures", b, dashboard.Options{Local: true, Failures: -1}, "Failures"},
		{"negative page size", b, dashboard.Options{Local: true, PageSize: -1}, "PageSize"},
		{"negative rate interval", b, dashboard.Options{Local: true, RateInterval: -time.Second}, "RateInterval"},
		{"short CSRF key", b, dashboard.Options{Local: true, CSRFKey: []byte("short")}, "CSRFKey"},
		{"nil from auth", b, dashboard.Options{Auth: func(http.Handler) http.Handler { return nil }}, "nil handler"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := dashboard.New(tt.broker, tt.opts)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New = %v, want no error", err)
			case tt.wantErr == "" && h == nil:
				t.Fatal("New returned a nil handler")
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestLocalRefusesRequestsNotFromLoopback(t *testing.T) {
	t.Parallel()
	b, _ := memoryqueue.New(memoryqueue.Options{})
	defer b.Close()
	h, err := dashboard.New(b, dashboard.Options{Local: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		remote string
		want   int
	}{
		{"127.0.0.1:50000", http.StatusOK},
		{"127.9.8.7:50000", http.StatusOK},
		{"[::1]:50000", http.StatusOK},
		{"[::ffff:127.0.0.1]:50000", http.StatusOK},
		{"192.0.2.10:50000", http.StatusForbidden},
		{"[2001:db8::1]:50000", http.StatusForbidden},
		{"10.0.0.1:443", http.StatusForbidden},
		{"", http.StatusForbidden},
		{"garbage", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.remote, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.remote
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("GET / from %q = %d, want %d", tt.remote, rec.Code, tt.want)
			}
			if got := rec.Header().Get("Content-Security-Policy"); got != dashboard.ContentSecurityPolicy {
				t.Errorf("Content-Security-Policy = %q, want %q", got, dashboard.ContentSecurityPolicy)
			}
		})
	}
}

// TestAuthGuardsEveryRoute checks that Options.Auth runs before pages,
// static files and actions.
func TestAuthGuardsEveryRoute(t *testing.T) {
	t.Parallel()
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer operator" {
				http.Error(w, "who are you?", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, dashboard.Options{Auth: auth})
	settle(t, e.broker, &queue.Job{ID: "dead", Type: "t", Queue: "q"}, queue.Dead, "boom")
	authed := map[string]string{"Authorization": "Bearer operator", "Accept": "text/html"}

	page := e.do(t, http.MethodGet, "/", nil, authed)
	if page.status != http.StatusOK {
		t.Fatalf("GET / with credentials = %d, want 200", page.status)
	}
	token := tokenRE.FindStringSubmatch(page.body)[1]

	for _, path := range []string{"/", "/static/dashboard.css", jobPath("", "q", "dead"), "/queues/q/archived", "/nope"} {
		if r := e.do(t, http.MethodGet, path, nil, nil); r.status != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials = %d, want 401", path, r.status)
		}
	}
	if r := e.post(t, jobPath("", "q", "dead")+"/delete", token, nil); r.status != http.StatusUnauthorized {
		t.Errorf("POST delete with a token but without credentials = %d, want 401", r.status)
	}
	if got := state(t, e.broker, "q", "dead"); got != queue.StateArchived {
		t.Fatalf("job state after refused delete = %q, want archived", got)
	}
	if r := e.post(t, jobPath("", "q", "dead")+"/delete", token, authed); r.status != http.StatusSeeOther {
		t.Fatalf("POST delete with credentials = %d, want 303; body %s", r.status, r.body)
	}
	if got := state(t, e.broker, "q", "dead"); got != "" {
		t.Fatalf("job state after delete = %q, want gone", got)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{Prefix: "/jobs"})
	settle(t, e.broker, &queue.Job{ID: "j1", Type: "t", Queue: "q", Payload: []byte(`{}`)}, queue.Dead, "boom")
	for _, path := range []string{"/jobs/", "/jobs/queues/q/archived", jobPath("/jobs", "q", "j1"), jobPath("/jobs", "q", "missing"),
		"/jobs/static/dashboard.css", "/jobs/static/dashboard.js", "/jobs/static/", "/jobs/nope"} {
		r := e.do(t, http.MethodGet, path, nil, map[string]string{"Accept": "text/html"})
		csp := r.header.Get("Content-Security-Policy")
		if csp != dashboard.ContentSecurityPolicy || !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy = %q, want %q", path, csp, dashboard.ContentSecurityPolicy)
		}
		if got := r.header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("GET %s: X-Frame-Options = %q, want DENY", path, got)
		}
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options = %q, want nosniff", path, got)
		}
	}
	r := e.post(t, jobPath("/jobs", "q", "j1")+"/retry", "", nil)
	if got := r.header.Get("Content-Security-Policy"); got != dashboard.ContentSecurityPolicy {
		t.Errorf("refused POST: Content-Security-Policy = %q, want %q", got, dashboard.ContentSecurityPolicy)
	}
}

// TestNoExternalResources checks that every page links only to the
// dashboard itself: no CDN, font or script of another origin.
func TestNoExternalResources(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{Prefix: "/ops"})
	settle(t, e.broker, &queue.Job{ID: "j1", Type: "t", Queue: "q", Payload: []byte(`"see https://example.com"`)}, queue.Dead, "boom")
	attrRE := regexp.MustCompile(`(?i)\b(src|href|action)\s*=\s*"([^"]*)"`)
	for _, path := range []string{"/ops/", "/ops/queues/q/archived", jobPath("/ops", "q", "j1"), "/ops/nope"} {
		r := e.do(t, http.MethodGet, path, nil, map[string]string{"Accept": "text/html"})
		attrs := attrRE.FindAllStringSubmatch(r.body, -1)
		if len(attrs) == 0 {
			t.Fatalf("GET %s: no link found in\n%s", path, r.body)
		}
		for _, m := range attrs {
			if v := m[2]; !(strings.HasPrefix(v, "/ops/") || strings.HasPrefix(v, "?")) || strings.HasPrefix(v, "//") {
				t.Errorf("GET %s: %s=%q leaves the dashboard", path, m[1], v)
			}
		}
		if strings.Contains(r.body, "<style") || strings.Contains(r.body, " style=") {
			t.Errorf("GET %s: inline style, which the CSP blocks", path)
		}
	}
	for _, path := range []string{"/ops/static/dashboard.css", "/ops/static/dashboard.js"} {
		r := e.do(t, http.MethodGet, path, nil, nil)
		if r.status != http.StatusOK || r.body == "" {
			t.Fatalf("GET %s = %d with %d bytes, want 200 with content", path, r.status, len(r.body))
		}
		for _, bad := range []string{"http:", "https:", "@import", "url(", "//cdn"} {
			if strings.Contains(r.body, bad) {
				t.Errorf("GET %s holds %q", path, bad)
			}
		}
	}
}

func TestOverviewShowsCountsPerStateAndCounters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	b := e.broker
	settle(t, b, &queue.Job{ID: "done1", Type: "t", Queue: "mail"}, queue.Done, "")
	settle(t, b, &queue.Job{ID: "done2", Type: "t", Queue: "mail"}, queue.Done, "")
	settle(t, b, &queue.Job{ID: "retry1", Type: "t", Queue: "mail"}, queue.Retry, "smtp timeout")
	settle(t, b, &queue.Job{ID: "dead1", Type: "t", Queue: "mail"}, queue.Dead, "bad address")
	settle(t, b, &queue.Job{ID: "active1", Type: "t", Queue: "mail"}, 0, "")
	enqueue(t, b, &queue.Job{ID: "pend1", Type: "t", Queue: "mail"})
	enqueue(t, b, &queue.Job{ID: "pend2", Type: "t", Queue: "mail"})
	enqueue(t, b, &queue.Job{ID: "later", Type: "t", Queue: "mail", RunAt: time.Now().Add(time.Hour)})
	enqueue(t, b, &queue.Job{ID: "other", Type: "t", Queue: "reports"})

	body := e.get(t, "/", http.StatusOK)
	row := element(body, `<tr class="queue" data-queue="mail"`, "</tr>")
	if row == "" {
		t.Fatalf("no row for queue mail in\n%s", body)
	}
	want := map[queue.State]int{
		queue.StatePending: 2, queue.StateScheduled: 1, queue.StateActive: 1,
		queue.StateRetry: 1, queue.StateCompleted: 2, queue.StateArchived: 1,
	}
	for s, n := range want {
		cell := fmt.Sprintf(`data-state="%s"><a href="/queues/mail/%s">%d</a>`, s, s, n)
		if !strings.Contains(row, cell) {
			t.Errorf("mail row lacks %s count %d (%s) in\n%s", s, n, cell, row)
		}
	}
	// Processed counts every settled attempt (2 done + 2 failed).
	for _, cell := range []string{`<td class="num processed">4</td>`, `<td class="num failed">2</td>`} {
		if !strings.Contains(row, cell) {
			t.Errorf("mail row lacks %s in\n%s", cell, row)
		}
	}
	if !strings.Contains(body, `data-queue="reports"`) {
		t.Error("no row for queue reports")
	}

	retrying := element(body, `<table class="jobs" id="retrying"`, "</table>")
	if !strings.Contains(retrying, `data-job="retry1"`) || !strings.Contains(retrying, "smtp timeout") {
		t.Errorf("retrying list lacks retry1 and its error:\n%s", retrying)
	}
	archived := element(body, `<table class="jobs" id="archived"`, "</table>")
	if !strings.Contains(archived, `data-job="dead1"`) || !strings.Contains(archived, "bad address") {
		t.Errorf("archived list lacks dead1 and its error:\n%s", archived)
	}
	if strings.Contains(retrying+archived, "done1") || strings.Contains(retrying+archived, "pend1") {
		t.Error("failure lists show jobs that did not fail")
	}
}

// TestOverviewLatestFailures checks that the failure lists hold the most
// recent Failures jobs, newest first.
func TestOverviewLatestFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{Failures: 3})
	for i := range 5 {
		settle(t, e.broker, &queue.Job{ID: fmt.Sprintf("dead%d", i), Type: "t", Queue: "q"}, queue.Dead, "boom")
	}
	archived := element(e.get(t, "/", http.StatusOK), `<table class="jobs" id="archived"`, "</table>")
	got := regexp.MustCompile(`data-job="([^"]+)"`).FindAllStringSubmatch(archived, -1)
	var ids []string
	for _, m := range got {
		ids = append(ids, m[1])
	}
	if want := "dead4 dead3 dead2"; strings.Join(ids, " ") != want {
		t.Fatalf("archived list = %v, want %s", ids, want)
	}
}

// clock is a settable clock for Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestThroughputRate(t *testing.T) {
	t.Parallel()
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, dashboard.Options{Now: clk.Now, RateInterval: 10 * time.Second})
	enqueue(t, e.broker, &queue.Job{ID: "seed", Type: "t", Queue: "q"})

	rates := func() (string, string) {
		t.Helper()
		row := element(e.get(t, "/", http.StatusOK), `<tr class="queue" data-queue="q"`, "</tr>")
		p := regexp.MustCompile(`class="num rate-processed">([^<]*)<`).FindStringSubmatch(row)
		f := regexp.MustCompile(`class="num rate-failed">([^<]*)<`).FindStringSubmatch(row)
		if p == nil || f == nil {
			t.Fatalf("no rate cells in\n%s", row)
		}
		return p[1], f[1]
	}
	steps := []struct {
		name         string
		advance      time.Duration
		done, failed int
		wantP, wantF string
	}{
		{"first sample", 0, 0, 0, "—", "—"},
		{"too soon to measure", 5 * time.Second, 3, 0, "—", "—"},
		// 3 done before and 3 more now, 1 failure, over 30 s since the first sample.
		{"measured over 30s", 25 * time.Second, 3, 1, "14.0", "2.0"},
		{"sooner than the interval keeps the last rate", 2 * time.Second, 5, 0, "14.0", "2.0"},
		// 5 attempts over the 60 s since the previous sample.
		{"next interval", 58 * time.Second, 0, 0, "5.0", "0.0"},
		{"idle", time.Minute, 0, 0, "0.0", "0.0"},
	}
	n := 0
	for _, s := range steps {
		clk.Add(s.advance)
		for range s.done {
			n++
			settle(t, e.broker, &queue.Job{ID: fmt.Sprintf("d%d", n), Type: "t", Queue: "q"}, queue.Done, "")
		}
		for range s.failed {
			n++
			settle(t, e.broker, &queue.Job{ID: fmt.Sprintf("f%d", n), Type: "t", Queue: "q"}, queue.Dead, "x")
		}
		gotP, gotF := rates()
		if gotP != s.wantP || gotF != s.wantF {
			t.Fatalf("%s: rates = %s/min processed, %s/min failed, want %s, %s", s.name, gotP, gotF, s.wantP, s.wantF)
		}
	}
}

// TestEscapesPayloadsAndErrors enqueues markup as payloads and errors and
// checks that every page shows it as text.
func TestEscapesPayloadsAndErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	const evil = `<script>alert(1)</script>`
	settle(t, e.broker, &queue.Job{ID: "json", Type: "t", Queue: "q", Payload: []byte(`{"name":"` + evil + `"}`)}, queue.Dead, `<img src=x onerror=alert(2)>`)
	settle(t, e.broker, &queue.Job{ID: "text", Type: "t", Queue: "q", Payload: []byte(evil)}, queue.Retry, evil+"\nsecond line")
	enqueue(t, e.broker, &queue.Job{ID: `"><script>alert(3)</script>`, Type: evil, Queue: "q", Tags: []string{evil}, Meta: map[string]string{"k": evil}})

	pages := []struct{ path, escaped string }{
		{"/", "&lt;script&gt;alert(1)"},
		{"/", "&lt;img src=x onerror=alert(2)&gt;"},
		{"/queues/q/archived", "&lt;img src=x onerror=alert(2)&gt;"},
		{"/queues/q/retry", "&lt;script&gt;alert(1)"},
		{"/queues/q/pending", "&#34;&gt;&lt;script&gt;alert(3)"},
		{jobPath("", "q", "json"), "&#34;name&#34;: &#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;"},
		{jobPath("", "q", "json"), "&lt;img src=x onerror=alert(2)&gt;"},
		{jobPath("", "q", "text"), `<pre id="payload">&lt;script&gt;alert(1)&lt;/script&gt;</pre>`},
		{jobPath("", "q", `"><script>alert(3)</script>`), "&lt;script&gt;alert(1)"},
	}
	for _, p := range pages {
		body := e.get(t, p.path, http.StatusOK)
		for _, raw := range []string{"<script>alert", "<img src=x", `"><script`} {
			if strings.Contains(body, raw) {
				t.Errorf("GET %s: body holds raw %q", p.path, raw)
			}
		}
		if !strings.Contains(body, p.escaped) {
			t.Errorf("GET %s: body lacks the escaped %s:\n%s", p.path, p.escaped, body)
		}
	}
	job := e.get(t, jobPath("", "q", "json"), http.StatusOK)
	if !strings.Contains(job, "&lt;img src=x onerror=alert(2)&gt;") {
		t.Errorf("job page lacks the escaped error:\n%s", job)
	}
	// The job page of a missing job echoes nothing unescaped either.
	r := e.do(t, http.MethodGet, jobPath("", "q", evil), nil, map[string]string{"Accept": "text/html"})
	if r.status != http.StatusNotFound || strings.Contains(r.body, "<script>alert") {
		t.Errorf("GET missing job with markup in its ID = %d, raw markup %v", r.status, strings.Contains(r.body, "<script>alert"))
	}
}

func TestJobPageShowsDetailsAndPayload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	binary := []byte{0x00, 0xff, 0xfe, 'a', 0x01}
	enqueue(t, e.broker, &queue.Job{ID: "json", Type: "email.send", Queue: "mail", Payload: []byte(`{"to":"a@example.com","n":[1,2]}`),
		Tags: []string{"welcome"}, Meta: map[string]string{queue.MetaRequestID: "req-42"}, MaxRetries: 7, Priority: queue.PriorityHigh})
	enqueue(t, e.broker, &queue.Job{ID: "text", Type: "t", Queue: "mail", Payload: []byte("plain words & more")})
	enqueue(t, e.broker, &queue.Job{ID: "bin", Type: "t", Queue: "mail", Payload: binary})
	enqueue(t, e.broker, &queue.Job{ID: "empty", Type: "t", Queue: "mail"})
	big := strings.Repeat("é", 40_000) // 80,000 bytes: cut at 64 KiB
	enqueue(t, e.broker, &queue.Job{ID: "big", Type: "t", Queue: "mail", Payload: []byte(big)})

	tests := []struct {
		id   string
		want []string
	}{
		{"json", []string{
			"<pre id=\"payload\">{\n  &#34;to&#34;: &#34;a@example.com&#34;,\n  &#34;n&#34;: [\n    1,\n    2\n  ]\n}</pre>",
			`<dd id="state" data-state="pending">`, "email.send", "welcome", "req-42", "retries allowed: 7",
			"json, 32 bytes",
		}},
		{"text", []string{`<pre id="payload">plain words &amp; more</pre>`, "text, 18 bytes"}},
		{"bin", []string{"00 ff fe 61 01", "binary, 5 bytes"}},
		{"empty", []string{"empty, 0 bytes"}},
		{"big", []string{"text, 80000 bytes, truncated"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			body := e.get(t, jobPath("", "mail", tt.id), http.StatusOK)
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("job page lacks %q:\n%s", w, body)
				}
			}
		})
	}
	ctx := context.Background()
	leases, err := e.broker.Fetch(ctx, queue.FetchRequest{Queues: []string{"mail"}, Max: 100, Lease: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var outs []queue.Outcome
	for _, l := range leases {
		if l.Job.ID == "text" {
			outs = append(outs, queue.Outcome{Lease: l, Kind: queue.Done, Result: []byte(`{"sent":true}`)})
		} else {
			outs = append(outs, queue.Outcome{Lease: l, Kind: queue.Release})
		}
	}
	if err := e.broker.Ack(ctx, outs); err != nil {
		t.Fatal(err)
	}
	body := e.get(t, jobPath("", "mail", "text"), http.StatusOK)
	if !strings.Contains(body, "<pre id=\"result\">{\n  &#34;sent&#34;: true\n}</pre>") {
		t.Errorf("completed job page lacks its pretty-printed result:\n%s", body)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	enqueue(t, e.broker, &queue.Job{ID: "j1", Type: "t", Queue: "q"})
	tests := []struct {
		name   string
		method string
		path   string
		want   int
	}{
		{"missing job", http.MethodGet, jobPath("", "q", "nope"), http.StatusNotFound},
		{"job of another queue", http.MethodGet, jobPath("", "other", "j1"), http.StatusNotFound},
		{"missing queue", http.MethodGet, "/queues/nope/pending", http.StatusNotFound},
		{"unknown state", http.MethodGet, "/queues/q/sleeping", http.StatusNotFound},
		{"unknown page", http.MethodGet, "/what", http.StatusNotFound},
		{"unknown static file", http.MethodGet, "/static/secret.txt", http.StatusNotFound},
		{"static directory", http.MethodGet, "/static/", http.StatusNotFound},
		{"bad page number", http.MethodGet, "/queues/q/pending?page=x", http.StatusBadRequest},
		{"page zero", http.MethodGet, "/queues/q/pending?page=0", http.StatusBadRequest},
		{"retry missing job", http.MethodPost, jobPath("", "q", "nope") + "/retry", http.StatusNotFound},
		{"delete missing job", http.MethodPost, jobPath("", "q", "nope") + "/delete", http.StatusNotFound},
		{"pause missing queue", http.MethodPost, "/queues/nope/pause", http.StatusNotFound},
	}
	token := e.token(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, accept := range []string{"text/html,application/xhtml+xml,*/*;q=0.8", "application/json", ""} {
				var r response
				if tt.method == http.MethodPost {
					r = e.post(t, tt.path, token, map[string]string{"Accept": accept})
				} else {
					r = e.do(t, tt.method, tt.path, nil, map[string]string{"Accept": accept})
				}
				if r.status != tt.want {
					t.Fatalf("%s %s (Accept %q) = %d, want %d; body %s", tt.method, tt.path, accept, r.status, tt.want, r.body)
				}
				ct := r.header.Get("Content-Type")
				if strings.HasPrefix(accept, "text/html") {
					if !strings.HasPrefix(ct, "text/html") || !strings.Contains(r.body, fmt.Sprintf(`data-status="%d"`, tt.want)) {
						t.Errorf("Accept text/html: Content-Type %q, body %s; want an HTML error page", ct, r.body)
					}
					continue
				}
				var p struct {
					Status int    `json:"status"`
					Code   string `json:"code"`
				}
				if ct != "application/problem+json" || json.Unmarshal([]byte(r.body), &p) != nil || p.Status != tt.want {
					t.Errorf("Accept %q: Content-Type %q, body %s; want a problem with status %d", accept, ct, r.body, tt.want)
				}
			}
		})
	}
}

// TestBrokerFailureIsAGeneric500 checks that a broker error reaches no
// response body.
func TestBrokerFailureIsAGeneric500(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	enqueue(t, e.broker, &queue.Job{ID: "j1", Type: "t", Queue: "q"})
	e.broker.Close()
	for _, accept := range []string{"text/html", "application/json"} {
		for _, path := range []string{"/", jobPath("", "q", "j1"), "/queues/q/pending"} {
			r := e.do(t, http.MethodGet, path, nil, map[string]string{"Accept": accept})
			if r.status != http.StatusInternalServerError {
				t.Fatalf("GET %s with a closed broker = %d, want 500", path, r.status)
			}
			if strings.Contains(r.body, queue.ErrClosed.Error()) {
				t.Errorf("GET %s: body leaks the broker error: %s", path, r.body)
			}
		}
	}
}

func TestListPagesThroughAState(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{PageSize: 2})
	for i := range 5 {
		enqueue(t, e.broker, &queue.Job{ID: fmt.Sprintf("j%d", i), Type: "t", Queue: "q"})
	}
	idsRE := regexp.MustCompile(`data-job="([^"]+)"`)
	tests := []struct {
		page    string
		want    string
		hasPrev bool
		hasNext bool
	}{
		{"", "j0 j1", false, true},
		{"?page=2", "j2 j3", true, true},
		{"?page=3", "j4", true, false},
		{"?page=4", "", true, false},
	}
	for _, tt := range tests {
		body := e.get(t, "/queues/q/pending"+tt.page, http.StatusOK)
		var ids []string
		for _, m := range idsRE.FindAllStringSubmatch(body, -1) {
			ids = append(ids, m[1])
		}
		if got := strings.Join(ids, " "); got != tt.want {
			t.Errorf("page %q lists %q, want %q", tt.page, got, tt.want)
		}
		if got := strings.Contains(body, `rel="prev"`); got != tt.hasPrev {
			t.Errorf("page %q has a previous link: %v, want %v", tt.page, got, tt.hasPrev)
		}
		if got := strings.Contains(body, `rel="next"`); got != tt.hasNext {
			t.Errorf("page %q has a next link: %v, want %v", tt.page, got, tt.hasNext)
		}
	}
}
