package validate

import (
	"context"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keel-go/keel/errors"
)

// Failure is the error a rule returns when the value breaks it: a code,
// the key of its message in the [Catalog], and the rule's parameters,
// shown to the client beside the message. Build one with [Fail]. Any other
// error a rule returns is an infrastructure error: validation stops and
// the error is returned as it is.
type Failure struct {
	Code   string
	Params map[string]any
}

// Error returns a text for logs naming the code.
func (f *Failure) Error() string { return "validate: rule " + f.Code + " failed" }

// Fail returns a [*Failure] with code and params, for a custom rule to
// report that the value breaks it. params may be nil; it is shown to the
// client, so it must never hold the value itself or a secret.
func Fail(code string, params map[string]any) error {
	return &Failure{Code: code, Params: params}
}

// RuleFunc is a custom rule, named in struct tags once registered in
// [RulesOptions.Custom] and usable in the fluent API through [Custom]. It
// receives the field's value with pointers and [Optional] unwrapped (a
// string, an int, a struct...), only when the value is present. It
// returns nil, a [Fail] error, or an infrastructure error (a database
// that cannot be reached) that is returned as it is, never reported as a
// violation.
type RuleFunc func(ctx context.Context, v any) error

// RulesOptions configures [Rules]. Every zero field means its default.
type RulesOptions struct {
	// Custom holds the custom rules that struct tags may name, by name.
	// A name is lowercase letters, digits and underscores, starting with
	// a letter, and is not the name of a built-in rule. Default: none.
	Custom map[string]RuleFunc
	// Catalog holds the messages by code. Codes it lacks take the
	// English message. Default: [DefaultCatalog].
	Catalog Catalog
	// CollectAll, when true, reports every rule a field breaks. Default:
	// false, a field's rules run in order and stop at its first failure.
	CollectAll bool
	// Now returns the current time for the past and future rules.
	// Default: time.Now.
	Now func() time.Time
}

// Rules checks Go values against struct-tag rules ([Rules.Check]) and
// fluent rules ([Rules.Struct]), with the custom rules, the message
// catalogue and the chaining mode of its options. Create one with
// [NewRules]; the zero value is not usable. A Rules caches what it learns
// of each struct type, is otherwise immutable, and is safe for concurrent
// use.
type Rules struct {
	opts  RulesOptions
	plans sync.Map // reflect.Type → *planResult
}

