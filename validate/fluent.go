package validate

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rule is a rule on a value of type T for the fluent API: [Field],
// [OptionalField] and [PtrField] apply it to a field. The zero Rule checks
// nothing. A Rule is immutable and safe for concurrent use when its
// function is.
type Rule[T any] struct {
	required bool
	fn       func(ctx context.Context, r *Rules, v T) error
}

// Required returns the rule that a field is present: for [OptionalField]
// Set and not null, for [PtrField] not nil, and for a plain [Field] not
// the zero value, since a plain field cannot tell a missing key from a
// zero one; use [Optional] or a pointer where 0, false or "" are valid
// values. The other rules of an absent optional or pointer field do not
// run.
func Required[T any]() Rule[T] {
	return Rule[T]{required: true}
}

// Func returns a rule that runs fn, which returns nil, a [Fail] error, or
// an infrastructure error that stops the validation and is returned as
// it is. fn may use ctx, as for a uniqueness check against a database.
func Func[T any](fn func(ctx context.Context, v T) error) Rule[T] {
	return Rule[T]{fn: func(ctx context.Context, _ *Rules, v T) error { return fn(ctx, v) }}
}

// Custom returns a rule that runs fn, a [RuleFunc] also registered for
// struct tags, on the value.
func Custom[T any](fn RuleFunc) Rule[T] {
	return Rule[T]{fn: func(ctx context.Context, _ *Rules, v T) error { return fn(ctx, v) }}
}

// When returns rule when cond holds and a rule that checks nothing
// otherwise: the conditional rules of the fluent API.
//
//	validate.Field(&a.State, validate.When(a.Country == "US", validate.Required[string]()))
func When[T any](cond bool, rule Rule[T]) Rule[T] {
	if cond {
		return rule
	}
	return Rule[T]{}
}

// That returns a rule that fails with code and params when ok reports
// false for the value: a custom rule without a context or an error.
func That[T any](code string, params map[string]any, ok func(v T) bool) Rule[T] {
	return Rule[T]{fn: func(_ context.Context, _ *Rules, v T) error {
		if ok(v) {
			return nil
		}
		return &Failure{Code: code, Params: params}
	}}
}

// lazyThat is That with parameters built only on failure, so that a rule
// that passes allocates nothing for them.
func lazyThat[T any](code string, params func() map[string]any, ok func(v T) bool) Rule[T] {
	return Rule[T]{fn: func(_ context.Context, _ *Rules, v T) error {
		if ok(v) {
			return nil
		}
		f := &Failure{Code: code}
		if params != nil {
			f.Params = params()
		}
		return f
	}}
}

// NotZero returns the rule that the value is not its type's zero value.
func NotZero[T comparable]() Rule[T] {
	return lazyThat(CodeNotZero, nil, func(v T) bool { var zero T; return v != zero })
}

// Length returns the rule that a string has from min to max characters
// (runes); a negative bound is no bound.
func Length(min, max int) Rule[string] {
	return Rule[string]{fn: func(_ context.Context, _ *Rules, v string) error {
		n := runeCount(v)
		switch {
		case min >= 0 && n < min:
			return &Failure{Code: CodeMinLength, Params: map[string]any{"min": min}}
		case max >= 0 && n > max:
			return &Failure{Code: CodeMaxLength, Params: map[string]any{"max": max}}
		}
		return nil
	}}
}

// Size returns the rule that a slice has from min to max items; a
// negative bound is no bound.
func Size[E any](min, max int) Rule[[]E] {
	return Rule[[]E]{fn: func(_ context.Context, _ *Rules, v []E) error {
		switch {
		case min >= 0 && len(v) < min:
			return &Failure{Code: CodeMinItems, Params: map[string]any{"min": min}}
		case max >= 0 && len(v) > max:
			return &Failure{Code: CodeMaxItems, Params: map[string]any{"max": max}}
		}
		return nil
	}}
}

// Number is the constraint of [Min] and [Max].
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// Min returns the rule that a number is at least n. The field's type
// decides T: write Min[uint8](18) for a uint8 field.
func Min[N Number](n N) Rule[N] {
	return lazyThat(CodeMin, func() map[string]any { return map[string]any{"min": n} }, func(v N) bool { return v >= n })
}

