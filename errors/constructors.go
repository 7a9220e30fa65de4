package errors

import (
	"fmt"
	"net/http"
	"strings"
)

// E returns an Error with the given status and code and a message formatted
// as fmt.Sprintf does. An empty code becomes the default code for the
// status ("not_found" for 404, "internal" for 500, the snake-cased status
// text otherwise). A status outside 400–599 is a programming mistake and
// becomes 500.
//
// As with fmt.Errorf, an error argument formatted with %w becomes the
// cause: [Is] and [As] see it through the result. The message is public in
// a 4xx response, so wrap internal errors with [Error.WithCause] instead,
// which keeps them out of the message.
func E(status int, code, format string, args ...any) *Error {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	if code == "" {
		code = defaultCode(status)
	}
	e := &Error{status: status, code: code}
	if !hasError(args) {
		e.message = sprintf(format, args)
		return e
	}
	// fmt.Errorf implements %w; its result tells which errors it wrapped.
	err := fmt.Errorf(format, args...)
	e.message = err.Error()
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		e.cause = u.Unwrap()
	case interface{ Unwrap() []error }:
		e.cause = err
	}
	e.causeInMessage = e.cause != nil
	return e
}

// BadRequest returns a 400 Error with code "bad_request": the request is
// malformed.
func BadRequest(format string, args ...any) *Error {
	return E(http.StatusBadRequest, CodeBadRequest, format, args...)
}

// Unauthorized returns a 401 Error with code "unauthorized": the request
// lacks valid credentials. Add the challenge with
// WithHeader("WWW-Authenticate", ...).
func Unauthorized(format string, args ...any) *Error {
	return E(http.StatusUnauthorized, CodeUnauthorized, format, args...)
}

// Forbidden returns a 403 Error with code "forbidden": the caller is known
// but not allowed to do this.
func Forbidden(format string, args ...any) *Error {
	return E(http.StatusForbidden, CodeForbidden, format, args...)
}

// NotFound returns a 404 Error with code "not_found".
func NotFound(format string, args ...any) *Error {
	return E(http.StatusNotFound, CodeNotFound, format, args...)
}

// MethodNotAllowed returns a 405 Error with code "method_not_allowed". Add
// the allowed methods with WithHeader("Allow", ...).
func MethodNotAllowed(format string, args ...any) *Error {
	return E(http.StatusMethodNotAllowed, CodeMethodNotAllowed, format, args...)
}

// Conflict returns a 409 Error with code "conflict": the request conflicts
// with the current state of the resource.
func Conflict(format string, args ...any) *Error {
	return E(http.StatusConflict, CodeConflict, format, args...)
}

// Gone returns a 410 Error with code "gone": the resource existed and was
// removed for good.
func Gone(format string, args ...any) *Error {
	return E(http.StatusGone, CodeGone, format, args...)
}

// PreconditionFailed returns a 412 Error with code "precondition_failed":
// a conditional header (If-Match, If-Unmodified-Since) did not hold.
func PreconditionFailed(format string, args ...any) *Error {
	return E(http.StatusPreconditionFailed, CodePreconditionFailed, format, args...)
}

// RequestTooLarge returns a 413 Error with code "request_too_large".
func RequestTooLarge(format string, args ...any) *Error {
	return E(http.StatusRequestEntityTooLarge, CodeRequestTooLarge, format, args...)
}

// UnsupportedMediaType returns a 415 Error with code
// "unsupported_media_type": the server cannot read the request body's
// Content-Type.
func UnsupportedMediaType(format string, args ...any) *Error {
	return E(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, format, args...)
}

// Unprocessable returns a 422 Error with code "unprocessable": the request
// is well-formed but its content is invalid. Attach the failing fields with
// [Error.WithViolations].
func Unprocessable(format string, args ...any) *Error {
	return E(http.StatusUnprocessableEntity, CodeUnprocessable, format, args...)
}

// TooManyRequests returns a 429 Error with code "too_many_requests". Tell
// the client when to come back with [Error.WithRetryAfter].
func TooManyRequests(format string, args ...any) *Error {
	return E(http.StatusTooManyRequests, CodeTooManyRequests, format, args...)
}

// Internal returns a 500 Error with code "internal". Its message is logged
// but never shown: the client sees a generic detail and the request ID.
func Internal(format string, args ...any) *Error {
	return E(http.StatusInternalServerError, CodeInternal, format, args...)
}

// Unavailable returns a 503 Error with code "unavailable": the service is
// overloaded or down for maintenance. Its message is logged but never
// shown; tell the client when to come back with [Error.WithRetryAfter].
func Unavailable(format string, args ...any) *Error {
	return E(http.StatusServiceUnavailable, CodeUnavailable, format, args...)
}

// GatewayTimeout returns a 504 Error with code "gateway_timeout": an
// upstream did not answer in time. Its message is logged but never shown.
func GatewayTimeout(format string, args ...any) *Error {
	return E(http.StatusGatewayTimeout, CodeGatewayTimeout, format, args...)
}

// sprintf formats like fmt.Sprintf, without the call when there is nothing
// to format.
func sprintf(format string, args []any) string {
	if len(args) == 0 && !strings.Contains(format, "%") {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// hasError reports whether any of args is an error, which a %w verb may
// wrap.
func hasError(args []any) bool {
	for _, a := range args {
		if _, ok := a.(error); ok {
			return true
		}
	}
	return false
}

// defaultCode returns the code used when none is given for status.
func defaultCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return CodeBadRequest
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed
	case http.StatusConflict:
		return CodeConflict
	case http.StatusGone:
		return CodeGone
	case http.StatusPreconditionFailed:
		return CodePreconditionFailed
	case http.StatusRequestEntityTooLarge:
		return CodeRequestTooLarge
	case http.StatusUnsupportedMediaType:
		return CodeUnsupportedMediaType
	case http.StatusUnprocessableEntity:
		return CodeUnprocessable
	case http.StatusTooManyRequests:
		return CodeTooManyRequests
	case StatusClientClosedRequest:
		return CodeClientClosedRequest
	case http.StatusInternalServerError:
		return CodeInternal
	case http.StatusServiceUnavailable:
		return CodeUnavailable
	case http.StatusGatewayTimeout:
		return CodeGatewayTimeout
	}
	text := http.StatusText(status)
	if text == "" {
		if status >= 500 {
			return "server_error"
		}
		return "client_error"
	}
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
			b.WriteByte('_')
		}
	}
	return b.String()
}
