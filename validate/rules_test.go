package validate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

// violations returns the violations of err, a 422 validation problem, or
// fails the test.
func ruleViolations(tb testing.TB, err error) []errors.Violation {
	tb.Helper()
	if err == nil {
		return nil
	}
	e, ok := errors.AsType[*errors.Error](err)
	if !ok || e.StatusCode() != 422 || e.Code() != validate.CodeValidationFailed {
		tb.Fatalf("error = %v, want a 422 %s problem", err, validate.CodeValidationFailed)
	}
	return e.Violations()
}

// brief renders violations as "pointer code params" lines.
func briefViolations(vs []errors.Violation) string {
	var parts []string
	for _, v := range vs {
		s := v.Pointer + " " + v.Code
		if len(v.Params) > 0 {
			b, _ := json.Marshal(v.Params)
			s += " " + string(b)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

var ruleNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func newTestRules(tb testing.TB, opts validate.RulesOptions) *validate.Rules {
	tb.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return ruleNow }
	}
	r, err := validate.NewRules(opts)
	if err != nil {
		tb.Fatalf("NewRules = %v", err)
	}
	return r
}

type tagCase struct {
	name string
	v    any
	want string // brief of the violations; "" for valid
}

func TestTagRules(t *testing.T) {
	type str struct {
		S string `json:"s" validate:"min=3,max=5"`
	}
	type length struct {
		S string `json:"s" validate:"len=2"`
	}
	type list struct {
		L []int          `json:"l" validate:"min=1,max=2"`
		M map[string]int `json:"m" validate:"len=1"`
	}
	type num struct {
		I int     `json:"i" validate:"min=-1,max=10"`
		U uint8   `json:"u" validate:"max=100"`
		F float64 `json:"f" validate:"min=0.5"`
	}
	type pat struct {
		S string `json:"s" validate:"pattern=[a-z]{2}\\,[0-9]"`
	}
	type oneof struct {
		S string `json:"s" validate:"oneof=red green"`
		N int    `json:"n" validate:"oneof=1 2"`
	}
	type formats struct {
		Email    string `json:"email" validate:"omitempty,email"`
		URL      string `json:"url" validate:"omitempty,url"`
		UUID     string `json:"uuid" validate:"omitempty,uuid"`
		Phone    string `json:"phone" validate:"omitempty,e164"`
		IP       string `json:"ip" validate:"omitempty,ip"`
		CIDR     string `json:"cidr" validate:"omitempty,cidr"`
		Country  string `json:"country" validate:"omitempty,country"`
		Currency string `json:"currency" validate:"omitempty,currency"`
	}
	type times struct {
		At   time.Time      `json:"at" validate:"omitempty,past"`
		T    validate.Time  `json:"t" validate:"omitempty,future"`
		Born validate.Date  `json:"born" validate:"omitempty,past"`
		Due  *validate.Date `json:"due" validate:"future"`
	}
	type req struct {
		Name  validate.Optional[string] `json:"name" validate:"required"`
		Count *int                      `json:"count" validate:"required"`
		Plain int                       `json:"plain" validate:"required"`
		Tags  []string                  `json:"tags" validate:"required"`
		NZ    validate.Optional[int]    `json:"nz" validate:"notzero"`
	}
	zero := 0
	today := validate.DateOf(ruleNow)
	tomorrow := validate.DateOf(ruleNow.AddDate(0, 0, 1))
	tests := []tagCase{
		{"length ok", str{"abc"}, ""},
		{"length runes", str{"ééé"}, ""},
		{"too short", str{"ab"}, `/s min_length {"min":3}`},
		{"too long", str{"abcdef"}, `/s max_length {"max":5}`},
		{"len", length{"abc"}, `/s len {"len":2}`},
		{"len ok", length{"日本"}, ""},
		{"items", list{L: []int{}, M: map[string]int{"a": 1}}, `/l min_items {"min":1}`},
		{"items max", list{L: []int{1, 2, 3}, M: map[string]int{}}, `/l max_items {"max":2}; /m size {"size":1}`},
		{"numbers ok", num{I: -1, U: 100, F: 0.5}, ""},
		{"numbers", num{I: 11, U: 101, F: 0.4}, `/i max {"max":10}; /u max {"max":100}; /f min {"min":0.5}`},
		{"number min", num{I: -2, F: 1}, `/i min {"min":-1}`},
		{"pattern ok", pat{"ab,1"}, ""},
		{"pattern anchored", pat{"xab,1"}, `/s pattern {"pattern":"[a-z]{2},[0-9]"}`},
		{"oneof ok", oneof{"green", 2}, ""},
		{"oneof", oneof{"blue", 3}, `/s oneof {"values":["red","green"]}; /n oneof {"values":["1","2"]}`},
		{"formats ok", formats{"ada@example.com", "https://example.com/x?y=1", "0b9e6c1e-3f5a-4b8e-9c1d-2e3f4a5b6c7d",
			"+14155550100", "2001:db8::1", "10.0.0.0/8", "FR", "EUR"}, ""},
		{"formats bad", formats{"Ada <ada@example.com>", "ftp://example.com", "0b9e6c1e3f5a4b8e9c1d2e3f4a5b6c7d",
			"+04155550100", "10.0.0.256", "10.0.0.0/33", "fr", "EUX"},
			"/email email; /url url; /uuid uuid; /phone e164; /ip ip; /cidr cidr; /country country; /currency currency"},
		{"formats bad 2", formats{Email: "ada@", URL: "https:///path", Phone: "+1", Country: "XX", Currency: "usd"},
			"/email email; /url url; /phone e164; /country country; /currency currency"},
		{"url relative", formats{URL: "/a/b"}, "/url url"},
		{"times ok", times{At: ruleNow.Add(-time.Second), T: validate.Time{Time: ruleNow.Add(time.Hour)},
			Born: validate.DateOf(ruleNow.AddDate(-30, 0, 0)), Due: &tomorrow}, ""},
		{"times bad", times{At: ruleNow.Add(time.Second), T: validate.Time{Time: ruleNow}, Born: today, Due: &today},
			"/at past; /t future; /born past; /due future"},
		{"absent pointer not checked", times{}, ""},
		{"required present zero", req{Name: validate.Some(""), Count: &zero, Plain: 1, Tags: []string{}, NZ: validate.Some(1)}, ""},
		{"required absent", req{Name: validate.Null[string](), NZ: validate.Some(0)},
			"/name required; /count required; /plain required; /tags required; /nz notzero"},
	}
	runTagCases(t, newTestRules(t, validate.RulesOptions{}), tests)
}

func runTagCases(t *testing.T, r *validate.Rules, tests []tagCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Check(t.Context(), tt.v)
			if got := briefViolations(ruleViolations(t, err)); got != tt.want {
				t.Errorf("Check(%+v) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}

type rAddress struct {
	Street string `json:"street" validate:"required"`
	City   string `json:"city" validate:"required,max=10"`
}

type rItem struct {
	SKU string `json:"sku" validate:"required,pattern=[A-Z]{3}-[0-9]{3}"`
	Qty int    `json:"qty" validate:"min=1"`
}

type rOrder struct {
	Address   rAddress            `json:"rAddress"`
	Billing   *rAddress           `json:"billing"`
	Items     []rItem             `json:"items" validate:"min=1"`
	Ptrs      []*rItem            `json:"ptrs"`
	Tags      map[string]rAddress `json:"tags"`
	REmbedded                     // promoted fields keep their own names
}

type REmbedded struct {
	Note string `json:"note" validate:"omitempty,max=3"`
}

func TestTagRulesNested(t *testing.T) {
	ok := rAddress{"1 Main St", "Paris"}
	good := rItem{"ABC-123", 1}
	tests := []tagCase{
		{"ok", &rOrder{Address: ok, Items: []rItem{good}}, ""},
		{"nested", rOrder{
			Address:   rAddress{City: "Montevideo-by-the-sea"},
			Billing:   &rAddress{Street: "x"},
			Items:     []rItem{good, good, {"abc", 0}},
			Ptrs:      []*rItem{nil, {"ABC-123", 0}},
			Tags:      map[string]rAddress{"b/x": {City: "c"}, "a": ok},
			REmbedded: REmbedded{Note: "long"},
		}, `/rAddress/street required; /rAddress/city max_length {"max":10}; /billing/city required; ` +
			`/items/2/sku pattern {"pattern":"[A-Z]{3}-[0-9]{3}"}; /items/2/qty min {"min":1}; /ptrs/1/qty min {"min":1}; ` +
			`/tags/b~1x/street required; /note max_length {"max":3}`},
		{"empty list", rOrder{Address: ok, Items: []rItem{}}, `/items min_items {"min":1}`},
	}
	runTagCases(t, newTestRules(t, validate.RulesOptions{}), tests)
}

func TestTagRulesCrossField(t *testing.T) {
	type signup struct {
		Password string                    `json:"password" validate:"min=8"`
		Confirm  string                    `json:"confirm" validate:"eqfield=Password"`
		Old      string                    `json:"old" validate:"omitempty,nefield=Password"`
		Start    validate.Date             `json:"start"`
		End      validate.Date             `json:"end" validate:"gtfield=Start"`
		Low      int                       `json:"low"`
		High     *int                      `json:"high" validate:"gtefield=Low"`
		Country  string                    `json:"country" validate:"required,country"`
		State    string                    `json:"state" validate:"required_if=Country US"`
		VAT      *string                   `json:"vat" validate:"required_unless=Country US"`
		Phone    string                    `json:"phone"`
		Prefix   validate.Optional[string] `json:"prefix" validate:"required_with=Phone"`
	}
	d1, _ := validate.ParseDate("2026-01-01")
	d2, _ := validate.ParseDate("2026-01-02")
	vat, three, one := "FR123", 3, 1
	tests := []tagCase{
		{"ok", signup{Password: "12345678", Confirm: "12345678", Start: d1, End: d2, Low: 2, High: &three, Country: "US", State: "CA"}, ""},
		{"ok abroad", signup{Password: "12345678", Confirm: "12345678", Start: d1, End: d2, Country: "FR", VAT: &vat}, ""},
		{"broken", signup{Password: "12345678", Confirm: "1234567", Old: "12345678", Start: d2, End: d1, Low: 2, High: &one,
			Country: "US", Phone: "+1"},
			`/confirm eqfield {"field":"password"}; /old nefield {"field":"password"}; /end gtfield {"field":"start"}; ` +
				`/high gtefield {"field":"low"}; /state required {"field":"country","value":"US"}; /prefix required {"with":"phone"}`},
		{"unless", signup{Password: "12345678", Confirm: "12345678", Start: d1, End: d2, Country: "DE"},
			`/vat required {"field":"country","value":"US"}`},
	}
	runTagCases(t, newTestRules(t, validate.RulesOptions{}), tests)
}

func TestTagRulesChain(t *testing.T) {
	type v struct {
		S string `json:"s" validate:"min=5,email,oneof=a"`
	}
	first := newTestRules(t, validate.RulesOptions{})
	all := newTestRules(t, validate.RulesOptions{CollectAll: true})
	runTagCases(t, first, []tagCase{{"first", v{"ab"}, `/s min_length {"min":5}`}})
	runTagCases(t, all, []tagCase{{"all", v{"ab"}, `/s min_length {"min":5}; /s email; /s oneof {"values":["a"]}`}})
}

var errRuleDatabase = fmt.Errorf("database is down")

func TestCustomRules(t *testing.T) {
	taken := func(ctx context.Context, v any) error {
		switch v.(string) {
		case "down":
			return errRuleDatabase
		case "ada":
			return validate.Fail("taken", nil)
		case "odd":
			return validate.Fail("", map[string]any{"why": "odd"})
		}
		return nil
	}
	r := newTestRules(t, validate.RulesOptions{
		Custom:  map[string]validate.RuleFunc{"unique": taken},
		Catalog: validate.Catalog{"taken": "is already taken", validate.CodeRequired: "est obligatoire"},
	})
	type user struct {
		Name  string `json:"name" validate:"unique"`
		Email string `json:"email" validate:"required"`
	}
	err := r.Check(t.Context(), user{Name: "ada"})
	vs := ruleViolations(t, err)
	if got, want := briefViolations(vs), "/name taken; /email required"; got != want {
		t.Errorf("Check = %q, want %q", got, want)
	}
	if got, want := vs[0].Message+"|"+vs[1].Message, "is already taken|est obligatoire"; got != want {
		t.Errorf("messages = %q, want %q", got, want)
	}
	if got, want := briefViolations(ruleViolations(t, r.Check(t.Context(), user{Name: "odd", Email: "x"}))), `/name invalid {"why":"odd"}`; got != want {
		t.Errorf("Check(odd) = %q, want %q", got, want)
	}
	err = r.Check(t.Context(), user{Name: "down"})
	if err != errRuleDatabase {
		t.Fatalf("Check with a failing database = %v, want the error as it is", err)
	}
	if got := errors.From(err).StatusCode(); got != 500 {
		t.Errorf("errors.From(infrastructure error).StatusCode() = %d, want 500", got)
	}
	if err := validate.CheckTags[user](); err == nil {
		t.Errorf("CheckTags with an unregistered rule = nil, want an error")
	}
	if err := r.CheckType(reflect.TypeFor[user]()); err != nil {
		t.Errorf("CheckType = %v, want nil", err)
	}
}

func TestNewRulesRejects(t *testing.T) {
	f := func(context.Context, any) error { return nil }
	for _, custom := range []map[string]validate.RuleFunc{
		{"Bad": f}, {"min": f}, {"required": f}, {"ok": nil}, {"": f},
	} {
		if _, err := validate.NewRules(validate.RulesOptions{Custom: custom}); err == nil {
			t.Errorf("NewRules(%v) = nil error, want an error", custom)
		}
	}
}

func TestMalformedTags(t *testing.T) {
	type (
		unknown struct {
			A string `validate:"nosuch"`
		}
		badMin struct {
			A string `validate:"min=x"`
		}
		badType struct {
			A int `validate:"email"`
		}
		badPattern struct {
			A string `validate:"pattern=("`
		}
		badCross struct {
			A string `validate:"eqfield=B"`
		}
		crossType struct {
			A string `validate:"eqfield=B"`
			B int
		}
		empty struct {
			A string `validate:"required,,min=1"`
		}
		badIf struct {
			A string `validate:"required_if=B"`
			B string
		}
		badEscape struct {
			A string `validate:"pattern=a\\"`
		}
		nested struct {
			In []badMin
		}
	)
	for _, typ := range []reflect.Type{
		reflect.TypeFor[unknown](), reflect.TypeFor[badMin](), reflect.TypeFor[badType](), reflect.TypeFor[badPattern](),
		reflect.TypeFor[badCross](), reflect.TypeFor[crossType](), reflect.TypeFor[empty](), reflect.TypeFor[badIf](),
		reflect.TypeFor[badEscape](), reflect.TypeFor[nested](),
	} {
		r := newTestRules(t, validate.RulesOptions{})
		err := r.CheckType(typ)
		if err == nil || !strings.HasPrefix(err.Error(), "validate: ") {
			t.Errorf("CheckType(%s) = %v, want a validate: error", typ, err)
			continue
		}
		func() {
			defer func() {
				p := recover()
				if p == nil || !strings.HasPrefix(fmt.Sprint(p), "validate: ") {
					t.Errorf("Check(%s) panicked with %v, want a validate: panic", typ, p)
				}
			}()
			_ = r.Check(t.Context(), reflect.New(typ).Interface())
		}()
	}
}

func TestCatalogMessage(t *testing.T) {
	c := validate.DefaultCatalog()
	tests := []struct {
		code   string
		params map[string]any
		want   string
	}{
		{validate.CodeMinLength, map[string]any{"min": 3}, "must be at least 3 characters long"},
		{validate.CodeOneOf, map[string]any{"values": []string{"a", "b"}}, "must be one of a, b"},
		{validate.CodeMin, nil, "must be at least {min}"},
		{"no_such_code", nil, "is invalid"},
	}
	for _, tt := range tests {
		if got := c.Message(tt.code, tt.params); got != tt.want {
			t.Errorf("Message(%q, %v) = %q, want %q", tt.code, tt.params, got, tt.want)
		}
	}
}

type treeNode struct {
	Name string                      `json:"name" validate:"required"`
	Kids []treeNode                  `json:"kids"`
	Next *treeNode                   `json:"next"`
	ByID map[int]treeNode            `json:"by_id"`
	Opt  validate.Optional[rAddress] `json:"opt"`
}

func TestTagRulesRecursive(t *testing.T) {
	n := treeNode{
		Name: "root",
		Kids: []treeNode{{Name: "a"}, {Kids: []treeNode{{}}}},
		Next: &treeNode{Next: &treeNode{Name: "c"}},
		ByID: map[int]treeNode{10: {}, 2: {Name: "x"}},
		Opt:  validate.Some(rAddress{Street: "x"}),
	}
	want := "/kids/1/name required; /kids/1/kids/0/name required; /next/name required; /by_id/10/name required; /opt/city required"
	runTagCases(t, newTestRules(t, validate.RulesOptions{}), []tagCase{{"tree", &n, want}})
}

func TestTagRulesWithout(t *testing.T) {
	type contact struct {
		Email string `json:"email"`
		Phone string `json:"phone" validate:"required_without=Email"`
	}
	runTagCases(t, newTestRules(t, validate.RulesOptions{}), []tagCase{
		{"email", contact{Email: "a@example.com"}, ""},
		{"phone", contact{Phone: "+14155550100"}, ""},
		{"none", contact{}, `/phone required {"without":"email"}`},
	})
}

// TestPlainEmailAgreesWithNetMail checks that the allocation-free fast path
// accepts nothing net/mail would refuse.
func TestPlainEmailAgreesWithNetMail(t *testing.T) {
	for _, s := range []string{
		"a@b.co", "first.last+tag@sub.example.com", "x!#$%&'*+-/=?^_`{|}~@ex-ample.org",
		".a@b.co", "a.@b.co", "a..b@c.co", "a@b", "a@-b.co", "a@b-.co", "a@b..co", "a@.b.co",
		"a@b.co.", "@b.co", "a@", "a b@c.co", "ä@b.co", "a@exämple.com", "a@b_c.com",
	} {
		if !validate.IsPlainEmail(s) {
			continue
		}
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s {
			t.Errorf("fast path accepts %q, which net/mail refuses (%v)", s, err)
		}
	}
	if !validate.IsPlainEmail("first.last+tag@sub.example.com") {
		t.Error("fast path refuses an ordinary address")
	}
}

func TestCodeTablesSorted(t *testing.T) {
	for name, table := range validate.CodeTables {
		codes := strings.Fields(table)
		if !slices.IsSorted(codes) {
			t.Errorf("%s codes are not sorted; the lookup needs them sorted", name)
		}
		if len(strings.Join(codes, " ")) != len(strings.TrimSpace(table)) {
			t.Errorf("%s table is not single-space separated", name)
		}
	}
}
