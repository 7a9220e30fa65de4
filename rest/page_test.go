package rest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/rest"
)

type item struct {
	ID   int64  `json:"id" xml:"id"`
	Name string `json:"name" xml:"name"`
}

func itemKey(it item, field string) any {
	if field == "name" {
		return it.Name
	}
	return it.ID
}

func items(ids ...int64) []item {
	var s []item
	for _, id := range ids {
		s = append(s, item{ID: id, Name: "n" + string(rune('a'+id))})
	}
	return s
}

func ids(its []item) []int64 {
	var s []int64
	for _, it := range its {
		s = append(s, it.ID)
	}
	return s
}

func TestNewPagePages(t *testing.T) {
	l := testList(t)
	tests := []struct {
		query string
		rows  []item
		want  []int64
		more  bool
	}{
		{"size=2", items(1, 2, 3), []int64{1, 2}, true},
		{"size=2", items(1, 2), []int64{1, 2}, false},
		{"size=2&page=9", nil, nil, false},
	}
	for _, tt := range tests {
		q, _ := parse(t, l, tt.query)
		p, err := rest.NewPage(l, q, tt.rows, nil)
		if err != nil {
			t.Fatalf("NewPage(%s) error = %v", tt.query, err)
		}
		if !slices.Equal(ids(p.Items), tt.want) || p.HasMore != tt.more || p.Items == nil || p.NextCursor != "" || p.PrevCursor != "" {
			t.Errorf("NewPage(%s) = %+v, want items %v, more %v, no cursors", tt.query, p, tt.want, tt.more)
		}
	}
}

func TestNewPageCursors(t *testing.T) {
	l := cursorList(t, "users", testKey)
	first, _ := parse(t, l, "size=2&sort=name")

	p, err := rest.NewPage(l, first, items(1, 2, 3), itemKey)
	if err != nil {
		t.Fatalf("NewPage(first) error = %v", err)
	}
	if !slices.Equal(ids(p.Items), []int64{1, 2}) || !p.HasMore || p.NextCursor == "" || p.PrevCursor != "" {
		t.Fatalf("NewPage(first) = %+v, want items 1 2, a next cursor and no prev", p)
	}
	next, err := parse(t, l, "size=2&cursor="+p.NextCursor)
	if err != nil || next.Cursor == nil || next.Cursor.Backward || next.Cursor.Values[1] != int64(2) {
		t.Fatalf("Parse(next cursor) = %+v, %v; want forward after id 2", next, err)
	}

	// The last page, reached forward: a prev cursor, no next.
	p, err = rest.NewPage(l, next, items(3, 4), itemKey)
	if err != nil || p.HasMore || p.NextCursor != "" || p.PrevCursor == "" {
		t.Fatalf("NewPage(last) = %+v, %v; want a prev cursor only", p, err)
	}
	prev, err := parse(t, l, "size=2&cursor="+p.PrevCursor)
	if err != nil || !prev.Cursor.Backward || prev.Cursor.Values[1] != int64(3) {
		t.Fatalf("Parse(prev cursor) = %+v, %v; want backward before id 3", prev, err)
	}

	// Going back, rows come in reverse order: 2, 1 and an extra 0.
	p, err = rest.NewPage(l, prev, items(2, 1, 0), itemKey)
	if err != nil || !slices.Equal(ids(p.Items), []int64{1, 2}) || !p.HasMore || p.NextCursor == "" || p.PrevCursor == "" {
		t.Fatalf("NewPage(backward) = %+v, %v; want items 1 2 and both cursors", p, err)
	}
	// Back at the start: no prev cursor.
	p, err = rest.NewPage(l, prev, items(2, 1), itemKey)
	if err != nil || !slices.Equal(ids(p.Items), []int64{1, 2}) || p.PrevCursor != "" || p.NextCursor == "" {
		t.Fatalf("NewPage(backward to start) = %+v, %v; want items 1 2, a next cursor only", p, err)
	}

	// An empty page has no cursors and needs no key.
	p, err = rest.NewPage[item](l, next, nil, nil)
	if err != nil || len(p.Items) != 0 || p.Items == nil || p.NextCursor != "" || p.PrevCursor != "" {
		t.Errorf("NewPage(empty) = %+v, %v; want an empty non-nil page", p, err)
	}
	if _, err := rest.NewPage(l, first, items(1), nil); !errors.Is(err, rest.ErrCursor) {
		t.Errorf("NewPage(nil key) error = %v, want ErrCursor", err)
	}
	bad := func(it item, field string) any { return struct{}{} }
	if _, err := rest.NewPage(l, first, items(1, 2, 3), bad); !errors.Is(err, rest.ErrCursor) {
		t.Errorf("NewPage(bad key) error = %v, want ErrCursor", err)
	}
}

