package errors

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// StatusClientClosedRequest is the status recorded when the client closed
// the connection before the response was written (nginx's 499). It is never
// sent: nobody is left to read it. [Write] logs it and writes nothing.
const StatusClientClosedRequest = 499

// Machine-readable codes set by the constructors and by [From]. Clients
// branch on the code, never on the human-readable text, so a code never
// changes once published.
const (
	CodeBadRequest           = "bad_request"            // BadRequest
	CodeUnauthorized         = "unauthorized"           // Unauthorized
	CodeForbidden            = "forbidden"              // Forbidden
	CodeNotFound             = "not_found"              // NotFound
	CodeMethodNotAllowed     = "method_not_allowed"     // MethodNotAllowed
	CodeConflict             = "conflict"               // Conflict
	CodeGone                 = "gone"                   // Gone
	CodePreconditionFailed   = "precondition_failed"    // PreconditionFailed
	CodeRequestTooLarge      = "request_too_large"      // RequestTooLarge, *http.MaxBytesError
	CodeUnsupportedMediaType = "unsupported_media_type" // UnsupportedMediaType
	CodeUnprocessable        = "unprocessable"          // Unprocessable
	CodeTooManyRequests      = "too_many_requests"      // TooManyRequests
	CodeClientClosedRequest  = "client_closed_request"  // context.Canceled
	CodeInternal             = "internal"               // Internal, unknown errors
	CodeUnavailable          = "unavailable"            // Unavailable
	CodeGatewayTimeout       = "gateway_timeout"        // GatewayTimeout, context.DeadlineExceeded

	CodeMalformedJSON = "malformed_json" // *json.SyntaxError
	CodeInvalidType   = "invalid_type"   // *json.UnmarshalTypeError
	CodeEmptyBody     = "empty_body"     // io.EOF
	CodeTruncatedBody = "truncated_body" // io.ErrUnexpectedEOF
)

// Error is an error that knows how to present itself to an HTTP client: a
// status, a stable machine-readable code, a public message, optional field
// violations and response headers, and an internal cause that is logged but
// never shown.
//
// Build an Error with a constructor ([NotFound], [BadRequest], [E], ...) and
// refine it with the With methods. Every With method returns a modified
// copy and leaves its receiver untouched, so a package-level Error can serve
// as a sentinel:
//
//	var ErrNoUser = errors.NotFound("no such user")
//
//	return ErrNoUser.WithCause(err) // errors.Is(…, ErrNoUser) still holds
//
// An Error derived from another by a With method matches it under [Is].
//
// The zero value is not meant to be used; a nil *Error is not an error
// value to return (return a nil error instead). An Error is immutable once
// built and safe for concurrent use. Values reachable from it (violation
// parameters, extension values) must be treated as read-only.
type Error struct {
	status     int
	code       string
	message    string
	detail     string
	title      string
	typ        string
	instance   string
	violations []Violation
	retryAfter time.Duration
	header     http.Header
	extensions map[string]any
	cause      error
	// causeInMessage reports that message already holds the cause's text
	// (the cause came from a %w verb), so Error does not repeat it.
	causeInMessage bool
	// parent is the Error this one was derived from by a With method; Is
	// walks it so that derived errors match their sentinel.
	parent *Error
}

// Violation describes one invalid input field. Pointer locates the field
// in the request document as a JSON Pointer (RFC 6901), "" meaning the whole
// document. Code names the rule that failed ("required", "min", ...), Message
// explains it to a human, and Params holds the rule's parameters
// ({"min": 3}), so clients can build their own messages.
type Violation struct {
	Pointer string         `json:"pointer" xml:"pointer"`
	Code    string         `json:"code" xml:"code"`
	Message string         `json:"message" xml:"message"`
	Params  map[string]any `json:"params,omitempty" xml:"-"`
}

// Error returns the message, followed by the cause's text when there is a
// cause. It is meant for logs; what a client sees is described in the
// package documentation.
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	msg := e.message
	if msg == "" {
		msg = strings.ToLower(statusTitle(e.status))
	}
	if e.cause != nil && !e.causeInMessage {
		return msg + ": " + e.cause.Error()
	}
	return msg
}

// Unwrap returns the internal cause, or nil. It lets [Is] and [As] see
// through an Error to the error it wraps.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.cause
}

// Is reports whether e was derived from target by With methods, which makes
// a package-level Error usable as a sentinel. It is called by [Is]; callers
// do not call it directly.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t == nil || e == nil {
		return false
	}
	for p := e.parent; p != nil; p = p.parent {
		if p == t {
			return true
		}
	}
	return false
}

// StatusCode returns the HTTP status, always in 400–599.
func (e *Error) StatusCode() int {
	if e == nil {
		return http.StatusInternalServerError
	}
	return e.status
}

// Code returns the stable machine-readable code, such as "not_found".
func (e *Error) Code() string {
	if e == nil {
		return ""
	}
	return e.code
}

// Message returns the message given to the constructor. It is the public
// detail of a 4xx response (unless [Error.WithDetail] set another); a 5xx
// response never shows it.
func (e *Error) Message() string {
	if e == nil {
		return ""
	}
	return e.message
}