// Max returns the rule that a number is at most n.
func Max[N Number](n N) Rule[N] {
	return lazyThat(CodeMax, func() map[string]any { return map[string]any{"max": n} }, func(v N) bool { return v <= n })
}

// Match returns the rule that the whole string matches re. Compile re
// once, outside the handler; the pattern parameter shown to clients is
// re.String().
func Match(re *regexp.Regexp) Rule[string] {
	return lazyThat(CodePattern, func() map[string]any { return map[string]any{"pattern": re.String()} }, func(v string) bool {
		loc := re.FindStringIndex(v)
		return loc != nil && loc[0] == 0 && loc[1] == len(v)
	})
}

// OneOf returns the rule that the value is one of values.
func OneOf[T comparable](values ...T) Rule[T] {
	params := func() map[string]any {
		list := make([]string, len(values))
		for i, v := range values {
			list[i] = fmt.Sprint(v)
		}
		return map[string]any{"values": list}
	}
	return lazyThat(CodeOneOf, params, func(v T) bool { return slices.Contains(values, v) })
}

// Email returns the rule that a string is an email address, without a
// display name or angle brackets.
func Email() Rule[string] { return lazyThat(CodeEmail, nil, isEmail) }

// URL returns the rule that a string is an absolute http or https URL
// with a host.
func URL() Rule[string] { return lazyThat(CodeURL, nil, isURL) }

// UUID returns the rule that a string is a UUID in its 36-character form.
func UUID() Rule[string] { return lazyThat(CodeUUID, nil, isUUID) }

// E164 returns the rule that a string is a phone number in E.164 form: a
// "+" and up to 15 digits, the first not 0.
func E164() Rule[string] { return lazyThat(CodeE164, nil, isE164) }

// IP returns the rule that a string is an IPv4 or IPv6 address.
func IP() Rule[string] { return lazyThat(CodeIP, nil, isIP) }

// CIDR returns the rule that a string is an IP prefix such as 10.0.0.0/8.
func CIDR() Rule[string] { return lazyThat(CodeCIDR, nil, isCIDR) }

// Country returns the rule that a string is an ISO 3166-1 alpha-2 country
// code, in upper case.
func Country() Rule[string] { return lazyThat(CodeCountry, nil, isCountry) }

// Currency returns the rule that a string is an active ISO 4217 currency
// code, in upper case.
func Currency() Rule[string] { return lazyThat(CodeCurrency, nil, isCurrency) }

// Instant is the constraint of [Past] and [Future].
type Instant interface {
	time.Time | Time | Date
}

// Past returns the rule that a time is before now, as [RulesOptions.Now]
// tells it; a [Date] is in the past when it is before today in UTC.
func Past[T Instant]() Rule[T] { return timeFluent[T](CodePast, inPast) }

// Future returns the rule that a time is after now; a [Date] is in the
// future when it is after today in UTC.
func Future[T Instant]() Rule[T] { return timeFluent[T](CodeFuture, inFuture) }

func timeFluent[T Instant](code string, ok func(t time.Time, isDate bool, now time.Time) bool) Rule[T] {
	return Rule[T]{fn: func(_ context.Context, r *Rules, v T) error {
		rv := reflect.ValueOf(v)
		at, _ := instantOf(rv)
		if ok(at, rv.Type() == dateType, r.opts.Now()) {
			return nil
		}
		return &Failure{Code: code}
	}}
}

// Equal returns the rule that the value equals other, the value of the
// field whose JSON name is field: a password and its confirmation.
func Equal[T comparable](other T, field string) Rule[T] {
	return lazyThat(CodeEqField, func() map[string]any { return map[string]any{"field": field} }, func(v T) bool { return v == other })
}

// Greater returns the rule that the value is greater than other, the
// value of the field whose JSON name is field.
func Greater[T cmp.Ordered](other T, field string) Rule[T] {
	return lazyThat(CodeGtField, func() map[string]any { return map[string]any{"field": field} }, func(v T) bool { return v > other })
}