func TestLinks(t *testing.T) {
	total := func(n int64) *int64 { return &n }
	tests := []struct {
		name string
		url  string
		page rest.Page[item]
		want string
	}{
		{"page one of many", "/items?size=10&sort=-name&page=1", rest.Page[item]{Page: 1, Size: 10, HasMore: true},
			`</items?page=2&size=10&sort=-name>; rel="next", </items?page=1&size=10&sort=-name>; rel="first"`},
		{"middle with total", "/items?size=10&page=3&filter%5Bage%5D=1", rest.Page[item]{Page: 3, Size: 10, HasMore: true, Total: total(41)},
			`</items?filter%5Bage%5D=1&page=4&size=10>; rel="next", </items?filter%5Bage%5D=1&page=2&size=10>; rel="prev", </items?filter%5Bage%5D=1&page=1&size=10>; rel="first", </items?filter%5Bage%5D=1&page=5&size=10>; rel="last"`},
		{"empty total", "/items", rest.Page[item]{Page: 1, Size: 20, Total: total(0)},
			`</items?page=1>; rel="first", </items?page=1>; rel="last"`},
		{"cursors", "/items?cursor=old&size=5", rest.Page[item]{Size: 5, NextCursor: "N", PrevCursor: "P", HasMore: true},
			`</items?cursor=N&size=5>; rel="next", </items?cursor=P&size=5>; rel="prev", </items?size=5>; rel="first"`},
		{"absolute", "https://api.example.com/v1/items?size=5", rest.Page[item]{Size: 5, NextCursor: "N"},
			`<https://api.example.com/v1/items?cursor=N&size=5>; rel="next", <https://api.example.com/v1/items?size=5>; rel="first"`},
		{"escaped path", "/a%20b/%3E", rest.Page[item]{Page: 1, Size: 5},
			`</a%20b/%3E?page=1>; rel="first"`},
		{"double slash", "//evil.example/x", rest.Page[item]{Page: 1, Size: 5},
			`</.//evil.example/x?page=1>; rel="first"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(tt.url, "//") {
				u = &url.URL{Path: tt.url}
			}
			if got := tt.page.Links(u); got != tt.want {
				t.Errorf("Links(%s) =\n%s\nwant\n%s", tt.url, got, tt.want)
			}
		})
	}
}

// TestWritePageHTTP lists through a real server and client, following the
// Link headers from the first page to the last.
func TestWritePageHTTP(t *testing.T) {
	l := cursorList(t, "users", testKey)
	all := items(1, 2, 3, 4, 5, 6, 7)
	h := errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		q, err := l.Parse(r)
		if err != nil {
			return err
		}
		// An in-memory stand-in for the query: rows after the cursor's id,
		// in id order, size+1 of them.
		var rows []item
		for _, it := range all {
			if q.Cursor == nil || it.ID > q.Cursor.Values[0].(int64) {
				rows = append(rows, it)
			}
		}
		rows = rows[:min(len(rows), q.Size+1)]
		p, err := rest.NewPage(l, q, rows, itemKey)
		if err != nil {
			return err
		}
		return rest.WritePage(w, r, p)
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	var got []int64
	next := srv.URL + "/items?size=3&fields=id"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatalf("more than 5 pages; got %v", got)
		}
		resp, err := srv.Client().Get(next)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Items   []item `json:"items"`
			HasMore bool   `json:"has_more"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatalf("decode page: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("GET %s = %d %s, want 200 JSON", next, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		got = append(got, ids(p.Items)...)
		next = ""
		for l := range strings.SplitSeq(resp.Header.Get("Link"), ", ") {
			if target, ok := strings.CutSuffix(l, `>; rel="next"`); ok {
				next = srv.URL + strings.TrimPrefix(target, "<")
				if !strings.Contains(next, "fields=id") || !strings.Contains(next, "size=3") {
					t.Errorf("next link %s lost the other parameters", next)
				}
			}
		}
	}
	if !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("items over all pages = %v, want 1 to 7", got)
	}

	// A bad request is a problem, not a page.
	resp, err := srv.Client().Get(srv.URL + "/items?size=1000&cursor=forged")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" ||
		!strings.Contains(string(body), `"/query/size"`) || !strings.Contains(string(body), `"/query/cursor"`) {
		t.Errorf("GET bad query = %d %s %s, want a 400 problem naming size and cursor", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	// XML for a client that asks for it.
	req, _ := http.NewRequest("GET", srv.URL+"/items?size=2", nil)
	req.Header.Set("Accept", "application/xml")
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<page><items><item><id>1</id>") {
		t.Errorf("GET as XML = %d %s, want a <page> document", resp.StatusCode, body)
	}
}
