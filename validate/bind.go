package validate

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/keel-go/keel/errors"
)

// CodeInvalidParameter is the code of the 400 problem [Binder.Bind]
// returns when parameters are missing or do not fit their fields; each of
// its violations has its own code.
const CodeInvalidParameter = "invalid_parameter"

// Codes of the violations of [Binder.Bind], beside those of [Coerce].
const (
	CodeUnknownParameter = "unknown_parameter" // a query parameter no field takes, with BindOptions.RejectUnknownQuery
	CodeTooManyValues    = "too_many_values"   // a list parameter with more than BindOptions.MaxValues values
)

// Defaults of the [BindOptions] fields.
const (
	defaultMaxValues = 100
	// maxBindViolations bounds the violations of one problem: a query
	// string of thousands of unknown names must not become a larger
	// response.
	maxBindViolations = 50
)

// The parameter sources a field can be bound from, named as in the
// violations' pointers.
const (
	sourceQuery  = "query"
	sourcePath   = "path"
	sourceHeader = "header"
)

// BindOptions configures a [Binder]. Every zero field means its default.
type BindOptions struct {
	// MaxValues is the largest number of values a slice field takes,
	// counted after comma-separated values are split. Default: 100.
	MaxValues int
	// RejectUnknownQuery, when true, makes a query parameter that no
	// field takes a violation coded "unknown_parameter". Default: false,
	// unknown query parameters are ignored, as caches, analytics tags and
	// older clients add them.
	RejectUnknownQuery bool
	// Normalize, when set, runs after binding and before the target's
	// [Validator] method, as Options.Normalize does for bodies; [Normalize]
	// fits. Default: none.
	Normalize func(ctx context.Context, v any) error
}

func (o BindOptions) withDefaults() BindOptions {
	if o.MaxValues == 0 {
		o.MaxValues = defaultMaxValues
	}
	return o
}

func (o BindOptions) validate() error {
	if o.MaxValues < 0 {
		return fmt.Errorf("validate: BindOptions.MaxValues is negative: %d", o.MaxValues)
	}
	return nil
}

// Binder fills a struct from the query, path and header parameters of a
// request, through struct tags:
//
//	type ListOrders struct {
//		Tenant string        `header:"X-Tenant,required"`
//		User   uuid.UUID     `path:"id"`
//		Page   int           `query:"page" default:"1"`
//		Status []string      `query:"status,comma"`
//		Since  validate.Time `query:"since"`
//	}
//
// A `query:"name"` field takes the values of the query parameter name, a
// `path:"name"` field takes r.PathValue(name) (set by package router and
// by http.ServeMux), a `header:"Name"` field takes the header's values;
// fields without one of these tags, or with "-", are left alone, so one
// struct can also hold the decoded body. Embedded structs are walked.
// Values are converted as [Coerce] converts them.
//
// The options after the name: "required" makes an absent parameter a
// violation coded "missing_parameter"; "comma" splits each value of a
// slice field on commas, so ?status=open,held&status=new gives three
// values. A header slice is always split on commas, as HTTP list headers
// are, and repeated query parameters always give one value each. Empty
// items of a split list are dropped and spaces around items trimmed.
//
// A `default:"..."` tag gives the value of an absent parameter (comma
// separated for a slice field); it is checked against the field's type
// when the struct is first seen. An absent parameter without a default
// leaves its field as it was. An empty value (?page=) is present: it sets
// a string to "" and is invalid for a number. A "+" in a query string
// means a space, so a time's offset must be sent as %2B (or the time in
// UTC, with Z).
//
// Every parameter that does not fit is reported, each as a violation of
// one 400 problem coded "invalid_parameter". A violation's pointer is the
// source and the parameter name, escaped as RFC 6901 says: /query/page,
// /path/id, /header/X-Tenant (as spelled in the tag), the scheme package
// rest uses for its query parameters; its params hold "parameter" and
// "in". Messages name the parameter and never echo its value.
//
// After binding, BindOptions.Normalize runs, then the target's Validate
// method when it implements [Validator], with the request's context, as
// for a body. Field metadata is cached per type. Create a Binder with
// [NewBinder]; the zero value is not usable. A Binder is immutable and
// safe for concurrent use.
type Binder struct {
	opts BindOptions
}

