package errors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
)

// statusError implements StatusCoder.
type statusError struct {
	status int
	cause  error
}

func (e *statusError) Error() string   { return fmt.Sprintf("secret internal text %d", e.status) }
func (e *statusError) StatusCode() int { return e.status }
func (e *statusError) Unwrap() error   { return e.cause }

// quotaError implements Problemer.
type quotaError struct{ limit int }

func (e *quotaError) Error() string { return "quota exceeded" }
func (e *quotaError) Problem() *errors.Error {
	return errors.TooManyRequests("quota of %d requests exceeded", e.limit).WithRetryAfter(time.Minute)
}

// nilProblem implements Problemer and returns nil.
type nilProblem struct{}

func (nilProblem) Error() string          { return "nil problem" }
func (nilProblem) Problem() *errors.Error { return nil }

func decodeErr(tb testing.TB, body string, v any) error {
	tb.Helper()
	err := json.NewDecoder(strings.NewReader(body)).Decode(v)
	if err == nil {
		tb.Fatalf("decoding %q succeeded, want an error", body)
	}
	return err
}

func maxBytesErr(tb testing.TB) error {
	tb.Helper()
	body := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(strings.NewReader("0123456789")), 4)
	_, err := io.ReadAll(body)
	if err == nil {
		tb.Fatal("reading past the limit succeeded, want an error")
	}
	return err
}

type payload struct {
	Name    string `json:"name"`
	Age     int    `json:"age"`
	Address struct {
		Zip string `json:"zip/code"`
	} `json:"address"`
	Tags []string `json:"tags"`
}

func TestFrom(t *testing.T) {
	var v payload
	notFound := errors.NotFound("no user")

	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantDetail string // substring of Message(); "" to skip
		wantViol   []errors.Violation
	}{
		{name: "*Error", err: notFound, wantStatus: 404, wantCode: "not_found", wantDetail: "no user"},
		{name: "wrapped *Error", err: fmt.Errorf("load: %w", notFound), wantStatus: 404, wantCode: "not_found"},
		{name: "*Error beats Canceled", err: errors.Join(context.Canceled, notFound), wantStatus: 404, wantCode: "not_found"},
		{name: "*Error wrapping Canceled", err: errors.Internal("query: %w", context.Canceled), wantStatus: 500, wantCode: "internal"},
		{name: "Problemer", err: fmt.Errorf("x: %w", &quotaError{limit: 5}), wantStatus: 429, wantCode: "too_many_requests", wantDetail: "quota of 5 requests exceeded"},
		{name: "Problemer returning nil", err: nilProblem{}, wantStatus: 500, wantCode: "internal"},
		{name: "StatusCoder 4xx", err: fmt.Errorf("x: %w", &statusError{status: 409}), wantStatus: 409, wantCode: "conflict"},
		{name: "StatusCoder 5xx", err: &statusError{status: 503}, wantStatus: 503, wantCode: "unavailable"},
		{name: "StatusCoder beats EOF", err: &statusError{status: 502, cause: io.EOF}, wantStatus: 502, wantCode: "bad_gateway"},
		{name: "StatusCoder out of range", err: &statusError{status: 200}, wantStatus: 500, wantCode: "internal"},
		{name: "StatusCoder out of range falls through", err: &statusError{status: 302, cause: io.EOF}, wantStatus: 400, wantCode: "empty_body"},
		{name: "Canceled", err: context.Canceled, wantStatus: 499, wantCode: "client_closed_request"},
		{name: "wrapped Canceled", err: fmt.Errorf("query: %w", context.Canceled), wantStatus: 499, wantCode: "client_closed_request"},
		{name: "DeadlineExceeded", err: fmt.Errorf("query: %w", context.DeadlineExceeded), wantStatus: 504, wantCode: "gateway_timeout"},
		{name: "MaxBytesError", err: maxBytesErr(t), wantStatus: 413, wantCode: "request_too_large", wantDetail: "limit of 4 bytes"},
		{name: "MaxBytesError from a decoder", err: json.NewDecoder(http.MaxBytesReader(nil, io.NopCloser(strings.NewReader(`{"name":"abcdefgh"}`)), 5)).Decode(&v), wantStatus: 413, wantCode: "request_too_large"},
		{name: "SyntaxError", err: decodeErr(t, `{"name": x}`, &v), wantStatus: 400, wantCode: "malformed_json", wantDetail: "byte offset 10"},
		{name: "SyntaxError from Unmarshal", err: json.Unmarshal([]byte(`{"name":`), &v), wantStatus: 400, wantCode: "malformed_json", wantDetail: "unexpected end of JSON input"},
		{
			name: "UnmarshalTypeError", err: decodeErr(t, `{"age": "ten"}`, &v), wantStatus: 400, wantCode: "invalid_type",
			wantDetail: "at /age: expected integer, got string",
			wantViol:   []errors.Violation{{Pointer: "/age", Code: "type", Message: "must be an integer", Params: map[string]any{"expected": "integer", "actual": "string"}}},
		},
		{
			name: "UnmarshalTypeError nested and escaped", err: decodeErr(t, `{"address": {"zip/code": 75001}}`, &v), wantStatus: 400, wantCode: "invalid_type",
			wantViol: []errors.Violation{{Pointer: "/address/zip~1code", Code: "type", Message: "must be a string", Params: map[string]any{"expected": "string", "actual": "number"}}},
		},
		{
			name: "UnmarshalTypeError in an array", err: decodeErr(t, `{"tags": [1]}`, &v), wantStatus: 400, wantCode: "invalid_type",
			wantViol: []errors.Violation{{Pointer: "/tags", Code: "type", Message: "must be a string", Params: map[string]any{"expected": "string", "actual": "number"}}},
		},
		{
			name: "UnmarshalTypeError at the root", err: decodeErr(t, `[1, 2]`, &v), wantStatus: 400, wantCode: "invalid_type",
			wantDetail: "at the document root: expected object, got array",
			wantViol:   []errors.Violation{{Pointer: "", Code: "type", Message: "must be an object", Params: map[string]any{"expected": "object", "actual": "array"}}},
		},
		{
			name: "UnmarshalTypeError does not echo the value", err: decodeErr(t, `{"name": 123456789}`, &v), wantStatus: 400, wantCode: "invalid_type",
			wantDetail: "expected string, got number.",
		},
		{name: "EOF from an empty body", err: decodeErr(t, ``, &v), wantStatus: 400, wantCode: "empty_body"},
		{name: "ErrUnexpectedEOF from a cut body", err: decodeErr(t, `{"name": "a`, &v), wantStatus: 400, wantCode: "truncated_body"},
		{name: "unknown", err: errors.New("dial tcp 10.0.0.1:5432: connection refused"), wantStatus: 500, wantCode: "internal", wantDetail: "unclassified error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := errors.From(tt.err)
			if got := e.StatusCode(); got != tt.wantStatus {
				t.Errorf("From(%v).StatusCode() = %d, want %d", tt.err, got, tt.wantStatus)
			}
			if got := e.Code(); got != tt.wantCode {
				t.Errorf("From(%v).Code() = %q, want %q", tt.err, got, tt.wantCode)
			}
			if !strings.Contains(e.Message(), tt.wantDetail) {
				t.Errorf("From(%v).Message() = %q, want it to contain %q", tt.err, e.Message(), tt.wantDetail)
			}
			if tt.wantViol != nil && !reflect.DeepEqual(e.Violations(), tt.wantViol) {
				t.Errorf("From(%v).Violations() = %#v, want %#v", tt.err, e.Violations(), tt.wantViol)
			}
			// Either From wrapped the original, or it found e inside it.
			if !errors.Is(e, tt.err) && !errors.Is(tt.err, e) {
				t.Errorf("From(%v) and the original are unrelated under Is, want one to wrap the other", tt.err)
			}
		})
	}
}