// NewRules returns Rules configured by opts, or an error naming the first
// invalid option.
func NewRules(opts RulesOptions) (*Rules, error) {
	for name, fn := range opts.Custom {
		if !validRuleName(name) {
			return nil, fmt.Errorf("validate: RulesOptions.Custom: rule name %q is not lowercase letters, digits and underscores", name)
		}
		if _, ok := builtinRules[name]; ok || isKeyword(name) {
			return nil, fmt.Errorf("validate: RulesOptions.Custom: rule name %q is a built-in rule", name)
		}
		if fn == nil {
			return nil, fmt.Errorf("validate: RulesOptions.Custom: rule %q is nil", name)
		}
	}
	if opts.Catalog == nil {
		opts.Catalog = english
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Rules{opts: opts}, nil
}

// defaultRules serves [Check], [Struct], [CheckTags] and decoders without
// Options.Rules. Only its type cache changes.
var defaultRules = func() *Rules {
	r, err := NewRules(RulesOptions{})
	if err != nil {
		panic(err.Error()) // the defaults are valid: a bug in this package
	}
	return r
}()

// Check checks v, a struct or a pointer to one, against its struct-tag
// rules with the default [Rules]: the built-in rules, English messages,
// first failure per field.
func Check(ctx context.Context, v any) error {
	return defaultRules.Check(ctx, v)
}

// collector gathers the violations of one check.
type collector struct {
	r  *Rules
	vs []errors.Violation
	// path is the JSON pointer of the value the tag walker is at, as
	// segments, rendered only when a violation needs it: checking a valid
	// value builds no pointer strings.
	path []pathSeg
	buf  [8]pathSeg
}

// pathSeg is one token of the walker's pointer: an escaped token with its
// leading "/", or an array index when tok is "".
type pathSeg struct {
	tok string
	idx int
}

func (c *collector) push(tok string, idx int) {
	if c.path == nil {
		c.path = c.buf[:0]
	}
	c.path = append(c.path, pathSeg{tok: tok, idx: idx})
}

func (c *collector) pop() { c.path = c.path[:len(c.path)-1] }

// pointer renders the walker's current JSON pointer.
func (c *collector) pointer() string {
	var b strings.Builder
	for _, s := range c.path {
		if s.tok != "" {
			b.WriteString(s.tok)
		} else {
			b.WriteByte('/')
			b.WriteString(strconv.Itoa(s.idx))
		}
	}
	return b.String()
}

// add records a violation at ptr.
func (c *collector) add(ptr, code string, params map[string]any) {
	c.vs = append(c.vs, errors.Violation{
		Pointer: ptr,
		Code:    code,
		Message: c.r.opts.Catalog.Message(code, params),
		Params:  params,
	})
}

// outcome sorts a rule's error: a violation recorded (true, nil), an
// infrastructure error (false, err), or success (false, nil). A built-in
// rule's errBroken takes the code and params given.
func (c *collector) outcome(err error, ptr, code string, params map[string]any) (bool, error) {
	if err == nil {
		return false, nil
	}
	if err == errBroken {
		c.add(ptr, code, params)
		return true, nil
	}
	if f, ok := errors.AsType[*Failure](err); ok {
		code := f.Code
		if code == "" {
			code = CodeInvalidRule
		}
		c.add(ptr, code, f.Params)
		return true, nil
	}
	return false, err
}

// result returns the 422 problem holding the violations, or nil.
func (c *collector) result() error {
	if len(c.vs) == 0 {
		return nil
	}
	return errors.Unprocessable("%s", c.r.opts.Catalog.Message(CodeValidationFailed, nil)).
		WithCode(CodeValidationFailed).WithViolations(c.vs...)
}

// errBroken is what a built-in rule returns when the value breaks it; the
// caller knows the rule's code and parameters.
var errBroken = &Failure{Code: codeFallback}

// Built-in checks on strings, shared by the tags and the fluent API.

func isEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, "<> \t\r\n") {
		return false
	}
	if isPlainEmail(s) {
		return true // the common form, checked without allocating
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1
}

// isPlainEmail reports whether s is an addr-spec in the form nearly every
// address takes: a dot-atom local part (RFC 5322 atext, dots neither
// leading, trailing nor doubled), "@", and a domain of LDH labels with at
// least one dot. Anything else (quoted local parts, address literals) is
// left to net/mail.
func isPlainEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 || at == len(s)-1 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	prevDot := true
	for i := 0; i < len(local); i++ {
		c := local[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
		prevDot = false
	}
	if prevDot {
		return false
	}
	labels, labelLen := 0, 0
	for i := 0; i <= len(domain); i++ {
		if i == len(domain) || domain[i] == '.' {
			if labelLen == 0 || labelLen > 63 || domain[i-1] == '-' || domain[i-labelLen] == '-' {
				return false
			}
			labels++
			labelLen = 0
			continue
		}
		c := domain[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
		labelLen++
	}
	return labels >= 2
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Hostname() != ""
	}
	return false
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isE164 accepts "+" then 7 to 15 digits, the first not 0: E.164's
// maximum, and the shortest numbers in service (a three-digit country code
// and a four-digit subscriber number, as in Saint Helena or Niue).
// NormalizeE164 produces exactly this form.
func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func isCIDR(s string) bool {
	_, err := netip.ParsePrefix(s)
	return err == nil
}

func isCountry(s string) bool { return inCodeTable(countryCodes, s, 2) }

func isCurrency(s string) bool { return inCodeTable(currencyCodes, s, 3) }

// inCodeTable reports whether s, of n uppercase letters, is one of the
// space-separated codes of table.
func inCodeTable(table, s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	// The tables are sorted (a test checks it): binary search over the
	// fixed-width entries.
	lo, hi := 0, (len(table)+1)/(n+1)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch code := table[mid*(n+1) : mid*(n+1)+n]; {
		case code == s:
			return true
		case code < s:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return false
}

// runeCount counts the characters of s.
func runeCount(s string) int {
	return len([]rune(s))
}

// instantOf returns the time.Time inside v, one of time.Time, [Time] and
// [Date] (at midnight UTC starting the day), or false.
func instantOf(v reflect.Value) (time.Time, bool) {
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		return v.Interface().(time.Time), true
	case timeType:
		return v.Interface().(Time).Time, true
	case dateType:
		return v.Interface().(Date).In(time.UTC), true
	}
	return time.Time{}, false
}

// inPast reports whether t is before now; a Date is in the past when it
// is before today (in UTC), in the future when after today.
func inPast(t time.Time, isDate bool, now time.Time) bool {
	if isDate {
		return t.Before(DateOf(now.UTC()).In(time.UTC))
	}
	return t.Before(now)
}

func inFuture(t time.Time, isDate bool, now time.Time) bool {
	if isDate {
		return t.After(DateOf(now.UTC()).In(time.UTC))
	}
	return t.After(now)
}

// compilePattern compiles a pattern rule's expression, anchored at both
// ends so that it describes the whole value.
func compilePattern(expr string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + expr + `)$`)
}

