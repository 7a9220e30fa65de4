package errors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

const secret = "s3cr3t-db-password"

// newRequest returns a request carrying a request ID, and the Accept header
// if one is given.
func newRequest(method, accept string) *http.Request {
	r := httptest.NewRequest(method, "/users/7?token=abc", nil)
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	ctx := reqctx.WithData(r.Context(), reqctx.Data{RequestID: "req-1"})
	return r.WithContext(ctx)
}

// write calls Write on a recorder and returns it.
func write(r *http.Request, err error) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	errors.Write(rec, r, err)
	return rec
}

// decodeJSON decodes a problem+json body into a map.
func decodeJSON(tb testing.TB, body []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		tb.Fatalf("decoding problem %q: %v", body, err)
	}
	if dec.More() {
		tb.Fatalf("problem %q has data after the object", body)
	}
	return m
}

func TestWriteJSON(t *testing.T) {
	generic := "The server encountered an internal error. Quote the request ID when reporting the problem."
	tests := []struct {
		name   string
		err    error
		status int
		want   map[string]any
	}{
		{
			name:   "4xx",
			err:    errors.NotFound("no user %d", 7),
			status: 404,
			want: map[string]any{
				"type": "about:blank", "title": "Not Found", "status": 404.0,
				"detail": "no user 7", "code": "not_found", "request_id": "req-1",
			},
		},
		{
			name:   "4xx without a message has no detail",
			err:    errors.Forbidden(""),
			status: 403,
			want: map[string]any{
				"type": "about:blank", "title": "Forbidden", "status": 403.0,
				"code": "forbidden", "request_id": "req-1",
			},
		},
		{
			name:   "4xx explicit detail replaces the message",
			err:    errors.Conflict("row version 3 != 4").WithDetail("The order was changed by someone else."),
			status: 409,
			want: map[string]any{
				"type": "about:blank", "title": "Conflict", "status": 409.0,
				"detail": "The order was changed by someone else.", "code": "conflict", "request_id": "req-1",
			},
		},
		{
			name:   "5xx hides message and cause",
			err:    errors.Internal("query with %s failed: %w", secret, errors.New(secret)),
			status: 500,
			want: map[string]any{
				"type": "about:blank", "title": "Internal Server Error", "status": 500.0,
				"detail": generic, "code": "internal", "request_id": "req-1",
			},
		},
		{
			name:   "5xx explicit detail",
			err:    errors.Unavailable("pool %s exhausted", secret).WithDetail("Down for maintenance until 10:00 UTC."),
			status: 503,
			want: map[string]any{
				"type": "about:blank", "title": "Service Unavailable", "status": 503.0,
				"detail": "Down for maintenance until 10:00 UTC.", "code": "unavailable", "request_id": "req-1",
			},
		},
		{
			name:   "5xx generic detail per status",
			err:    errors.GatewayTimeout("upstream %s", secret),
			status: 504,
			want: map[string]any{
				"type": "about:blank", "title": "Gateway Timeout", "status": 504.0,
				"detail": "The server did not complete the request in time.", "code": "gateway_timeout", "request_id": "req-1",
			},
		},
		{
			name:   "unknown error",
			err:    errors.New(secret),
			status: 500,
			want: map[string]any{
				"type": "about:blank", "title": "Internal Server Error", "status": 500.0,
				"detail": generic, "code": "internal", "request_id": "req-1",
			},
		},
		{
			name: "violations",
			err: errors.Unprocessable("invalid user").WithViolations(
				errors.Violation{Pointer: "/name", Code: "required", Message: "is required"},
				errors.Violation{Pointer: "/age", Code: "min", Message: "must be at least 18", Params: map[string]any{"min": 18}},
				errors.Violation{Pointer: "/bad", Code: "x", Message: "params that cannot be encoded are left out", Params: map[string]any{"f": func() {}}},
			),
			status: 422,
			want: map[string]any{
				"type": "about:blank", "title": "Unprocessable Entity", "status": 422.0,
				"detail": "invalid user", "code": "unprocessable", "request_id": "req-1",
				"errors": []any{
					map[string]any{"pointer": "/name", "code": "required", "message": "is required"},
					map[string]any{"pointer": "/age", "code": "min", "message": "must be at least 18", "params": map[string]any{"min": 18.0}},
					map[string]any{"pointer": "/bad", "code": "x", "message": "params that cannot be encoded are left out"},
				},
			},
		},
		{
			name: "type, title, instance and extensions",
			err: errors.E(http.StatusForbidden, "out_of_credit", "Your current balance is 30, but that costs 50.").
				WithType("https://example.com/probs/out-of-credit").
				WithTitle("You do not have enough credit.").
				WithInstance("/account/12345/msgs/abc").
				WithExtension("balance", 30).
				WithExtension("accounts", []string{"/account/12345", "/account/67890"}).
				WithExtension("status", 200).
				WithExtension("request_id", "forged").
				WithExtension("unencodable", make(chan int)),
			status: 403,
			want: map[string]any{
				"type": "https://example.com/probs/out-of-credit", "title": "You do not have enough credit.",
				"status": 403.0, "detail": "Your current balance is 30, but that costs 50.",
				"instance": "/account/12345/msgs/abc", "code": "out_of_credit", "request_id": "req-1",
				"balance": 30.0, "accounts": []any{"/account/12345", "/account/67890"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := write(newRequest(http.MethodGet, ""), tt.err)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got, want := rec.Header().Get("Content-Type"), "application/problem+json"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			body := rec.Body.Bytes()
			if got := decodeJSON(t, body); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problem = %#v\nwant %#v", got, tt.want)
			}
			if bytes.Contains(body, []byte(secret)) {
				t.Errorf("body %s contains the secret", body)
			}
		})
	}
}

