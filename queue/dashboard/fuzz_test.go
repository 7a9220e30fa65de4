package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/dashboard"
	"github.com/keel-go/keel/queue/memoryqueue"
)

var (
	payloadRE = regexp.MustCompile(`(?s)<pre id="payload">(.*?)</pre>`)
	errorRE   = regexp.MustCompile(`(?s)<pre class="error" id="error">(.*?)</pre>`)
)

// FuzzJobPage renders the page of a failed job with any payload and error,
// and checks that the page answers 200 and shows both as escaped text.
func FuzzJobPage(f *testing.F) {
	f.Add([]byte(`{"to":"<script>alert(1)</script>"}`), "<img src=x onerror=alert(1)>")
	f.Add([]byte("\x00\xff binary"), "line one\nline two")
	f.Add([]byte(""), "")
	b, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { b.Close() })
	h, err := dashboard.New(b, dashboard.Options{Local: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, payload []byte, lastError string) {
		id := "fuzz"
		if err := b.Delete(context.Background(), "q", id); err != nil && !strings.Contains(err.Error(), "not found") {
			t.Fatal(err)
		}
		settle(t, b, &queue.Job{ID: id, Type: "t", Queue: "q", Payload: payload}, queue.Dead, lastError)
		req := httptest.NewRequest(http.MethodGet, "/queues/q/jobs/"+id, nil)
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("Accept", "text/html")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("job page = %d, want 200: %s", rec.Code, rec.Body)
		}
		body := rec.Body.String()
		m := payloadRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no payload element in\n%s", body)
		}
		if strings.ContainsAny(m[1], "<>") {
			t.Fatalf("payload element holds markup: %q", m[1])
		}
		shown := html.UnescapeString(m[1])
		switch {
		case len(payload) > 64<<10 || !utf8.Valid(payload) || bytes.ContainsRune(payload, 0):
		case json.Valid(payload):
			var want, got bytes.Buffer
			if json.Compact(&want, payload) != nil || json.Compact(&got, []byte(shown)) != nil || want.String() != got.String() {
				t.Fatalf("JSON payload %q shown as %q", payload, shown)
			}
		case shown != string(payload):
			t.Fatalf("text payload %q shown as %q", payload, shown)
		}
		if lastError == "" {
			return
		}
		m = errorRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no error element in\n%s", body)
		}
		if strings.ContainsAny(m[1], "<>") {
			t.Fatalf("error element holds markup: %q", m[1])
		}
		if utf8.ValidString(lastError) && !strings.ContainsRune(lastError, 0) && html.UnescapeString(m[1]) != lastError {
			t.Fatalf("error %q shown as %q", lastError, html.UnescapeString(m[1]))
		}
	})
}

// FuzzCSRFToken posts an action with any cookie and form token: without
// the dashboard's key no token can be valid, so every one is refused.
func FuzzCSRFToken(f *testing.F) {
	f.Add("", "")
	f.Add("AAAA", "AAAA")
	f.Add(strings.Repeat("A", 64), strings.Repeat("A", 128))
	f.Add(strings.Repeat("_", 64), strings.Repeat("-", 128))
	b, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { b.Close() })
	h, err := dashboard.New(b, dashboard.Options{Local: true})
	if err != nil {
		f.Fatal(err)
	}
	settle(f, b, &queue.Job{ID: "dead", Type: "t", Queue: "q"}, queue.Dead, "boom")
	f.Fuzz(func(t *testing.T, cookie, token string) {
		form := url.Values{dashboard.CSRFField: {token}}
		req := httptest.NewRequest(http.MethodPost, "/queues/q/jobs/dead/retry", strings.NewReader(form.Encode()))
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", dashboard.CSRFCookie+"="+cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("POST with cookie %q and token %q = %d, want 403", cookie, token, rec.Code)
		}
		ji, err := b.Job(context.Background(), "q", "dead")
		if err != nil || ji.State != queue.StateArchived {
			t.Fatalf("job after a refused retry: %v, %v", ji.State, err)
		}
	})
}
