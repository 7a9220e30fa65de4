package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/dashboard"
)

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	settle(t, e.broker, &queue.Job{ID: "dead", Type: "t", Queue: "q"}, queue.Dead, "boom")
	token := e.token(t)

	// A token from another browser session: another jar, another cookie.
	other := newEnvWith(t, e.broker, e.broker, dashboard.Options{})
	other.srv.Close()
	other.srv = e.srv
	otherToken := other.token(t)

	// A token of another dashboard instance (another key) in this session.
	foreign := newEnvWith(t, e.broker, e.broker, dashboard.Options{})
	foreignToken := foreign.token(t)

	retry := jobPath("", "q", "dead") + "/retry"
	tests := []struct {
		name   string
		token  string
		header map[string]string
		body   *url.Values
	}{
		{name: "no token", token: ""},
		{name: "garbage token", token: "not-a-token"},
		{name: "token of another session", token: otherToken},
		{name: "token of another key", token: foreignToken},
		{name: "token tampered", token: tamper(token)},
		{name: "token in a header only", token: "", header: map[string]string{"X-CSRF-Token": token}},
		{name: "cross-site browser request", token: token, header: map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{name: "cross-origin Origin", token: token, header: map[string]string{"Origin": "https://evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(t, retry, tt.token, tt.header)
			if r.status != http.StatusForbidden {
				t.Fatalf("POST retry = %d, want 403; body %s", r.status, r.body)
			}
			if !strings.Contains(r.body, dashboard.CodeCSRFRejected) {
				t.Errorf("body %s lacks code %q", r.body, dashboard.CodeCSRFRejected)
			}
			if got := state(t, e.broker, "q", "dead"); got != queue.StateArchived {
				t.Fatalf("job state after a refused retry = %q, want archived", got)
			}
		})
	}

	// Without its cookie, a valid token is refused too.
	noCookie := &http.Client{CheckRedirect: e.client.CheckRedirect}
	resp, err := noCookie.PostForm(e.srv.URL+retry, url.Values{dashboard.CSRFField: {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST retry with a token and no cookie = %d, want 403", resp.StatusCode)
	}

	// A same-origin browser request with the token passes.
	r := e.post(t, retry, token, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.srv.URL})
	if r.status != http.StatusSeeOther {
		t.Fatalf("POST retry with a valid token = %d, want 303; body %s", r.status, r.body)
	}
	if got := state(t, e.broker, "q", "dead"); got != queue.StatePending {
		t.Fatalf("job state after retry = %q, want pending", got)
	}
}

// tamper flips one bit of the masked half of a token.
func tamper(token string) string {
	b := []byte(token)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestTokensAreMaskedAfresh checks that two page loads of one session
// embed different tokens that are both accepted.
func TestTokensAreMaskedAfresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	settle(t, e.broker, &queue.Job{ID: "a", Type: "t", Queue: "q"}, queue.Dead, "boom")
	settle(t, e.broker, &queue.Job{ID: "b", Type: "t", Queue: "q"}, queue.Dead, "boom")
	t1, t2 := e.token(t), e.token(t)
	if t1 == t2 {
		t.Fatalf("two page loads embed the same token %q", t1)
	}
	for id, tok := range map[string]string{"a": t1, "b": t2} {
		if r := e.post(t, jobPath("", "q", id)+"/delete", tok, nil); r.status != http.StatusSeeOther {
			t.Fatalf("delete %s = %d, want 303; body %s", id, r.status, r.body)
		}
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	b := e.broker
	settle(t, b, &queue.Job{ID: "dead", Type: "t", Queue: "q"}, queue.Dead, "boom")
	settle(t, b, &queue.Job{ID: "retrying", Type: "t", Queue: "q"}, queue.Retry, "boom")
	settle(t, b, &queue.Job{ID: "done", Type: "t", Queue: "q"}, queue.Done, "")
	settle(t, b, &queue.Job{ID: "running", Type: "t", Queue: "q"}, 0, "")
	settle(t, b, &queue.Job{ID: "gone", Type: "t", Queue: "q"}, queue.Dead, "boom")
	token := e.token(t)

	tests := []struct {
		name      string
		path      string
		want      int
		location  string
		job       string
		wantState queue.State
	}{
		{"retry archived", jobPath("", "q", "dead") + "/retry", http.StatusSeeOther, jobPath("", "q", "dead"), "dead", queue.StatePending},
		{"retry retrying", jobPath("", "q", "retrying") + "/retry", http.StatusSeeOther, jobPath("", "q", "retrying"), "retrying", queue.StatePending},
		{"retry completed", jobPath("", "q", "done") + "/retry", http.StatusConflict, "", "done", queue.StateCompleted},
		{"retry running", jobPath("", "q", "running") + "/retry", http.StatusConflict, "", "running", queue.StateActive},
		{"retry pending", jobPath("", "q", "dead") + "/retry", http.StatusConflict, "", "dead", queue.StatePending},
		{"delete running", jobPath("", "q", "running") + "/delete", http.StatusConflict, "", "running", queue.StateActive},
		{"delete archived", jobPath("", "q", "gone") + "/delete", http.StatusSeeOther, "/", "gone", ""},
		{"delete completed", jobPath("", "q", "done") + "/delete", http.StatusSeeOther, "/", "done", ""},
	}
	for _, tt := range tests {
		r := e.post(t, tt.path, token, nil)
		if r.status != tt.want {
			t.Fatalf("%s: POST %s = %d, want %d; body %s", tt.name, tt.path, r.status, tt.want, r.body)
		}
		if got := r.header.Get("Location"); got != tt.location {
			t.Errorf("%s: Location = %q, want %q", tt.name, got, tt.location)
		}
		if got := state(t, b, "q", tt.job); got != tt.wantState {
			t.Errorf("%s: job %s is %q, want %q", tt.name, tt.job, got, tt.wantState)
		}
	}
	if body := e.get(t, jobPath("", "q", "gone"), http.StatusNotFound); !strings.Contains(body, "no such job") {
		t.Errorf("deleted job page: %s", body)
	}
}

func TestPauseAndResume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	enqueue(t, e.broker, &queue.Job{ID: "j", Type: "t", Queue: "q"})
	paused := func() bool {
		t.Helper()
		qs, err := e.broker.Queues(context.Background())
		if err != nil || len(qs) != 1 {
			t.Fatalf("Queues = %v, %v", qs, err)
		}
		return qs[0].Paused
	}
	body := e.get(t, "/", http.StatusOK)
	if !strings.Contains(body, `action="/queues/q/pause"`) || strings.Contains(body, `action="/queues/q/resume"`) {
		t.Fatalf("overview of a running queue should offer Pause only:\n%s", body)
	}
	token := tokenRE.FindStringSubmatch(body)[1]
	if r := e.post(t, "/queues/q/pause", token, nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("POST pause = %d to %q, want 303 to /", r.status, r.header.Get("Location"))
	}
	if !paused() {
		t.Fatal("queue not paused after POST pause")
	}
	body = e.get(t, "/", http.StatusOK)
	if !strings.Contains(body, `action="/queues/q/resume"`) || !strings.Contains(body, `data-paused="true"`) {
		t.Fatalf("overview of a paused queue should offer Resume:\n%s", body)
	}
	if r := e.post(t, "/queues/q/resume", token, nil); r.status != http.StatusSeeOther {
		t.Fatalf("POST resume = %d, want 303", r.status)
	}
	if paused() {
		t.Fatal("queue still paused after POST resume")
	}
}

// inspectorOnly hides every method of the broker but Inspector's, so the
// dashboard cannot pause.
type inspectorOnly struct{ queue.Inspector }

func TestNoPauseWithoutPauser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	e = newEnvWith(t, e.broker, inspectorOnly{e.broker}, dashboard.Options{})
	settle(t, e.broker, &queue.Job{ID: "dead", Type: "t", Queue: "q"}, queue.Dead, "boom")
	body := e.get(t, "/", http.StatusOK)
	if strings.Contains(body, "/pause") || strings.Contains(body, "/resume") || strings.Contains(body, `class="pause"`) {
		t.Fatalf("overview offers pause without a Pauser:\n%s", body)
	}
	token := tokenRE.FindStringSubmatch(body)[1]
	if r := e.post(t, "/queues/q/pause", token, nil); r.status != http.StatusNotFound {
		t.Fatalf("POST pause without a Pauser = %d, want 404", r.status)
	}
	if qs, _ := e.broker.Queues(context.Background()); qs[0].Paused {
		t.Fatal("queue paused through a dashboard without a Pauser")
	}
}
