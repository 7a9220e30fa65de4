package validate

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CheckTags reports whether the `validate` tags of T, and of the structs
// it holds, are well-formed for the built-in rules, for a test to call:
//
//	func TestTags(t *testing.T) {
//		if err := validate.CheckTags[NewUser](); err != nil {
//			t.Fatal(err)
//		}
//	}
//
// Tags that name custom rules are checked with [Rules.CheckType].
func CheckTags[T any]() error {
	return defaultRules.CheckType(reflect.TypeFor[T]())
}

// CheckType reports whether the `validate` tags of t, and of the types it
// holds, are well-formed for r: the error names the struct, the field and
// the fault. [Rules.Check] panics with the same message on such a type.
func (r *Rules) CheckType(t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	_, err := r.planOf(t)
	return err
}

// Check checks v, a struct or a pointer to one (or a slice or map of
// them), against the `validate` tags of its fields and of the structs,
// slices and maps it holds. It returns nil, a 422 *errors.Error coded
// [CodeValidationFailed] that holds every violation, or the first
// infrastructure error a custom rule returned, as it is. A malformed tag
// is a programming error: Check panics with a message that starts with
// "validate: ", on every call for that type; [CheckTags] finds it in a
// test.
func (r *Rules) Check(ctx context.Context, v any) error {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return fmt.Errorf("validate: Check needs a non-nil value, got %T", v)
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return fmt.Errorf("validate: Check needs a non-nil value")
	}
	p, err := r.planOf(rv.Type())
	if err != nil {
		panic(err.Error())
	}
	if p == nil {
		return nil
	}
	c := collector{r: r}
	if err := r.walk(ctx, &c, p, rv); err != nil {
		return noteInfra(ctx, err)
	}
	return c.result()
}

// wrapKind is how a field holds its value.
type wrapKind uint8

const (
	wrapPlain    wrapKind = iota // the value itself: present when not zero
	wrapPtr                      // *T: present when not nil
	wrapOptional                 // Optional[T]: present when Set and not Null
)

// planKind is what a plan walks.
type planKind uint8

const (
	planStruct planKind = iota
	planList
	planMap
)

// typePlan is what checking a value of one type takes, built once per
// type from its tags. A nil *typePlan means there is nothing to check.
type typePlan struct {
	kind     planKind
	fields   []*fieldPlan // planStruct
	elem     *typePlan    // planList, planMap: the plan of the unwrapped element
	elemWrap wrapKind
}

// fieldPlan holds the rules of one struct field.
type fieldPlan struct {
	index     []int
	token     string // "/name", escaped
	wrap      wrapKind
	required  bool
	omitempty bool
	conds     []condition
	checks    []check
	elem      *typePlan // the plan of the unwrapped value, if any
}

// condition makes a field required when it holds (required_if and kin).
type condition struct {
	params map[string]any
	holds  func(parent reflect.Value) bool
}

// check is one rule of a field.
type check struct {
	code   string
	params map[string]any
	fn     func(ctx context.Context, e env, v reflect.Value) error
}

// env is what a check sees beside the value.
type env struct {
	r      *Rules
	parent reflect.Value
}

// planResult is a cached plan or the tag error found building it.
type planResult struct {
	plan *typePlan
	err  error
}

func (r *Rules) planOf(t reflect.Type) (*typePlan, error) {
	if pr, ok := r.plans.Load(t); ok {
		return pr.(*planResult).plan, pr.(*planResult).err
	}
	b := planBuilder{r: r, built: make(map[reflect.Type]*typePlan)}
	p, err := b.build(t)
	if err != nil {
		r.plans.Store(t, &planResult{err: err})
		return nil, err
	}
	for k, v := range b.built {
		r.plans.LoadOrStore(k, &planResult{plan: nonEmpty(v)})
	}
	pr, _ := r.plans.LoadOrStore(t, &planResult{plan: p})
	return pr.(*planResult).plan, nil
}

func nonEmpty(p *typePlan) *typePlan {
	if p == nil || p.kind == planStruct && len(p.fields) == 0 {
		return nil
	}
	return p
}

type planBuilder struct {
	r     *Rules
	built map[reflect.Type]*typePlan
}

