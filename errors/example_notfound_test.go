package errors_test

import (
	"fmt"

	"github.com/keel-go/keel/errors"
)

func ExampleNotFound() {
	err := errors.NotFound("no user with id %d", 42)

	fmt.Println(err.StatusCode(), err.Code())
	fmt.Println(err)
	// Output:
	// 404 not_found
	// no user with id 42
}

func ExampleE() {
	err := errors.E(402, "out_of_credit", "Your balance is %d, but that costs %d.", 30, 50).
		WithType("https://example.com/probs/out-of-credit").
		WithTitle("You do not have enough credit.")

	fmt.Println(err.StatusCode(), err.Code())
	fmt.Println(err.Type())
	fmt.Println(err.Title())
	// Output:
	// 402 out_of_credit
	// https://example.com/probs/out-of-credit
	// You do not have enough credit.
}
