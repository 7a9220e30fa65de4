package router

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/julienschmidt/httprouter"

	"github.com/keel-go/keel/reqctx"
)

// The router keeps its own route table and compiles it into an
// httprouter.Router, which does the matching. httprouter 1.3.0 refuses
// trees it cannot serve unambiguously: a static segment beside a parameter
// ("/users/me" and "/users/:id"), two parameter names at one position, and
// anything beside a catch-all. The compiler rewrites such positions so that
// httprouter never sees a conflict:
//
//   - where statics and a parameter share a position, the statics become the
//     parameter with a literal check, so httprouter matches the shared shape
//     and the router picks the candidate;
//   - parameters are named by position ("p0", "p1"), and each candidate maps
//     httprouter's values back to its own names by index;
//   - where a catch-all shares a position with anything, everything below
//     that position becomes the catch-all, and each candidate matches the
//     rest of the path itself.
//
// Each registered httprouter path therefore leads to an endpoint with one or
// more candidates, sorted most specific first; the first whose checks pass
// serves the request. In the common case (one candidate, no checks) the
// dispatch is a direct call.

// compiled is the route table compiled for matching. It is immutable.
type compiled struct {
	hr      *httprouter.Router
	rt      *Router
	methods []string // methods with at least one route, sorted
}

func (rt *Router) compile() *compiled {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if c := rt.compiled.Load(); c != nil {
		return c
	}
	c := &compiled{hr: httprouter.New(), rt: rt}
	byMethod := make(map[string][]item)
	for _, r := range rt.routes {
		m := r.info.Method
		if _, ok := byMethod[m]; !ok {
			c.methods = append(c.methods, m)
		}
		byMethod[m] = append(byMethod[m], item{r: r})
	}
	slices.Sort(c.methods)
	for _, m := range c.methods {
		cc := compiler{c: c, method: m}
		cc.walk("", byMethod[m], 0)
	}
	rt.compiled.Store(c)
	return c
}

type bindKind uint8

const (
	bindParam    bindKind = iota // the value is the parameter name's value
	bindLiteral                  // the value must equal name
	bindCatchAll                 // the value, less its leading "/", is the catch-all's
	bindRest                     // the value must match rest
)

// bind says what a candidate does with one httprouter parameter value.
type bind struct {
	kind bindKind
	name string // parameter name, or the literal
	c    *Constraint
	rest []segment
}

// item is a route on its way through the compiler: the next segment to
// place and the binds of the httprouter parameters placed so far.
type item struct {
	r     *route
	pos   int
	binds []bind
}

func (it item) with(b bind) item {
	it.binds = append(slices.Clip(it.binds), b)
	return it
}

type compiler struct {
	c      *compiled
	method string
}