func TestFromNil(t *testing.T) {
	if e := errors.From(nil); e != nil {
		t.Errorf("From(nil) = %v, want nil", e)
	}
}

func TestFromReturnsFoundError(t *testing.T) {
	e := errors.Conflict("taken")
	if got := errors.From(fmt.Errorf("x: %w", e)); got != e {
		t.Errorf("From(wrapped e) = %p, want e itself (%p)", got, e)
	}
}

func TestFromHidesForeignText(t *testing.T) {
	secret := "password=hunter2"
	for _, err := range []error{
		errors.New(secret),
		&statusError{status: 403, cause: errors.New(secret)},
		fmt.Errorf("%s: %w", secret, io.EOF),
	} {
		e := errors.From(err)
		for _, public := range []string{e.Message(), e.Detail(), e.Title()} {
			if strings.Contains(public, secret) || strings.Contains(public, "secret internal") {
				t.Errorf("From(%q) public text %q contains the error's text", err, public)
			}
		}
		if !strings.Contains(e.Error(), err.Error()) {
			t.Errorf("From(%q).Error() = %q, want it to contain the original text for logs", err, e.Error())
		}
	}
}

func TestFromProblemerKeepsCause(t *testing.T) {
	q := &quotaError{limit: 1}
	e := errors.From(q)
	if e.Unwrap() != q {
		t.Errorf("From(Problemer).Unwrap() = %v, want the Problemer", e.Unwrap())
	}
	if got := e.RetryAfter(); got != time.Minute {
		t.Errorf("From(Problemer).RetryAfter() = %v, want 1m", got)
	}
}

func TestFromDecodeAfterLimit(t *testing.T) {
	// A body that is valid but cut by the limit still reports the limit.
	body := http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader([]byte(`{"name":"abcdef"}`))), 8)
	var v payload
	err := json.NewDecoder(body).Decode(&v)
	if got := errors.From(err).StatusCode(); got != http.StatusRequestEntityTooLarge {
		t.Errorf("From(%v).StatusCode() = %d, want 413", err, got)
	}
}
