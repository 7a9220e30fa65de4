package abac_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/abac"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/reqctx"
)

var (
	noon   = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	office = netip.MustParsePrefix("10.0.0.0/8")
)

// docPolicies is a document service's policies: owners edit, colleagues of
// the same tenant read, archived documents are read-only, and nobody
// deletes from outside the office.
func docPolicies() []abac.Policy {
	return []abac.Policy{
		{Name: "owner edits", Effect: abac.Allow, Actions: []string{"read", "edit", "delete"}, When: abac.OwnerOf("owner")},
		{Name: "tenant reads", Effect: abac.Allow, Actions: []string{"read"}, When: abac.SameAttribute("tenant", "tenant")},
		{Name: "auditor reads all", Effect: abac.Allow, Actions: []string{"read"}, When: abac.HasRole("auditor")},
		{Name: "archived is read-only", Effect: abac.Deny, Actions: []string{"edit", "delete"}, When: abac.ResourceAttrIn("state", "archived")},
		{Name: "delete from office", Effect: abac.Deny, Actions: []string{"delete"}, When: abac.Not(abac.IPIn(office))},
	}
}

func doc(owner, tenant, state string) abac.Resource {
	return abac.Resource{Type: "document", ID: "d1", Attributes: map[string]any{"owner": owner, "tenant": tenant, "state": state}}
}

func user(id, tenant string, roles ...string) *auth.Principal {
	return &auth.Principal{Subject: id, Roles: roles, Attributes: map[string]any{"tenant": tenant}}
}

func inOffice() abac.Environment {
	return abac.Environment{Time: noon, IP: netip.MustParseAddr("10.1.2.3")}
}