// unwrapType returns the type a field's rules see, and how it is held.
func unwrapType(t reflect.Type) (reflect.Type, wrapKind) {
	switch {
	case t.Kind() == reflect.Pointer:
		return t.Elem(), wrapPtr
	case t.Kind() == reflect.Struct && t.Implements(optionalMarkerType):
		return reflect.Zero(t).Interface().(optionalMarker).optionalElem(), wrapOptional
	}
	return t, wrapPlain
}

func (b *planBuilder) build(t reflect.Type) (*typePlan, error) {
	if p, ok := b.built[t]; ok {
		return p, nil // a recursive type: the plan being built
	}
	if pr, ok := b.r.plans.Load(t); ok {
		return pr.(*planResult).plan, pr.(*planResult).err
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		et, w := unwrapType(t.Elem())
		p := &typePlan{kind: planList, elemWrap: w}
		if t.Kind() == reflect.Map {
			p.kind = planMap
		}
		b.built[t] = p
		elem, err := b.build(et)
		if err != nil {
			return nil, err
		}
		if elem == nil {
			b.built[t] = nil
			return nil, nil
		}
		p.elem = elem
		return p, nil
	case reflect.Struct:
		if t == timeType || t == dateType || t == durationType || t == reflect.TypeFor[time.Time]() {
			return nil, nil
		}
		p := &typePlan{kind: planStruct}
		b.built[t] = p
		for _, sf := range reflect.VisibleFields(t) {
			fp, err := b.field(t, sf)
			if err != nil {
				return nil, err
			}
			if fp != nil {
				p.fields = append(p.fields, fp)
			}
		}
		if len(p.fields) == 0 {
			b.built[t] = nil
			return nil, nil
		}
		return p, nil
	}
	return nil, nil
}

// jsonToken returns the pointer token of a field: its JSON name.
func jsonToken(sf reflect.StructField) string {
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	if name == "" || name == "-" {
		name = sf.Name
	}
	return string(appendPointerToken([]byte{'/'}, name))
}

func (b *planBuilder) field(st reflect.Type, sf reflect.StructField) (*fieldPlan, error) {
	tag, hasTag := sf.Tag.Lookup("validate")
	if !sf.IsExported() || tag == "-" {
		return nil, nil
	}
	jsonName, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	if sf.Anonymous && jsonName == "" && !hasTag {
		if et, _ := unwrapType(sf.Type); et.Kind() == reflect.Struct {
			return nil, nil // its fields are promoted
		}
	}
	inner, wrap := unwrapType(sf.Type)
	fp := &fieldPlan{index: sf.Index, token: jsonToken(sf), wrap: wrap}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("validate: %s.%s: tag `validate:%q`: %s", st, sf.Name, tag, fmt.Sprintf(format, args...))
	}
	items, err := parseTag(tag)
	if err != nil {
		return nil, fail("%v", err)
	}
	for _, it := range items {
		switch it.name {
		case "required", "omitempty":
			if it.hasParam {
				return nil, fail("%s takes no parameter", it.name)
			}
			if it.name == "required" {
				fp.required = true
			} else {
				fp.omitempty = true
			}
			continue
		case "required_if", "required_unless", "required_with", "required_without":
			cond, err := condFor(st, it)
			if err != nil {
				return nil, fail("%v", err)
			}
			fp.conds = append(fp.conds, cond)
			continue
		case CodeEqField, CodeNeField, CodeGtField, CodeGteField, CodeLtField, CodeLteField:
			ch, err := crossFor(st, inner, it)
			if err != nil {
				return nil, fail("%v", err)
			}
			fp.checks = append(fp.checks, ch)
			continue
		}
		if mk, ok := builtinRules[it.name]; ok {
			ch, err := mk(inner, it.param, it.hasParam)
			if err != nil {
				return nil, fail("%s: %v", it.name, err)
			}
			fp.checks = append(fp.checks, ch)
			continue
		}
		if fn, ok := b.r.opts.Custom[it.name]; ok {
			if it.hasParam {
				return nil, fail("custom rule %s takes no parameter", it.name)
			}
			fp.checks = append(fp.checks, check{code: it.name, fn: func(ctx context.Context, _ env, v reflect.Value) error {
				return fn(ctx, v.Interface())
			}})
			continue
		}
		return nil, fail("unknown rule %q", it.name)
	}
	elem, err := b.build(inner)
	if err != nil {
		return nil, err
	}
	fp.elem = elem
	if len(items) == 0 && elem == nil {
		return nil, nil
	}
	return fp, nil
}

