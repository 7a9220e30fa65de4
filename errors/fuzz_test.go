package errors_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
)

// causeMarker starts every cause's text, so that a leak is recognisable.
const causeMarker = "c4u5e-m4rk3r"

// FuzzWrite renders arbitrary errors for arbitrary Accept headers: Write
// never panics, always writes a well-formed JSON or XML problem with the
// error's status, and never lets a 5xx body show the cause.
func FuzzWrite(f *testing.F) {
	f.Add(404, "not_found", "no user 7", "", "sql: no rows", "/id", "", false)
	f.Add(500, "internal", "query failed", "", "password=hunter2", "", "application/json", false)
	f.Add(503, "", "pool exhausted", "Down for maintenance.", "dial tcp: refused", "", "application/xml", false)
	f.Add(422, "validation_failed", "invalid", "2 fields", "x", "/a~1b/0", "text/xml;q=0.5, application/json;q=0", false)
	f.Add(200, "ok", "not an error status", "", "y", "", "*/*", false)
	f.Add(499, "", "gone", "", "context canceled", "", "", false)
	f.Add(418, "status", "teapot", "request_id", "z", "/\xff", "application/problem+xml", true)
	f.Add(577, "x<y>&", "<msg>\x00\x01", "\"quoted\"", "\xfe", "]]>", `application/xml;q="0,5"`, false)

	f.Fuzz(func(t *testing.T, status int, code, message, detail, causeText, pointer, accept string, head bool) {
		cause := errors.New(causeMarker + causeText)
		e := errors.E(status, code, "%s: %w", message, cause).
			WithViolations(errors.Violation{Pointer: pointer, Code: code, Message: message, Params: map[string]any{"p": pointer}}).
			WithExtension(code, detail)
		if detail != "" {
			e = e.WithDetail("%s", detail)
		}

		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		r := newRequest(method, "")
		r.Header["Accept"] = []string{accept}
		rec := httptest.NewRecorder()
		errors.Write(rec, r, e)

		want, wantErrors := status, 1
		switch {
		case status < 400 || status > 599:
			want = http.StatusInternalServerError
		case status == errors.StatusClientClosedRequest:
			// The client is still there: the cancellation was internal.
			want, wantErrors = http.StatusInternalServerError, 0
		}
		if rec.Code != want {
			t.Fatalf("status = %d, want %d", rec.Code, want)
		}
		body := rec.Body.Bytes()
		if head {
			if len(body) != 0 {
				t.Fatalf("HEAD body = %q, want empty", body)
			}
			return
		}

		switch ct := rec.Header().Get("Content-Type"); ct {
		case "application/problem+json":
			if !json.Valid(body) {
				t.Fatalf("body is not valid JSON: %q", body)
			}
			var p struct {
				Status int `json:"status"`
				Errors []struct {
					Pointer string `json:"pointer"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("decoding %q: %v", body, err)
			}
			if p.Status != want || len(p.Errors) != wantErrors {
				t.Fatalf("problem %q: status %d with %d errors, want %d with %d", body, p.Status, len(p.Errors), want, wantErrors)
			}
		case "application/problem+xml":
			checkWellFormedXML(t, body)
			p := decodeXML(t, body)
			if p.Status != want || len(p.Errors) != wantErrors {
				t.Fatalf("problem %q: status %d with %d errors, want %d with %d", body, p.Status, len(p.Errors), want, wantErrors)
			}
		default:
			t.Fatalf("Content-Type = %q, want a problem type", ct)
		}

		public := code + message + detail + pointer
		if want >= 500 && !strings.Contains(public, causeMarker) && bytes.Contains(body, []byte(causeMarker)) {
			t.Fatalf("5xx body shows the cause: %q", body)
		}
		if want >= 500 && detail == "" && message != "" && !strings.Contains(code+pointer, message) &&
			bytes.Contains(body, []byte(`"detail":`+jsonString(message))) {
			t.Fatalf("5xx body shows the message as detail: %q", body)
		}
	})
}

// checkWellFormedXML fails unless body is one well-formed XML document.
func checkWellFormedXML(tb testing.TB, body []byte) {
	tb.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("body is not well-formed XML: %v\n%q", err, body)
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 || depth != 0 {
		tb.Fatalf("body has %d root elements and depth %d at the end, want one closed root: %q", roots, depth, body)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// FuzzNegotiate parses arbitrary Accept headers: Write always answers with
// one of the two problem types, picks XML only when the header can name an
// XML type, and picks JSON whenever the client explicitly accepts
// application/json.
func FuzzNegotiate(f *testing.F) {
	for _, accept := range []string{
		"",
		"*/*",
		"application/xml",
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"application/json;q=0, application/problem+json;q=0, */*",
		`application/xml;foo="a,b;q=0", application/json;q=0`,
		"*; q=.2",
		"application/xml;q=abc",
	} {
		f.Add(accept)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		contentType := func(accept string) string {
			r := newRequest(http.MethodGet, "")
			r.Header["Accept"] = []string{accept}
			rec := httptest.NewRecorder()
			errors.Write(rec, r, errors.NotFound("x"))
			if rec.Code != http.StatusNotFound {
				t.Fatalf("Accept %q: status = %d, want 404", accept, rec.Code)
			}
			return rec.Header().Get("Content-Type")
		}
		switch ct := contentType(accept); ct {
		case "application/problem+json":
		case "application/problem+xml":
			lower := strings.ToLower(accept)
			if !strings.Contains(lower, "xml") && !strings.Contains(lower, "*") {
				t.Fatalf("Accept %q: Content-Type = %q, want JSON: no XML type can match", accept, ct)
			}
		default:
			t.Fatalf("Accept %q: Content-Type = %q, want a problem type", accept, ct)
		}
		if ct := contentType(accept + ", application/json"); ct != "application/problem+json" {
			t.Fatalf("Accept %q: Content-Type = %q, want JSON", accept+", application/json", ct)
		}
	})
}
