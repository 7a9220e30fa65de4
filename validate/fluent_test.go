package validate_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

type fAddress struct {
	City string `json:"city"`
}

type fLine struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

type fUser struct {
	Name    string                    `json:"name"`
	Age     uint8                     `json:"age"`
	Email   validate.Optional[string] `json:"email"`
	Nick    *string                   `json:"nick"`
	Address fAddress                  `json:"address"`
	Lines   []fLine                   `json:"lines"`
	Tags    []string                  `json:"tags"`
	Country string                    `json:"country"`
	State   string                    `json:"state"`
	Start   validate.Date             `json:"start"`
	End     validate.Date             `json:"end"`
}

var fluentSKU = regexp.MustCompile(`[A-Z]{3}-[0-9]{3}`)

func (u *fUser) rules(ctx context.Context, r *validate.Rules) error {
	return r.Struct(ctx, u,
		validate.Field(&u.Name, validate.Required[string](), validate.Length(3, 50)),
		validate.Field(&u.Age, validate.Min[uint8](18), validate.Max[uint8](130)),
		validate.OptionalField(&u.Email, validate.Required[string](), validate.Email()),
		validate.PtrField(&u.Nick, validate.Length(2, -1)),
		validate.Field(&u.Address.City, validate.Required[string]()),
		validate.Items(&u.Lines, func(l *fLine) []validate.FieldRule {
			return []validate.FieldRule{
				validate.Field(&l.SKU, validate.Match(fluentSKU)),
				validate.Field(&l.Qty, validate.Min(1)),
			}
		}),
		validate.Field(&u.Lines, validate.Size[fLine](1, 3)),
		validate.Items(&u.Tags, func(tag *string) []validate.FieldRule {
			return []validate.FieldRule{validate.Field(tag, validate.OneOf("a", "b"))}
		}),
		validate.Field(&u.Country, validate.Country()),
		validate.Field(&u.State, validate.When(u.Country == "US", validate.Required[string]())),
		validate.Field(&u.End, validate.After(u.Start, "start")),
	)
}

