package abac

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

// Sentinel errors of [New]; the error returned wraps one of them and names
// the policy at fault. Callers compare with [errors.Is].
var (
	// ErrInvalidPolicy is returned for a policy without an effect, a
	// condition or an action.
	ErrInvalidPolicy = errors.New("abac: invalid policy")
)

// ActionAny in [Policy.Actions] makes the policy apply to every action.
const ActionAny = "*"

// Effect is what a [Policy] does when it applies: allow or deny. The zero
// Effect is invalid, so that a policy whose effect was left out is
// rejected instead of quietly allowing or denying.
type Effect int

// The effects of a policy.
const (
	// Allow grants the request, unless a Deny policy applies too.
	Allow Effect = iota + 1
	// Deny refuses the request, whatever the Allow policies say.
	Deny
)

// String returns "allow", "deny" or "invalid".
func (e Effect) String() string {
	switch e {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	}
	return "invalid"
}

// Resource is what a request acts on. Attributes hold what policies
// compare: its owner, tenant, classification, state.
type Resource struct {
	// Type is the kind of resource ("document", "invoice").
	Type string
	// ID identifies the resource within its type.
	ID string
	// Attributes are the resource's attributes, by name.
	Attributes map[string]any
}

// Environment is the context of a request that is neither the subject nor
// the resource: when and from where it comes.
type Environment struct {
	// Time is when the request is made; the zero Time is unknown and
	// satisfies no time condition.
	Time time.Time
	// IP is the client address; the zero Addr is unknown and is in no
	// prefix.
	IP netip.Addr
	// Attributes hold anything else the application knows (the device's
	// posture, the country the IP maps to).
	Attributes map[string]any
}

// Request is the question a policy answers: may Subject perform Action on
// Resource, in Environment?
type Request struct {
	// Subject is the caller; nil when anonymous. Conditions on the
	// subject are false for a nil Subject.
	Subject *auth.Principal
	// Action is what the subject wants to do ("read", "approve").
	Action string
	// Resource is what it wants to do it to.
	Resource Resource
	// Environment is when and from where.
	Environment Environment
}

// Condition is a predicate over a request. Conditions must not panic on
// missing or unexpected attributes (the helpers of this package return
// false), must be safe for concurrent use, and should be fast: they run on
// every request. A condition on data the request lacks should be false,
// so write an allow-list as an Allow policy on IPIn, or as a Deny policy
// on Not(IPIn(...)), never as a Deny on IPIn of the complement.
type Condition func(Request) bool

// Policy is one rule: when the request's action is one of Actions and When
// holds, the policy applies with its Effect.
type Policy struct {
	// Name identifies the policy in decisions and audit trails.
	Name string
	// Effect is Allow or Deny; it is required.
	Effect Effect
	// Actions are the actions the policy applies to, compared exactly;
	// [ActionAny] ("*") applies it to every action. At least one is
	// required.
	Actions []string
	// When is the condition under which the policy applies; it is
	// required. Use [Always] for a policy that applies to every request
	// with one of its actions.
	When Condition
}

// Decision is the outcome of [Engine.Decide].
type Decision struct {
	// Allowed reports whether the request is allowed.
	Allowed bool
	// Policy names the policy that decided: a Deny policy that applied
	// when the request is denied by one, an Allow policy that applied when
	// it is allowed, and "" when no policy applied (denied by default).
	Policy string
}

// Engine evaluates a set of policies. Its decisions do not depend on the
// order of the policies:
//
//   - if any Deny policy applies, the request is denied;
//   - otherwise, if any Allow policy applies, it is allowed;
//   - otherwise it is denied: nothing is allowed by default.
//
// Create an Engine with [New]; the zero value denies everything. An Engine
// is immutable and safe for concurrent use when its conditions are.
type Engine struct {
	deny, allow []policy
}

// policy is a validated Policy with its actions as a set.
type policy struct {
	name    string
	any     bool
	actions map[string]struct{}
	when    Condition
}

// applies reports whether the policy applies to r.
func (p *policy) applies(r Request) bool {
	if !p.any {
		if _, ok := p.actions[r.Action]; !ok {
			return false
		}
	}
	return p.when(r)
}

