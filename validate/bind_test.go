package validate_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/router"
	"github.com/keel-go/keel/validate"
)

// PageParams is embedded in listOrders.
type PageParams struct {
	Page int `query:"page" default:"1"`
	Size int `query:"size" default:"20"`
}

type listOrders struct {
	PageParams
	User   uuid.UUID                        `path:"id"`
	Tenant string                           `header:"X-Tenant,required"`
	Accept []string                         `header:"Accept-Language"`
	Status []string                         `query:"status,comma"`
	IDs    []int64                          `query:"ids"`
	Since  validate.Optional[validate.Time] `query:"since"`
	Limit  *uint8                           `query:"limit"`
	Debug  bool                             `query:"debug"`
	Sort   string                           `query:"sort" default:"-created"`
	Body   string                           `json:"body"`
}

// Validate is called after binding.
func (l *listOrders) Validate(ctx context.Context) error {
	if l.Size > 100 {
		return errors.Unprocessable("The page is too large.").WithViolations(
			errors.Violation{Pointer: "/query/size", Code: "max", Message: "must be at most 100"})
	}
	return nil
}

// problem is the part of a problem+json body the tests read.
type problem struct {
	Status int                `json:"status"`
	Code   string             `json:"code"`
	Errors []errors.Violation `json:"errors"`
}

// bindServer serves GET /users/:id/orders through package router,
// answering with the bound struct as JSON, or the problem.
func bindServer(t *testing.T, b *validate.Binder) *httptest.Server {
	t.Helper()
	r := router.New()
	r.Get("/users/:id/orders", errors.HandlerFunc(func(w http.ResponseWriter, req *http.Request) error {
		var in listOrders
		if err := b.Bind(req, &in); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(in)
	}))
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, header http.Header) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestBindThroughRouter(t *testing.T) {
	srv := bindServer(t, mustBinder(t, validate.BindOptions{}))
	const id = "123e4567-e89b-12d3-a456-426614174000"
	h := http.Header{"X-Tenant": {"acme"}, "Accept-Language": {"en-GB, fr;q=0.8", "de"}}
	code, body := get(t, srv, "/users/"+id+"/orders?page=3&status=open,held&status=new&ids=1&ids=2&since=2026-03-01T00:00:00Z&limit=7&debug=true", h)
	if code != http.StatusOK {
		t.Fatalf("GET = %d %s, want 200", code, body)
	}
	var got listOrders
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	seven := uint8(7)
	want := listOrders{
		PageParams: PageParams{Page: 3, Size: 20},
		User:       uuid.MustParse(id),
		Tenant:     "acme",
		Accept:     []string{"en-GB", "fr;q=0.8", "de"},
		Status:     []string{"open", "held", "new"},
		IDs:        []int64{1, 2},
		Since:      validate.Some(validate.Time{Time: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}),
		Limit:      &seven,
		Debug:      true,
		Sort:       "-created",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Bind = %+v\nwant %+v", got, want)
	}
}

func TestBindAggregatesViolations(t *testing.T) {
	srv := bindServer(t, mustBinder(t, validate.BindOptions{MaxValues: 3}))
	long := strings.Repeat("9", 5000)
	code, body := get(t, srv, "/users/42/orders?page=x&size="+long+"&ids=1&ids=2&ids=3&ids=4&since=yesterday&limit=300&debug=yes", nil)
	if code != http.StatusBadRequest {
		t.Fatalf("GET = %d %s, want 400", code, body)
	}
	if strings.Contains(string(body), long[:100]) {
		t.Errorf("the problem echoes a long value: %.200s", body)
	}
	var p problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Code != validate.CodeInvalidParameter {
		t.Errorf("code = %q, want %q", p.Code, validate.CodeInvalidParameter)
	}
	got := map[string]string{}
	for _, v := range p.Errors {
		got[v.Pointer] = v.Code
		if v.Params["parameter"] == nil || v.Params["in"] == nil {
			t.Errorf("violation %+v lacks the parameter and its source", v)
		}
	}
	want := map[string]string{
		"/query/page":      validate.CodeInvalidType,
		"/query/size":      validate.CodeOutOfRange,
		"/path/id":         validate.CodeInvalidUUID,
		"/header/X-Tenant": validate.CodeMissingParameter,
		"/query/ids":       validate.CodeTooManyValues,
		"/query/since":     validate.CodeInvalidTime,
		"/query/limit":     validate.CodeOutOfRange,
		"/query/debug":     validate.CodeInvalidType,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("violations = %v\nwant %v", got, want)
	}
}

func TestBindMessagesNameTheParameter(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/?page=abc", nil)
	r.Header.Set("X-Tenant", "t")
	var in listOrders
	err := validate.Bind(r, &in)
	e, ok := errors.AsType[*errors.Error](err)
	if !ok || len(e.Violations()) != 1 {
		t.Fatalf("Bind = %v, want one violation", err)
	}
	if msg := e.Violations()[0].Message; msg != `query parameter "page" must be an integer` {
		t.Errorf("message = %q, want it to name the parameter", msg)
	}
}