// walk places items, which share the httprouter path prefix, below it.
func (cc *compiler) walk(prefix string, items []item, nparams int) {
	var ended, rest []item
	for _, it := range items {
		if it.pos == len(it.r.segs) {
			ended = append(ended, it)
		} else {
			rest = append(rest, it)
		}
	}
	if len(ended) > 0 {
		cc.register(prefix, ended)
	}
	if len(rest) == 0 {
		return
	}
	var hasCatchAll, hasParam, hasStatic, forced bool
	for _, it := range rest {
		s := it.r.segs[it.pos]
		switch s.kind {
		case segCatchAll:
			hasCatchAll = true
		case segParam:
			hasParam = true
		case segStatic:
			if s.value != "" {
				hasStatic = true
				// httprouter reads ':' and '*' as wildcards anywhere.
				forced = forced || strings.ContainsAny(s.value, ":*")
			}
		}
	}
	pname := "p" + strconv.Itoa(nparams)
	switch {
	case hasCatchAll:
		cands := make([]item, 0, len(rest))
		for _, it := range rest {
			s := it.r.segs[it.pos]
			if s.kind == segCatchAll {
				it = it.with(bind{kind: bindCatchAll, name: s.value})
			} else {
				it = it.with(bind{kind: bindRest, rest: it.r.segs[it.pos:]})
			}
			it.pos = len(it.r.segs)
			cands = append(cands, it)
		}
		cc.register(prefix+"/*"+pname, cands)
	case hasParam && hasStatic || forced:
		var params, slash []item
		for _, it := range rest {
			s := it.r.segs[it.pos]
			it.pos++
			switch {
			case s.kind == segStatic && s.value == "":
				slash = append(slash, it)
			case s.kind == segStatic:
				params = append(params, it.with(bind{kind: bindLiteral, name: s.value}))
			default:
				params = append(params, it.with(bind{kind: bindParam, name: s.value, c: s.constraint}))
			}
		}
		if len(slash) > 0 {
			cc.walk(prefix+"/", slash, nparams)
		}
		cc.walk(prefix+"/:"+pname, params, nparams+1)
	default:
		var order []string
		statics := make(map[string][]item)
		var params []item
		for _, it := range rest {
			s := it.r.segs[it.pos]
			it.pos++
			if s.kind == segParam {
				params = append(params, it.with(bind{kind: bindParam, name: s.value, c: s.constraint}))
				continue
			}
			if _, ok := statics[s.value]; !ok {
				order = append(order, s.value)
			}
			statics[s.value] = append(statics[s.value], it)
		}
		for _, v := range order {
			cc.walk(prefix+"/"+v, statics[v], nparams)
		}
		if len(params) > 0 {
			cc.walk(prefix+"/:"+pname, params, nparams+1)
		}
	}
}

// register hands one httprouter path to httprouter, with its candidates.
func (cc *compiler) register(path string, items []item) {
	slices.SortStableFunc(items, func(a, b item) int {
		return compareSpecificity(a.r, b.r)
	})
	e := &endpoint{rt: cc.c.rt}
	for _, it := range items {
		simple := it.r.version == nil
		for _, b := range it.binds {
			if b.kind != bindParam && b.kind != bindCatchAll || b.c != nil {
				simple = false
			}
		}
		e.cands = append(e.cands, &cand{r: it.r, binds: it.binds, simple: simple})
	}
	e.direct = len(e.cands) == 1 && e.cands[0].simple
	cc.c.hr.Handle(cc.method, path, e.handle)
}

// compareSpecificity orders routes segment by segment from the left:
// literal, constrained parameter, parameter, catch-all; ties go to the route
// registered first.
func compareSpecificity(a, b *route) int {
	for i := 0; i < len(a.segs) && i < len(b.segs); i++ {
		if c := cmp.Compare(a.segs[i].rank(), b.segs[i].rank()); c != 0 {
			return c
		}
	}
	return cmp.Compare(a.seq, b.seq)
}

// endpoint is what one httprouter path leads to.
type endpoint struct {
	rt     *Router
	cands  []*cand
	direct bool // one candidate without checks
}

// handle is the httprouter.Handle of the endpoint. A nil request is a
// probe from the router itself (see compiled.endpoint), which learns the
// endpoint through the probe writer.
func (e *endpoint) handle(w http.ResponseWriter, req *http.Request, ps httprouter.Params) {
	if req == nil {
		w.(*probe).e = e
		return
	}
	if e.direct {
		e.cands[0].serve(w, req, ps)
		return
	}
	for _, c := range e.cands {
		if c.match(req, ps) {
			c.serve(w, req, ps)
			return
		}
	}
	e.rt.noMatch(w, req, e)
}

// cand is one route at an endpoint.
type cand struct {
	r      *route
	binds  []bind // one per httprouter parameter
	simple bool
}

