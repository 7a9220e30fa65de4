package validate_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

// OrderQuery is bound from the path, the query string and a header.
type OrderQuery struct {
	User   int      `path:"id"`
	Tenant string   `header:"X-Tenant,required"`
	Page   int      `query:"page" default:"1"`
	Status []string `query:"status,comma"`
	Email  string   `query:"email" normalize:"email"`
}

func ExampleBind() {
	for _, target := range []string{
		"/users/7/orders?status=open,held&email=+Ada@Example.ORG",
		"/users/7/orders?page=zero&status=open",
	} {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.SetPathValue("id", "7") // as package router or http.ServeMux do
		r.Header.Set("X-Tenant", "acme")
		var q OrderQuery
		if err := validate.Bind(r, &q); err != nil {
			e := errors.From(err)
			fmt.Println(e.StatusCode(), e.Code())
			for _, v := range e.Violations() {
				fmt.Println(" ", v.Pointer, v.Code+":", v.Message)
			}
			continue
		}
		// Bind leaves normalization to BindOptions.Normalize: see
		// ExampleNewBinder.
		fmt.Printf("%+v\n", q)
	}
	// Output:
	// {User:7 Tenant:acme Page:1 Status:[open held] Email: Ada@Example.ORG}
	// 400 invalid_parameter
	//   /query/page invalid_type: query parameter "page" must be an integer
}

func ExampleNewBinder() {
	b, err := validate.NewBinder(validate.BindOptions{
		RejectUnknownQuery: true,
		Normalize:          validate.Normalize,
	})
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/users/7/orders?email=+Ada@Example.ORG&utm_source=mail", nil)
	r.SetPathValue("id", "7")
	var q OrderQuery
	err = b.Bind(r, &q)
	for _, v := range errors.From(err).Violations() {
		fmt.Println(v.Pointer, v.Code+":", v.Message)
	}

	r = httptest.NewRequest(http.MethodGet, "/users/7/orders?email=+Ada@Example.ORG", nil)
	r.SetPathValue("id", "7")
	r.Header.Set("X-Tenant", "acme")
	if err := b.Bind(r, &q); err != nil {
		panic(err)
	}
	fmt.Println(q.Email)
	// Output:
	// /header/X-Tenant missing_parameter: header parameter "X-Tenant" is required
	// /query/utm_source unknown_parameter: unknown query parameter "utm_source"
	// ada@example.org
}

func ExampleCoerce() {
	var limit uint8
	fmt.Println(validate.Coerce(&limit, "50"), limit)
	err := validate.Coerce(&limit, "300")
	if ce, ok := errors.AsType[*validate.CoerceError](err); ok {
		fmt.Println(ce.Code, ce.Message)
	}
	var ids []int
	fmt.Println(validate.Coerce(&ids, "3", "1", "2"), ids)
	// Output:
	// <nil> 50
	// out_of_range must be between 0 and 255
	// <nil> [3 1 2]
}

// Signup shows normalization and sanitization tags.
type Signup struct {
	Name  string   `json:"name" normalize:"collapse,nfc" sanitize:"strip_control"`
	Email string   `json:"email" normalize:"email"`
	Phone string   `json:"phone" normalize:"e164=44"`
	Bio   string   `json:"bio" sanitize:"strip_tags"`
	Tags  []string `json:"tags" normalize:"trim,lower"`
}

func ExampleNormalize() {
	dec, err := validate.NewDecoder(validate.Options{Normalize: validate.Normalize})
	if err != nil {
		panic(err)
	}
	var s Signup
	err = dec.DecodeJSON(context.Background(), []byte(`{
		"name": "  Ada \t Lovelace\u0007 ",
		"email": " Ada@Example.ORG",
		"phone": "020 7946 0958",
		"bio": "Analyst <script>alert(1)</script><b>of engines</b>",
		"tags": [" Math ", "POETRY"]
	}`), &s)
	fmt.Println(err)
	fmt.Printf("%q\n%q\n%q\n%q\n%q\n", s.Name, s.Email, s.Phone, s.Bio, s.Tags)

	err = dec.DecodeJSON(context.Background(), []byte(`{"phone": "call me"}`), &s)
	for _, v := range errors.From(err).Violations() {
		fmt.Println(v.Pointer, v.Code)
	}
	// Output:
	// <nil>
	// "Ada Lovelace"
	// "ada@example.org"
	// "+442079460958"
	// "Analyst of engines"
	// ["math" "poetry"]
	// /phone invalid_phone
}

func ExampleNormalizeE164() {
	for _, s := range []string{"+1 (415) 555-2671", "0044 20 7946 0958", "020 7946 0958", "0958"} {
		fmt.Println(validate.NormalizeE164(s, "44"))
	}
	// Output:
	// +14155552671 <nil>
	// +442079460958 <nil>
	// +442079460958 <nil>
	//  validate: invalid phone number: fewer than 7 digits
}

func ExampleStripTags() {
	fmt.Println(validate.StripTags(`Hi <b onclick="steal()">there</b><script>alert(1)</script> &amp; bye <img src=x onerror=alert(1)`))
	// Output:
	// Hi there &amp; bye
}