// Less returns the rule that the value is less than other, the value of
// the field whose JSON name is field.
func Less[T cmp.Ordered](other T, field string) Rule[T] {
	return lazyThat(CodeLtField, func() map[string]any { return map[string]any{"field": field} }, func(v T) bool { return v < other })
}

// After returns the rule that a time is after other, the value of the
// field whose JSON name is field: an end after its start.
func After[T Instant](other T, field string) Rule[T] {
	ot, _ := instantOf(reflect.ValueOf(other))
	return lazyThat(CodeGtField, func() map[string]any { return map[string]any{"field": field} }, func(v T) bool {
		t, _ := instantOf(reflect.ValueOf(v))
		return t.After(ot)
	})
}

// FieldRule is the rules of one field, made by [Field], [OptionalField],
// [PtrField] or [Items], for [Rules.Struct].
type FieldRule struct {
	addr uintptr
	typ  reflect.Type
	run  func(ctx context.Context, c *collector, ptr string) error
}

// runRules runs rules on v at ptr, honouring the chaining mode.
func runRules[T any](ctx context.Context, c *collector, ptr string, v T, rules []Rule[T]) error {
	for _, rule := range rules {
		if rule.fn == nil {
			continue
		}
		failed, err := c.outcome(rule.fn(ctx, c.r, v), ptr, "", nil)
		if err != nil {
			return err
		}
		if failed && !c.r.opts.CollectAll {
			return nil
		}
	}
	return nil
}

func isRequired[T any](rules []Rule[T]) bool {
	for _, r := range rules {
		if r.required {
			return true
		}
	}
	return false
}

// Field returns the rules of the plain field *p, a field of the struct
// passed to [Rules.Struct] (or of a struct it holds): its JSON pointer
// comes from the field's json tag. [Required] on a plain field means not
// the zero value.
func Field[T any](p *T, rules ...Rule[T]) FieldRule {
	req := isRequired(rules)
	return FieldRule{addr: addrOf(p), typ: reflect.TypeFor[T](), run: func(ctx context.Context, c *collector, ptr string) error {
		if req && reflect.ValueOf(p).Elem().IsZero() {
			c.add(ptr, CodeRequired, nil)
			return nil
		}
		return runRules(ctx, c, ptr, *p, rules)
	}}
}

// OptionalField returns the rules of the field *p, an [Optional]: they
// run on its value when it is present and not null, and [Required] means
// present and not null.
func OptionalField[T any](p *Optional[T], rules ...Rule[T]) FieldRule {
	req := isRequired(rules)
	return FieldRule{addr: addrOf(p), typ: reflect.TypeFor[Optional[T]](), run: func(ctx context.Context, c *collector, ptr string) error {
		v, ok := p.Get()
		if !ok {
			if req {
				c.add(ptr, CodeRequired, nil)
			}
			return nil
		}
		return runRules(ctx, c, ptr, v, rules)
	}}
}

// PtrField returns the rules of the pointer field *p: they run on **p
// when *p is not nil, and [Required] means not nil.
func PtrField[T any](p **T, rules ...Rule[T]) FieldRule {
	req := isRequired(rules)
	return FieldRule{addr: addrOf(p), typ: reflect.TypeFor[*T](), run: func(ctx context.Context, c *collector, ptr string) error {
		if *p == nil {
			if req {
				c.add(ptr, CodeRequired, nil)
			}
			return nil
		}
		return runRules(ctx, c, ptr, **p, rules)
	}}
}

// Items returns the rules of each element of the slice field *p: each
// returns the field rules of one element e, whose pointers are made
// relative to the element (/items/2/sku). A rule on the element itself
// is Field(e, ...).
//
//	validate.Items(&o.Lines, func(l *Line) []validate.FieldRule {
//		return []validate.FieldRule{validate.Field(&l.Qty, validate.Min(1))}
//	})
func Items[E any](p *[]E, each func(e *E) []FieldRule) FieldRule {
	et := reflect.TypeFor[E]()
	return FieldRule{addr: addrOf(p), typ: reflect.TypeFor[[]E](), run: func(ctx context.Context, c *collector, ptr string) error {
		for i := range *p {
			e := &(*p)[i]
			prefix := ptr + "/" + strconv.Itoa(i)
			if err := runFields(ctx, c, et, addrOf(e), prefix, each(e)); err != nil {
				return err
			}
		}
		return nil
	}}
}