// pointerJoin appends the escaped token tok to the pointer ptr.
func pointerJoin(ptr, tok string) string {
	b := make([]byte, 0, len(ptr)+1+len(tok))
	b = append(b, ptr...)
	b = append(b, '/')
	return string(appendPointerToken(b, tok))
}

// countryCodes lists the ISO 3166-1 alpha-2 codes officially assigned.
const countryCodes = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"YE YT " +
	"ZA ZM ZW"

// currencyCodes lists the active ISO 4217 codes, funds and precious
// metals included, without XTS (testing) and XXX (no currency).
const currencyCodes = "" +
	"AED AFN ALL AMD AOA ARS AUD AWG AZN " +
	"BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
	"CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK " +
	"DJF DKK DOP DZD " +
	"EGP ERN ETB EUR " +
	"FJD FKP " +
	"GBP GEL GHS GIP GMD GNF GTQ GYD " +
	"HKD HNL HTG HUF " +
	"IDR ILS INR IQD IRR ISK " +
	"JMD JOD JPY " +
	"KES KGS KHR KMF KPW KRW KWD KYD KZT " +
	"LAK LBP LKR LRD LSL LYD " +
	"MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN " +
	"NAD NGN NIO NOK NPR NZD " +
	"OMR " +
	"PAB PEN PGK PHP PKR PLN PYG " +
	"QAR " +
	"RON RSD RUB RWF " +
	"SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL " +
	"THB TJS TMT TND TOP TRY TTD TWD TZS " +
	"UAH UGX USD USN UYI UYU UYW UZS " +
	"VED VES VND VUV " +
	"WST " +
	"XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA " +
	"YER " +
	"ZAR ZMW ZWG"

// The rules step of the pipeline.

// infraKey is the context key of the *infraRecord a [Decoder] gives the
// target's Validate method.
type infraKey struct{}

// infraRecord holds the infrastructure error a rule returned during a
// Validate method, so that the decoder returns it as it is rather than
// as a 422 problem.
type infraRecord struct{ err error }

// noteInfra records err in ctx's record, if any, and returns it.
func noteInfra(ctx context.Context, err error) error {
	if rec, ok := ctx.Value(infraKey{}).(*infraRecord); ok {
		rec.err = err
	}
	return err
}

// checkTags runs the tag rules on v: a 422 problem, an infrastructure
// error, or neither.
func (r *Rules) checkTags(ctx context.Context, v any) (*errors.Error, error) {
	err := r.Check(ctx, v)
	if err == nil {
		return nil, nil
	}
	if e, ok := err.(*errors.Error); ok && e.Code() == CodeValidationFailed {
		return e, nil
	}
	return nil, err
}

// validate runs the target's Validate method: its error becomes a 422
// problem unless it is a client error already, or an infrastructure error
// that [Rules.Struct] or [Rules.Check] returned.
func (d *Decoder) validate(ctx context.Context, val Validator) error {
	rec := &infraRecord{}
	err := val.Validate(context.WithValue(ctx, infraKey{}, rec))
	if err == nil {
		return nil
	}
	if rec.err != nil && errors.Is(err, rec.err) {
		return err
	}
	return hookError(err)
}

// mergeViolations returns err, the Validate method's error, with the tag
// violations of tagErr (which may be nil) in front of its own when it is
// a 422 problem, so that a request gets one problem listing all.
func mergeViolations(tagErr *errors.Error, err error) error {
	if tagErr == nil {
		return err
	}
	e, ok := err.(*errors.Error)
	if !ok || e.StatusCode() != tagErr.StatusCode() {
		return err
	}
	return tagErr.WithViolations(e.Violations()...)
}