func TestWriteJSONMemberOrder(t *testing.T) {
	rec := write(newRequest(http.MethodGet, ""), errors.NotFound("no user").WithInstance("/u/1").WithExtension("a", 1))
	want := `{"type":"about:blank","title":"Not Found","status":404,"detail":"no user","instance":"/u/1","code":"not_found","request_id":"req-1","a":1}` + "\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestWriteWithoutRequestID(t *testing.T) {
	rec := write(httptest.NewRequest(http.MethodGet, "/", nil), errors.NotFound("x"))
	if _, ok := decodeJSON(t, rec.Body.Bytes())["request_id"]; ok {
		t.Errorf("problem %s has a request_id without a request ID, want none", rec.Body)
	}
}

func TestWriteHeaders(t *testing.T) {
	r := newRequest(http.MethodGet, "")
	rec := httptest.NewRecorder()
	h := rec.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "12345")
	h.Set("ETag", `"v1"`)
	h.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
	h.Set("Content-Encoding", "gzip")
	h.Set("Vary", "Accept-Encoding")
	err := errors.TooManyRequests("slow down").
		WithRetryAfter(1500*time.Millisecond).
		WithHeader("X-RateLimit-Limit", "10").
		WithHeader("Link", "</a>").
		WithHeader("Link", "</b>").
		WithHeader("Content-Type", "text/plain").
		WithHeader("x-content-type-options", "off")
	errors.Write(rec, r, err)

	want := map[string][]string{
		"Content-Type":           {"application/problem+json"},
		"X-Content-Type-Options": {"nosniff"},
		"Cache-Control":          {"no-store"},
		"Retry-After":            {"2"},
		"X-Ratelimit-Limit":      {"10"},
		"Link":                   {"</a>", "</b>"},
		"Content-Encoding":       {"gzip"},
		"Vary":                   {"Accept-Encoding", "Accept"},
		"Content-Length":         nil,
		"Etag":                   nil,
		"Last-Modified":          nil,
	}
	for key, values := range want {
		if got := h.Values(key); !reflect.DeepEqual(got, values) && !(len(got) == 0 && len(values) == 0) {
			t.Errorf("header %s = %q, want %q", key, got, values)
		}
	}
}

