// Package rest holds the conventions of REST list endpoints: it parses
// pagination, sorting, filtering and search parameters against an
// allowlist declared once per endpoint, turns the result into
// parameterized SQL, and writes list responses with RFC 8288 Link headers.
// It also answers 201 Created with a Location built from a named route.
//
//	var users = rest.MustList(rest.ListSpec{
//		Name:    "users",
//		Sorts:   []rest.SortField{{Name: "created_at", Column: "created_at", Type: rest.Time}, {Name: "name", Column: "name"}},
//		Key:     rest.SortField{Name: "id", Column: "id", Type: rest.Int},
//		Filters: []rest.FilterField{{Name: "status", Column: "status", Type: rest.Enum, Values: []string{"open", "closed"}, Ops: []rest.Op{rest.Eq, rest.In}}},
//		Search:  []string{"name", "email"},
//		CursorKey: cursorKey, // 32+ secret bytes
//	})
//
//	func handleUsers(db *sql.DB) http.Handler {
//		return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
//			q, err := users.Parse(r) // a 400 problem naming every bad parameter
//			if err != nil {
//				return err
//			}
//			query, args, err := users.SQL(rest.Postgres, rest.Select{Base: "SELECT id, name, created_at FROM users"}, q)
//			if err != nil {
//				return err
//			}
//			rows, err := loadUsers(r.Context(), db, query, args) // db.QueryContext(ctx, query, args...)
//			if err != nil {
//				return err
//			}
//			page, err := rest.NewPage(users, q, rows, userKey)
//			if err != nil {
//				return err
//			}
//			return rest.WritePage(w, r, page) // Link: <...>; rel="next", ...
//		})
//	}
//
// # Request syntax
//
//	GET /users?size=20&sort=-created_at,name&filter[status][in]=open,closed&filter[created_at][gte]=2026-01-01T00:00:00Z&q=ann
//
// The parameters are:
//
//   - size: items per page, 1 to ListSpec.MaxPageSize. A larger size is a
//     400, not silently clamped: a client asking for 1000 items and getting
//     100 would believe it had them all.
//   - page: the 1-based page number (page pagination). page < 1 is a 400.
//   - cursor: the opaque position from a previous response's next_cursor or
//     prev_cursor (keyset pagination); a 400 together with page.
//   - sort: comma-separated fields, "-" for descending. A field outside
//     ListSpec.Sorts, a field given twice or an empty term is a 400. The
//     list's Key is appended as the tiebreaker, so the order is total.
//   - filter[field]=v or filter[field][op]=v, op one of eq (the default),
//     ne, lt, lte, gt, gte, in (comma-separated values) and like (contains,
//     case-insensitively). A field outside ListSpec.Filters, an operator
//     the field does not allow, or a value that is not of the field's
//     [Type] is a 400. Filters on one field with different operators
//     combine (filter[age][gte]=18&filter[age][lt]=65); the same filter
//     twice, as a repeated parameter or as filter[x] beside filter[x][eq],
//     is a 400 rather than a silent choice of one.
//   - q: free-text search, a case-insensitive "contains" over
//     ListSpec.Search, at most ListSpec.MaxSearchLen bytes.
//
// Any other parameter is a 400, unless listed in ListSpec.Params; so is any
// of the above given more than once. All the problems of one request are
// reported together in one 400 problem with code [CodeInvalidQuery],
// a violation per problem. A violation's pointer is "/query/" followed by
// the parameter's name ("/query/filter[age]", with "~" and "/" escaped as
// RFC 6901 says), and its params hold the name under "parameter", so a
// client finds the offending parameter by either.
//
// # Page and keyset pagination
//
// A list without a CursorKey uses page numbers only. A list with one uses
// keyset pagination unless the request has a page parameter: the first
// request has no cursor, and each response carries the cursors of the
// pages around it. Keyset pagination stays fast and stable at any depth and
// under concurrent inserts; page numbers allow jumping to a page and, with
// a total, a last link.
//
// A cursor holds the sort order and the sort-key values of the row the page
// starts after (or before, going back), signed with HMAC-SHA256 under
// ListSpec.CursorKey and bound to ListSpec.Name, in base64url. A cursor
// that was altered, was signed with another key or for another list, or
// was issued for another sort than the request's is a 400. A request with a
// cursor and no sort parameter continues in the cursor's order. Cursors do
// not expire and do not hide the key values from a client that decodes
// them; they only guarantee that the values come from the server. Sort
// columns must be NOT NULL for keyset pagination to be exact.
//
// # SQL injection
//
// [List.SQL] prevents SQL injection by construction, not by cleaning
// strings. Identifiers in the query only ever come from the ListSpec the
// programmer wrote, looked up by the field names a client sent and quoted
// for the [Dialect]: a client chooses among allowlisted columns but cannot
// name another. Values (filters, search, cursor values, limit and offset)
// only ever travel as arguments of placeholders ($1 for [Postgres], ? for
// [MySQL] and [SQLite]) and never enter the query text. LIKE patterns are
// built from the client's text with %, _ and the escape character escaped,
// under an explicit ESCAPE clause, so a search for "100%" matches that text
// and not everything. No function here quotes or escapes a value into SQL,
// and none should be written.
//
// # Why a package of its own
//
// rest is small and depends only on the standard library, errors, router
// and negotiate. A service uses it without keel's validate package, and a
// data layer imports it to build list queries without importing request
// validation and its dependencies. Its parser is an allowlist of a
// different kind (query parameters to SQL identifiers and typed values)
// from a validator of request bodies.
package rest
