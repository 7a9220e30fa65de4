package auth

import (
	"context"
	"fmt"
	"net/http"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// HideForbiddenMetaKey is the route metadata key through which one route
// chooses how a [Guard] answers a denial, overriding
// [GuardOptions.HideForbidden]: true answers 404, false 403. With the keel
// router:
//
//	r.Get("/docs/:id", handleDoc, router.Meta(auth.HideForbiddenMeta(true)))
//
// A value that is not a bool is ignored.
const HideForbiddenMetaKey = "auth.hide_forbidden"

// msgAccessDenied is the public text of the 403 a [Guard] answers, the same
// whichever permission was missing: the log and the audit event name it,
// the client does not.
const msgAccessDenied = "access denied"

// HideForbiddenMeta returns the route metadata pair that sets
// [HideForbiddenMetaKey] to hide, for router.Meta.
func HideForbiddenMeta(hide bool) (key string, value any) {
	return HideForbiddenMetaKey, hide
}

// Authorizer decides whether a principal holds a permission. It is the
// contract between the route middleware ([Guard], [Require],
// [RequireRoute]) and the authorization models: auth/rbac checks the
// principal's roles, auth/abac evaluates policies, auth/rebac walks
// relation tuples.
//
// A permission is an opaque string whose meaning belongs to the model
// ("posts:write" for RBAC, "doc:readme#viewer" for ReBAC). When the model
// needs the resource the request is about, it takes it from ctx, which is
// the request's context: the route's path parameters
// ([reqctx.PathParam]), the client address ([reqctx.ClientIP]) or a value
// the application stored there.
//
// Authorize returns true to allow and false to deny; an error means the
// decision could not be made (a store that cannot be reached) and is never
// treated as an allow. Implementations must be safe for concurrent use.
//
// The models are three sub-packages rather than one auth/authz package:
// auth/rbac (roles with inherited permissions, precomputed in memory),
// auth/abac (policies as Go predicates over subject, resource, action and
// environment) and auth/rebac (Zanzibar-style relation tuples, with a
// schema and a tuple store). They share nothing but this interface and
// have very different weights: ReBAC brings a store interface, a schema
// and a graph walk, ABAC is only predicates, RBAC a map. A service usually
// needs one of them, so each is usable, and copyable, alone, and a service
// that checks roles never compiles a relation graph.
type Authorizer interface {
	Authorize(ctx context.Context, p *Principal, permission string) (bool, error)
}

// AuthorizerFunc adapts a function to [Authorizer].
type AuthorizerFunc func(ctx context.Context, p *Principal, permission string) (bool, error)

// Authorize calls f(ctx, p, permission).
func (f AuthorizerFunc) Authorize(ctx context.Context, p *Principal, permission string) (bool, error) {
	return f(ctx, p, permission)
}

// GuardOptions configures a [Guard]. The zero value is ready to use: every
// zero field means its documented default.
type GuardOptions struct {
	// Auditor receives an [ActionAccessDenied] event for each request the
	// guard refuses to an authenticated principal: Result [ResultDenied]
	// for a denial, [ResultFailure] when the authorizer failed. The event
	// names the permission (Attrs["permission"]) and, as Resource, the
	// route pattern (see [EventFromRequest]); it never holds credentials
	// or the request path, which may carry a token. Anonymous requests
	// (401) are not audited: the authentication layer owns them. Default:
	// nil, no audit.
	Auditor Auditor

	// HideForbidden answers a denial with 404 instead of 403, so that a
	// caller who may not see a resource cannot tell it from one that does
	// not exist. A route's [HideForbiddenMetaKey] metadata overrides it.
	// An anonymous request still gets 401: it is refused before any
	// resource is looked at, the same whether the resource exists or not.
	// Default: false (403).
	HideForbidden bool

	// NotFound returns the error written for a hidden denial. It should
	// match what the service answers for a path that does not exist, or the
	// difference gives the resource away. Default: the keel router's own
	// 404, errors.NotFound("no route for %s", r.URL.Path).
	NotFound func(r *http.Request) error

	// DenyUndeclared makes [Guard.RequireRoute] refuse (403) a request whose
	// route declares no permission, so that a route registered without
	// its router.Permissions fails closed instead of being open to every
	// authenticated caller. Default: false, such a route only needs a
	// principal.
	DenyUndeclared bool
}

// Guard enforces permissions on HTTP requests with an [Authorizer]: it
// answers 401 when the request has no principal, 403 (or 404, see
// [GuardOptions.HideForbidden]) when the authorizer denies a permission,
// and passes the authorizer's error on (a 5xx) when it fails. A request is
// never let through on an error.
//
// Create a Guard with [NewGuard]; the zero value is invalid. A Guard is
// safe for concurrent use and holds nothing that needs releasing.
type Guard struct {
	authz          Authorizer
	auditor        Auditor
	hide           bool
	notFound       func(r *http.Request) error
	denyUndeclared bool
}

// NewGuard returns a Guard that asks authz. It reports an error when authz
// is nil.
func NewGuard(authz Authorizer, opts GuardOptions) (*Guard, error) {
	if authz == nil {
		return nil, errors.New("auth: NewGuard: nil Authorizer")
	}
	g := &Guard{
		authz:          authz,
		auditor:        opts.Auditor,
		hide:           opts.HideForbidden,
		notFound:       opts.NotFound,
		denyUndeclared: opts.DenyUndeclared,
	}
	if g.notFound == nil {
		g.notFound = routerNotFound
	}
	return g, nil
}

// Require returns middleware that lets a request through only when the
// principal holds every one of permissions, checked in order; the first
// denial stops. It is for permissions fixed where the route is wired; see
// [Guard.RequireRoute] for permissions declared on the route itself.
//
// Require panics if permissions is empty or holds an empty string, a
// programming mistake found when the routes are wired: a route that only
// needs a principal uses [RequireAuth].
func (g *Guard) Require(permissions ...string) func(http.Handler) http.Handler {
	if len(permissions) == 0 {
		panic("auth: Require: no permission given; use RequireAuth to require only a principal")
	}
	for _, p := range permissions {
		if p == "" {
			panic("auth: Require: empty permission")
		}
	}
	perms := append([]string(nil), permissions...)
	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("auth: Require: nil handler")
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := g.Check(r, perms...); err != nil {
				errors.Write(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequireRoute returns middleware that enforces the permissions the
// matched route declares (reqctx.Route.Permissions, set with the keel
// router's router.Permissions): the principal must hold every one. A route
// that declares none needs only a principal, or is refused when
// [GuardOptions.DenyUndeclared] is set.
//
// The route is known only once the router has matched the request, so
// RequireRoute belongs on a router group (or a route's own middleware),
// not on Router.Use, and the request must carry a [reqctx.Data] attached by
// an outer middleware (middleware.RequestID, middleware.RealIP). A request
// without a matched route is refused with a 500 that names the mistake: a
// guard that cannot see what to enforce fails closed.
func (g *Guard) RequireRoute() func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("auth: RequireRoute: nil handler")
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rt := reqctx.MatchedRoute(r.Context())
			if rt == nil {
				errors.Write(w, r, errors.Internal("auth: RequireRoute found no matched route: install it on a router group and attach a reqctx.Data in an outer middleware"))
				return
			}
			var err error
			if len(rt.Permissions) == 0 && g.denyUndeclared {
				err = g.refuseUndeclared(r)
			} else {
				err = g.Check(r, rt.Permissions...)
			}
			if err != nil {
				errors.Write(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Check decides whether the request's principal holds every one of
// permissions, for a handler that knows the permission only once it has
// read the request. It returns nil when the request may proceed, and
// otherwise the error to write with [errors.Write]: a 401 without a
// principal, a 403 (or the hidden 404) on a denial, or the authorizer's
// error, wrapped (a 5xx unless it carries a status of its own, such as a
// keel 4xx error). Denials are audited as in the middleware.
//
// With no permissions Check requires only a principal.
func (g *Guard) Check(r *http.Request, permissions ...string) error {
	ctx := r.Context()
	p, ok := FromContext(ctx)
	if !ok || p.Subject == "" {
		return guardUnauthorized(r)
	}
	for _, perm := range permissions {
		allowed, err := g.authz.Authorize(ctx, p, perm)
		if err != nil {
			g.audit(r, p, perm, ResultFailure, "authorizer failed")
			return fmt.Errorf("auth: authorizing %q for %q: %w", perm, p.Subject, err)
		}
		if !allowed {
			g.audit(r, p, perm, ResultDenied, "permission denied")
			return g.denial(r, fmt.Errorf("auth: %q lacks permission %q", p.Subject, perm))
		}
	}
	return nil
}

// refuseUndeclared refuses a request to a route that declares no
// permission, under [GuardOptions.DenyUndeclared].
func (g *Guard) refuseUndeclared(r *http.Request) error {
	p, ok := FromContext(r.Context())
	if !ok || p.Subject == "" {
		return guardUnauthorized(r)
	}
	g.audit(r, p, "", ResultDenied, "route declares no permission")
	return g.denial(r, errors.New("auth: route declares no permission and DenyUndeclared is set"))
}

// denial returns the 403, or the 404 when the route or the options hide
// denials, with cause for the log.
func (g *Guard) denial(r *http.Request, cause error) error {
	hide := g.hide
	if rt := reqctx.MatchedRoute(r.Context()); rt != nil {
		if v, ok := rt.Meta[HideForbiddenMetaKey].(bool); ok {
			hide = v
		}
	}
	if hide {
		if err := g.notFound(r); err != nil {
			return err
		}
	}
	return errors.Forbidden(msgAccessDenied).WithCause(cause)
}

// audit records a refusal of p's request, when the guard has an Auditor.
func (g *Guard) audit(r *http.Request, p *Principal, perm, result, reason string) {
	if g.auditor == nil {
		return
	}
	e := EventFromRequest(r, ActionAccessDenied)
	e.Actor = p.Subject
	e.Result = result
	e.Reason = reason
	if perm != "" {
		e.Attrs = map[string]string{"permission": perm}
	}
	g.auditor.Audit(r.Context(), e)
}

// Require returns middleware that lets a request through only when its
// principal holds every one of permissions according to authz; see
// [Guard.Require]. It is the shorthand for a Guard with default options
// (no audit, 403 on denial). It panics if authz is nil or permissions is
// empty.
func Require(authz Authorizer, permissions ...string) func(http.Handler) http.Handler {
	return mustGuard("Require", authz, GuardOptions{}).Require(permissions...)
}

// RequireRoute returns middleware that enforces the permissions the
// matched route declares, according to authz and opts; see
// [Guard.RequireRoute]. It panics if authz is nil.
func RequireRoute(authz Authorizer, opts GuardOptions) func(http.Handler) http.Handler {
	return mustGuard("RequireRoute", authz, opts).RequireRoute()
}

// mustGuard is [NewGuard] for the panicking shorthands.
func mustGuard(fn string, authz Authorizer, opts GuardOptions) *Guard {
	g, err := NewGuard(authz, opts)
	if err != nil {
		panic("auth: " + fn + ": nil Authorizer")
	}
	return g
}

// guardUnauthorized returns the 401 for an anonymous request: the one the
// authentication [Middleware] prepared, with its challenges, when it let
// the request through as optional, and a bare one otherwise.
func guardUnauthorized(r *http.Request) error {
	if e, ok := reqctx.Get(r.Context(), challengeKey); ok && e != nil {
		return e
	}
	return errors.Unauthorized(msgAuthRequired)
}

// routerNotFound is the keel router's default 404, the default
// [GuardOptions.NotFound].
func routerNotFound(r *http.Request) error {
	return errors.NotFound("no route for %s", r.URL.Path)
}