// Detail returns the explicit public detail set by [Error.WithDetail], or
// "".
func (e *Error) Detail() string {
	if e == nil {
		return ""
	}
	return e.detail
}

// Title returns the problem title: the one set by [Error.WithTitle], or the
// status text ("Not Found").
func (e *Error) Title() string {
	if e == nil {
		return ""
	}
	if e.title != "" {
		return e.title
	}
	return statusTitle(e.status)
}

// Type returns the problem type URI, or "about:blank" when none was set.
func (e *Error) Type() string {
	if e == nil || e.typ == "" {
		return "about:blank"
	}
	return e.typ
}

// Instance returns the problem instance URI, or "".
func (e *Error) Instance() string {
	if e == nil {
		return ""
	}
	return e.instance
}

// Violations returns a copy of the field violations.
func (e *Error) Violations() []Violation {
	if e == nil {
		return nil
	}
	return slices.Clone(e.violations)
}

// RetryAfter returns how long the client should wait before retrying, or 0.
func (e *Error) RetryAfter() time.Duration {
	if e == nil {
		return 0
	}
	return e.retryAfter
}

// Header returns a copy of the extra response headers, or nil.
func (e *Error) Header() http.Header {
	if e == nil {
		return nil
	}
	return e.header.Clone()
}

// Extensions returns a copy of the extension members, or nil.
func (e *Error) Extensions() map[string]any {
	if e == nil {
		return nil
	}
	return maps.Clone(e.extensions)
}

// WithCause returns a copy of e with err as its internal cause. The cause
// is returned by Unwrap and appears in logs; it is never rendered.
func (e *Error) WithCause(err error) *Error {
	c := e.derive()
	c.cause = err
	c.causeInMessage = false
	return c
}

// WithCode returns a copy of e with a different machine-readable code.
func (e *Error) WithCode(code string) *Error {
	c := e.derive()
	c.code = code
	return c
}

// WithDetail returns a copy of e with an explicit public detail, rendered
// in place of the message. It is the only way to show a specific detail in
// a 5xx response, so it must never carry internal information.
func (e *Error) WithDetail(format string, args ...any) *Error {
	c := e.derive()
	c.detail = sprintf(format, args)
	return c
}

// WithTitle returns a copy of e with a problem title, used in place of the
// status text. A title summarises the problem type and does not change from
// one occurrence to the next; set it together with [Error.WithType].
func (e *Error) WithTitle(title string) *Error {
	c := e.derive()
	c.title = title
	return c
}

// WithType returns a copy of e with a problem type URI, which identifies
// the kind of problem and ideally points to its documentation.
func (e *Error) WithType(uri string) *Error {
	c := e.derive()
	c.typ = uri
	return c
}

// WithInstance returns a copy of e with a problem instance URI, which
// identifies this occurrence of the problem.
func (e *Error) WithInstance(uri string) *Error {
	c := e.derive()
	c.instance = uri
	return c
}

// WithViolations returns a copy of e with vs appended to its field
// violations.
func (e *Error) WithViolations(vs ...Violation) *Error {
	c := e.derive()
	c.violations = append(slices.Clip(c.violations), vs...)
	return c
}

// WithRetryAfter returns a copy of e that tells the client to wait d before
// retrying, rendered as a Retry-After header in whole seconds (rounded up).
// A d of zero or less removes it.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := e.derive()
	c.retryAfter = max(d, 0)
	return c
}

// WithHeader returns a copy of e that adds the header key: value to the
// response, as http.Header.Add does (WWW-Authenticate, Allow, ...). The
// headers that describe the problem itself (Content-Type,
// X-Content-Type-Options, Content-Length) cannot be changed this way.
func (e *Error) WithHeader(key, value string) *Error {
	c := e.derive()
	c.header = c.header.Clone()
	if c.header == nil {
		c.header = make(http.Header, 1)
	}
	c.header.Add(key, value)
	return c
}

// WithExtension returns a copy of e with the extension member key set to
// value. Extension members are rendered at the top level of the problem,
// after the standard members; a key that names a standard member (type,
// title, status, detail, instance, code, request_id, errors) is ignored at
// rendering, as is a value that cannot be encoded as JSON.
func (e *Error) WithExtension(key string, value any) *Error {
	c := e.derive()
	c.extensions = maps.Clone(c.extensions)
	if c.extensions == nil {
		c.extensions = make(map[string]any, 1)
	}
	c.extensions[key] = value
	return c
}

// derive returns a shallow copy of e that remembers e as its parent. The
// slices and maps stay shared; the With methods copy the one they change.
func (e *Error) derive() *Error {
	if e == nil {
		return &Error{status: http.StatusInternalServerError, code: CodeInternal}
	}
	c := *e
	c.parent = e
	return &c
}

// statusTitle returns the status text for status, with a fallback for
// statuses net/http does not name.
func statusTitle(status int) string {
	if status == StatusClientClosedRequest {
		return "Client Closed Request"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	if status >= 500 {
		return "Server Error"
	}
	if status >= 400 {
		return "Client Error"
	}
	return "Status " + strconv.Itoa(status)
}
