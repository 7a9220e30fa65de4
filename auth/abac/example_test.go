package abac_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/abac"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/reqctx"
	"github.com/keel-go/keel/router"
)

func ExampleNew() {
	engine, err := abac.New(
		abac.Policy{Name: "owners edit", Effect: abac.Allow, Actions: []string{"read", "edit"}, When: abac.OwnerOf("owner")},
		abac.Policy{Name: "same tenant reads", Effect: abac.Allow, Actions: []string{"read"}, When: abac.SameAttribute("tenant", "tenant")},
		abac.Policy{Name: "archived is read-only", Effect: abac.Deny, Actions: []string{"edit"}, When: abac.ResourceAttrIn("state", "archived")},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	alice := &auth.Principal{Subject: "alice", Attributes: map[string]any{"tenant": "acme"}}
	bob := &auth.Principal{Subject: "bob", Attributes: map[string]any{"tenant": "acme"}}
	report := abac.Resource{Type: "report", ID: "q3", Attributes: map[string]any{"owner": "alice", "tenant": "acme", "state": "archived"}}

	for _, r := range []abac.Request{
		{Subject: alice, Action: "read", Resource: report},
		{Subject: alice, Action: "edit", Resource: report},
		{Subject: bob, Action: "read", Resource: report},
		{Subject: bob, Action: "edit", Resource: report},
	} {
		d := engine.Decide(r)
		fmt.Printf("%s %s: allowed=%v policy=%q\n", r.Subject.Subject, r.Action, d.Allowed, d.Policy)
	}
	// Output:
	// alice read: allowed=true policy="owners edit"
	// alice edit: allowed=false policy="archived is read-only"
	// bob read: allowed=true policy="same tenant reads"
	// bob edit: allowed=false policy="archived is read-only"
}

// The engine as an auth.Authorizer behind the route guard: the resource
// comes from the route's parameter, the client IP from the real-IP
// middleware, the time from an injected clock.
func ExampleEngine_Authorizer() {
	invoices := map[string]abac.Resource{
		"7": {Type: "invoice", ID: "7", Attributes: map[string]any{"owner": "alice"}},
	}
	engine := abac.MustNew(
		abac.Policy{Name: "owners pay", Effect: abac.Allow, Actions: []string{"invoices:pay"}, When: abac.OwnerOf("owner")},
		abac.Policy{Name: "from the office", Effect: abac.Deny, Actions: []string{abac.ActionAny},
			When: abac.Not(abac.IPIn(netip.MustParsePrefix("192.0.2.0/24")))},
	)
	authz := engine.Authorizer(abac.AuthorizerOptions{
		Resource: func(ctx context.Context, _ string) (abac.Resource, error) {
			inv, ok := invoices[reqctx.PathParam(ctx, "id")]
			if !ok {
				return abac.Resource{}, errors.NotFound("no such invoice")
			}
			return inv, nil
		},
		Now: func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) },
	})

	r := router.New()
	r.Use(middleware.RealIP(middleware.RealIPOptions{}), func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			p := &auth.Principal{Subject: req.Header.Get("X-Demo-User")} // a stand-in for auth.Middleware
			next.ServeHTTP(w, req.WithContext(auth.WithPrincipal(req.Context(), p)))
		})
	})
	api := r.Group("/invoices", auth.RequireRoute(authz, auth.GuardOptions{}))
	api.Post("/:id/pay", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "paid")
	}), router.Permissions("invoices:pay"))

	for _, c := range []struct{ user, ip, id string }{
		{"alice", "192.0.2.10", "7"},
		{"bob", "192.0.2.11", "7"},
		{"alice", "203.0.113.5", "7"},
		{"alice", "192.0.2.10", "8"},
	} {
		req := httptest.NewRequest(http.MethodPost, "/invoices/"+c.id+"/pay", nil)
		req.RemoteAddr = c.ip + ":50000"
		req.Header.Set("X-Demo-User", c.user)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(c.user, "from", c.ip, "invoice", c.id, "->", w.Code)
	}
	// Output:
	// alice from 192.0.2.10 invoice 7 -> 200
	// bob from 192.0.2.11 invoice 7 -> 403
	// alice from 203.0.113.5 invoice 7 -> 403
	// alice from 192.0.2.10 invoice 8 -> 404
}
