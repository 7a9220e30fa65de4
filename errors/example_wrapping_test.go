package errors_test

import (
	"database/sql"
	"fmt"

	"github.com/keel-go/keel/errors"
)

// ErrNoUser is a sentinel: the With methods copy it, so it is never
// modified, and the copies still match it.
var ErrNoUser = errors.NotFound("no such user")

func findUser(id int) error {
	// The database said sql.ErrNoRows: keep it as the cause, for the logs.
	return ErrNoUser.WithCause(sql.ErrNoRows)
}

func Example_wrapping() {
	err := fmt.Errorf("load profile: %w", findUser(7))

	fmt.Println(err)
	fmt.Println(errors.Is(err, ErrNoUser), errors.Is(err, sql.ErrNoRows))

	if e, ok := errors.AsType[*errors.Error](err); ok {
		fmt.Println(e.StatusCode(), e.Code())
	}
	fmt.Println(errors.From(err).StatusCode())
	// Output:
	// load profile: no such user: sql: no rows in result set
	// true true
	// 404 not_found
	// 404
}
