package validate_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

type NewUser struct {
	Name  string                    `json:"name"`
	Age   uint8                     `json:"age"`
	Email validate.Optional[string] `json:"email"`
}

// Validate is the rules hook: Decode calls it once the body is decoded.
func (u *NewUser) Validate(ctx context.Context) error {
	if u.Name == "" {
		return errors.Unprocessable("The name is required.").
			WithViolations(errors.Violation{Pointer: "/name", Code: "required", Message: "is required"})
	}
	return nil
}

func Example() {
	for _, body := range []string{
		`{"name":"Ada","age":36}`,
		`{"name":"Ada","name":"Eve"}`,
		`{"Name":"Ada"}`,
		`{"name":"Ada","age":300}`,
		`{"name":""}`,
	} {
		r := httptest.NewRequest("POST", "/users", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var u NewUser
		if err := validate.Decode(r, &u); err != nil {
			e := errors.From(err)
			v := e.Violations()[0]
			fmt.Println(e.StatusCode(), v.Code, v.Pointer)
			continue
		}
		fmt.Println("ok", u.Name, u.Age)
	}
	// Output:
	// ok Ada 36
	// 400 duplicate_key /name
	// 400 case_mismatch /Name
	// 400 out_of_range /age
	// 422 required /name
}

func ExampleScan() {
	err := validate.Scan([]byte(`{"items":[{"qty":1},{"qty":2,"qty":3}]}`), validate.ScanLimits{})
	v := errors.From(err).Violations()[0]
	fmt.Println(v.Code, v.Pointer)
	// Output: duplicate_key /items/1/qty
}

func ExampleOptional() {
	type PatchUser struct {
		Name  validate.Optional[string] `json:"name"`
		Email validate.Optional[string] `json:"email"`
		Age   validate.Optional[int]    `json:"age"`
	}
	d, _ := validate.NewDecoder(validate.Options{})
	var p PatchUser
	if err := d.DecodeJSON(context.Background(), []byte(`{"email":null,"age":0}`), &p); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("name: set=%t\n", p.Name.Set)
	fmt.Printf("email: set=%t null=%t\n", p.Email.Set, p.Email.Null)
	age, ok := p.Age.Get()
	fmt.Printf("age: %d %t\n", age, ok)
	// Output:
	// name: set=false
	// email: set=true null=true
	// age: 0 true
}

func ExampleNewDecoder() {
	d, err := validate.NewDecoder(validate.Options{
		MaxBodyBytes:       64 << 10,
		AllowUnknownFields: true,
		TimeLayouts:        []string{time.DateTime},
		TimeZone:           validate.TimeZoneUTC,
	})
	if err != nil {
		panic(err)
	}
	var ev struct {
		At validate.Time `json:"at"`
	}
	r := httptest.NewRequest("POST", "/events", strings.NewReader(`{"at":"2026-11-27T10:00:00+02:00","source":"cli"}`))
	r.Header.Set("Content-Type", "application/json")
	if err := d.Decode(r, &ev); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.At.Format(time.RFC3339))
	// Output: 2026-11-27T08:00:00Z
}

func ExampleDecoder_Decode_unsupportedMediaType() {
	r := httptest.NewRequest("POST", "/users", strings.NewReader(`name=Ada`))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var u NewUser
	err := validate.Decode(r, &u)
	fmt.Println(errors.From(err).StatusCode(), errors.From(err).Extensions()["supported"])
	// Output: 415 [application/json application/xml text/xml]
}

func ExampleParseDuration() {
	for _, s := range []string{"1h30m", "PT1H30M", "P1DT12H", "P1M"} {
		d, err := validate.ParseDuration(s)
		if err != nil {
			fmt.Println(s, "->", err)
			continue
		}
		fmt.Println(s, "->", d)
	}
	// Output:
	// 1h30m -> 1h30m0s
	// PT1H30M -> 1h30m0s
	// P1DT12H -> 36h0m0s
	// P1M -> must be a duration without years or months, whose length depends on the date
}
