package auth

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// CodeInsufficientScope is the problem code of the 403 [RequireScope]
// answers when the principal lacks a scope. It is the error code RFC 6750
// defines for bearer tokens.
const CodeInsufficientScope = "insufficient_scope"

// The public texts of the problems the middleware writes. They are the same
// whatever the reason, so a client learns nothing about why its credentials
// failed.
const (
	msgAuthRequired      = "authentication required"
	msgInsufficientScope = "insufficient scope"
)

// challengeKey stores, for an anonymous request that [Middleware] let
// through, the 401 [RequireAuth] answers with: it carries the challenges of
// the authenticators that ran.
var challengeKey = reqctx.NewKey[*errors.Error]("auth.challenge")

// Options configures [Middleware].
type Options struct {
	// Authenticators are tried in order; the first that does not return
	// an error wrapping [ErrNoCredentials] decides the request. At least
	// one is required.
	Authenticators []Authenticator

	// Optional lets a request without credentials through as anonymous
	// (no principal) instead of answering 401, for routes that serve
	// everyone and greet signed-in callers; guard the private ones with
	// [RequireAuth]. Invalid credentials are refused either way: a client
	// that sends a bad token learns it. Default: false.
	Optional bool

	// Realm names the protection space. It is added as realm="..." to each
	// challenge whose authenticator did not name a realm itself. Default:
	// none. It must not contain '"' or '\'.
	Realm string

	// Auditor receives an [ActionLoginFailed] event for each request with
	// invalid credentials, with the authenticator's reason. Successful and
	// anonymous requests are not audited: they are the access log's job.
	// Default: nil, no audit.
	Auditor Auditor
}

// validate reports the first invalid field of opts.
func (opts Options) validate() error {
	if len(opts.Authenticators) == 0 {
		return errors.New("auth: Middleware: Options.Authenticators is empty")
	}
	for i, a := range opts.Authenticators {
		if a == nil {
			return fmt.Errorf("auth: Middleware: Options.Authenticators[%d] is nil", i)
		}
	}
	if strings.ContainsAny(opts.Realm, "\"\\\r\n") {
		return fmt.Errorf("auth: Middleware: Options.Realm %q contains a quote, backslash or line break", opts.Realm)
	}
	return nil
}

// Middleware returns middleware that authenticates each request with
// opts.Authenticators and attaches the principal with [WithPrincipal].
//
// The authenticators are tried in order. One that returns [ErrNoCredentials]
// passes the request to the next; the first that returns anything else
// decides:
//
//   - a principal: the request proceeds, authenticated;
//   - an error wrapping [ErrInvalidCredentials]: 401 with the generic
//     detail "authentication required", the same body whatever the reason,
//     and a WWW-Authenticate header per scheme (see below). The reason —
//     the authenticator's error text, which must never hold the credential —
//     goes to the request log through [errors.Write] at debug level and to
//     the Auditor;
//   - any other error: an infrastructure failure (a store that cannot be
//     reached), written with [errors.Write], which makes it a 5xx unless it
//     carries a status of its own (an *errors.Error, a StatusCoder). A
//     request is never let through because a store failed.
//
// When every authenticator returns ErrNoCredentials the request gets the
// same 401, or proceeds anonymously when opts.Optional is set.
//
// The 401 carries one WWW-Authenticate value per scheme: the challenge of
// each authenticator that implements [Challenger], in order, the first for
// a scheme winning. Challenges are read once, here. An authenticator that
// is not a Challenger (a session cookie) adds none, so a 401 from a
// middleware with no Challenger has no WWW-Authenticate header.
//
// Middleware reports an error when opts is invalid. A request that passes
// costs nothing beyond the authenticators' own work when the request
// carries a [reqctx.Data]; without one, attaching the principal allocates a
// context and a request copy.
func Middleware(opts Options) (func(http.Handler) http.Handler, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	authenticators := append([]Authenticator(nil), opts.Authenticators...)
	unauthorized := errors.Unauthorized(msgAuthRequired)
	for _, c := range challenges(authenticators, opts.Realm) {
		unauthorized = unauthorized.WithHeader("WWW-Authenticate", c)
	}
	optional, auditor := opts.Optional, opts.Auditor

	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("auth: Middleware: nil handler")
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, a := range authenticators {
				p, err := a.Authenticate(r)
				switch {
				case err == nil && p != nil:
					ctx := WithPrincipal(r.Context(), p)
					if ctx != r.Context() {
						r = r.WithContext(ctx)
					}
					next.ServeHTTP(w, r)
					return
				case err == nil:
					errors.Write(w, r, errors.Internal("auth: %T returned neither a principal nor an error", a))
					return
				case errors.Is(err, ErrNoCredentials):
					continue
				case errors.Is(err, ErrInvalidCredentials):
					if auditor != nil {
						e := EventFromRequest(r, ActionLoginFailed)
						e.Result = ResultFailure
						e.Reason = err.Error()
						auditor.Audit(r.Context(), e)
					}
					errors.Write(w, r, unauthorized.WithCause(err))
					return
				default:
					errors.Write(w, r, err)
					return
				}
			}
			if optional {
				if d := reqctx.FromRequest(r); d != nil {
					reqctx.SetIn(d, challengeKey, unauthorized)
				}
				next.ServeHTTP(w, r)
				return
			}
			errors.Write(w, r, unauthorized.WithCause(ErrNoCredentials))
		})
	}, nil
}

