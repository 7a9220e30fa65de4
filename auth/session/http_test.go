package session_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/errors"
)

// newApp serves /login, /me and /logout over sessions, the way an
// application wires a Manager.
func newApp(m *session.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /login", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		user := r.FormValue("user")
		if user == "" {
			return errors.BadRequest("user required")
		}
		_, err := m.Create(r.Context(), w, r, &auth.Principal{Subject: user, Kind: auth.KindUser, Methods: []auth.Method{auth.MethodPassword}})
		return err
	}))
	mux.Handle("GET /me", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, err := m.Authenticate(r)
		if errors.Is(err, auth.ErrNoCredentials) || errors.Is(err, auth.ErrInvalidCredentials) {
			return errors.Unauthorized("authentication required").WithCause(err)
		}
		if err != nil {
			return err
		}
		_, err = fmt.Fprint(w, p.Subject)
		return err
	}))
	mux.Handle("POST /logout", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return m.Destroy(r.Context(), w, r)
	}))
	return mux
}

func TestHTTPLoginLogout(t *testing.T) {
	f := newFixture(t, session.Options{})
	srv := httptest.NewTLSServer(newApp(f.m))
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client.Jar = jar

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	post := func(path, form string) int {
		t.Helper()
		resp, err := client.Post(srv.URL+path, "application/x-www-form-urlencoded", stringsReader(form))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	if code, _ := get("/me"); code != http.StatusUnauthorized {
		t.Fatalf("GET /me before login = %d, want 401", code)
	}
	if code := post("/login", "user=alice"); code != http.StatusOK {
		t.Fatalf("POST /login = %d, want 200", code)
	}
	if code, body := get("/me"); code != http.StatusOK || body != "alice" {
		t.Fatalf("GET /me after login = %d %q, want 200 alice", code, body)
	}
	stolen := jar.Cookies(mustParse(t, srv.URL))
	if len(stolen) != 1 || stolen[0].Name != session.DefaultCookieName {
		t.Fatalf("cookies after login = %v, want one %s", stolen, session.DefaultCookieName)
	}
	if code := post("/logout", ""); code != http.StatusOK {
		t.Fatalf("POST /logout = %d, want 200", code)
	}
	if got := jar.Cookies(mustParse(t, srv.URL)); len(got) != 0 {
		t.Fatalf("cookies after logout = %v, want none", got)
	}
	if code, _ := get("/me"); code != http.StatusUnauthorized {
		t.Fatalf("GET /me after logout = %d, want 401", code)
	}
	// The cookie copied before logout no longer works either.
	jar.SetCookies(mustParse(t, srv.URL), stolen)
	if code, body := get("/me"); code != http.StatusUnauthorized {
		t.Fatalf("GET /me with the pre-logout cookie = %d %q, want 401", code, body)
	}
}
