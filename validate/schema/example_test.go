package schema_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
	"github.com/keel-go/keel/validate/schema"
)

func Example() {
	s := schema.MustCompile("user.json", []byte(`{
		"type": "object",
		"required": ["name", "address"],
		"properties": {
			"name": {"type": "string", "minLength": 2},
			"email": {"type": "string", "format": "email"},
			"address": {"type": "object", "required": ["city"]}
		}
	}`), schema.Options{})

	err := s.ValidateJSON([]byte(`{"name":"A","email":"nope","address":{}}`))
	e, _ := errors.AsType[*errors.Error](err)
	fmt.Println(e.StatusCode(), e.Code())
	for _, v := range e.Violations() {
		fmt.Println(v.Pointer, v.Code, v.Message, v.Params)
	}
	// Output:
	// 422 validation_failed
	// /address/city required is required map[property:city]
	// /email format must be a valid email map[format:email]
	// /name minLength must be at least 2 characters long map[min:2]
}

func ExampleCompile() {
	_, err := schema.Compile("order.json", []byte(`{"$ref": "https://example.com/line.json"}`), schema.Options{})
	fmt.Println(errors.Is(err, schema.ErrRemoteRef))

	s, err := schema.Compile("order.json", []byte(`{"items": {"$ref": "https://example.com/line.json"}}`), schema.Options{
		Resources: map[string][]byte{"https://example.com/line.json": []byte(`{"properties": {"qty": {"maximum": 99}}}`)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = s.ValidateJSON([]byte(`[{"qty": 1}, {"qty": 100}]`))
	e, _ := errors.AsType[*errors.Error](err)
	fmt.Println(e.Violations()[0].Pointer, e.Violations()[0].Message)
	// Output:
	// true
	// /1/qty must be at most 99
}

// A schema plugs into package validate's decoder: the body is checked
// against it before it is decoded into the struct.
func Example_decoder() {
	type signup struct {
		Email string `json:"email"`
	}
	s := schema.MustCompile("signup.json", []byte(`{
		"type": "object",
		"required": ["email"],
		"properties": {"email": {"type": "string", "format": "email"}}
	}`), schema.Options{})
	d, err := validate.NewDecoder(validate.Options{Schema: s})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var in signup
		if err := d.Decode(r, &in); err != nil {
			return err
		}
		fmt.Fprintln(w, "welcome", in.Email)
		return nil
	})

	for _, body := range []string{`{"email":"ada@example.com"}`, `{"email":"ada"}`} {
		r := httptest.NewRequest("POST", "/signup", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
		if w.Code != http.StatusOK {
			fmt.Println()
		}
	}
	// Output:
	// 200 welcome ada@example.com
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"The request body does not match the schema.","code":"validation_failed","errors":[{"pointer":"/email","code":"format","message":"must be a valid email","params":{"format":"email"}}]}
}