func TestWriteHeaderOverrides(t *testing.T) {
	r := newRequest(http.MethodGet, "")
	rec := write(r, errors.NotFound("x").WithHeader("Cache-Control", "max-age=60").WithHeader("Vary", "Accept"))
	if got := rec.Header().Get("Cache-Control"); got != "max-age=60" {
		t.Errorf("Cache-Control = %q, want the error's max-age=60", got)
	}
	if got := rec.Header().Values("Vary"); !reflect.DeepEqual(got, []string{"Accept"}) {
		t.Errorf("Vary = %q, want [Accept] once", got)
	}
	if got := rec.Header().Get("Retry-After"); got != "" {
		t.Errorf("Retry-After = %q without WithRetryAfter, want none", got)
	}
}

func TestWriteRetryAfterRounding(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{time.Nanosecond, "1"},
		{time.Second, "1"},
		{time.Second + 1, "2"},
		{90 * time.Second, "90"},
	}
	for _, tt := range tests {
		rec := write(newRequest(http.MethodGet, ""), errors.Unavailable("x").WithRetryAfter(tt.d))
		if got := rec.Header().Get("Retry-After"); got != tt.want {
			t.Errorf("WithRetryAfter(%v): Retry-After = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestWriteHEAD(t *testing.T) {
	rec := write(newRequest(http.MethodHead, ""), errors.NotFound("no user"))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status = %d, want 404", rec.Code)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("HEAD body = %q, want empty", rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("HEAD Content-Type = %q, want application/problem+json", got)
	}
}

func TestWriteNil(t *testing.T) {
	rec := write(newRequest(http.MethodGet, ""), nil)
	if rec.Body.Len() != 0 || len(rec.Header()) != 0 {
		t.Errorf("Write(nil) wrote %d bytes and headers %v, want nothing", rec.Body.Len(), rec.Header())
	}
}

func TestWriteNilRequest(t *testing.T) {
	rec := httptest.NewRecorder()
	errors.Write(rec, nil, errors.BadRequest("bad"))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", rec.Code)
	}
	if got := decodeJSON(t, rec.Body.Bytes())["detail"]; got != "bad" {
		t.Errorf("detail = %v, want bad", got)
	}
}

func TestWriteClientGone(t *testing.T) {
	r := newRequest(http.MethodGet, "")
	ctx, cancel := context.WithCancel(r.Context())
	cancel()
	r = r.WithContext(ctx)

	for _, err := range []error{
		ctx.Err(),
		errors.Internal("query: %w", context.Canceled),
		errors.E(errors.StatusClientClosedRequest, "", "gone"),
	} {
		rec := write(r, err)
		if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
			t.Errorf("Write(%v) for a departed client wrote %q with headers %v, want nothing", err, rec.Body, rec.Header())
		}
	}

	// A real error is still answered (and logged as one) when the client
	// is gone.
	rec := write(r, errors.New("disk full"))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("Write(disk full) for a departed client: status %d, want 500", rec.Code)
	}
}

func TestWriteCanceledWhileClientWaits(t *testing.T) {
	r := newRequest(http.MethodGet, "")
	for _, err := range []error{context.Canceled, errors.E(errors.StatusClientClosedRequest, "", "x")} {
		rec := write(r, err)
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("Write(%v) with a live client: status %d, want 500", err, rec.Code)
		}
		if got := decodeJSON(t, rec.Body.Bytes())["code"]; got != "internal" {
			t.Errorf("Write(%v) with a live client: code %v, want internal", err, got)
		}
	}
}

// xmlProblem is the XML problem of RFC 9457 appendix B.
type xmlProblem struct {
	XMLName   xml.Name `xml:"urn:ietf:rfc:7807 problem"`
	Type      string   `xml:"type"`
	Title     string   `xml:"title"`
	Status    int      `xml:"status"`
	Detail    string   `xml:"detail"`
	Instance  string   `xml:"instance"`
	Code      string   `xml:"code"`
	RequestID string   `xml:"request_id"`
	Errors    []struct {
		Pointer string `xml:"pointer"`
		Code    string `xml:"code"`
		Message string `xml:"message"`
		Params  struct {
			Min   int      `xml:"min"`
			Oneof []string `xml:"oneof>i"`
		} `xml:"params"`
	} `xml:"errors>i"`
	Balance  int      `xml:"balance"`
	Accounts []string `xml:"accounts>i"`
	Nested   struct {
		A    string `xml:"a"`
		Null string `xml:"null"`
	} `xml:"nested"`
	Flag   bool     `xml:"flag"`
	Others []string `xml:",any"`
}