// MustMiddleware is like [Middleware] but panics when opts is invalid, for
// wiring a server at start-up.
func MustMiddleware(opts Options) func(http.Handler) http.Handler {
	mw, err := Middleware(opts)
	if err != nil {
		panic(err.Error())
	}
	return mw
}

// RequireAuth returns a handler that answers 401 "authentication required"
// to a request without a principal and passes the others to next. It
// guards private routes behind a [Middleware] with Options.Optional set;
// the 401 carries that middleware's challenges when the request carries a
// [reqctx.Data], and none otherwise.
//
// RequireAuth panics if next is nil.
func RequireAuth(next http.Handler) http.Handler {
	if next == nil {
		panic("auth: RequireAuth: nil handler")
	}
	unauthorized := errors.Unauthorized(msgAuthRequired)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := FromContext(r.Context()); ok {
			next.ServeHTTP(w, r)
			return
		}
		writeUnauthorized(w, r, unauthorized)
	})
}

// RequireScope returns middleware that lets a request through only when its
// principal was granted every one of scopes (see [Principal.HasScope]).
//
// A request without a principal gets 401, as with [RequireAuth]. A
// principal that lacks a scope gets 403 with code "insufficient_scope"
// ([CodeInsufficientScope]); when it authenticated with a bearer token
// ([MethodJWT]) the response also carries the RFC 6750 challenge
//
//	WWW-Authenticate: Bearer error="insufficient_scope", scope="read write"
//
// naming the scopes the route requires. RequireScope with no scopes
// requires only a principal.
//
// RequireScope panics if a scope is not a valid RFC 6749 scope token
// (printable ASCII without space, '"' or '\'), a programming mistake found
// when the routes are wired.
func RequireScope(scopes ...string) func(http.Handler) http.Handler {
	for _, s := range scopes {
		if !validScope(s) {
			panic(fmt.Sprintf("auth: RequireScope: invalid scope %q", s))
		}
	}
	scopes = append([]string(nil), scopes...)
	unauthorized := errors.Unauthorized(msgAuthRequired)
	forbidden := errors.Forbidden(msgInsufficientScope).WithCode(CodeInsufficientScope)
	bearerForbidden := forbidden.WithHeader("WWW-Authenticate",
		`Bearer error="insufficient_scope", scope="`+strings.Join(scopes, " ")+`"`)

	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("auth: RequireScope: nil handler")
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := FromContext(r.Context())
			if !ok {
				writeUnauthorized(w, r, unauthorized)
				return
			}
			for _, s := range scopes {
				if p.HasScope(s) {
					continue
				}
				if p.HasMethod(MethodJWT) {
					errors.Write(w, r, bearerForbidden)
				} else {
					errors.Write(w, r, forbidden)
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// writeUnauthorized writes the 401 that [Middleware] left for an anonymous
// request, which carries its challenges, or else fallback.
func writeUnauthorized(w http.ResponseWriter, r *http.Request, fallback *errors.Error) {
	if e, ok := reqctx.Get(r.Context(), challengeKey); ok && e != nil {
		errors.Write(w, r, e)
		return
	}
	errors.Write(w, r, fallback)
}

// challenges returns the WWW-Authenticate values of the authenticators that
// are Challengers: one per scheme, the first winning, with realm added to
// those that name none.
func challenges(as []Authenticator, realm string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, a := range as {
		c, ok := a.(Challenger)
		if !ok {
			continue
		}
		ch := strings.TrimSpace(c.Challenge())
		scheme, params, _ := strings.Cut(ch, " ")
		if scheme == "" || seen[strings.ToLower(scheme)] {
			continue
		}
		seen[strings.ToLower(scheme)] = true
		params = strings.TrimSpace(params)
		if realm != "" && !hasRealm(params) {
			if params == "" {
				params = `realm="` + realm + `"`
			} else {
				params = `realm="` + realm + `", ` + params
			}
		}
		if params != "" {
			ch = scheme + " " + params
		} else {
			ch = scheme
		}
		out = append(out, ch)
	}
	return out
}

// hasRealm reports whether the challenge parameters name a realm.
func hasRealm(params string) bool {
	for p := range strings.SplitSeq(params, ",") {
		name, _, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(name), "realm") {
			return true
		}
	}
	return false
}

// validScope reports whether s is an RFC 6749 scope-token:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func validScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
