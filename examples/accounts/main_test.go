package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/keel-go/keel/auth/mfa"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testKey is the JWT_SIGNING_KEY of the services the tests start, so
// that attack tests can sign tokens of their own.
var testKey = bytes.Repeat([]byte("k"), 32)

// Demo credentials, as seeded by users.go.
const (
	alicePassword = "alice-demo-password"
	bobPassword   = "bob-demo-password"
	carolPassword = "carol-demo-password"
)

// logSink collects the service's JSON log lines and announces the address
// it listens on.
type logSink struct {
	mu    sync.Mutex
	lines []map[string]any
	raw   strings.Builder
	addr  chan string
	pw    *io.PipeWriter
	done  chan struct{}
}

func newLogSink() *logSink {
	pr, pw := io.Pipe()
	s := &logSink{addr: make(chan string, 1), pw: pw, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			s.mu.Lock()
			s.lines = append(s.lines, line)
			s.raw.Write(sc.Bytes())
			s.raw.WriteByte('\n')
			s.mu.Unlock()
			if line["message"] == "listening" {
				s.addr <- fmt.Sprintf("http://%s", line["addr"])
			}
		}
	}()
	return s
}

func (s *logSink) Write(p []byte) (int, error) { return s.pw.Write(p) }

func (s *logSink) close() {
	s.pw.Close()
	<-s.done
}

// find returns the lines that satisfy pred, as logged so far.
func (s *logSink) find(pred func(map[string]any) bool) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []map[string]any
	for _, l := range s.lines {
		if pred(l) {
			found = append(found, l)
		}
	}
	return found
}

// text returns everything logged so far.
func (s *logSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw.String()
}

// service is a running instance of the service, and a client for it.
type service struct {
	t         *testing.T
	base      string
	logs      *logSink
	client    *http.Client
	aliceTOTP string // alice's TOTP secret, read from the log as a person would
	codeMaker *mfa.Verifier
}

// startService runs the service on a random port with cheap argon2id
// parameters and the test signing key, waits until /readyz answers 200,
// and stops it, checking that run returns nil, when the test ends.
func startService(t *testing.T) *service {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := newLogSink()
	errc := make(chan error, 1)
	env := map[string]string{"JWT_SIGNING_KEY": base64.StdEncoding.EncodeToString(testKey)}
	args := []string{"accounts", "-addr", "127.0.0.1:0", "-hash-memory", "64"}
	go func() {
		errc <- run(ctx, args, func(k string) string { return env[k] }, logs, io.Discard)
	}()
	s := &service{t: t, logs: logs, client: &http.Client{Transport: &http.Transport{}}, codeMaker: mfa.MustNew(mfa.Options{Issuer: "test"})}
	select {
	case s.base = <-logs.addr:
	case err := <-errc:
		t.Fatalf("run returned before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("service did not start listening within 10s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("run returned %v after a clean stop, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return within 10s of cancellation")
		}
		logs.close()
		s.client.CloseIdleConnections()
	})
	s.waitReady()
	seeded := logs.find(func(l map[string]any) bool { return l["message"] == "seeded user" && l["username"] == "alice" })
	if len(seeded) != 1 {
		t.Fatalf("log has %d seeded-user lines for alice, want 1", len(seeded))
	}
	s.aliceTOTP, _ = seeded[0]["totp_secret"].(string)
	return s
}

// waitReady polls /readyz until it answers 200.
func (s *service) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := s.client.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-s.t.Context().Done():
			return
		}
	}
	s.t.Fatal("service never became ready")
}

// response is what a request got back.
type response struct {
	code   int
	header http.Header
	body   []byte
}

// cookie returns the value of the cookie the response sets, "" if none.
func (r response) cookie(name string) string {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// decode reads the JSON body into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

var requestIDMember = regexp.MustCompile(`"request_id":"[^"]*"`)

// problem returns the body without its request ID, for comparing the
// problems two requests got.
func (r response) problem() string {
	return requestIDMember.ReplaceAllString(string(r.body), `"request_id":"-"`)
}

// do sends a request with a JSON body (when body is not nil) and headers
// given as name, value pairs.
func (s *service) do(method, path string, body any, header ...string) response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(s.t.Context(), method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return response{code: resp.StatusCode, header: resp.Header, body: b}
}

// bearer is the header pair for an access token.
func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// sessionCookie is the header pair for a session cookie.
func sessionCookie(value string) []string { return []string{"Cookie", "__Host-session=" + value} }

type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// tokenPair is the JSON of a token response.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// login posts credentials to /login?mode=mode.
func (s *service) login(mode, username, password string, header ...string) response {
	s.t.Helper()
	return s.do("POST", "/login?mode="+mode, credentials{username, password}, header...)
}

// loginTokens logs in a user without a second factor and returns its
// token pair.
func (s *service) loginTokens(username, password string) tokenPair {
	s.t.Helper()
	resp := s.login("jwt", username, password)
	if resp.code != http.StatusOK {
		s.t.Fatalf("POST /login?mode=jwt as %s = %d %s, want 200", username, resp.code, resp.body)
	}
	var p tokenPair
	resp.decode(s.t, &p)
	return p
}

// mfaToken logs alice in with her password, in mode, and returns the
// token of the pending login.
func (s *service) mfaToken(mode string) string {
	s.t.Helper()
	resp := s.login(mode, "alice", alicePassword)
	var step struct {
		Status   string `json:"status"`
		MFAToken string `json:"mfa_token"`
	}
	resp.decode(s.t, &step)
	if resp.code != http.StatusOK || step.Status != "mfa_required" || step.MFAToken == "" {
		s.t.Fatalf("POST /login as alice = %d %s, want 200 mfa_required with a token", resp.code, resp.body)
	}
	return step.MFAToken
}

// aliceCode is the code alice's authenticator app shows now.
func (s *service) aliceCode() string {
	s.t.Helper()
	code, err := s.codeMaker.Code(s.aliceTOTP, time.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	return code
}

// sendCode posts a pending login's TOTP code.
func (s *service) sendCode(mfaToken, code string) response {
	s.t.Helper()
	return s.do("POST", "/login/totp", map[string]string{"mfa_token": mfaToken, "code": code})
}

func TestBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"unknown flag", []string{"-bogus"}, nil},
		{"log level", nil, map[string]string{"LOG_LEVEL": "loud"}},
		{"hash memory not a number", nil, map[string]string{"HASH_MEMORY_KIB": "lots"}},
		{"hash memory too large", []string{"-hash-memory", "9999999"}, nil},
		{"hash memory too small", []string{"-hash-memory", "1"}, nil},
		{"signing key not base64", nil, map[string]string{"JWT_SIGNING_KEY": "not base64!"}},
		{"signing key too short", nil, map[string]string{"JWT_SIGNING_KEY": base64.StdEncoding.EncodeToString([]byte("short"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"accounts", "-addr", "127.0.0.1:0"}, tt.args...)
			err := run(t.Context(), args, func(k string) string { return tt.env[k] }, io.Discard, io.Discard)
			if err == nil {
				t.Errorf("run(%q) with %v = nil, want an error", tt.args, tt.env)
			}
		})
	}
}
