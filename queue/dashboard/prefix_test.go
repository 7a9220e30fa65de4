package dashboard_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/dashboard"
)

// TestPrefixLinksWork follows every link and form of the pages of a
// dashboard mounted under a prefix.
func TestPrefixLinksWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{Prefix: "/admin/jobs"})
	settle(t, e.broker, &queue.Job{ID: "dead", Type: "t", Queue: "mail"}, queue.Dead, "boom")
	settle(t, e.broker, &queue.Job{ID: "later", Type: "t", Queue: "mail"}, queue.Retry, "boom")

	if r := e.do(t, http.MethodGet, "/admin/jobs", nil, nil); r.status != http.StatusMovedPermanently || r.header.Get("Location") != "/admin/jobs/" {
		t.Fatalf("GET /admin/jobs = %d to %q, want 301 to /admin/jobs/", r.status, r.header.Get("Location"))
	}
	if r := e.do(t, http.MethodGet, "/", nil, nil); r.body != "the application" {
		t.Fatalf("GET / reached the dashboard: %s", r.body)
	}

	body := e.get(t, "/admin/jobs/", http.StatusOK)
	hrefRE := regexp.MustCompile(`href="([^"?]+)"`)
	links := hrefRE.FindAllStringSubmatch(body, -1)
	if len(links) < 10 {
		t.Fatalf("overview has %d links, want at least 10", len(links))
	}
	seen := map[string]bool{}
	for _, m := range links {
		link := m[1]
		if seen[link] {
			continue
		}
		seen[link] = true
		if !strings.HasPrefix(link, "/admin/jobs/") {
			t.Errorf("link %q is outside the prefix", link)
			continue
		}
		if r := e.do(t, http.MethodGet, link, nil, nil); r.status != http.StatusOK {
			t.Errorf("GET %s (linked from the overview) = %d, want 200", link, r.status)
		}
	}
	job := e.get(t, jobPath("/admin/jobs", "mail", "dead"), http.StatusOK)
	if !strings.Contains(job, `action="/admin/jobs/queues/mail/jobs/dead/retry"`) {
		t.Fatalf("job page lacks the prefixed retry form:\n%s", job)
	}
	token := tokenRE.FindStringSubmatch(job)[1]
	r := e.post(t, "/admin/jobs/queues/mail/jobs/dead/retry", token, nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/jobs/queues/mail/jobs/dead" {
		t.Fatalf("POST retry = %d to %q, want 303 to the job page", r.status, r.header.Get("Location"))
	}
	if r := e.post(t, "/admin/jobs/queues/mail/pause", token, nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/jobs/" {
		t.Fatalf("POST pause = %d to %q, want 303 to /admin/jobs/", r.status, r.header.Get("Location"))
	}
	cookies := e.client.Jar.Cookies(mustURL(t, e.srv.URL+"/admin/jobs/"))
	if len(cookies) != 1 || cookies[0].Name != dashboard.CSRFCookie {
		t.Fatalf("cookies under the prefix = %v, want the CSRF cookie", cookies)
	}
	if outside := e.client.Jar.Cookies(mustURL(t, e.srv.URL+"/")); len(outside) != 0 {
		t.Fatalf("the CSRF cookie is sent outside the prefix: %v", outside)
	}
}

// TestEscapedNames checks queue names and job IDs that need escaping in a
// path.
func TestEscapedNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dashboard.Options{})
	const q, id = "team/a b?c", "id/with %2F#and?"
	settle(t, e.broker, &queue.Job{ID: id, Type: "t", Queue: q}, queue.Dead, "boom")
	body := e.get(t, "/", http.StatusOK)
	link := jobPath("", q, id)
	if !strings.Contains(body, `href="`+link+`"`) {
		t.Fatalf("overview lacks the link %q:\n%s", link, body)
	}
	job := e.get(t, link, http.StatusOK)
	if !strings.Contains(job, "id/with %2F#and?") {
		t.Fatalf("job page lacks the job's ID:\n%s", job)
	}
	e.get(t, "/queues/team%2Fa%20b%3Fc/archived", http.StatusOK)
	token := tokenRE.FindStringSubmatch(job)[1]
	if r := e.post(t, link+"/retry", token, nil); r.status != http.StatusSeeOther || r.header.Get("Location") != link {
		t.Fatalf("POST retry = %d to %q, want 303 to %q", r.status, r.header.Get("Location"), link)
	}
	if got := state(t, e.broker, q, id); got != queue.StatePending {
		t.Fatalf("job state after retry = %q, want pending", got)
	}
}