func decodeXML(tb testing.TB, body []byte) xmlProblem {
	tb.Helper()
	var p xmlProblem
	if err := xml.Unmarshal(body, &p); err != nil {
		tb.Fatalf("decoding problem %q: %v", body, err)
	}
	return p
}

func TestWriteXML(t *testing.T) {
	err := errors.E(http.StatusForbidden, "out_of_credit", "Your balance is 30 & that costs <50>.").
		WithType("https://example.com/probs/out-of-credit").
		WithTitle("You do not have enough credit.").
		WithInstance("/account/12345/msgs/abc").
		WithViolations(errors.Violation{Pointer: "/amount", Code: "min", Message: "too small",
			Params: map[string]any{"min": 50, "oneof": []string{"a", "b"}, "bad key": 1}}).
		WithExtension("balance", 30).
		WithExtension("accounts", []string{"/account/12345", "/account/67890"}).
		WithExtension("nested", map[string]any{"a": "x", "null": nil}).
		WithExtension("flag", true).
		WithExtension("not a name", 1).
		WithExtension("xmlns", "evil").
		WithExtension("title", "forged")
	rec := write(newRequest(http.MethodGet, "application/xml"), err)

	if rec.Code != http.StatusForbidden {
		t.Errorf("status = %d, want 403", rec.Code)
	}
	if got, want := rec.Header().Get("Content-Type"), "application/problem+xml"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	body := rec.Body.Bytes()
	if !bytes.HasPrefix(body, []byte(xml.Header)) {
		t.Errorf("body %q does not start with the XML declaration", body)
	}
	p := decodeXML(t, body)
	checks := []struct {
		name      string
		got, want any
	}{
		{"type", p.Type, "https://example.com/probs/out-of-credit"},
		{"title", p.Title, "You do not have enough credit."},
		{"status", p.Status, 403},
		{"detail", p.Detail, "Your balance is 30 & that costs <50>."},
		{"instance", p.Instance, "/account/12345/msgs/abc"},
		{"code", p.Code, "out_of_credit"},
		{"request_id", p.RequestID, "req-1"},
		{"errors", len(p.Errors), 1},
		{"balance", p.Balance, 30},
		{"accounts", p.Accounts, []string{"/account/12345", "/account/67890"}},
		{"nested", p.Nested.A, "x"},
		{"flag", p.Flag, true},
		{"unknown elements", p.Others, []string(nil)},
	}
	if len(p.Errors) == 1 {
		v := p.Errors[0]
		checks = append(checks, []struct {
			name      string
			got, want any
		}{
			{"errors[0].pointer", v.Pointer, "/amount"},
			{"errors[0].code", v.Code, "min"},
			{"errors[0].message", v.Message, "too small"},
			{"errors[0].params.min", v.Params.Min, 50},
			{"errors[0].params.oneof", v.Params.Oneof, []string{"a", "b"}},
		}...)
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if bytes.Contains(body, []byte("forged")) || bytes.Contains(body, []byte("evil")) {
		t.Errorf("body %s renders a reserved or invalid extension", body)
	}
}

func TestWriteXMLHidesCause(t *testing.T) {
	rec := write(newRequest(http.MethodGet, "text/xml"), errors.Internal("failed: %w", errors.New(secret)))
	p := decodeXML(t, rec.Body.Bytes())
	if p.Status != 500 || p.RequestID != "req-1" || p.Detail == "" {
		t.Errorf("problem = %+v, want status 500 with a generic detail and the request ID", p)
	}
	if bytes.Contains(rec.Body.Bytes(), []byte(secret)) {
		t.Errorf("body %s contains the secret", rec.Body)
	}
}

func TestNegotiation(t *testing.T) {
	const js, x = "application/problem+json", "application/problem+xml"
	tests := []struct {
		accept []string
		want   string
	}{
		{nil, js},
		{[]string{""}, js},
		{[]string{"*/*"}, js},
		{[]string{"application/json"}, js},
		{[]string{"application/problem+json"}, js},
		{[]string{"application/*"}, js},
		{[]string{"application/xml"}, x},
		{[]string{"text/xml"}, x},
		{[]string{"application/problem+xml"}, x},
		{[]string{"APPLICATION/XML"}, x},
		{[]string{"application/xml;q=0.9, application/json;q=0.1"}, js},
		{[]string{"application/xml, */*;q=0.1"}, js},
		{[]string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, js},
		{[]string{"application/xml", "application/json"}, js},
		{[]string{"application/xml", "text/plain"}, x},
		{[]string{"application/json;q=0, application/xml"}, x},
		{[]string{"application/json;q=0, application/problem+json;q=0, */*"}, x},
		{[]string{"application/xml;q=0, application/json;q=0"}, js},
		{[]string{"*/*;q=0, application/xml"}, x},
		{[]string{"application/*;q=0, text/xml"}, x},
		{[]string{"application/xml;q=0"}, js},
		{[]string{"application/xml;q=0.000"}, js},
		{[]string{"application/xml;q=0.001"}, x},
		{[]string{"application/xml;charset=utf-8;q=0.5"}, x},
		{[]string{"application/xml;q=1;level=1, application/json;q=0"}, x},
		{[]string{`application/xml;charset="a,b;q=0", application/json;q=0`}, x}, // the q=0 is quoted
		{[]string{`application/json;foo="a\"b,c"`}, js},
		{[]string{"application/xml;q=abc"}, js},
		{[]string{"application/xml;q=2"}, js},
		{[]string{"application/xml;q=-1"}, js},
		{[]string{"application/xml;q=NaN"}, js},
		{[]string{"text/plain"}, js},
		{[]string{"text/*"}, x},
		{[]string{"*, application/json;q=0"}, js},
		{[]string{"*; q=.2, application/json;q=0, application/problem+json;q=0"}, x},
		{[]string{"garbage, , ;;, /, a/, /b, */b"}, js},
		{[]string{"application/json;q=0, garbage"}, js},
	}
	for _, tt := range tests {
		r := newRequest(http.MethodGet, "")
		for _, a := range tt.accept {
			r.Header.Add("Accept", a)
		}
		rec := write(r, errors.NotFound("x"))
		if got := rec.Header().Get("Content-Type"); got != tt.want {
			t.Errorf("Accept %q: Content-Type = %q, want %q", tt.accept, got, tt.want)
		}
		if got := rec.Header().Get("Vary"); got != "Accept" {
			t.Errorf("Accept %q: Vary = %q, want Accept", tt.accept, got)
		}
	}
}

func TestWriteThroughServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := reqctx.WithData(r.Context(), reqctx.Data{RequestID: "req-srv"})
		errors.Write(w, r.WithContext(ctx), errors.Unavailable("db %s down", secret).WithRetryAfter(30*time.Second))
	}))
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()

	for _, accept := range []string{"application/json", "application/xml"} {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", accept)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", srv.URL, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("reading body: %v", err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("Accept %s: status = %d, want 503", accept, resp.StatusCode)
		}
		if got := resp.Header.Get("Retry-After"); got != "30" {
			t.Errorf("Accept %s: Retry-After = %q, want 30", accept, got)
		}
		if bytes.Contains(body, []byte(secret)) || !bytes.Contains(body, []byte("req-srv")) {
			t.Errorf("Accept %s: body %s, want the request ID and no secret", accept, body)
		}
		if strings.HasSuffix(accept, "xml") {
			if p := decodeXML(t, body); p.Status != 503 {
				t.Errorf("Accept %s: status member = %d, want 503", accept, p.Status)
			}
		} else if m := decodeJSON(t, body); m["status"] != 503.0 {
			t.Errorf("Accept %s: status member = %v, want 503", accept, m["status"])
		}
	}
}
