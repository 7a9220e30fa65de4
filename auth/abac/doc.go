// Package abac is attribute-based access control: policies are Go
// predicates over the subject (the [auth.Principal]), the resource, the
// action and the environment (time, client IP), each allowing or denying.
//
//	engine, err := abac.New(
//		abac.Policy{Name: "owners edit", Effect: abac.Allow, Actions: []string{"edit"},
//			When: abac.OwnerOf("owner")},
//		abac.Policy{Name: "staff read in office hours", Effect: abac.Allow, Actions: []string{"read"},
//			When: abac.All(abac.HasRole("staff"), abac.DailyBetween(8*time.Hour, 19*time.Hour, paris))},
//		abac.Policy{Name: "archived is read-only", Effect: abac.Deny, Actions: []string{"edit"},
//			When: abac.ResourceAttrIn("state", "archived")},
//		abac.Policy{Name: "admin from the VPN", Effect: abac.Deny, Actions: []string{abac.ActionAny},
//			When: abac.All(abac.HasRole("admin"), abac.Not(abac.IPIn(vpn)))},
//	)
//
//	ok := engine.Allowed(abac.Request{Subject: p, Action: "edit", Resource: doc, Environment: env})
//
// # Decisions
//
// [Engine.Decide] denies when any Deny policy applies, otherwise allows
// when any Allow policy applies, and otherwise denies: nothing is allowed
// by default, an explicit deny overrides every allow, and the order of the
// policies never changes the outcome.
//
// # Conditions
//
// A [Condition] is a plain func(Request) bool; combine them with [All],
// [Any] and [Not]. The helpers ([OwnerOf], [SameAttribute],
// [ResourceAttrIn], [HasRole], [HasScope], [HasMethod],
// [AuthenticatedWithin], [TimeBetween], [DailyBetween], [IPIn]) are false
// when the data they test is missing: no subject, no attribute, an
// attribute of another type, an unknown time or IP. Write rules with that
// in mind: "only from the office" is an Allow on IPIn(office), or a Deny
// on Not(IPIn(office)) — which also denies a request whose IP is unknown —
// never a Deny on IPIn(everything else).
//
// # HTTP
//
// [Engine.Authorizer] adapts an engine to [auth.Authorizer] for
// [auth.Require], [auth.RequireRoute] and [auth.Guard]: the permission is
// the action, the time comes from an injectable clock, the IP from
// [reqctx.ClientIP], and the resource from a function of the request
// context, which typically reads the route's parameters and loads the
// record. A handler that has already loaded the resource calls
// [Engine.Decide] itself.
package abac
