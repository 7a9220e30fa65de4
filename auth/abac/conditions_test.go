package abac_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/abac"
)

func TestCombinators(t *testing.T) {
	yes, no := abac.Always(), abac.Not(abac.Always())
	tests := []struct {
		name string
		c    abac.Condition
		want bool
	}{
		{"All()", abac.All(), false},
		{"All(yes)", abac.All(yes), true},
		{"All(yes, no)", abac.All(yes, no), false},
		{"Any()", abac.Any(), false},
		{"Any(no, yes)", abac.Any(no, yes), true},
		{"Any(no, no)", abac.Any(no, no), false},
		{"Not(yes)", abac.Not(yes), false},
		{"Not(All())", abac.Not(abac.All()), true},
		{"nested", abac.All(abac.Any(no, yes), abac.Not(no)), true},
	}
	for _, tt := range tests {
		if got := tt.c(abac.Request{}); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCombinatorsShortCircuit(t *testing.T) {
	calls := 0
	count := func(v bool) abac.Condition {
		return func(abac.Request) bool { calls++; return v }
	}
	abac.All(count(false), count(true))(abac.Request{})
	abac.Any(count(true), count(false))(abac.Request{})
	if calls != 2 {
		t.Errorf("All/Any evaluated %d conditions, want 2 (stop at the first decisive one)", calls)
	}
}

func TestPanicsOnMistakes(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"All(nil)", func() { abac.All(abac.Always(), nil) }},
		{"Any(nil)", func() { abac.Any(nil) }},
		{"Not(nil)", func() { abac.Not(nil) }},
		{"TimeBetween reversed", func() { abac.TimeBetween(noon, noon.Add(-time.Hour)) }},
		{"TimeBetween empty", func() { abac.TimeBetween(noon, noon) }},
		{"DailyBetween equal", func() { abac.DailyBetween(time.Hour, time.Hour, time.UTC) }},
		{"DailyBetween negative", func() { abac.DailyBetween(-time.Hour, time.Hour, time.UTC) }},
		{"DailyBetween past a day", func() { abac.DailyBetween(time.Hour, 25*time.Hour, time.UTC) }},
		{"DailyBetween nil location", func() { abac.DailyBetween(time.Hour, 2*time.Hour, nil) }},
		{"IPIn invalid", func() { abac.IPIn(netip.Prefix{}) }},
		{"MustNew invalid", func() { abac.MustNew(abac.Policy{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", tt.name)
				}
			}()
			tt.f()
		})
	}
}

