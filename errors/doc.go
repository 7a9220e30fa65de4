// Package errors is keel's error model: errors that carry an HTTP status, a
// stable machine-readable code and a public message apart from their
// internal cause, rendered as RFC 9457 problem details. It is also a drop-in
// for the standard errors package, so a file imports it instead of the
// standard one.
//
// A handler returns errors; [HandlerFunc] renders and logs them:
//
//	import "github.com/keel-go/keel/errors"
//
//	var ErrNoUser = errors.NotFound("no such user")
//
//	func handleUser(db *sql.DB) http.Handler {
//		return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
//			u, err := load(r.Context(), db, r.PathValue("id"))
//			if errors.Is(err, sql.ErrNoRows) {
//				return ErrNoUser.WithCause(err) // 404, cause logged
//			}
//			if err != nil {
//				return fmt.Errorf("load user: %w", err) // 500, generic body
//			}
//			return json.NewEncoder(w).Encode(u)
//		})
//	}
//
// Anything else that holds an error and a request calls [Write].
//
// # The error model
//
// An [Error] has a status (400–599), a code ("not_found", "conflict", ...)
// that clients branch on, a public message, and optionally: an explicit
// public detail, a title and a problem type URI, an instance URI, field
// [Violation]s, a Retry-After duration, extra response headers, extension
// members, and an internal cause. The constructors ([BadRequest],
// [NotFound], [Internal], ..., and [E] for any status) format their message
// like fmt.Errorf, so an error formatted with %w becomes the cause. The With
// methods return a modified copy, which makes a package-level *Error a safe
// sentinel; a copy matches its original under [Is].
//
// Errors that are not an *Error are classified by [From], the one function
// that maps errors to statuses. Domain code chooses a status without
// importing net/http by implementing [StatusCoder] (a status) or [Problemer]
// (a whole *Error). From also knows the standard library's errors:
// context.Canceled (the client went away, 499), context.DeadlineExceeded
// (504), *http.MaxBytesError (413), encoding/json's syntax and type errors
// and io.EOF from a request body (400). Anything else is a 500.
//
// # What clients see
//
// [Write] renders application/problem+json:
//
//	{"type":"about:blank","title":"Not Found","status":404,
//	 "detail":"no such user","code":"not_found","request_id":"req-1"}
//
// The members are type ("about:blank" unless set with [Error.WithType]),
// title (the status text unless set with [Error.WithTitle]), status, detail,
// instance, code, request_id (from [reqctx.RequestID]), errors (the
// violations: pointer, code, message, params) and then the extension
// members. An extension never replaces a standard member.
//
// The detail of a 4xx problem is the explicit detail set with
// [Error.WithDetail] or else the message: write 4xx messages for the client.
// The detail of a 5xx problem is the explicit detail or else a fixed generic
// sentence; the message of a 5xx error is logged, never shown, so
// Internal("query %s failed: %v", q, err) is safe. The cause is never shown,
// whatever the status, and an error that is not ours never shows its text.
// Clients quote the request ID to find the log entry.
//
// A client whose Accept header accepts XML but not JSON gets
// application/problem+xml (RFC 9457 appendix B); JSON is preferred
// otherwise, */* included. Every problem response has
// X-Content-Type-Options: nosniff, Cache-Control: no-store (unless the
// error sets its own), Vary: Accept, a Retry-After header when the error
// has one, and the error's extra headers. A HEAD request gets the headers
// only.
//
// # Logging
//
// [Write] logs each error once, through the request logger
// ([reqctx.Logger]), which carries the request ID: 5xx at error level with
// the error's full text, 4xx at debug level, and a client that went away at
// debug level as "client closed request" with status 499. Nothing else in
// the package logs, so a handler returns an error rather than logging it
// too. The entry holds status, code, method, path and route, never headers,
// query strings or bodies.
//
// # Drop-in for the standard errors package
//
// [New], [Is], [As], [AsType], [Join], [Unwrap] and [ErrUnsupported] forward
// to the standard library and keep their meaning, so
//
//	import "github.com/keel-go/keel/errors"
//
// replaces import "errors" in a file without other changes.
package errors
