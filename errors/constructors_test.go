package errors_test

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/keel-go/keel/errors"
)

func TestConstructors(t *testing.T) {
	tests := []struct {
		name   string
		new    func(string, ...any) *errors.Error
		status int
		code   string
	}{
		{"BadRequest", errors.BadRequest, http.StatusBadRequest, "bad_request"},
		{"Unauthorized", errors.Unauthorized, http.StatusUnauthorized, "unauthorized"},
		{"Forbidden", errors.Forbidden, http.StatusForbidden, "forbidden"},
		{"NotFound", errors.NotFound, http.StatusNotFound, "not_found"},
		{"MethodNotAllowed", errors.MethodNotAllowed, http.StatusMethodNotAllowed, "method_not_allowed"},
		{"Conflict", errors.Conflict, http.StatusConflict, "conflict"},
		{"Gone", errors.Gone, http.StatusGone, "gone"},
		{"PreconditionFailed", errors.PreconditionFailed, http.StatusPreconditionFailed, "precondition_failed"},
		{"RequestTooLarge", errors.RequestTooLarge, http.StatusRequestEntityTooLarge, "request_too_large"},
		{"UnsupportedMediaType", errors.UnsupportedMediaType, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"Unprocessable", errors.Unprocessable, http.StatusUnprocessableEntity, "unprocessable"},
		{"TooManyRequests", errors.TooManyRequests, http.StatusTooManyRequests, "too_many_requests"},
		{"Internal", errors.Internal, http.StatusInternalServerError, "internal"},
		{"Unavailable", errors.Unavailable, http.StatusServiceUnavailable, "unavailable"},
		{"GatewayTimeout", errors.GatewayTimeout, http.StatusGatewayTimeout, "gateway_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.new("item %d of %s", 7, "list")
			if got := e.StatusCode(); got != tt.status {
				t.Errorf("%s().StatusCode() = %d, want %d", tt.name, got, tt.status)
			}
			if got := e.Code(); got != tt.code {
				t.Errorf("%s().Code() = %q, want %q", tt.name, got, tt.code)
			}
			if got, want := e.Message(), "item 7 of list"; got != want {
				t.Errorf("%s().Message() = %q, want %q", tt.name, got, want)
			}
			if got, want := e.Error(), "item 7 of list"; got != want {
				t.Errorf("%s().Error() = %q, want %q", tt.name, got, want)
			}
			if e.Unwrap() != nil {
				t.Errorf("%s().Unwrap() = %v, want nil", tt.name, e.Unwrap())
			}
		})
	}
}

func TestE(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		code       string
		wantStatus int
		wantCode   string
	}{
		{"explicit code", 402, "out_of_credit", 402, "out_of_credit"},
		{"default code from constructor table", 404, "", 404, "not_found"},
		{"default code from status text", 402, "", 402, "payment_required"},
		{"default code with apostrophe", 418, "", 418, "im_a_teapot"},
		{"default code for a 5xx", 505, "", 505, "http_version_not_supported"},
		{"unnamed 4xx status", 477, "", 477, "client_error"},
		{"unnamed 5xx status", 577, "", 577, "server_error"},
		{"client closed request", errors.StatusClientClosedRequest, "", 499, "client_closed_request"},
		{"2xx becomes 500", 200, "ok", 500, "ok"},
		{"3xx becomes 500", 302, "", 500, "internal"},
		{"600 becomes 500", 600, "", 500, "internal"},
		{"negative becomes 500", -1, "", 500, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := errors.E(tt.status, tt.code, "msg")
			if got := e.StatusCode(); got != tt.wantStatus {
				t.Errorf("E(%d, %q).StatusCode() = %d, want %d", tt.status, tt.code, got, tt.wantStatus)
			}
			if got := e.Code(); got != tt.wantCode {
				t.Errorf("E(%d, %q).Code() = %q, want %q", tt.status, tt.code, got, tt.wantCode)
			}
		})
	}
}

func TestConstructorFormatting(t *testing.T) {
	tests := []struct {
		name    string
		err     *errors.Error
		message string
		text    string // Error()
		cause   error
	}{
		{
			name:    "no args still formats",
			err:     errors.BadRequest("100%% sure"),
			message: "100% sure",
			text:    "100% sure",
		},
		{
			name:    "percent escape with args",
			err:     errors.BadRequest("%d%% done", 50),
			message: "50% done",
			text:    "50% done",
		},
		{
			name:    "%v does not wrap",
			err:     errors.Internal("query: %v", sql.ErrNoRows),
			message: "query: sql: no rows in result set",
			text:    "query: sql: no rows in result set",
		},
		{
			name:    "%w wraps without repeating the text",
			err:     errors.Internal("query: %w", sql.ErrNoRows),
			message: "query: sql: no rows in result set",
			text:    "query: sql: no rows in result set",
			cause:   sql.ErrNoRows,
		},
		{
			name:    "empty message",
			err:     errors.NotFound(""),
			message: "",
			text:    "not found",
		},
		{
			name:    "empty message with cause",
			err:     errors.NotFound("").WithCause(io.EOF),
			message: "",
			text:    "not found: EOF",
			cause:   io.EOF,
		},
		{
			name:    "WithCause appends the cause's text",
			err:     errors.Internal("load user %d", 3).WithCause(sql.ErrConnDone),
			message: "load user 3",
			text:    "load user 3: " + sql.ErrConnDone.Error(),
			cause:   sql.ErrConnDone,
		},
		{
			name:    "WithCause after %w replaces the cause",
			err:     errors.Internal("a: %w", io.EOF).WithCause(sql.ErrTxDone),
			message: "a: EOF",
			text:    "a: EOF: " + sql.ErrTxDone.Error(),
			cause:   sql.ErrTxDone,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Message(); got != tt.message {
				t.Errorf("Message() = %q, want %q", got, tt.message)
			}
			if got := tt.err.Error(); got != tt.text {
				t.Errorf("Error() = %q, want %q", got, tt.text)
			}
			if got := tt.err.Unwrap(); got != tt.cause {
				t.Errorf("Unwrap() = %v, want %v", got, tt.cause)
			}
		})
	}
}

func TestConstructorWrapsSeveral(t *testing.T) {
	e := errors.Internal("both: %w and %w", io.EOF, sql.ErrNoRows)
	if got, want := e.Error(), "both: EOF and sql: no rows in result set"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	for _, target := range []error{io.EOF, sql.ErrNoRows} {
		if !errors.Is(e, target) {
			t.Errorf("Is(%q, %v) = false, want true", e, target)
		}
	}
}

func TestConstructorWrapsCustomType(t *testing.T) {
	e := errors.BadRequest("field: %w", &fieldError{field: "age"})
	fe, ok := errors.AsType[*fieldError](e)
	if !ok || fe.field != "age" {
		t.Errorf("AsType[*fieldError](%v) = %v, %t, want age, true", e, fe, ok)
	}
}

type fieldError struct{ field string }

func (e *fieldError) Error() string { return fmt.Sprintf("bad field %s", e.field) }