// NewBinder returns a binder configured by opts, or an error naming the
// first invalid field.
func NewBinder(opts BindOptions) (*Binder, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Binder{opts: opts}, nil
}

// defaultBinder serves [Bind]. It is never modified.
var defaultBinder = &Binder{opts: BindOptions{}.withDefaults()}

// Bind fills the struct v points to from the parameters of r with the
// default options; see [Binder].
func Bind(r *http.Request, v any) error {
	return defaultBinder.Bind(r, v)
}

// Bind fills the struct v points to from the query, path and header
// parameters of r, then runs the hooks; see [Binder]. It returns nil, a
// 400 *errors.Error coded "invalid_parameter" with a violation per bad
// parameter, the error of a hook (a 4xx as it is, anything else as a 422),
// or a plain error for a programming mistake: v is not a pointer to a
// struct, a tagged field has a type that cannot be bound, or a default
// does not fit its field.
func (b *Binder) Bind(r *http.Request, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("validate: Bind needs a non-nil pointer to a struct, got %T", v)
	}
	plan := bindPlanOf(rv.Elem().Type())
	if plan.err != nil {
		return plan.err
	}
	var vs []errors.Violation
	query, qerr := url.ParseQuery(r.URL.RawQuery)
	if qerr != nil {
		vs = append(vs, errors.Violation{Pointer: "/" + sourceQuery, Code: CodeInvalidValue,
			Message: "the query string is not valid URL encoding"})
	}
	sv := rv.Elem()
	for i := range plan.fields {
		f := &plan.fields[i]
		vals := f.values(r, query)
		if len(vals) == 0 {
			switch {
			case f.def != nil:
				vals = f.def
			case f.required:
				vs = append(vs, f.violation(CodeMissingParameter, "is required", nil))
				continue
			default:
				continue
			}
		}
		if f.multi && len(vals) > b.opts.MaxValues {
			vs = append(vs, f.violation(CodeTooManyValues, "has more than "+strconv.Itoa(b.opts.MaxValues)+" values",
				map[string]any{"max": b.opts.MaxValues}))
			continue
		}
		if err := coerce(sv.FieldByIndex(f.index), vals); err != nil {
			vs = append(vs, f.violation(err.Code, err.Message, err.Params))
		}
	}
	if b.opts.RejectUnknownQuery {
		var unknown []string
		for name := range query {
			if !plan.query[name] {
				unknown = append(unknown, name)
			}
		}
		slices.Sort(unknown)
		for _, name := range unknown {
			vs = append(vs, errors.Violation{
				Pointer: "/" + sourceQuery + "/" + string(appendPointerToken(nil, clipParamName(name))),
				Code:    CodeUnknownParameter,
				Message: "unknown query parameter " + clipQuote(name),
				Params:  map[string]any{"parameter": clipParamName(name), "in": sourceQuery},
			})
		}
	}
	if len(vs) > 0 {
		return paramProblem(vs)
	}
	ctx := r.Context()
	if b.opts.Normalize != nil {
		if err := b.opts.Normalize(ctx, v); err != nil {
			return hookError(err)
		}
	}
	if val, ok := v.(Validator); ok {
		if err := val.Validate(ctx); err != nil {
			return hookError(err)
		}
	}
	return nil
}

// paramProblem builds the problem of the violations vs.
func paramProblem(vs []errors.Violation) *errors.Error {
	if len(vs) > maxBindViolations {
		vs = vs[:maxBindViolations]
	}
	msg := "The request has an invalid parameter."
	if len(vs) > 1 {
		msg = "The request has " + strconv.Itoa(len(vs)) + " invalid parameters."
	}
	return errors.BadRequest("%s", msg).WithCode(CodeInvalidParameter).WithViolations(vs...)
}

// bindCache maps a struct reflect.Type to its *bindPlan; like typeCache it
// holds only facts derived from immutable types.
var bindCache sync.Map

// bindPlan is what binding a struct type takes.
type bindPlan struct {
	fields []bindField
	query  map[string]bool // the query parameter names fields take
	err    error           // a programming mistake in the struct's tags
}

