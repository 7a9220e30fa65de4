package rest_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/keel-go/keel/rest"
)

func ExampleList_SQL() {
	users := rest.MustList(rest.ListSpec{
		Sorts:   []rest.SortField{{Name: "name", Column: "u.name"}},
		Key:     rest.SortField{Name: "id", Column: "u.id", Type: rest.Int},
		Filters: []rest.FilterField{{Name: "status", Column: "u.status", Ops: []rest.Op{rest.Eq, rest.Ne}}},
		Search:  []string{"u.name", "u.email"},
	})
	r := httptest.NewRequest("GET", "/users?page=3&size=10&sort=-name&filter[status][ne]=banned&q=50%25_off", nil)
	q, err := users.Parse(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	sel := rest.Select{
		Base:  "SELECT u.id, u.name FROM users AS u",
		Where: "u.tenant_id = $1",
		Args:  []any{7},
	}
	query, args, err := users.SQL(rest.Postgres, sel, q)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(query)
	fmt.Println(args)

	sel.Where = "u.tenant_id = ?"
	query, args, _ = users.SQL(rest.MySQL, sel, q)
	fmt.Println(query)
	fmt.Println(args)
	// Output:
	// SELECT u.id, u.name FROM users AS u WHERE (u.tenant_id = $1) AND "u"."status" <> $2 AND ("u"."name" ILIKE $3 ESCAPE '!' OR "u"."email" ILIKE $3 ESCAPE '!') ORDER BY "u"."name" DESC, "u"."id" ASC LIMIT $4 OFFSET $5
	// [7 banned %50!%!_off% 11 20]
	// SELECT u.id, u.name FROM users AS u WHERE (u.tenant_id = ?) AND `u`.`status` <> ? AND (`u`.`name` LIKE ? ESCAPE '!' OR `u`.`email` LIKE ? ESCAPE '!') ORDER BY `u`.`name` DESC, `u`.`id` ASC LIMIT ? OFFSET ?
	// [7 banned %50!%!_off% %50!%!_off% 11 20]
}