func TestFluent(t *testing.T) {
	d1, _ := validate.ParseDate("2026-01-01")
	d2, _ := validate.ParseDate("2026-01-02")
	good := func() fUser {
		return fUser{Name: "Ada", Age: 36, Email: validate.Some("ada@example.com"), Address: fAddress{"Paris"},
			Lines: []fLine{{"ABC-123", 1}}, Tags: []string{"a"}, Country: "FR", Start: d1, End: d2}
	}
	x := "x"
	tests := []struct {
		name   string
		change func(u *fUser)
		all    bool
		want   string
	}{
		{"ok", func(u *fUser) {}, false, ""},
		{"many", func(u *fUser) {
			u.Name = "Al"
			u.Age = 17
			u.Email = validate.Null[string]()
			u.Nick = &x
			u.Address.City = ""
			u.Lines = append(u.Lines, fLine{"abc", 0})
			u.Tags = []string{"a", "c"}
			u.Country = "US"
			u.End = d1
		}, false, `/name min_length {"min":3}; /age min {"min":18}; /email required; /nick min_length {"min":2}; ` +
			`/address/city required; /lines/1/sku pattern {"pattern":"[A-Z]{3}-[0-9]{3}"}; /lines/1/qty min {"min":1}; ` +
			`/tags/1 oneof {"values":["a","b"]}; /state required; /end gtfield {"field":"start"}`},
		{"required first", func(u *fUser) { u.Name = "" }, false, "/name required"},
		{"collect all", func(u *fUser) { u.Email = validate.Some("nope"); u.Lines = nil }, true,
			`/email email; /lines min_items {"min":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := good()
			tt.change(&u)
			r := newTestRules(t, validate.RulesOptions{CollectAll: tt.all})
			if got := briefViolations(ruleViolations(t, u.rules(t.Context(), r))); got != tt.want {
				t.Errorf("Struct(%+v) = %q, want %q", u, got, tt.want)
			}
		})
	}
}

func TestFluentContextRule(t *testing.T) {
	type signup struct {
		Email string `json:"email"`
	}
	unique := validate.Func(func(ctx context.Context, email string) error {
		switch email {
		case "down@example.com":
			return errRuleDatabase
		case "ada@example.com":
			return validate.Fail("taken", nil)
		}
		return nil
	})
	for _, tt := range []struct {
		email string
		want  string
	}{
		{"eve@example.com", ""},
		{"ada@example.com", "/email taken"},
	} {
		s := signup{tt.email}
		err := validate.Struct(t.Context(), &s, validate.Field(&s.Email, validate.Email(), unique))
		if got := briefViolations(ruleViolations(t, err)); got != tt.want {
			t.Errorf("Struct(%q) = %q, want %q", tt.email, got, tt.want)
		}
	}
	s := signup{"down@example.com"}
	if err := validate.Struct(t.Context(), &s, validate.Field(&s.Email, unique)); err != errRuleDatabase {
		t.Errorf("Struct with a failing database = %v, want the error as it is", err)
	}
}

func TestFluentForeignField(t *testing.T) {
	var a, b fUser
	defer func() {
		if p := recover(); p == nil || !strings.HasPrefix(p.(string), "validate: ") {
			t.Errorf("Struct with another struct's field panicked with %v, want a validate: panic", p)
		}
	}()
	_ = validate.Struct(t.Context(), &a, validate.Field(&b.Name, validate.Required[string]()))
}

func TestFluentPastFuture(t *testing.T) {
	type ev struct {
		At  time.Time     `json:"at"`
		On  validate.Date `json:"on"`
		Due validate.Time `json:"due"`
	}
	r := newTestRules(t, validate.RulesOptions{CollectAll: true})
	e := ev{At: ruleNow.Add(time.Hour), On: validate.DateOf(ruleNow), Due: validate.Time{Time: ruleNow.Add(-time.Hour)}}
	err := r.Struct(t.Context(), &e,
		validate.Field(&e.At, validate.Past[time.Time]()),
		validate.Field(&e.On, validate.Past[validate.Date](), validate.Future[validate.Date]()),
		validate.Field(&e.Due, validate.Future[validate.Time]()))
	if got, want := briefViolations(ruleViolations(t, err)), "/at past; /on past; /on future; /due future"; got != want {
		t.Errorf("Struct = %q, want %q", got, want)
	}
}

// rulesOrder has tag rules and a Validate method with fluent and
// context rules.
type rulesOrder struct {
	Email    string                    `json:"email" validate:"required,email"`
	Currency string                    `json:"currency" validate:"currency"`
	Items    []rItem                   `json:"items" validate:"min=1"`
	Coupon   validate.Optional[string] `json:"coupon"`
}

func (o *rulesOrder) Validate(ctx context.Context) error {
	return validate.Struct(ctx, o, validate.OptionalField(&o.Coupon, validate.Func(func(ctx context.Context, c string) error {
		if c == "down" {
			return errRuleDatabase
		}
		if c != "WELCOME" {
			return validate.Fail("unknown_coupon", nil)
		}
		return nil
	})))
}

func TestDecodeRulesOverHTTP(t *testing.T) {
	srv := httptest.NewServer(errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var o rulesOrder
		if err := validate.Decode(r, &o); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
	defer srv.Close()
	tests := []struct {
		body       string
		wantStatus int
		wantBody   []string
	}{
		{`{"email":"a@example.com","currency":"EUR","items":[{"sku":"ABC-123","qty":1}],"coupon":"WELCOME"}`, 204, nil},
		{`{"email":"secret-value","currency":"EUX","items":[{"sku":"ABC-123","qty":0},{"sku":"x","qty":1}],"coupon":"NOPE"}`, 422,
			[]string{`"validation_failed"`, `"/email"`, `"/currency"`, `"/items/0/qty"`, `"/items/1/sku"`, `"/coupon"`, `"unknown_coupon"`, `{"min":1}`}},
		{`{"email":"a@example.com","currency":"EUR","items":[{"sku":"ABC-123","qty":1}],"coupon":"down"}`, 500, nil},
	}
	for _, tt := range tests {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("POST %s = %d %s, want %d", tt.body, resp.StatusCode, b.String(), tt.wantStatus)
		}
		for _, w := range tt.wantBody {
			if !strings.Contains(b.String(), w) {
				t.Errorf("POST %s body = %s, want it to hold %s", tt.body, b.String(), w)
			}
		}
		if strings.Contains(b.String(), "secret-value") || strings.Contains(b.String(), "database") {
			t.Errorf("POST %s body = %s, shows a value or a cause", tt.body, b.String())
		}
	}
}