// bindField is one tagged field.
type bindField struct {
	source   string
	name     string // as the tag spells it
	key      string // the header's canonical key; name otherwise
	index    []int
	multi    bool     // the field takes any number of values
	comma    bool     // split values on commas
	required bool     // absence is a violation
	def      []string // the values of an absent parameter, nil for none
}

func bindPlanOf(t reflect.Type) *bindPlan {
	if p, ok := bindCache.Load(t); ok {
		return p.(*bindPlan)
	}
	p := &bindPlan{query: map[string]bool{}}
	p.err = p.add(t, nil, 0)
	got, _ := bindCache.LoadOrStore(t, p)
	return got.(*bindPlan)
}

// add appends the tagged fields of the struct type t, found at index
// below the target.
func (p *bindPlan) add(t reflect.Type, index []int, depth int) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		idx := append(slices.Clip(index), i)
		var source, tag string
		for _, s := range [...]string{sourceQuery, sourcePath, sourceHeader} {
			if v, ok := sf.Tag.Lookup(s); ok {
				if source != "" {
					return fmt.Errorf("validate: field %s.%s has both a %s and a %s tag", t, sf.Name, source, s)
				}
				source, tag = s, v
			}
		}
		if source == "" {
			// Embedded structs are walked; a pointer to one could be nil.
			if sf.Anonymous && sf.Type.Kind() == reflect.Struct && depth < 8 {
				if err := p.add(sf.Type, idx, depth+1); err != nil {
					return err
				}
			}
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if !sf.IsExported() {
			return fmt.Errorf("validate: field %s.%s has a %s tag but is not exported", t, sf.Name, source)
		}
		if name == "" {
			return fmt.Errorf("validate: field %s.%s has a %s tag without a name", t, sf.Name, source)
		}
		if !coercible(sf.Type) {
			return fmt.Errorf("validate: field %s.%s has type %s, which cannot be bound from text", t, sf.Name, sf.Type)
		}
		f := bindField{source: source, name: name, key: name, index: idx, multi: isMulti(sf.Type)}
		if source == sourceHeader {
			f.key = http.CanonicalHeaderKey(name)
		}
		for opt := range strings.SplitSeq(opts, ",") {
			switch opt {
			case "":
			case "required":
				f.required = true
			case "comma":
				f.comma = true
			default:
				return fmt.Errorf("validate: field %s.%s has an unknown %s tag option %q", t, sf.Name, source, opt)
			}
		}
		if f.comma && !f.multi {
			return fmt.Errorf("validate: field %s.%s has the comma option but is not a slice", t, sf.Name)
		}
		if def, ok := sf.Tag.Lookup("default"); ok {
			f.def = []string{def}
			if f.multi {
				f.def = splitParamList([]string{def})
			}
			if err := coerce(reflect.New(sf.Type).Elem(), f.def); err != nil {
				return fmt.Errorf("validate: field %s.%s has a default that %s", t, sf.Name, err.Message)
			}
		}
		if source == sourceQuery {
			p.query[name] = true
		}
		p.fields = append(p.fields, f)
	}
	return nil
}

// values returns the values of f's parameter in r.
func (f *bindField) values(r *http.Request, query url.Values) []string {
	var vals []string
	switch f.source {
	case sourceQuery:
		vals = query[f.key]
	case sourcePath:
		if s := r.PathValue(f.key); s != "" {
			vals = []string{s}
		}
	case sourceHeader:
		vals = r.Header[f.key]
	}
	if len(vals) > 0 && (f.comma || f.multi && f.source == sourceHeader) {
		vals = splitParamList(vals)
	}
	return vals
}

// violation builds the violation of f.
func (f *bindField) violation(code, msg string, params map[string]any) errors.Violation {
	p := map[string]any{"parameter": f.name, "in": f.source}
	for k, v := range params {
		p[k] = v
	}
	return errors.Violation{
		Pointer: "/" + f.source + "/" + string(appendPointerToken(nil, f.name)),
		Code:    code,
		Message: f.source + " parameter " + strconv.Quote(f.name) + " " + msg,
		Params:  p,
	}
}

// splitParamList splits each of vals on commas, trims spaces around the items
// and drops empty ones.
func splitParamList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// clipParamName shortens a name a client sent before it is echoed in a problem.
func clipParamName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > maxEcho {
		return strings.ToValidUTF8(s[:maxEcho], "") + "…"
	}
	return s
}