// Struct checks the fields of s, a pointer to a struct, against the
// rules given, in order, with r's catalogue and chaining mode. It returns
// nil, a 422 *errors.Error coded [CodeValidationFailed] that holds every
// violation, or the first infrastructure error a rule returned, as it is.
// Each field's pointer comes from its json tag, found through its
// address in s; a [FieldRule] of a field outside s is a programming error
// and panics.
//
//	func (u *NewUser) Validate(ctx context.Context) error {
//		return validate.Struct(ctx, u,
//			validate.Field(&u.Name, validate.Required[string](), validate.Length(3, 50)),
//			validate.Field(&u.Age, validate.Min[uint8](18)),
//		)
//	}
func (r *Rules) Struct(ctx context.Context, s any, fields ...FieldRule) error {
	rv := reflect.ValueOf(s)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("validate: Struct needs a non-nil pointer to a struct, got %T", s))
	}
	c := collector{r: r}
	if err := runFields(ctx, &c, rv.Elem().Type(), rv.Pointer(), "", fields); err != nil {
		return noteInfra(ctx, err)
	}
	return c.result()
}

// Struct checks s with the default [Rules]; see [Rules.Struct].
func Struct(ctx context.Context, s any, fields ...FieldRule) error {
	return defaultRules.Struct(ctx, s, fields...)
}

func runFields(ctx context.Context, c *collector, t reflect.Type, base uintptr, prefix string, fields []FieldRule) error {
	for _, f := range fields {
		if f.run == nil {
			continue
		}
		ptr, ok := fieldPointer(t, f.addr-base, f.typ, f.addr >= base)
		if !ok {
			panic(fmt.Sprintf("validate: a FieldRule of a %s is not a field of %s", f.typ, t))
		}
		if err := f.run(ctx, c, prefix+ptr); err != nil {
			return err
		}
	}
	return nil
}

func addrOf[T any](p *T) uintptr {
	if p == nil {
		panic("validate: a FieldRule needs a non-nil field pointer")
	}
	return reflect.ValueOf(p).Pointer()
}

// offsetKey names the field of type ft at offset off in struct t.
type offsetKey struct {
	t, ft reflect.Type
	off   uintptr
}

// offsetCache maps an offsetKey to the field's JSON pointer. It holds
// only facts derived from immutable types. A plain map under a lock,
// rather than a sync.Map, looks a struct key up without allocating.
var offsetCache struct {
	mu sync.RWMutex
	m  map[offsetKey]string
}

// fieldPointer returns the JSON pointer, relative to a t, of the field of
// type ft at offset off (within is false when the address lies before
// the struct). The struct itself is "".
func fieldPointer(t reflect.Type, off uintptr, ft reflect.Type, within bool) (string, bool) {
	if !within || off >= t.Size() && !(off == 0 && ft == t) {
		return "", false
	}
	key := offsetKey{t: t, ft: ft, off: off}
	offsetCache.mu.RLock()
	p, ok := offsetCache.m[key]
	offsetCache.mu.RUnlock()
	if ok {
		return p, true
	}
	p, ok = findPointer(t, off, ft)
	if ok {
		offsetCache.mu.Lock()
		if offsetCache.m == nil {
			offsetCache.m = make(map[offsetKey]string)
		}
		offsetCache.m[key] = p
		offsetCache.mu.Unlock()
	}
	return p, ok
}

func findPointer(t reflect.Type, off uintptr, ft reflect.Type) (string, bool) {
	if off == 0 && t == ft {
		return "", true
	}
	if t.Kind() != reflect.Struct {
		return "", false
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		if off < sf.Offset || off >= sf.Offset+sf.Type.Size() && !(off == sf.Offset && sf.Type.Size() == 0) {
			continue
		}
		rest, ok := findPointer(sf.Type, off-sf.Offset, ft)
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			return rest, true // promoted fields
		}
		return jsonToken(sf) + rest, true
	}
	return "", false
}
