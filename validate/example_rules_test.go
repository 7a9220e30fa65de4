package validate_test

import (
	"context"
	"fmt"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

type Registration struct {
	Name     string `json:"name" validate:"required,min=3,max=50"`
	Email    string `json:"email" validate:"required,email"`
	Password string `json:"password" validate:"min=8"`
	Confirm  string `json:"confirm" validate:"eqfield=Password"`
	Country  string `json:"country" validate:"country"`
}

func ExampleCheck() {
	s := Registration{Name: "Al", Email: "al@example.com", Password: "correct horse", Confirm: "correct hose", Country: "FR"}
	err := validate.Check(context.Background(), &s)
	for _, v := range errors.From(err).Violations() {
		fmt.Println(v.Pointer, v.Code, v.Params, v.Message)
	}
	// Output:
	// /name min_length map[min:3] must be at least 3 characters long
	// /confirm eqfield map[field:password] must equal password
}

type Reservation struct {
	Guest  string                    `json:"guest"`
	Guests int                       `json:"guests"`
	Email  validate.Optional[string] `json:"email"`
}

func ExampleStruct() {
	b := Reservation{Guest: "", Guests: 0, Email: validate.Some("not an email")}
	err := validate.Struct(context.Background(), &b,
		validate.Field(&b.Guest, validate.Required[string]()),
		validate.Field(&b.Guests, validate.Min(1), validate.Max(8)),
		validate.OptionalField(&b.Email, validate.Email()),
	)
	for _, v := range errors.From(err).Violations() {
		fmt.Println(v.Pointer, v.Code, v.Message)
	}
	// Output:
	// /guest required is required
	// /guests min must be at least 1
	// /email email must be an email address
}
