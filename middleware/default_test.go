package middleware_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/middleware/compress"
	"github.com/keel-go/keel/router"
)

func TestDefault(t *testing.T) {
	logs := newLogSink()
	r := router.New()
	r.Use(middleware.Default(middleware.DefaultOptions{
		Logger:   logs.logger(),
		CORS:     &middleware.CORSOptions{AllowedOrigins: []string{"https://app.example"}},
		Compress: compress.Middleware(compress.Options{}),
	}))
	r.Get("/items/:id", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"`+req.PathValue("id")+`","pad":"`+strings.Repeat("x", 2048)+`"}`)
	}))
	r.Get("/panic", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	r.Post("/upload", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, err := io.Copy(io.Discard, req.Body)
		if err != nil {
			errors.Write(w, req, err)
		}
	}))
	srv := httptest.NewServer(r)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()

	send := func(method, path, body string, header ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	resp := send("GET", "/items/7", "", "Origin", "https://app.example", "Accept-Encoding", "gzip")
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") == "" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
		resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("GET through the whole stack = %d %v", resp.StatusCode, resp.Header)
	}
	logs.waitLines(t, 1)
	var line map[string]any
	json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &line)
	if line["route"] != "GET /items/{id}" || line["request_id"] != resp.Header.Get("X-Request-Id") || line["client_ip"] != "127.0.0.1" {
		t.Errorf("access log line = %v", line)
	}

	// A panic: one 500 problem that still carries the security headers, and
	// the access log records the 500.
	resp = send("GET", "/panic", "")
	if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "application/problem+json" ||
		resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("panic through the stack = %d %v", resp.StatusCode, resp.Header)
	}
	logs.waitLines(t, 2) // the panic entry and the access line
	if !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("no access log line with status 500:\n%s", logs.String())
	}

	// The default body limit is 1 MiB.
	resp = send("POST", "/upload", strings.Repeat("a", 2<<20), "Content-Type", "application/octet-stream")
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB upload = %d, want 413", resp.StatusCode)
	}

	// A preflight from an allowed origin is answered by CORS.
	resp = send("OPTIONS", "/items/7", "", "Origin", "https://app.example", "Access-Control-Request-Method", "GET")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Methods") == "" {
		t.Errorf("preflight = %d %v", resp.StatusCode, resp.Header)
	}
}

func TestDefaultWithoutOptionalPieces(t *testing.T) {
	h := middleware.Default(middleware.DefaultOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, strings.Repeat("x", 4096))
	}))
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Origin", "https://elsewhere.example")
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(w, req)
	if w.Code != 200 || w.Header().Get("Content-Encoding") != "" || w.Header().Get("Access-Control-Allow-Origin") != "" ||
		w.Header().Get("X-Request-Id") == "" {
		t.Errorf("Default with no CORS and no Compress = %d %v", w.Code, w.Header())
	}
}