// match reports whether the candidate accepts the request.
func (c *cand) match(req *http.Request, ps httprouter.Params) bool {
	for i := range c.binds {
		b := &c.binds[i]
		switch b.kind {
		case bindLiteral:
			if ps[i].Value != b.name {
				return false
			}
		case bindParam:
			if b.c != nil && !b.c.match(ps[i].Value) {
				return false
			}
		case bindRest:
			if !matchRest(b.rest, ps[i].Value[1:], nil, nil) {
				return false
			}
		}
	}
	if v := c.r.version; v != nil && v.set.strategy != URIPrefix {
		name, ok := v.set.requested(req)
		if !ok {
			name = v.set.defKey
		}
		return name == v.key
	}
	return true
}

// serve records the route and its parameters on the request, and calls the
// route's handler.
func (c *cand) serve(w http.ResponseWriter, req *http.Request, ps httprouter.Params) {
	r := c.r
	req.Pattern = r.info.Pattern
	d := reqctx.From(req.Context())
	if d != nil {
		d.Route = &r.info
	}
	for i := range c.binds {
		b := &c.binds[i]
		switch b.kind {
		case bindParam:
			setParam(req, d, b.name, ps[i].Value)
		case bindCatchAll:
			setParam(req, d, b.name, ps[i].Value[1:])
		case bindRest:
			matchRest(b.rest, ps[i].Value[1:], req, d)
		}
	}
	if r.version != nil {
		r.version.decorate(w)
	}
	r.handler.ServeHTTP(w, req)
}

func setParam(req *http.Request, d *reqctx.Data, name, value string) {
	req.SetPathValue(name, value)
	if d != nil {
		d.AddParam(name, value)
	}
}

// matchRest matches x, the rest of a path after a catch-all position less
// its leading "/", against segs. With a request it also records the
// parameters it matched.
func matchRest(segs []segment, x string, req *http.Request, d *reqctx.Data) bool {
	more := true // x still holds a segment, possibly empty
	for _, s := range segs {
		if !more {
			return false
		}
		if s.kind == segCatchAll {
			if req != nil {
				setParam(req, d, s.value, x)
			}
			return true
		}
		var part string
		if j := strings.IndexByte(x, '/'); j >= 0 {
			part, x = x[:j], x[j+1:]
		} else {
			part, x, more = x, "", false
		}
		switch s.kind {
		case segStatic:
			if part != s.value {
				return false
			}
		case segParam:
			if part == "" || s.constraint != nil && !s.constraint.match(part) {
				return false
			}
			if req != nil {
				setParam(req, d, s.value, part)
			}
		}
	}
	return !more
}

// probe is the writer the router passes, with a nil request, to an
// endpoint's handle to learn which endpoint a path leads to.
type probe struct {
	http.ResponseWriter
	e *endpoint
}

// match returns the candidate of method that accepts req at path, and the
// httprouter parameters it was matched with.
func (c *compiled) match(req *http.Request, method, path string) (*cand, httprouter.Params) {
	h, ps, _ := c.hr.Lookup(method, path)
	if h == nil {
		return nil, nil
	}
	var p probe
	h(&p, nil, nil)
	for _, cd := range p.e.cands {
		if cd.match(req, ps) {
			return cd, ps
		}
	}
	return nil, nil
}

// matches reports whether some route accepts req's method (or GET, for
// HEAD) at path.
func (c *compiled) matches(req *http.Request, path string) bool {
	if cd, _ := c.match(req, req.Method, path); cd != nil {
		return true
	}
	if req.Method == http.MethodHead {
		cd, _ := c.match(req, http.MethodGet, path)
		return cd != nil
	}
	return false
}

// allowed lists the methods that have a route accepting path, with HEAD
// when GET is there and OPTIONS when it is answered automatically.
func (c *compiled) allowed(req *http.Request, path string, autoOptions bool) []string {
	var out []string
	for _, m := range c.methods {
		if cd, _ := c.match(req, m, path); cd != nil {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil
	}
	if slices.Contains(out, http.MethodGet) && !slices.Contains(out, http.MethodHead) {
		out = append(out, http.MethodHead)
	}
	if autoOptions && !slices.Contains(out, http.MethodOptions) {
		out = append(out, http.MethodOptions)
	}
	slices.Sort(out)
	return out
}
