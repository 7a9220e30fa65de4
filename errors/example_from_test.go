package errors_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/keel-go/keel/errors"
)

func ExampleFrom() {
	var user struct {
		Age int `json:"age"`
	}
	err := json.NewDecoder(strings.NewReader(`{"age": "ten"}`)).Decode(&user)

	e := errors.From(err)
	fmt.Println(e.StatusCode(), e.Code())
	fmt.Println(e.Message())
	for _, v := range e.Violations() {
		fmt.Printf("%s %s: %s %v\n", v.Pointer, v.Code, v.Message, v.Params)
	}
	// Output:
	// 400 invalid_type
	// The request body has a value of the wrong type at /age: expected integer, got string.
	// /age type: must be an integer map[actual:string expected:integer]
}

// A domain error chooses its status by implementing StatusCoder, without
// importing net/http or this package.
type quotaExceeded struct{ limit int }

func (e *quotaExceeded) Error() string   { return fmt.Sprintf("quota of %d exceeded", e.limit) }
func (e *quotaExceeded) StatusCode() int { return 429 }

func ExampleStatusCoder() {
	err := fmt.Errorf("upload: %w", &quotaExceeded{limit: 10})

	e := errors.From(err)
	fmt.Println(e.StatusCode(), e.Code())
	fmt.Println(e.Title())
	fmt.Println(e)
	// Output:
	// 429 too_many_requests
	// Too Many Requests
	// too many requests: upload: quota of 10 exceeded
}
