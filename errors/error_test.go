package errors_test

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
)

func TestWithMethodsCopy(t *testing.T) {
	base := errors.NotFound("no user").
		WithViolations(errors.Violation{Pointer: "/a", Code: "required", Message: "is required"}).
		WithHeader("X-A", "1").
		WithExtension("a", 1)
	snapshot := describe(base)

	derived := []*errors.Error{
		base.WithCause(io.EOF),
		base.WithCode("user_not_found"),
		base.WithDetail("detail %d", 1),
		base.WithTitle("Missing"),
		base.WithType("https://example.com/probs/x"),
		base.WithInstance("/users/1"),
		base.WithViolations(errors.Violation{Pointer: "/b"}),
		base.WithRetryAfter(time.Second),
		base.WithHeader("X-A", "2"),
		base.WithHeader("X-B", "3"),
		base.WithExtension("a", 2),
		base.WithExtension("b", 3),
	}
	for i, d := range derived {
		if d == base {
			t.Errorf("derived[%d] is the receiver, want a copy", i)
		}
	}
	if got := describe(base); !reflect.DeepEqual(got, snapshot) {
		t.Errorf("receiver after With calls = %+v, want %+v", got, snapshot)
	}
}

// describe captures an Error's observable state.
func describe(e *errors.Error) map[string]any {
	return map[string]any{
		"status":     e.StatusCode(),
		"code":       e.Code(),
		"message":    e.Message(),
		"detail":     e.Detail(),
		"title":      e.Title(),
		"type":       e.Type(),
		"instance":   e.Instance(),
		"violations": e.Violations(),
		"retry":      e.RetryAfter(),
		"header":     e.Header(),
		"extensions": e.Extensions(),
		"cause":      e.Unwrap(),
		"text":       e.Error(),
	}
}

