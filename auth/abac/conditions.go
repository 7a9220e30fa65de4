package abac

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"time"

	"github.com/keel-go/keel/auth"
)

// Always returns a condition that holds for every request, for a policy
// that applies to its actions unconditionally.
func Always() Condition {
	return func(Request) bool { return true }
}

// All returns a condition that holds when every one of cs holds,
// evaluated in order and stopping at the first that does not. All with no
// condition holds for no request — unlike the mathematical convention, so
// that a policy built from a list that turned out empty allows nothing.
// It panics if a condition is nil.
func All(cs ...Condition) Condition {
	cs = checkConditions("All", cs)
	if len(cs) == 0 {
		return func(Request) bool { return false }
	}
	return func(r Request) bool {
		for _, c := range cs {
			if !c(r) {
				return false
			}
		}
		return true
	}
}

// Any returns a condition that holds when at least one of cs holds,
// evaluated in order and stopping at the first that does. Any with no
// condition holds for no request. It panics if a condition is nil.
func Any(cs ...Condition) Condition {
	cs = checkConditions("Any", cs)
	return func(r Request) bool {
		for _, c := range cs {
			if c(r) {
				return true
			}
		}
		return false
	}
}

// Not returns a condition that holds when c does not. It panics if c is
// nil.
func Not(c Condition) Condition {
	if c == nil {
		panic("abac: Not: nil condition")
	}
	return func(r Request) bool { return !c(r) }
}

// HasRole returns a condition that holds when the subject has the role
// name ([auth.Principal.HasRole]).
func HasRole(name string) Condition {
	return func(r Request) bool { return r.Subject.HasRole(name) }
}

// HasScope returns a condition that holds when the subject was granted
// scope ([auth.Principal.HasScope]).
func HasScope(scope string) Condition {
	return func(r Request) bool { return r.Subject.HasScope(scope) }
}

// HasMethod returns a condition that holds when the subject authenticated
// with m, for example [auth.MethodTOTP] to require a second factor.
func HasMethod(m auth.Method) Condition {
	return func(r Request) bool { return r.Subject.HasMethod(m) }
}

// AuthenticatedWithin returns a condition that holds when the subject
// authenticated interactively (Principal.AuthTime) at most d before the
// request's time, for step-up checks on sensitive actions. An unknown
// AuthTime or request time, or an AuthTime after the request's time, does
// not hold.
func AuthenticatedWithin(d time.Duration) Condition {
	return func(r Request) bool {
		if r.Subject == nil || r.Subject.AuthTime.IsZero() || r.Environment.Time.IsZero() {
			return false
		}
		age := r.Environment.Time.Sub(r.Subject.AuthTime)
		return age >= 0 && age <= d
	}
}

// OwnerOf returns a condition that holds when the resource attribute attr
// is a string equal to the subject's Subject, for "owners may edit their
// own documents". A missing attribute, one of another type, or an empty
// subject does not hold.
func OwnerOf(attr string) Condition {
	return func(r Request) bool {
		if r.Subject == nil || r.Subject.Subject == "" {
			return false
		}
		owner, ok := r.Resource.Attributes[attr].(string)
		return ok && owner == r.Subject.Subject
	}
}

// SameAttribute returns a condition that holds when the subject attribute
// subjectKey and the resource attribute resourceKey are both present,
// non-nil, of the same comparable type and equal, for "users see their own
// tenant's records": SameAttribute("tenant", "tenant").
func SameAttribute(subjectKey, resourceKey string) Condition {
	return func(r Request) bool {
		if r.Subject == nil {
			return false
		}
		a, ok := r.Subject.Attributes[subjectKey]
		if !ok {
			return false
		}
		b, ok := r.Resource.Attributes[resourceKey]
		return ok && equalValues(a, b)
	}
}

// SubjectAttrIn returns a condition that holds when the subject attribute
// key equals one of values (same type, comparable).
func SubjectAttrIn(key string, values ...any) Condition {
	return func(r Request) bool {
		if r.Subject == nil {
			return false
		}
		v, ok := r.Subject.Attributes[key]
		return ok && containsValue(values, v)
	}
}

// ResourceAttrIn returns a condition that holds when the resource
// attribute key equals one of values (same type, comparable).
func ResourceAttrIn(key string, values ...any) Condition {
	return func(r Request) bool {
		v, ok := r.Resource.Attributes[key]
		return ok && containsValue(values, v)
	}
}

