package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/dashboard"
	"github.com/keel-go/keel/queue/memoryqueue"
)

// env is a dashboard over a memory broker, served by an httptest.Server
// and browsed by a client with a cookie jar that does not follow
// redirects.
type env struct {
	broker testBroker
	srv    *httptest.Server
	client *http.Client
	prefix string
}

// newEnv serves a dashboard of a new memory broker. Unless opts sets Auth,
// the dashboard is Local. It is mounted at opts.Prefix+"/" in a ServeMux
// that also serves other routes.
func newEnv(t testing.TB, opts dashboard.Options) *env {
	t.Helper()
	b, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return newEnvWith(t, b, b, opts)
}

// testBroker is a broker the tests can both fill and inspect.
type testBroker interface {
	queue.Broker
	queue.Inspector
}

func newEnvWith(t testing.TB, b testBroker, inspector queue.Inspector, opts dashboard.Options) *env {
	t.Helper()
	if opts.Auth == nil {
		opts.Local = true
	}
	h, err := dashboard.New(inspector, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(opts.Prefix+"/", h)
	if opts.Prefix != "" {
		mux.Handle(opts.Prefix, h)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "the application") })
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(c.CloseIdleConnections)
	return &env{broker: b, srv: srv, client: c, prefix: opts.Prefix}
}

// response is a read response.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request and reads the response.
func (e *env) do(t testing.TB, method, path string, body url.Values, header map[string]string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// get loads a page as a browser would (Accept: text/html) and fails the
// test unless it answers want.
func (e *env) get(t testing.TB, path string, want int) string {
	t.Helper()
	r := e.do(t, http.MethodGet, path, nil, map[string]string{"Accept": "text/html"})
	if r.status != want {
		t.Fatalf("GET %s = %d, want %d; body:\n%s", path, r.status, want, r.body)
	}
	return r.body
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// token loads the overview and returns the CSRF token of its forms.
func (e *env) token(t testing.TB) string {
	t.Helper()
	body := e.get(t, e.prefix+"/", http.StatusOK)
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token field in the overview (it needs a queue or a failure):\n%s", body)
	}
	return m[1]
}

// post submits an action form with token.
func (e *env) post(t testing.TB, path, token string, header map[string]string) response {
	t.Helper()
	form := url.Values{}
	if token != "" {
		form.Set(dashboard.CSRFField, token)
	}
	return e.do(t, http.MethodPost, path, form, header)
}

// settle enqueues j, leases it and settles it with kind (0 leaves it
// active). Other jobs of its queue that the fetch leases are released.
func settle(t testing.TB, b testBroker, j *queue.Job, kind queue.OutcomeKind, errText string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Enqueue(ctx, []*queue.Job{j}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	leases, err := b.Fetch(ctx, queue.FetchRequest{Queues: []string{j.Queue}, Max: 1000, Lease: time.Hour})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	var outs []queue.Outcome
	found := false
	for _, l := range leases {
		switch {
		case l.Job.ID != j.ID:
			outs = append(outs, queue.Outcome{Lease: l, Kind: queue.Release})
		case kind != 0:
			found = true
			o := queue.Outcome{Lease: l, Kind: kind, Error: errText}
			if kind == queue.Retry {
				o.RetryAt = time.Now().Add(time.Hour)
			}
			outs = append(outs, o)
		default:
			found = true
		}
	}
	if !found {
		t.Fatalf("job %s was not leased", j.ID)
	}
	if len(outs) > 0 {
		if err := b.Ack(ctx, outs); err != nil {
			t.Fatalf("Ack: %v", err)
		}
	}
}

// enqueue stores j as pending (or scheduled when RunAt is in the future).
func enqueue(t testing.TB, b queue.Broker, j *queue.Job) {
	t.Helper()
	if err := b.Enqueue(context.Background(), []*queue.Job{j}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
}

// state returns the state of a job, or "" when it is gone.
func state(t testing.TB, b queue.Inspector, q, id string) queue.State {
	t.Helper()
	ji, err := b.Job(context.Background(), q, id)
	if err != nil {
		return ""
	}
	return ji.State
}

// jobPath is the path of a job's page under prefix.
func jobPath(prefix, q, id string) string {
	return prefix + "/queues/" + url.PathEscape(q) + "/jobs/" + url.PathEscape(id)
}

// element returns the first element of body that starts with open (up to
// and including the matching close tag name, without nesting), or "".
func element(body, open, closeTag string) string {
	i := strings.Index(body, open)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], closeTag)
	if j < 0 {
		return ""
	}
	return body[i : i+j+len(closeTag)]
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
