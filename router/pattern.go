package router

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// segKind is the kind of one path segment of a pattern.
type segKind uint8

const (
	segStatic segKind = iota
	segParam
	segCatchAll
)

// segment is one "/"-separated element of a parsed pattern. A static segment
// may be empty only as the last segment, where it stands for a trailing
// slash.
type segment struct {
	kind       segKind
	value      string // the literal for a static segment, the name otherwise
	constraint *Constraint
}

// rank orders segments by specificity: a literal beats a constrained
// parameter, which beats a plain parameter, which beats a catch-all.
func (s segment) rank() int {
	switch {
	case s.kind == segStatic:
		return 0
	case s.kind == segParam && s.constraint != nil:
		return 1
	case s.kind == segParam:
		return 2
	default:
		return 3
	}
}

// parsePattern splits a pattern into segments. It accepts the router's own
// syntax (":name" for one segment, "*name" for the rest of the path) and
// ServeMux syntax ("{name}", "{name...}").
func parsePattern(pattern string) ([]segment, error) {
	if pattern == "" || pattern[0] != '/' {
		return nil, fmt.Errorf("pattern %q must begin with '/'", pattern)
	}
	if strings.ContainsAny(pattern, "?#") {
		return nil, fmt.Errorf("pattern %q must not contain '?' or '#'", pattern)
	}
	parts := strings.Split(pattern[1:], "/")
	segs := make([]segment, 0, len(parts))
	seen := make(map[string]bool)
	for i, p := range parts {
		last := i == len(parts)-1
		var s segment
		switch {
		case p == "." || p == "..":
			return nil, fmt.Errorf("pattern %q has a dot segment, which no clean path contains", pattern)
		case p == "":
			if !last {
				return nil, fmt.Errorf("pattern %q has an empty segment", pattern)
			}
			s = segment{kind: segStatic}
		case p[0] == ':':
			s = segment{kind: segParam, value: p[1:]}
		case p[0] == '*':
			s = segment{kind: segCatchAll, value: p[1:]}
		case p[0] == '{' && p[len(p)-1] == '}':
			name := p[1 : len(p)-1]
			if rest, ok := strings.CutSuffix(name, "..."); ok {
				s = segment{kind: segCatchAll, value: rest}
			} else {
				s = segment{kind: segParam, value: name}
			}
		default:
			if strings.ContainsAny(p, "{}") {
				return nil, fmt.Errorf("pattern %q: segment %q mixes a literal and a parameter", pattern, p)
			}
			s = segment{kind: segStatic, value: p}
		}
		if s.kind != segStatic {
			if !validName(s.value) {
				return nil, fmt.Errorf("pattern %q: bad parameter name %q", pattern, s.value)
			}
			if seen[s.value] {
				return nil, fmt.Errorf("pattern %q: parameter %q appears twice", pattern, s.value)
			}
			seen[s.value] = true
		}
		if s.kind == segCatchAll && !last {
			return nil, fmt.Errorf("pattern %q: catch-all %q must be the last segment", pattern, s.value)
		}
		segs = append(segs, s)
	}
	return segs, nil
}

func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// muxPattern renders segments in ServeMux syntax with the method:
// "GET /users/{id}", "GET /files/{path...}".
func muxPattern(method string, segs []segment) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte(' ')
	for _, s := range segs {
		b.WriteByte('/')
		switch s.kind {
		case segStatic:
			b.WriteString(s.value)
		case segParam:
			b.WriteString("{" + s.value + "}")
		case segCatchAll:
			b.WriteString("{" + s.value + "...}")
		}
	}
	return b.String()
}

// shapeKey identifies the set of paths a pattern matches: two routes of one
// method with the same key could never be told apart.
func shapeKey(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		switch s.kind {
		case segStatic:
			b.WriteString(s.value)
		case segParam:
			b.WriteString("{")
			if s.constraint != nil {
				b.WriteString(s.constraint.name)
			}
			b.WriteString("}")
		case segCatchAll:
			b.WriteString("{...}")
		}
	}
	return b.String()
}

// Constraint restricts the values a path parameter accepts. A request whose
// value does not satisfy the constraint does not match the route: the
// handler is not called, and the request is answered 404 unless another route
// matches. The zero Constraint is invalid; use [Int], [UUID], [Regexp] and the
// other constructors.
type Constraint struct {
	name  string
	match func(string) bool
}

// String returns the constraint's name, as used in error messages.
func (c Constraint) String() string { return c.name }

// Match returns a constraint named name that accepts the values for which
// fn returns true. Two constraints with the same name are treated as the
// same constraint when the router checks routes for conflicts.
func Match(name string, fn func(string) bool) Constraint {
	if fn == nil {
		panic("router: Match with a nil function")
	}
	return Constraint{name: name, match: fn}
}

// Int returns a constraint that accepts decimal integers that fit in an
// int64, with an optional leading minus sign.
func Int() Constraint {
	return Constraint{name: "int", match: func(s string) bool {
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	}}
}

// Uint returns a constraint that accepts unsigned decimal integers that fit
// in a uint64.
func Uint() Constraint {
	return Constraint{name: "uint", match: func(s string) bool {
		_, err := strconv.ParseUint(s, 10, 64)
		return err == nil
	}}
}

// UUID returns a constraint that accepts a UUID in its canonical 36-character
// form (any version, either case).
func UUID() Constraint {
	return Constraint{name: "uuid", match: func(s string) bool {
		if len(s) != 36 {
			return false
		}
		_, err := uuid.Parse(s)
		return err == nil
	}}
}

// OneOf returns a constraint that accepts exactly the given values.
func OneOf(values ...string) Constraint {
	set := make(map[string]struct{}, len(values))
	for _, v := range values {
		set[v] = struct{}{}
	}
	return Constraint{name: "oneof(" + strings.Join(values, "|") + ")", match: func(s string) bool {
		_, ok := set[s]
		return ok
	}}
}

// Regexp returns a constraint that accepts values matching the regular
// expression expr as a whole (it is anchored at both ends).
func Regexp(expr string) (Constraint, error) {
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return Constraint{}, fmt.Errorf("router: constraint %q: %w", expr, err)
	}
	return Constraint{name: "regexp(" + expr + ")", match: re.MatchString}, nil
}

// MustRegexp is like [Regexp] but panics if expr does not compile. It is
// meant for route tables written in code, where a bad expression is a
// programming mistake.
func MustRegexp(expr string) Constraint {
	c, err := Regexp(expr)
	if err != nil {
		panic(err)
	}
	return c
}