// tagItem is one comma-separated item of a tag: name or name=param.
type tagItem struct {
	name     string
	param    string
	hasParam bool
}

// parseTag splits a `validate` tag into its items. A comma or a
// backslash inside a parameter is written \, or \\.
func parseTag(tag string) ([]tagItem, error) {
	if tag == "" {
		return nil, nil
	}
	var items []tagItem
	var cur strings.Builder
	flush := func() error {
		s := cur.String()
		cur.Reset()
		name, param, has := strings.Cut(s, "=")
		if !validRuleName(name) {
			if name == "" {
				return fmt.Errorf("empty rule name in item %d", len(items)+1)
			}
			return fmt.Errorf("rule name %q is not lowercase letters, digits and underscores", name)
		}
		items = append(items, tagItem{name: name, param: param, hasParam: has})
		return nil
	}
	for i := 0; i < len(tag); i++ {
		switch c := tag[i]; c {
		case '\\':
			if i+1 == len(tag) || tag[i+1] != ',' && tag[i+1] != '\\' {
				return nil, fmt.Errorf("a backslash must escape a comma or a backslash")
			}
			i++
			cur.WriteByte(tag[i])
		case ',':
			if err := flush(); err != nil {
				return nil, err
			}
		default:
			cur.WriteByte(c)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return items, nil
}

func validRuleName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_') {
			return false
		}
	}
	return true
}

func isKeyword(name string) bool {
	switch name {
	case "required", "omitempty", "required_if", "required_unless", "required_with", "required_without",
		CodeEqField, CodeNeField, CodeGtField, CodeGteField, CodeLtField, CodeLteField:
		return true
	}
	return false
}

// otherField finds the field a cross-field or conditional rule names by
// its Go name.
func otherField(st reflect.Type, name string) (reflect.StructField, reflect.Type, wrapKind, error) {
	sf, ok := st.FieldByName(name)
	if !ok || !sf.IsExported() {
		return sf, nil, 0, fmt.Errorf("no exported field %s in %s", name, st)
	}
	inner, wrap := unwrapType(sf.Type)
	return sf, inner, wrap, nil
}

// fieldOf returns the unwrapped value of the field at index in parent,
// and whether it is present.
func fieldOf(parent reflect.Value, index []int, wrap wrapKind) (reflect.Value, bool) {
	f, err := parent.FieldByIndexErr(index)
	if err != nil {
		return reflect.Value{}, false
	}
	return unwrapValue(f, wrap)
}

// unwrapValue returns the value inside f and whether it is present.
func unwrapValue(f reflect.Value, wrap wrapKind) (reflect.Value, bool) {
	switch wrap {
	case wrapPtr:
		if f.IsNil() {
			return reflect.Value{}, false
		}
		return f.Elem(), true
	case wrapOptional:
		if !f.Field(1).Bool() || f.Field(2).Bool() {
			return reflect.Value{}, false
		}
		return f.Field(0), true
	}
	return f, !f.IsZero()
}

func condFor(st reflect.Type, it tagItem) (condition, error) {
	if !it.hasParam {
		return condition{}, fmt.Errorf("%s needs a field name", it.name)
	}
	name, want, hasValue := strings.Cut(it.param, " ")
	valued := it.name == "required_if" || it.name == "required_unless"
	if valued != hasValue {
		if valued {
			return condition{}, fmt.Errorf("%s needs a field name and a value: %s=Field value", it.name, it.name)
		}
		return condition{}, fmt.Errorf("%s takes a field name only", it.name)
	}
	sf, inner, wrap, err := otherField(st, name)
	if err != nil {
		return condition{}, err
	}
	token := jsonToken(sf)[1:]
	index := sf.Index
	switch it.name {
	case "required_with", "required_without":
		with := it.name == "required_with"
		return condition{params: map[string]any{strings.TrimPrefix(it.name, "required_"): token}, holds: func(p reflect.Value) bool {
			_, present := fieldOf(p, index, wrap)
			return present == with
		}}, nil
	}
	switch inner.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
	default:
		return condition{}, fmt.Errorf("%s compares field %s of type %s: only strings, numbers and booleans can be compared", it.name, name, inner)
	}
	equal := it.name == "required_if"
	return condition{params: map[string]any{"field": token, "value": want}, holds: func(p reflect.Value) bool {
		v, present := fieldOf(p, index, wrap)
		if !present && wrap != wrapPlain {
			return !equal
		}
		if !v.IsValid() {
			f, err := p.FieldByIndexErr(index)
			if err != nil {
				return !equal
			}
			v = f
		}
		return (scalarString(v) == want) == equal
	}}, nil
}

