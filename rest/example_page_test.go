package rest_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/keel-go/keel/rest"
)

type user struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func ExampleWritePage() {
	users := rest.MustList(rest.ListSpec{
		Sorts: []rest.SortField{{Name: "name", Column: "name"}},
		Key:   rest.SortField{Name: "id", Column: "id", Type: rest.Int},
	})
	r := httptest.NewRequest("GET", "/users?page=2&size=2&sort=name", nil)
	q, _ := users.Parse(r)

	// The rows the query from users.SQL returned: size+1 of them, so there
	// is a next page.
	rows := []user{{3, "Cid"}, {4, "Dee"}, {5, "Eve"}}
	page, _ := rest.NewPage(users, q, rows, nil)
	page.WithTotal(5)

	w := httptest.NewRecorder()
	if err := rest.WritePage(w, r, page); err != nil {
		fmt.Println(err)
	}
	fmt.Println(w.Code)
	fmt.Println(w.Header().Get("Link"))
	fmt.Print(w.Body.String())
	// Output:
	// 200
	// </users?page=3&size=2&sort=name>; rel="next", </users?page=1&size=2&sort=name>; rel="prev", </users?page=1&size=2&sort=name>; rel="first", </users?page=3&size=2&sort=name>; rel="last"
	// {"items":[{"id":3,"name":"Cid"},{"id":4,"name":"Dee"}],"page":2,"size":2,"total":5,"has_more":true}
}

func ExampleNewPage_cursor() {
	key := []byte("an example key of at least 32 bytes, kept secret")
	users := rest.MustList(rest.ListSpec{
		Name:      "users",
		Sorts:     []rest.SortField{{Name: "name", Column: "name"}},
		Key:       rest.SortField{Name: "id", Column: "id", Type: rest.Int},
		CursorKey: key,
	})
	userKey := func(u user, field string) any {
		if field == "name" {
			return u.Name
		}
		return u.ID
	}

	// The first page: no cursor.
	r := httptest.NewRequest("GET", "/users?size=2&sort=name", nil)
	q, _ := users.Parse(r)
	page, _ := rest.NewPage(users, q, []user{{1, "Ann"}, {2, "Bob"}, {3, "Cid"}}, userKey)
	fmt.Println(page.HasMore, page.NextCursor != "", page.PrevCursor != "")

	// The next page continues after Bob, found by the cursor.
	r = httptest.NewRequest("GET", "/users?size=2&cursor="+page.NextCursor, nil)
	q, err := users.Parse(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.Sort, q.Cursor.Values)
	query, args, _ := users.SQL(rest.SQLite, rest.Select{Base: "SELECT id, name FROM users"}, q)
	fmt.Println(query)
	fmt.Println(args)
	// Output:
	// true true false
	// [name id] [Bob 2]
	// SELECT id, name FROM users WHERE (("name" > ?) OR ("name" = ? AND "id" > ?)) ORDER BY "name" ASC, "id" ASC LIMIT ?
	// [Bob Bob 2 3]
}