// EnvAttrIn returns a condition that holds when the environment attribute
// key equals one of values (same type, comparable).
func EnvAttrIn(key string, values ...any) Condition {
	return func(r Request) bool {
		v, ok := r.Environment.Attributes[key]
		return ok && containsValue(values, v)
	}
}

// ResourceType returns a condition that holds when the resource's Type is
// one of types.
func ResourceType(types ...string) Condition {
	types = slices.Clone(types)
	return func(r Request) bool { return slices.Contains(types, r.Resource.Type) }
}

// TimeBetween returns a condition that holds when the request's time is
// in [from, to): from included, to excluded. An unknown (zero) request
// time does not hold. It panics if to is not after from.
func TimeBetween(from, to time.Time) Condition {
	if !to.After(from) {
		panic(fmt.Sprintf("abac: TimeBetween: to (%v) is not after from (%v)", to, from))
	}
	return func(r Request) bool {
		t := r.Environment.Time
		return !t.IsZero() && !t.Before(from) && t.Before(to)
	}
}

// DailyBetween returns a condition that holds when the request's time of
// day, in loc, is in [from, to), both given as durations since midnight:
// DailyBetween(9*time.Hour, 17*time.Hour, paris) is office hours in Paris.
// A window with from after to wraps past midnight (22:00 to 06:00). An
// unknown (zero) request time does not hold. It panics if from or to is
// outside [0, 24h], from equals to, or loc is nil.
func DailyBetween(from, to time.Duration, loc *time.Location) Condition {
	const day = 24 * time.Hour
	if from < 0 || from > day || to < 0 || to > day || from == to || loc == nil {
		panic(fmt.Sprintf("abac: DailyBetween(%v, %v, %v): want distinct times of day in [0, 24h] and a location", from, to, loc))
	}
	return func(r Request) bool {
		t := r.Environment.Time
		if t.IsZero() {
			return false
		}
		t = t.In(loc)
		// The wall-clock time of day, not the time elapsed since
		// midnight, which differs on a day with a DST change.
		tod := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
			time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
		if from < to {
			return tod >= from && tod < to
		}
		return tod >= from || tod < to
	}
}

// IPIn returns a condition that holds when the request's client IP is in
// one of prefixes. An IPv4 address written as IPv4-mapped IPv6
// (::ffff:10.0.0.1) is compared as the IPv4 address, whichever way the
// prefix is written; an unknown (zero) IP is in no prefix. It panics if a
// prefix is invalid.
func IPIn(prefixes ...netip.Prefix) Condition {
	ps := make([]netip.Prefix, len(prefixes))
	for i, p := range prefixes {
		if !p.IsValid() {
			panic(fmt.Sprintf("abac: IPIn: invalid prefix %v", p))
		}
		ps[i] = unmapPrefix(p).Masked()
	}
	return func(r Request) bool {
		ip := r.Environment.IP
		if !ip.IsValid() {
			return false
		}
		ip = ip.Unmap().WithZone("")
		for _, p := range ps {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
}

// unmapPrefix turns an IPv4-mapped IPv6 prefix (::ffff:10.0.0.0/104) into
// the IPv4 prefix it covers; an IPv6 prefix shorter than the mapped
// range's 96 bits is left alone.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	a := p.Addr()
	if a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// checkConditions panics on a nil condition and returns a copy of cs.
func checkConditions(fn string, cs []Condition) []Condition {
	for i, c := range cs {
		if c == nil {
			panic(fmt.Sprintf("abac: %s: condition %d is nil", fn, i))
		}
	}
	return slices.Clone(cs)
}

// equalValues reports whether a and b are non-nil values of the same
// comparable type and equal. Values that cannot be compared (slices,
// maps) are never equal, rather than panicking.
func equalValues(a, b any) bool {
	if a == nil || b == nil {
		return false
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Type() != vb.Type() || !va.Comparable() || !vb.Comparable() {
		return false
	}
	return a == b
}

// containsValue reports whether v equals one of values, by equalValues.
func containsValue(values []any, v any) bool {
	for _, x := range values {
		if equalValues(x, v) {
			return true
		}
	}
	return false
}