// scalarString formats a string, number or boolean as a tag writes it.
func scalarString(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits())
	}
	return ""
}

func crossFor(st, inner reflect.Type, it tagItem) (check, error) {
	if !it.hasParam {
		return check{}, fmt.Errorf("%s needs a field name", it.name)
	}
	sf, oinner, owrap, err := otherField(st, it.param)
	if err != nil {
		return check{}, err
	}
	if oinner != inner {
		return check{}, fmt.Errorf("%s compares with field %s of another type, %s", it.name, it.param, oinner)
	}
	if _, ok := compareValues(reflect.Zero(inner), reflect.Zero(inner)); !ok {
		return check{}, fmt.Errorf("%s cannot compare values of type %s", it.name, inner)
	}
	if inner.Kind() == reflect.Bool && it.name != CodeEqField && it.name != CodeNeField {
		return check{}, fmt.Errorf("%s cannot order booleans", it.name)
	}
	index := sf.Index
	ok := map[string]func(int) bool{
		CodeEqField:  func(c int) bool { return c == 0 },
		CodeNeField:  func(c int) bool { return c != 0 },
		CodeGtField:  func(c int) bool { return c > 0 },
		CodeGteField: func(c int) bool { return c >= 0 },
		CodeLtField:  func(c int) bool { return c < 0 },
		CodeLteField: func(c int) bool { return c <= 0 },
	}[it.name]
	return check{code: it.name, params: map[string]any{"field": jsonToken(sf)[1:]}, fn: func(_ context.Context, e env, v reflect.Value) error {
		o, present := fieldOf(e.parent, index, owrap)
		if !present && owrap != wrapPlain {
			return nil // nothing to compare with: that field's own rules speak
		}
		if !o.IsValid() {
			f, err := e.parent.FieldByIndexErr(index)
			if err != nil {
				return nil
			}
			o = f
		}
		c, _ := compareValues(v, o)
		if !ok(c) {
			return errBroken
		}
		return nil
	}}, nil
}