// New returns an engine for policies. It fails, naming the policy, when a
// policy has no valid Effect, no condition or no action.
func New(policies ...Policy) (*Engine, error) {
	e := &Engine{}
	for i, p := range policies {
		name := p.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		switch {
		case p.Effect != Allow && p.Effect != Deny:
			return nil, fmt.Errorf("%w: policy %q: Effect must be Allow or Deny", ErrInvalidPolicy, name)
		case p.When == nil:
			return nil, fmt.Errorf("%w: policy %q: no condition (When); use abac.Always()", ErrInvalidPolicy, name)
		case len(p.Actions) == 0:
			return nil, fmt.Errorf("%w: policy %q: no action; use abac.ActionAny for every action", ErrInvalidPolicy, name)
		}
		c := policy{name: p.Name, actions: make(map[string]struct{}, len(p.Actions)), when: p.When}
		for _, a := range p.Actions {
			if a == "" {
				return nil, fmt.Errorf("%w: policy %q: empty action", ErrInvalidPolicy, name)
			}
			if a == ActionAny {
				c.any = true
			}
			c.actions[a] = struct{}{}
		}
		if p.Effect == Deny {
			e.deny = append(e.deny, c)
		} else {
			e.allow = append(e.allow, c)
		}
	}
	return e, nil
}

// MustNew is like [New] but panics on an invalid policy, for policies
// written in Go and built at start-up.
func MustNew(policies ...Policy) *Engine {
	e, err := New(policies...)
	if err != nil {
		panic(err.Error())
	}
	return e
}

// Decide evaluates the policies for r: deny if a Deny policy applies,
// else allow if an Allow policy applies, else deny.
func (e *Engine) Decide(r Request) Decision {
	if e == nil {
		return Decision{}
	}
	for i := range e.deny {
		if e.deny[i].applies(r) {
			return Decision{Policy: e.deny[i].name}
		}
	}
	for i := range e.allow {
		if e.allow[i].applies(r) {
			return Decision{Allowed: true, Policy: e.allow[i].name}
		}
	}
	return Decision{}
}

// Allowed reports whether the policies allow r; see [Engine.Decide].
func (e *Engine) Allowed(r Request) bool {
	return e.Decide(r).Allowed
}

// AuthorizerOptions configures the [Authorizer] returned by
// [Engine.Authorizer]. The zero value is ready to use.
type AuthorizerOptions struct {
	// Resource returns the resource a request for action is about, read
	// from ctx (the request's context: the route's parameters with
	// reqctx.PathParam, or a value the application stored) or loaded from
	// a database. An error is passed on by Authorize: an *errors.Error
	// keeps its status (a 404 for a resource that does not exist), any
	// other becomes a 500. Default: every request is about the zero
	// Resource.
	Resource func(ctx context.Context, action string) (Resource, error)

	// Environment adds application attributes to the environment, whose
	// Time and IP the authorizer fills. Default: none.
	Environment func(ctx context.Context) map[string]any

	// Now returns the current time, for Environment.Time. Default:
	// time.Now.
	Now func() time.Time
}

// Authorizer adapts an [Engine] to [auth.Authorizer]: the permission is
// the action, the principal the subject, the resource comes from
// [AuthorizerOptions.Resource], and the environment holds the time and the
// client IP ([reqctx.ClientIP], set by the real-IP middleware).
//
// Create one with [Engine.Authorizer]; the zero value is invalid. An
// Authorizer is safe for concurrent use when its options' functions are.
type Authorizer struct {
	engine *Engine
	opts   AuthorizerOptions
}

var _ auth.Authorizer = (*Authorizer)(nil)

// Authorizer returns an [auth.Authorizer] that asks e.
func (e *Engine) Authorizer(opts AuthorizerOptions) *Authorizer {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Authorizer{engine: e, opts: opts}
}

// Authorize builds the [Request] for p and permission and reports whether
// the engine allows it. A nil principal is denied. It returns the
// Resource function's error, if any, and denies.
func (a *Authorizer) Authorize(ctx context.Context, p *auth.Principal, permission string) (bool, error) {
	if p == nil {
		return false, nil
	}
	req := Request{
		Subject:     p,
		Action:      permission,
		Environment: Environment{Time: a.opts.Now(), IP: reqctx.ClientIP(ctx)},
	}
	if a.opts.Resource != nil {
		res, err := a.opts.Resource(ctx, permission)
		if err != nil {
			return false, fmt.Errorf("abac: resource for %q: %w", permission, err)
		}
		req.Resource = res
	}
	if a.opts.Environment != nil {
		req.Environment.Attributes = a.opts.Environment(ctx)
	}
	return a.engine.Allowed(req), nil
}
