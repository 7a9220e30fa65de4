package rest_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/rest"
)

func ExampleList_Parse() {
	users := rest.MustList(rest.ListSpec{
		Sorts: []rest.SortField{{Name: "created_at", Column: "created_at", Type: rest.Time}, {Name: "name", Column: "name"}},
		Key:   rest.SortField{Name: "id", Column: "id", Type: rest.Int},
		Filters: []rest.FilterField{
			{Name: "status", Column: "status", Type: rest.Enum, Values: []string{"open", "closed"}, Ops: []rest.Op{rest.Eq, rest.In}},
			{Name: "age", Column: "age", Type: rest.Int, Ops: []rest.Op{rest.Gte, rest.Lt}},
		},
	})

	r := httptest.NewRequest("GET", "/users?page=2&size=10&sort=-created_at,name&filter[status][in]=open,closed&filter[age][gte]=18", nil)
	q, err := users.Parse(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("page", q.Page, "size", q.Size, "offset", q.Offset())
	fmt.Println("sort", q.Sort)
	for _, f := range q.Filters {
		fmt.Println("filter", f.Field, f.Op, f.Values)
	}
	// Output:
	// page 2 size 10 offset 10
	// sort [-created_at name id]
	// filter age gte [18]
	// filter status in [open closed]
}

func ExampleList_Parse_invalid() {
	users := rest.MustList(rest.ListSpec{
		Sorts:   []rest.SortField{{Name: "name", Column: "name"}},
		Filters: []rest.FilterField{{Name: "age", Column: "age", Type: rest.Int}},
	})

	r := httptest.NewRequest("GET", "/users?size=500&sort=password&filter[age]=abc&debug=1", nil)
	_, err := users.Parse(r)
	e, _ := errors.AsType[*errors.Error](err)
	fmt.Println(e.StatusCode(), e.Code())
	for _, v := range e.Violations() {
		fmt.Printf("%s %s: %s\n", v.Pointer, v.Code, v.Message)
	}
	// Output:
	// 400 invalid_query
	// /query/debug unknown_parameter: unknown parameter "debug"
	// /query/filter[age] invalid_value: "filter[age]": want an integer
	// /query/size out_of_range: size must be between 1 and 100
	// /query/sort unknown_field: cannot sort by "password"; allowed: name
}