func TestSubjectConditions(t *testing.T) {
	p := &auth.Principal{
		Subject: "alice", Roles: []string{"staff"}, Scopes: []string{"docs.read"},
		Methods: []auth.Method{auth.MethodPassword, auth.MethodTOTP}, AuthTime: noon.Add(-10 * time.Minute),
		Attributes: map[string]any{"tenant": "t1", "level": 3},
	}
	env := abac.Environment{Time: noon}
	tests := []struct {
		name string
		c    abac.Condition
		p    *auth.Principal
		want bool
	}{
		{"HasRole", abac.HasRole("staff"), p, true},
		{"HasRole other", abac.HasRole("admin"), p, false},
		{"HasRole nil subject", abac.HasRole("staff"), nil, false},
		{"HasScope", abac.HasScope("docs.read"), p, true},
		{"HasScope other", abac.HasScope("docs.write"), p, false},
		{"HasMethod", abac.HasMethod(auth.MethodTOTP), p, true},
		{"HasMethod other", abac.HasMethod(auth.MethodAPIKey), p, false},
		{"AuthenticatedWithin", abac.AuthenticatedWithin(15 * time.Minute), p, true},
		{"AuthenticatedWithin too old", abac.AuthenticatedWithin(5 * time.Minute), p, false},
		{"AuthenticatedWithin no auth time", abac.AuthenticatedWithin(time.Hour), &auth.Principal{Subject: "x"}, false},
		{"AuthenticatedWithin nil subject", abac.AuthenticatedWithin(time.Hour), nil, false},
		{"AuthenticatedWithin future", abac.AuthenticatedWithin(time.Hour), &auth.Principal{Subject: "x", AuthTime: noon.Add(time.Minute)}, false},
		{"SubjectAttrIn", abac.SubjectAttrIn("level", 2, 3), p, true},
		{"SubjectAttrIn type differs", abac.SubjectAttrIn("level", "3"), p, false},
		{"SubjectAttrIn missing", abac.SubjectAttrIn("dept", "x"), p, false},
		{"SubjectAttrIn nil subject", abac.SubjectAttrIn("level", 3), nil, false},
	}
	for _, tt := range tests {
		if got := tt.c(abac.Request{Subject: tt.p, Environment: env}); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestResourceConditions(t *testing.T) {
	alice := &auth.Principal{Subject: "alice", Attributes: map[string]any{"tenant": "t1", "tags": []string{"a"}}}
	res := abac.Resource{Type: "invoice", Attributes: map[string]any{"owner": "alice", "tenant": "t1", "state": "open", "tags": []string{"a"}}}
	tests := []struct {
		name string
		c    abac.Condition
		p    *auth.Principal
		r    abac.Resource
		want bool
	}{
		{"OwnerOf", abac.OwnerOf("owner"), alice, res, true},
		{"OwnerOf other", abac.OwnerOf("owner"), &auth.Principal{Subject: "bob"}, res, false},
		{"OwnerOf missing attribute", abac.OwnerOf("author"), alice, res, false},
		{"OwnerOf nil subject", abac.OwnerOf("owner"), nil, res, false},
		{"SameAttribute", abac.SameAttribute("tenant", "tenant"), alice, res, true},
		{"SameAttribute missing on subject", abac.SameAttribute("dept", "tenant"), alice, res, false},
		{"SameAttribute missing on resource", abac.SameAttribute("tenant", "dept"), alice, res, false},
		{"SameAttribute uncomparable", abac.SameAttribute("tags", "tags"), alice, res, false},
		{"SameAttribute nil subject", abac.SameAttribute("tenant", "tenant"), nil, res, false},
		{"ResourceAttrIn", abac.ResourceAttrIn("state", "open", "draft"), alice, res, true},
		{"ResourceAttrIn other", abac.ResourceAttrIn("state", "closed"), alice, res, false},
		{"ResourceAttrIn missing", abac.ResourceAttrIn("colour", "red"), alice, res, false},
		{"ResourceAttrIn uncomparable", abac.ResourceAttrIn("tags", []string{"a"}), alice, res, false},
		{"ResourceType", abac.ResourceType("order", "invoice"), alice, res, true},
		{"ResourceType other", abac.ResourceType("order"), alice, res, false},
	}
	for _, tt := range tests {
		if got := tt.c(abac.Request{Subject: tt.p, Resource: tt.r}); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTimeConditions(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	hours := abac.DailyBetween(9*time.Hour, 17*time.Hour, paris)
	night := abac.DailyBetween(22*time.Hour, 6*time.Hour, time.UTC)
	window := abac.TimeBetween(noon, noon.Add(time.Hour))
	tests := []struct {
		name string
		c    abac.Condition
		at   time.Time
		want bool
	}{
		{"office hours, 12:00 UTC is 13:00 in Paris", hours, noon, true},
		{"office hours, 16:30 UTC is 17:30 in Paris", hours, noon.Add(4*time.Hour + 30*time.Minute), false},
		{"office hours, 08:30 UTC is 09:30 in Paris", hours, noon.Add(-3*time.Hour - 30*time.Minute), true},
		{"office hours, start included", hours, time.Date(2026, 3, 10, 9, 0, 0, 0, paris), true},
		{"office hours, end excluded", hours, time.Date(2026, 3, 10, 17, 0, 0, 0, paris), false},
		// 29 March 2026: Paris moves from 02:00 to 03:00, so 09:30 on
		// the clock is only 8h30 after midnight. The window is on the
		// clock.
		{"office hours on a DST day", hours, time.Date(2026, 3, 29, 9, 30, 0, 0, paris), true},
		{"office hours, unknown time", hours, time.Time{}, false},
		{"night wraps, 23:00", night, time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC), true},
		{"night wraps, 05:59", night, time.Date(2026, 3, 10, 5, 59, 0, 0, time.UTC), true},
		{"night wraps, 06:00", night, time.Date(2026, 3, 10, 6, 0, 0, 0, time.UTC), false},
		{"night wraps, noon", night, noon, false},
		{"window start included", window, noon, true},
		{"window end excluded", window, noon.Add(time.Hour), false},
		{"window before", window, noon.Add(-time.Nanosecond), false},
		{"window, unknown time", abac.TimeBetween(time.Time{}, noon), time.Time{}, false},
	}
	for _, tt := range tests {
		if got := tt.c(abac.Request{Environment: abac.Environment{Time: tt.at}}); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestIPIn(t *testing.T) {
	c := abac.IPIn(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32"))
	mappedPrefix := abac.IPIn(netip.MustParsePrefix("::ffff:192.168.0.0/112"))
	unmasked := abac.IPIn(netip.MustParsePrefix("172.16.5.9/12"))
	tests := []struct {
		name string
		c    abac.Condition
		ip   string
		want bool
	}{
		{"v4 inside", c, "10.20.30.40", true},
		{"v4 outside", c, "11.0.0.1", false},
		{"v6 inside", c, "2001:db8::1", true},
		{"v6 with zone inside", c, "2001:db8::1%eth0", true},
		{"v6 outside", c, "2001:db9::1", false},
		{"mapped v4 inside", c, "::ffff:10.1.1.1", true},
		{"mapped prefix, plain address", mappedPrefix, "192.168.3.4", true},
		{"mapped prefix, outside", mappedPrefix, "192.169.0.1", false},
		{"prefix with host bits", unmasked, "172.20.0.1", true},
		{"unknown IP", c, "", false},
	}
	for _, tt := range tests {
		var ip netip.Addr
		if tt.ip != "" {
			ip = netip.MustParseAddr(tt.ip)
		}
		if got := tt.c(abac.Request{Environment: abac.Environment{IP: ip}}); got != tt.want {
			t.Errorf("%s: IPIn(%s) = %v, want %v", tt.name, tt.ip, got, tt.want)
		}
	}
}

// A deny rule on an address range also catches the range written as
// IPv4-mapped IPv6, which a dual-stack listener reports.
func TestAttack_IPv4MappedAddressEvadesDeny(t *testing.T) {
	e := abac.MustNew(
		abac.Policy{Name: "all", Effect: abac.Allow, Actions: []string{"read"}, When: abac.Always()},
		abac.Policy{Name: "blocked range", Effect: abac.Deny, Actions: []string{"read"}, When: abac.IPIn(netip.MustParsePrefix("198.51.100.0/24"))},
	)
	for _, ip := range []string{"198.51.100.7", "::ffff:198.51.100.7"} {
		r := abac.Request{Subject: user("x", "t"), Action: "read", Environment: abac.Environment{IP: netip.MustParseAddr(ip)}}
		if e.Allowed(r) {
			t.Errorf("Allowed(from %s) = true, want false", ip)
		}
	}
}

// An allow-list written as a deny on the complement fails closed when the
// client's address is unknown.
func TestAttack_UnknownIPPassesAllowList(t *testing.T) {
	e := abac.MustNew(
		abac.Policy{Name: "all", Effect: abac.Allow, Actions: []string{"read"}, When: abac.Always()},
		abac.Policy{Name: "office only", Effect: abac.Deny, Actions: []string{"read"}, When: abac.Not(abac.IPIn(office))},
	)
	r := abac.Request{Subject: user("x", "t"), Action: "read"} // no IP
	if e.Allowed(r) {
		t.Error("Allowed(unknown IP) = true, want false")
	}
}

// An empty subject never owns a resource with an empty or missing owner,
// and an owner attribute of another type never matches.
func TestAttack_EmptyOwnerMatchesEmptySubject(t *testing.T) {
	e := abac.MustNew(abac.Policy{Name: "owner", Effect: abac.Allow, Actions: []string{"edit"}, When: abac.OwnerOf("owner")})
	tests := []struct {
		name string
		p    *auth.Principal
		r    abac.Resource
	}{
		{"empty subject, empty owner", &auth.Principal{}, abac.Resource{Attributes: map[string]any{"owner": ""}}},
		{"empty subject, no owner", &auth.Principal{}, abac.Resource{}},
		{"nil subject", nil, abac.Resource{Attributes: map[string]any{"owner": ""}}},
		{"numeric owner", &auth.Principal{Subject: "42"}, abac.Resource{Attributes: map[string]any{"owner": 42}}},
		{"owner in a list", &auth.Principal{Subject: "alice"}, abac.Resource{Attributes: map[string]any{"owner": []string{"alice"}}}},
	}
	for _, tt := range tests {
		if e.Allowed(abac.Request{Subject: tt.p, Action: "edit", Resource: tt.r}) {
			t.Errorf("%s: Allowed = true, want false", tt.name)
		}
	}
}

// A condition list that came out empty allows nothing.
func TestAttack_EmptyConditionListAllowsAll(t *testing.T) {
	var fromConfig []abac.Condition // e.g. a config section that was left out
	e := abac.MustNew(abac.Policy{Name: "configured", Effect: abac.Allow, Actions: []string{abac.ActionAny}, When: abac.All(fromConfig...)})
	if e.Allowed(abac.Request{Subject: user("x", "t"), Action: "delete"}) {
		t.Error("Allowed with All() = true, want false")
	}
}
