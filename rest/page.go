package rest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/keel-go/keel/negotiate"
)

// Page is one page of a list response: the items and what a client needs
// to fetch the pages around it. [NewPage] builds it from the rows a query
// built by [List.SQL] returned; [WritePage] sends it.
//
// In JSON it reads
//
//	{"items":[...],"page":2,"size":20,"total":57,"has_more":true}
//	{"items":[...],"size":20,"has_more":true,"next_cursor":"AXk...","prev_cursor":"AfQ..."}
//
// A Page is a plain value, not safe for concurrent mutation.
type Page[T any] struct {
	XMLName xml.Name `json:"-" xml:"page"`
	// Items are the page's items, in the requested order.
	Items []T `json:"items" xml:"items>item"`
	// Page is the 1-based page number in page pagination, 0 with cursors.
	Page int `json:"page,omitempty" xml:"number,omitempty"`
	// Size is the requested page size; Items may hold fewer.
	Size int `json:"size" xml:"size"`
	// Total is the number of items in the whole list, nil when unknown;
	// see [Page.WithTotal].
	Total *int64 `json:"total,omitempty" xml:"total,omitempty"`
	// HasMore reports whether a page follows this one.
	HasMore bool `json:"has_more" xml:"has_more"`
	// NextCursor fetches the next page, "" when there is none or in page
	// pagination.
	NextCursor string `json:"next_cursor,omitempty" xml:"next_cursor,omitempty"`
	// PrevCursor fetches the previous page, "" when there is none or in
	// page pagination.
	PrevCursor string `json:"prev_cursor,omitempty" xml:"prev_cursor,omitempty"`
}

// NewPage builds the page of q from rows, the result of the query
// [List.SQL] built for q. It drops the extra row the query's limit asked
// for (its presence sets HasMore), restores the order of a backward page,
// and in keyset pagination makes the next and previous cursors from the
// first and last items with key, which returns an item's value of a sort
// field given its name (the list's Key included):
//
//	func(u User, field string) any {
//		switch field {
//		case "created_at":
//			return u.CreatedAt
//		case "name":
//			return u.Name
//		}
//		return u.ID
//	}
//
// key is not called in page pagination and may then be nil. The error
// wraps [ErrCursor] when a cursor cannot be made.
func NewPage[T any](l *List, q ListQuery, rows []T, key func(item T, field string) any) (*Page[T], error) {
	p := &Page[T]{Page: q.Page, Size: q.Size, Items: rows}
	more := q.Size > 0 && len(rows) > q.Size
	if more {
		p.Items = rows[:q.Size]
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	if !q.Keyset() {
		p.HasMore = more
		return p, nil
	}
	back := q.Cursor != nil && q.Cursor.Backward
	if back {
		p.Items = slices.Clone(p.Items)
		slices.Reverse(p.Items)
	}
	if len(p.Items) == 0 {
		return p, nil
	}
	if key == nil {
		return nil, fmt.Errorf("%w: NewPage needs a key function for keyset pagination", ErrCursor)
	}
	cursor := func(item T, backward bool) (string, error) {
		vals := make([]any, len(q.Sort))
		for i, t := range q.Sort {
			vals[i] = key(item, t.Field)
		}
		return l.Cursor(q, vals, backward)
	}
	var err error
	// Going forward, a next page exists if the query found an extra row,
	// and a previous one if we came through a cursor. Going backward it is
	// the other way round.
	hasNext, hasPrev := more, q.Cursor != nil
	if back {
		hasNext, hasPrev = true, more
	}
	p.HasMore = hasNext
	if hasNext {
		if p.NextCursor, err = cursor(p.Items[len(p.Items)-1], false); err != nil {
			return nil, err
		}
	}
	if hasPrev {
		if p.PrevCursor, err = cursor(p.Items[0], true); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// WithTotal sets the total number of items, as counted by the query
// [List.CountSQL] builds, and returns p. A known total adds the last link
// in page pagination.
func (p *Page[T]) WithTotal(n int64) *Page[T] {
	p.Total = &n
	return p
}

// Links returns the value of the RFC 8288 Link header of p: the next,
// prev, first and (in page pagination, when the total is known) last
// pages, each as u with its page or cursor parameter replaced and every
// other query parameter kept. Pass the request's URL for request-relative
// links, or an absolute URL built from the public base for absolute ones.
// It returns "" when there is nothing to link to.
func (p *Page[T]) Links(u *url.URL) string {
	q := u.Query()
	q.Del(ParamPage)
	q.Del(ParamCursor)
	link := func(rel, param, value string) string {
		v := cloneValues(q)
		if param != "" {
			v.Set(param, value)
		}
		ref := url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: u.Path, RawPath: u.RawPath, RawQuery: v.Encode()}
		s := ref.String()
		if ref.Host == "" && strings.HasPrefix(s, "//") {
			// A relative path starting with // would read as a host.
			s = "/." + s
		}
		return "<" + s + `>; rel="` + rel + `"`
	}
	var links []string
	if p.Page > 0 {
		if p.HasMore {
			links = append(links, link("next", ParamPage, strconv.Itoa(p.Page+1)))
		}
		if p.Page > 1 {
			links = append(links, link("prev", ParamPage, strconv.Itoa(p.Page-1)))
		}
		links = append(links, link("first", ParamPage, "1"))
		if p.Total != nil && p.Size > 0 {
			last := max(1, (*p.Total+int64(p.Size)-1)/int64(p.Size))
			links = append(links, link("last", ParamPage, strconv.FormatInt(last, 10)))
		}
	} else {
		if p.NextCursor != "" {
			links = append(links, link("next", ParamCursor, p.NextCursor))
		}
		if p.PrevCursor != "" {
			links = append(links, link("prev", ParamCursor, p.PrevCursor))
		}
		links = append(links, link("first", "", ""))
	}
	return strings.Join(links, ", ")
}

// WritePage writes p as a 200 response to r: a Link header with
// request-relative links (see [Page.Links]) and the page encoded with the
// client's preferred codec by negotiate.Respond.
func WritePage[T any](w http.ResponseWriter, r *http.Request, p *Page[T]) error {
	return WritePageWith(nil, w, r, p)
}

// WritePageWith is [WritePage] encoding the page through the registry reg;
// a nil reg means negotiate's default.
func WritePageWith[T any](reg *negotiate.Registry, w http.ResponseWriter, r *http.Request, p *Page[T]) error {
	if links := p.Links(r.URL); links != "" {
		w.Header().Set("Link", links)
	}
	if reg == nil {
		return negotiate.Respond(w, r, http.StatusOK, p)
	}
	return reg.Respond(w, r, http.StatusOK, p)
}

// cloneValues copies url.Values.
func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v)+1)
	for k, vs := range v {
		c[k] = slices.Clone(vs)
	}
	return c
}