func TestBindRunsHooks(t *testing.T) {
	type search struct {
		Q     string `query:"q" normalize:"collapse"`
		Phone string `query:"phone" normalize:"e164=44"`
	}
	b := mustBinder(t, validate.BindOptions{Normalize: validate.Normalize})
	var s search
	if err := b.Bind(httptest.NewRequest(http.MethodGet, "/?q=+red++shoes+&phone=020+7946+0958", nil), &s); err != nil {
		t.Fatalf("Bind = %v, want nil", err)
	}
	if s.Q != "red shoes" || s.Phone != "+442079460958" {
		t.Errorf("Bind = %+v, want normalized values", s)
	}
	err := b.Bind(httptest.NewRequest(http.MethodGet, "/?phone=nope", nil), &s)
	if e, ok := errors.AsType[*errors.Error](err); !ok || e.StatusCode() != http.StatusUnprocessableEntity ||
		e.Violations()[0].Pointer != "/query/phone" {
		t.Errorf("Bind(bad phone) = %v, want a 422 at /query/phone", err)
	}

	srv := bindServer(t, mustBinder(t, validate.BindOptions{}))
	code, body := get(t, srv, "/users/123e4567-e89b-12d3-a456-426614174000/orders?size=500", http.Header{"X-Tenant": {"a"}})
	var p problem
	_ = json.Unmarshal(body, &p)
	if code != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Pointer != "/query/size" {
		t.Errorf("GET with size=500 = %d %s, want the Validate method's 422", code, body)
	}
}

func TestBindUnknownQuery(t *testing.T) {
	type q struct {
		Page int `query:"page"`
	}
	b := mustBinder(t, validate.BindOptions{RejectUnknownQuery: true})
	long := strings.Repeat("k", 300)
	r := httptest.NewRequest(http.MethodGet, "/?page=1&zeta=1&alpha=2&"+long+"=3", nil)
	err := b.Bind(r, &q{})
	e, ok := errors.AsType[*errors.Error](err)
	if !ok || e.StatusCode() != http.StatusBadRequest {
		t.Fatalf("Bind = %v, want a 400", err)
	}
	var got []string
	for _, v := range e.Violations() {
		if v.Code != validate.CodeUnknownParameter {
			t.Errorf("violation %+v, want code %s", v, validate.CodeUnknownParameter)
		}
		if len(v.Pointer) > 64 || len(v.Message) > 80 {
			t.Errorf("violation %+v echoes a long name", v)
		}
		got = append(got, v.Pointer)
	}
	if len(got) != 3 || got[0] != "/query/alpha" || got[2] != "/query/zeta" {
		t.Errorf("pointers = %q, want alpha, the long name, zeta", got)
	}
	if err := validate.Bind(r, &q{}); err != nil {
		t.Errorf("Bind with the default options = %v, want unknown parameters ignored", err)
	}
}

func TestBindEdgeCases(t *testing.T) {
	type target struct {
		S     string   `query:"s"`
		N     int      `query:"n"`
		Keep  int      `query:"keep"`
		Tilde string   `query:"a/b~c,required"`
		Tags  []string `query:"tags,comma" default:"x,y"`
	}
	tests := []struct {
		name  string
		query string
		want  target
		ptr   string // the pointer of the one violation expected, "" for none
	}{
		{"empty string is a value", "s=&a/b~c=1", target{Keep: 5, Tilde: "1", Tags: []string{"x", "y"}}, ""},
		{"empty number is invalid", "n=&a/b~c=1", target{}, "/query/n"},
		{"repeated scalar", "n=1&n=2&a/b~c=1", target{}, "/query/n"},
		{"escaped pointer", "", target{}, "/query/a~1b~0c"},
		{"comma items trimmed", "a/b~c=1&tags=+a+,,b", target{Keep: 5, Tilde: "1", Tags: []string{"a", "b"}}, ""},
		{"malformed query", "a/b~c=1&s=%zz", target{}, "/query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.URL.RawQuery = tt.query
			got := target{Keep: 5}
			err := validate.Bind(r, &got)
			if tt.ptr != "" {
				e, ok := errors.AsType[*errors.Error](err)
				if !ok || len(e.Violations()) != 1 || e.Violations()[0].Pointer != tt.ptr {
					t.Fatalf("Bind(%q) = %v, want one violation at %s", tt.query, err, tt.ptr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Bind(%q) = %v, want nil", tt.query, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Bind(%q) = %+v, want %+v", tt.query, got, tt.want)
			}
		})
	}
}

func TestBindProgrammingErrors(t *testing.T) {
	type unsupported struct {
		C chan int `query:"c"`
	}
	type badDefault struct {
		N int `query:"n" default:"ten"`
	}
	type twoSources struct {
		N int `query:"n" header:"N"`
	}
	type badOption struct {
		N int `query:"n,sometimes"`
	}
	type commaScalar struct {
		N int `query:"n,comma"`
	}
	type noName struct {
		N int `query:",required"`
	}
	var n int
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"unsupported type", &unsupported{}, "cannot be bound"},
		{"bad default", &badDefault{}, "default"},
		{"two sources", &twoSources{}, "both"},
		{"bad option", &badOption{}, "sometimes"},
		{"comma on a scalar", &commaScalar{}, "comma"},
		{"no name", &noName{}, "without a name"},
		{"not a struct", &n, "struct"},
		{"nil", nil, "pointer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate.Bind(httptest.NewRequest(http.MethodGet, "/?n=1", nil), tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Bind(%T) = %v, want an error mentioning %q", tt.v, err, tt.want)
			}
			if _, ok := errors.AsType[*errors.Error](err); ok {
				t.Errorf("Bind(%T) = %v, want a plain error", tt.v, err)
			}
		})
	}
}

func TestNewBinder(t *testing.T) {
	if _, err := validate.NewBinder(validate.BindOptions{MaxValues: -1}); err == nil || !strings.Contains(err.Error(), "MaxValues") {
		t.Errorf("NewBinder(MaxValues: -1) = %v, want an error naming MaxValues", err)
	}
}

func mustBinder(tb testing.TB, opts validate.BindOptions) *validate.Binder {
	tb.Helper()
	b, err := validate.NewBinder(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