// compareValues orders a and b, of one type: numbers, strings, booleans
// (equal or not) and times.
func compareValues(a, b reflect.Value) (int, bool) {
	if ta, ok := instantOf(a); ok {
		tb, _ := instantOf(b)
		return ta.Compare(tb), true
	}
	switch a.Kind() {
	case reflect.String:
		return strings.Compare(a.String(), b.String()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return cmp.Compare(a.Uint(), b.Uint()), true
	case reflect.Float32, reflect.Float64:
		return cmp.Compare(a.Float(), b.Float()), true
	case reflect.Bool:
		if a.Bool() == b.Bool() {
			return 0, true
		}
		return 1, true
	}
	return 0, false
}

// walk checks v, whose plan is p, at the collector's current pointer.
func (r *Rules) walk(ctx context.Context, c *collector, p *typePlan, v reflect.Value) error {
	if p == nil {
		return nil
	}
	switch p.kind {
	case planStruct:
		e := env{r: r, parent: v}
		for _, fp := range p.fields {
			f, err := v.FieldByIndexErr(fp.index)
			if err != nil {
				continue // a field of a nil embedded pointer
			}
			c.push(fp.token, 0)
			err = r.field(ctx, c, e, fp, f)
			c.pop()
			if err != nil {
				return err
			}
		}
	case planList:
		for i := range v.Len() {
			inner, ok := unwrapValue(v.Index(i), p.elemWrap)
			if !ok && p.elemWrap != wrapPlain {
				continue
			}
			c.push("", i)
			err := r.walk(ctx, c, p.elem, inner)
			c.pop()
			if err != nil {
				return err
			}
		}
	case planMap:
		keys := v.MapKeys()
		names := make([]string, len(keys))
		order := make([]int, len(keys))
		for i, k := range keys {
			if k.Kind() == reflect.String {
				names[i] = k.String()
			} else {
				names[i] = fmt.Sprint(k.Interface())
			}
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })
		for _, i := range order {
			inner, ok := unwrapValue(v.MapIndex(keys[i]), p.elemWrap)
			if !ok && p.elemWrap != wrapPlain {
				continue
			}
			c.push(pointerJoin("", names[i]), 0)
			err := r.walk(ctx, c, p.elem, inner)
			c.pop()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// field runs the rules of one field, at the collector's current pointer.
func (r *Rules) field(ctx context.Context, c *collector, e env, fp *fieldPlan, f reflect.Value) error {
	inner, present := unwrapValue(f, fp.wrap)
	if fp.wrap == wrapPlain {
		inner = f
	}
	if !present {
		if fp.required {
			c.add(c.pointer(), CodeRequired, nil)
			return nil
		}
		for _, cond := range fp.conds {
			if cond.holds(e.parent) {
				c.add(c.pointer(), CodeRequired, cond.params)
				return nil
			}
		}
		if fp.wrap != wrapPlain {
			return nil
		}
		if fp.omitempty {
			return r.descend(ctx, c, fp, inner)
		}
	}
	for _, ch := range fp.checks {
		res := ch.fn(ctx, e, inner)
		if res == nil {
			continue
		}
		failed, err := c.outcome(res, c.pointer(), ch.code, ch.params)
		if err != nil {
			return err
		}
		if failed && !r.opts.CollectAll {
			break
		}
	}
	return r.descend(ctx, c, fp, inner)
}

func (r *Rules) descend(ctx context.Context, c *collector, fp *fieldPlan, inner reflect.Value) error {
	if fp.elem == nil {
		return nil
	}
	return r.walk(ctx, c, fp.elem, inner)
}

// builtinRules makes the check of each built-in rule for a value type,
// from the rule's parameter. It is never modified.
var builtinRules = map[string]func(t reflect.Type, param string, hasParam bool) (check, error){
	CodeNotZero: noParam(CodeNotZero, func(t reflect.Type) bool { return true }, func(v reflect.Value) bool { return !v.IsZero() }),
	"len":       sizeRule("len"),
	"min":       sizeRule("min"),
	"max":       sizeRule("max"),
	CodePattern: func(t reflect.Type, param string, hasParam bool) (check, error) {
		if t.Kind() != reflect.String {
			return check{}, fmt.Errorf("applies to strings, not %s", t)
		}
		if !hasParam || param == "" {
			return check{}, fmt.Errorf("needs a regular expression")
		}
		re, err := compilePattern(param)
		if err != nil {
			return check{}, err
		}
		return check{code: CodePattern, params: map[string]any{"pattern": param}, fn: pred(func(v reflect.Value) bool {
			return re.MatchString(v.String())
		})}, nil
	},
	CodeOneOf: func(t reflect.Type, param string, hasParam bool) (check, error) {
		values := strings.Fields(param)
		if len(values) == 0 {
			return check{}, fmt.Errorf("needs values separated by spaces")
		}
		switch t.Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return check{}, fmt.Errorf("applies to strings and integers, not %s", t)
		}
		for _, s := range values {
			if t.Kind() != reflect.String {
				if _, err := parseNumber(t, s); err != nil {
					return check{}, err
				}
			}
		}
		return check{code: CodeOneOf, params: map[string]any{"values": values}, fn: pred(func(v reflect.Value) bool {
			return slices.Contains(values, scalarString(v))
		})}, nil
	},
	CodeEmail:    stringRule(CodeEmail, isEmail),
	CodeURL:      stringRule(CodeURL, isURL),
	CodeUUID:     stringRule(CodeUUID, isUUID),
	CodeE164:     stringRule(CodeE164, isE164),
	CodeIP:       stringRule(CodeIP, isIP),
	CodeCIDR:     stringRule(CodeCIDR, isCIDR),
	CodeCountry:  stringRule(CodeCountry, isCountry),
	CodeCurrency: stringRule(CodeCurrency, isCurrency),
	CodePast:     timeRule(CodePast, inPast),
	CodeFuture:   timeRule(CodeFuture, inFuture),
}

// pred adapts a predicate on a value to a check function.
func pred(ok func(v reflect.Value) bool) func(context.Context, env, reflect.Value) error {
	return func(_ context.Context, _ env, v reflect.Value) error {
		if ok(v) {
			return nil
		}
		return errBroken
	}
}

func noParam(code string, applies func(reflect.Type) bool, ok func(reflect.Value) bool) func(reflect.Type, string, bool) (check, error) {
	return func(t reflect.Type, _ string, hasParam bool) (check, error) {
		if hasParam {
			return check{}, fmt.Errorf("takes no parameter")
		}
		if !applies(t) {
			return check{}, fmt.Errorf("does not apply to %s", t)
		}
		return check{code: code, fn: pred(ok)}, nil
	}
}

func stringRule(code string, ok func(string) bool) func(reflect.Type, string, bool) (check, error) {
	return noParam(code, func(t reflect.Type) bool { return t.Kind() == reflect.String },
		func(v reflect.Value) bool { return ok(v.String()) })
}

func timeRule(code string, ok func(t time.Time, isDate bool, now time.Time) bool) func(reflect.Type, string, bool) (check, error) {
	return func(t reflect.Type, _ string, hasParam bool) (check, error) {
		if hasParam {
			return check{}, fmt.Errorf("takes no parameter")
		}
		if _, is := instantOf(reflect.Zero(t)); !is {
			return check{}, fmt.Errorf("applies to time.Time, validate.Time and validate.Date, not %s", t)
		}
		isDate := t == dateType
		return check{code: code, fn: func(_ context.Context, e env, v reflect.Value) error {
			at, _ := instantOf(v)
			if ok(at, isDate, e.r.opts.Now()) {
				return nil
			}
			return errBroken
		}}, nil
	}
}

// parseNumber parses a rule's parameter as a number of t's kind.
func parseNumber(t reflect.Type, s string) (any, error) {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer of %s", s, t)
		}
		return n, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer of %s", s, t)
		}
		return n, nil
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return n, nil
	}
	return nil, fmt.Errorf("does not apply to %s", t)
}