func TestDecide(t *testing.T) {
	e := abac.MustNew(docPolicies()...)
	home := abac.Environment{Time: noon, IP: netip.MustParseAddr("203.0.113.9")}
	tests := []struct {
		name   string
		req    abac.Request
		want   bool
		policy string
	}{
		{"owner edits", abac.Request{Subject: user("alice", "t1"), Action: "edit", Resource: doc("alice", "t1", "draft"), Environment: inOffice()}, true, "owner edits"},
		{"colleague reads", abac.Request{Subject: user("bob", "t1"), Action: "read", Resource: doc("alice", "t1", "draft"), Environment: inOffice()}, true, "tenant reads"},
		{"colleague cannot edit", abac.Request{Subject: user("bob", "t1"), Action: "edit", Resource: doc("alice", "t1", "draft"), Environment: inOffice()}, false, ""},
		{"other tenant cannot read", abac.Request{Subject: user("carol", "t2"), Action: "read", Resource: doc("alice", "t1", "draft"), Environment: inOffice()}, false, ""},
		{"auditor reads", abac.Request{Subject: user("dan", "t9", "auditor"), Action: "read", Resource: doc("alice", "t1", "draft"), Environment: inOffice()}, true, "auditor reads all"},
		{"archived denies owner edit", abac.Request{Subject: user("alice", "t1"), Action: "edit", Resource: doc("alice", "t1", "archived"), Environment: inOffice()}, false, "archived is read-only"},
		{"archived still readable", abac.Request{Subject: user("alice", "t1"), Action: "read", Resource: doc("alice", "t1", "archived"), Environment: inOffice()}, true, "owner edits"},
		{"owner deletes in office", abac.Request{Subject: user("alice", "t1"), Action: "delete", Resource: doc("alice", "t1", "draft"), Environment: inOffice()}, true, "owner edits"},
		{"owner cannot delete from home", abac.Request{Subject: user("alice", "t1"), Action: "delete", Resource: doc("alice", "t1", "draft"), Environment: home}, false, "delete from office"},
		{"unknown action", abac.Request{Subject: user("alice", "t1"), Action: "share", Resource: doc("alice", "t1", "draft"), Environment: inOffice()}, false, ""},
		{"anonymous", abac.Request{Action: "read", Resource: doc("alice", "t1", "draft"), Environment: inOffice()}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := e.Decide(tt.req)
			if d.Allowed != tt.want || d.Policy != tt.policy {
				t.Errorf("Decide() = %+v, want {Allowed:%v Policy:%s}", d, tt.want, tt.policy)
			}
			if got := e.Allowed(tt.req); got != tt.want {
				t.Errorf("Allowed() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestZeroEngineDeniesEverything(t *testing.T) {
	req := abac.Request{Subject: user("alice", "t1", "admin"), Action: "read"}
	var zero abac.Engine
	if zero.Allowed(req) {
		t.Error("zero Engine: Allowed = true, want false")
	}
	var nilEngine *abac.Engine
	if nilEngine.Allowed(req) {
		t.Error("nil *Engine: Allowed = true, want false")
	}
	empty := abac.MustNew()
	if d := empty.Decide(req); d.Allowed || d.Policy != "" {
		t.Errorf("empty engine: Decide = %+v, want a default deny", d)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name    string
		policy  abac.Policy
		message string
	}{
		{"zero effect", abac.Policy{Name: "p", Actions: []string{"read"}, When: abac.Always()}, `policy "p": Effect`},
		{"unknown effect", abac.Policy{Name: "p", Effect: 7, Actions: []string{"read"}, When: abac.Always()}, `policy "p": Effect`},
		{"no condition", abac.Policy{Name: "p", Effect: abac.Allow, Actions: []string{"read"}}, "no condition"},
		{"no action", abac.Policy{Name: "p", Effect: abac.Allow, When: abac.Always()}, "no action"},
		{"empty action", abac.Policy{Name: "p", Effect: abac.Deny, Actions: []string{""}, When: abac.Always()}, "empty action"},
		{"unnamed", abac.Policy{Effect: abac.Allow, When: abac.Always()}, `policy "#1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := abac.Policy{Name: "fine", Effect: abac.Allow, Actions: []string{"read"}, When: abac.Always()}
			e, err := abac.New(ok, tt.policy)
			if !errors.Is(err, abac.ErrInvalidPolicy) || e != nil {
				t.Fatalf("New() = %v, %v, want ErrInvalidPolicy", e, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("New() error = %q, want it to contain %q", err, tt.message)
			}
		})
	}
}

func TestActionAny(t *testing.T) {
	e := abac.MustNew(abac.Policy{Name: "admins", Effect: abac.Allow, Actions: []string{abac.ActionAny}, When: abac.HasRole("admin")})
	for _, action := range []string{"read", "delete", "anything"} {
		if !e.Allowed(abac.Request{Subject: user("a", "t", "admin"), Action: action}) {
			t.Errorf("Allowed(admin, %q) = false, want true", action)
		}
	}
}

func TestEffectString(t *testing.T) {
	for e, want := range map[abac.Effect]string{abac.Allow: "allow", abac.Deny: "deny", 0: "invalid"} {
		if got := e.String(); got != want {
			t.Errorf("Effect(%d).String() = %q, want %q", int(e), got, want)
		}
	}
}

// An explicit deny wins over every allow whatever the order of the
// policies: each permutation of the policy list gives the same decisions.
func TestAttack_DenyOverridesAllowInAnyOrder(t *testing.T) {
	policies := docPolicies()
	policies = append(policies,
		abac.Policy{Name: "everyone reads", Effect: abac.Allow, Actions: []string{abac.ActionAny}, When: abac.Always()},
		abac.Policy{Name: "suspended", Effect: abac.Deny, Actions: []string{abac.ActionAny}, When: abac.SubjectAttrIn("status", "suspended")},
	)
	suspended := user("alice", "t1")
	suspended.Attributes["status"] = "suspended"
	requests := []abac.Request{
		{Subject: suspended, Action: "read", Resource: doc("alice", "t1", "draft"), Environment: inOffice()},
		{Subject: user("alice", "t1"), Action: "edit", Resource: doc("alice", "t1", "archived"), Environment: inOffice()},
		{Subject: user("alice", "t1"), Action: "delete", Resource: doc("alice", "t1", "draft")},
		{Subject: user("bob", "t2"), Action: "read", Resource: doc("alice", "t1", "draft"), Environment: inOffice()},
	}
	want := []bool{false, false, false, true}
	n := 0
	permute(policies, 0, func(ps []abac.Policy) {
		n++
		e := abac.MustNew(ps...)
		for i, r := range requests {
			if got := e.Allowed(r); got != want[i] {
				t.Fatalf("permutation %d: Allowed(request %d) = %v, want %v", n, i, got, want[i])
			}
		}
	})
	if n != 5040 {
		t.Errorf("ran %d permutations, want 7! = 5040", n)
	}
}

// permute calls f with every permutation of ps[k:] (Heap's algorithm would
// do; this is the plain recursive swap).
func permute(ps []abac.Policy, k int, f func([]abac.Policy)) {
	if k == len(ps) {
		f(ps)
		return
	}
	for i := k; i < len(ps); i++ {
		ps[k], ps[i] = ps[i], ps[k]
		permute(ps, k+1, f)
		ps[k], ps[i] = ps[i], ps[k]
	}
}

func TestAuthorizer(t *testing.T) {
	e := abac.MustNew(docPolicies()...)
	docs := map[string]abac.Resource{"d1": doc("alice", "t1", "draft"), "d2": doc("alice", "t1", "archived")}
	var gotAction string
	authz := e.Authorizer(abac.AuthorizerOptions{
		Resource: func(ctx context.Context, action string) (abac.Resource, error) {
			gotAction = action
			d, ok := docs[reqctx.PathParam(ctx, "id")]
			if !ok {
				return abac.Resource{}, errors.NotFound("no document")
			}
			return d, nil
		},
		Now: func() time.Time { return noon },
	})
	var _ auth.Authorizer = authz

	ctxFor := func(id, ip string) context.Context {
		var d reqctx.Data
		d.AddParam("id", id)
		if ip != "" {
			d.ClientIP = netip.MustParseAddr(ip)
		}
		return reqctx.WithData(context.Background(), d)
	}
	tests := []struct {
		name    string
		ctx     context.Context
		p       *auth.Principal
		perm    string
		want    bool
		wantErr int // HTTP status of the error, 0 for none
	}{
		{"owner edits", ctxFor("d1", "10.0.0.1"), user("alice", "t1"), "edit", true, 0},
		{"archived", ctxFor("d2", "10.0.0.1"), user("alice", "t1"), "edit", false, 0},
		{"delete from office", ctxFor("d1", "10.0.0.1"), user("alice", "t1"), "delete", true, 0},
		{"delete from outside", ctxFor("d1", "192.0.2.1"), user("alice", "t1"), "delete", false, 0},
		{"delete with unknown IP", ctxFor("d1", ""), user("alice", "t1"), "delete", false, 0},
		{"no such document", ctxFor("d9", "10.0.0.1"), user("alice", "t1"), "read", false, 404},
		{"nil principal", ctxFor("d1", "10.0.0.1"), nil, "read", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := authz.Authorize(tt.ctx, tt.p, tt.perm)
			if got != tt.want {
				t.Errorf("Authorize(%q) = %v, want %v", tt.perm, got, tt.want)
			}
			switch {
			case tt.wantErr == 0 && err != nil:
				t.Errorf("Authorize(%q) error = %v, want nil", tt.perm, err)
			case tt.wantErr != 0 && errors.From(err).StatusCode() != tt.wantErr:
				t.Errorf("Authorize(%q) error = %v, want one with status %d", tt.perm, err, tt.wantErr)
			}
			if tt.p != nil && gotAction != tt.perm {
				t.Errorf("Resource got action %q, want %q", gotAction, tt.perm)
			}
		})
	}
}

func TestAuthorizerEnvironment(t *testing.T) {
	e := abac.MustNew(
		abac.Policy{Name: "managed devices", Effect: abac.Allow, Actions: []string{"read"}, When: abac.EnvAttrIn("device", "managed")},
		abac.Policy{Name: "business hours", Effect: abac.Deny, Actions: []string{"read"}, When: abac.Not(abac.DailyBetween(9*time.Hour, 17*time.Hour, time.UTC))},
	)
	now := noon
	authz := e.Authorizer(abac.AuthorizerOptions{
		Environment: func(ctx context.Context) map[string]any {
			return map[string]any{"device": ctx.Value(deviceKey{})}
		},
		Now: func() time.Time { return now },
	})
	managed := context.WithValue(context.Background(), deviceKey{}, "managed")
	p := user("alice", "t1")
	if ok, err := authz.Authorize(managed, p, "read"); !ok || err != nil {
		t.Errorf("managed device at noon: Authorize = %v, %v, want true, nil", ok, err)
	}
	if ok, _ := authz.Authorize(context.Background(), p, "read"); ok {
		t.Error("unmanaged device: Authorize = true, want false")
	}
	now = noon.Add(8 * time.Hour) // 20:00
	if ok, _ := authz.Authorize(managed, p, "read"); ok {
		t.Error("managed device at 20:00: Authorize = true, want false")
	}
}

type deviceKey struct{}