func TestWithMethodsSet(t *testing.T) {
	v1 := errors.Violation{Pointer: "/name", Code: "required", Message: "is required"}
	v2 := errors.Violation{Pointer: "/age", Code: "min", Message: "must be at least 18", Params: map[string]any{"min": 18}}
	e := errors.Unprocessable("invalid user").
		WithCode("invalid_user").
		WithDetail("%d fields are invalid", 2).
		WithTitle("Invalid user").
		WithType("https://example.com/probs/invalid-user").
		WithInstance("/users/7").
		WithViolations(v1).
		WithViolations(v2).
		WithRetryAfter(1500*time.Millisecond).
		WithHeader("x-trace", "a").
		WithHeader("X-Trace", "b").
		WithExtension("limit", 10).
		WithCause(io.ErrUnexpectedEOF)

	checks := []struct {
		name      string
		got, want any
	}{
		{"StatusCode", e.StatusCode(), http.StatusUnprocessableEntity},
		{"Code", e.Code(), "invalid_user"},
		{"Message", e.Message(), "invalid user"},
		{"Detail", e.Detail(), "2 fields are invalid"},
		{"Title", e.Title(), "Invalid user"},
		{"Type", e.Type(), "https://example.com/probs/invalid-user"},
		{"Instance", e.Instance(), "/users/7"},
		{"Violations", e.Violations(), []errors.Violation{v1, v2}},
		{"RetryAfter", e.RetryAfter(), 1500 * time.Millisecond},
		{"Header", e.Header(), http.Header{"X-Trace": {"a", "b"}}},
		{"Extensions", e.Extensions(), map[string]any{"limit": 10}},
		{"Unwrap", e.Unwrap(), io.ErrUnexpectedEOF},
		{"Error", e.Error(), "invalid user: unexpected EOF"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s() = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestDefaults(t *testing.T) {
	e := errors.NotFound("x")
	if got, want := e.Type(), "about:blank"; got != want {
		t.Errorf("Type() = %q, want %q", got, want)
	}
	if got, want := e.Title(), "Not Found"; got != want {
		t.Errorf("Title() = %q, want %q", got, want)
	}
	if got := e.WithRetryAfter(-time.Second).RetryAfter(); got != 0 {
		t.Errorf("WithRetryAfter(-1s).RetryAfter() = %v, want 0", got)
	}
	if got := e.WithRetryAfter(time.Second).WithRetryAfter(0).RetryAfter(); got != 0 {
		t.Errorf("WithRetryAfter(0).RetryAfter() = %v, want 0", got)
	}
	if got, want := errors.E(477, "", "").Title(), "Client Error"; got != want {
		t.Errorf("E(477).Title() = %q, want %q", got, want)
	}
	if got, want := errors.E(errors.StatusClientClosedRequest, "", "").Title(), "Client Closed Request"; got != want {
		t.Errorf("E(499).Title() = %q, want %q", got, want)
	}
}

func TestAccessorsReturnCopies(t *testing.T) {
	e := errors.BadRequest("x").
		WithViolations(errors.Violation{Pointer: "/a"}).
		WithHeader("X-A", "1").
		WithExtension("k", "v")
	e.Violations()[0].Pointer = "/changed"
	e.Header().Set("X-A", "changed")
	e.Extensions()["k"] = "changed"
	if got := e.Violations()[0].Pointer; got != "/a" {
		t.Errorf("Violations()[0].Pointer = %q after mutating a copy, want /a", got)
	}
	if got := e.Header().Get("X-A"); got != "1" {
		t.Errorf("Header().Get(X-A) = %q after mutating a copy, want 1", got)
	}
	if got := e.Extensions()["k"]; got != "v" {
		t.Errorf("Extensions()[k] = %v after mutating a copy, want v", got)
	}
}

func TestViolationsAppendDoesNotAlias(t *testing.T) {
	base := errors.BadRequest("x").WithViolations(errors.Violation{Pointer: "/a"}, errors.Violation{Pointer: "/b"})
	one := base.WithViolations(errors.Violation{Pointer: "/one"})
	two := base.WithViolations(errors.Violation{Pointer: "/two"})
	if got := one.Violations()[2].Pointer; got != "/one" {
		t.Errorf("one.Violations()[2].Pointer = %q, want /one", got)
	}
	if got := two.Violations()[2].Pointer; got != "/two" {
		t.Errorf("two.Violations()[2].Pointer = %q, want /two", got)
	}
}

func TestSentinel(t *testing.T) {
	errNoUser := errors.NotFound("no such user")
	other := errors.NotFound("no such user")

	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"itself", errNoUser, errNoUser, true},
		{"derived", errNoUser.WithCause(sql.ErrNoRows), errNoUser, true},
		{"derived twice", errNoUser.WithCode("x").WithDetail("y"), errNoUser, true},
		{"derived and wrapped", fmt.Errorf("load: %w", errNoUser.WithCause(sql.ErrNoRows)), errNoUser, true},
		{"cause through derived", errNoUser.WithCause(sql.ErrNoRows), sql.ErrNoRows, true},
		{"equal but distinct", other, errNoUser, false},
		{"derived from another", other.WithCause(sql.ErrNoRows), errNoUser, false},
		{"sibling", errNoUser.WithCode("a"), errNoUser.WithCode("a"), false},
		{"parent is not its child", errNoUser, errNoUser.WithCode("a"), false},
		{"nil target", errNoUser, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("Is(%v, %v) = %t, want %t", tt.err, tt.target, got, tt.want)
			}
		})
	}
}

func TestNilError(t *testing.T) {
	var e *errors.Error
	if got := e.Error(); got != "<nil>" {
		t.Errorf("nil.Error() = %q, want <nil>", got)
	}
	if got := e.StatusCode(); got != http.StatusInternalServerError {
		t.Errorf("nil.StatusCode() = %d, want 500", got)
	}
	if e.Unwrap() != nil || e.Code() != "" || e.Violations() != nil {
		t.Errorf("nil accessors = %v, %q, %v, want zero values", e.Unwrap(), e.Code(), e.Violations())
	}
	if got := e.WithCause(io.EOF).StatusCode(); got != http.StatusInternalServerError {
		t.Errorf("nil.WithCause().StatusCode() = %d, want 500", got)
	}
}

func TestConcurrentDerive(t *testing.T) {
	base := errors.TooManyRequests("slow down").WithHeader("X-A", "1").WithExtension("a", 1)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			e := base.WithHeader("X-B", "2").WithExtension("b", i).WithViolations(errors.Violation{Pointer: "/x"})
			if len(e.Header()) != 2 || len(e.Extensions()) != 2 {
				t.Errorf("derived in goroutine %d: header %v, extensions %v", i, e.Header(), e.Extensions())
			}
		})
	}
	wg.Wait()
	if len(base.Header()) != 1 || len(base.Extensions()) != 1 {
		t.Errorf("base after concurrent derivation: header %v, extensions %v", base.Header(), base.Extensions())
	}
}