// sizeRule makes len, min and max: a length in characters for strings, a
// number of items for slices, arrays and maps, a bound for numbers.
func sizeRule(name string) func(reflect.Type, string, bool) (check, error) {
	return func(t reflect.Type, param string, hasParam bool) (check, error) {
		if !hasParam {
			return check{}, fmt.Errorf("needs a parameter: %s=N", name)
		}
		inRange := func(c int) bool {
			switch name {
			case "min":
				return c >= 0
			case "max":
				return c <= 0
			}
			return c == 0
		}
		switch t.Kind() {
		case reflect.String, reflect.Slice, reflect.Array, reflect.Map:
			n, err := strconv.Atoi(param)
			if err != nil || n < 0 {
				return check{}, fmt.Errorf("%q is not a length", param)
			}
			code, key := sizeCode(name, t.Kind() == reflect.String)
			str := t.Kind() == reflect.String
			return check{code: code, params: map[string]any{key: n}, fn: pred(func(v reflect.Value) bool {
				l := 0
				if str {
					l = runeCount(v.String())
				} else {
					l = v.Len()
				}
				return inRange(cmp.Compare(l, n))
			})}, nil
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
			if name == "len" {
				return check{}, fmt.Errorf("applies to strings, slices and maps, not %s", t)
			}
			bound, err := parseNumber(t, param)
			if err != nil {
				return check{}, err
			}
			b := reflect.ValueOf(bound).Convert(t)
			return check{code: name, params: map[string]any{name: bound}, fn: pred(func(v reflect.Value) bool {
				c, _ := compareValues(v, b)
				return inRange(c)
			})}, nil
		}
		return check{}, fmt.Errorf("does not apply to %s", t)
	}
}

// sizeCode returns the code and parameter name of len, min or max on a
// string (str) or a collection.
func sizeCode(name string, str bool) (code, key string) {
	switch {
	case name == "len" && str:
		return CodeLen, "len"
	case name == "len":
		return CodeSize, "size"
	case str && name == "min":
		return CodeMinLength, "min"
	case str:
		return CodeMaxLength, "max"
	case name == "min":
		return CodeMinItems, "min"
	}
	return CodeMaxItems, "max"
}
