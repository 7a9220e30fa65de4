package router_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/router"
)

func writeErr(w http.ResponseWriter, r *http.Request, err error) { errors.Write(w, r, err) }

func TestMount(t *testing.T) {
	sub := router.New()
	sub.Get("/", echo())
	sub.Get("/items/:id", echo("id"))

	seen := func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Method+" "+r.URL.Path+" raw="+r.URL.RawPath+" tenant="+r.PathValue("tenant"))
	}
	r := router.New()
	r.Mount("/api", sub)
	r.Mount("/raw", http.HandlerFunc(seen))
	r.Mount("/keep", http.HandlerFunc(seen), router.KeepPrefix())
	r.Mount("/tenants/:tenant", http.HandlerFunc(seen))
	r.Get("/raw/special", echo()) // more specific than the mount

	tests := []struct {
		method, target string
		code           int
		want           string
	}{
		{"GET", "/api", 200, "GET /"},
		{"GET", "/api/", 200, "GET /"},
		{"GET", "/api/items/9", 200, "GET /items/{id} id=9"},
		{"POST", "/api/items/9", 405, ""},
		{"GET", "/api/nothing", 404, ""},
		{"DELETE", "/raw/a/b", 200, "DELETE /a/b raw= tenant="},
		{"GET", "/raw", 200, "GET / raw= tenant="},
		{"GET", "/raw/a%2Fb/c", 200, "GET /a/b/c raw=/a%2Fb/c tenant="},
		{"GET", "/raw/special", 200, "GET /raw/special"},
		{"PUT", "/keep/x", 200, "PUT /keep/x raw= tenant="},
		{"GET", "/tenants/acme/reports", 200, "GET /reports raw= tenant=acme"},
	}
	for _, tt := range tests {
		w := do(t, r, tt.method, tt.target)
		if w.Code != tt.code || (tt.want != "" && w.Body.String() != tt.want) {
			t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.target, w.Code, w.Body.String(), tt.code, tt.want)
		}
	}
}

func TestMountErrors(t *testing.T) {
	r := router.New()
	if err := r.AddMount("api", echo()); err == nil {
		t.Error("AddMount without a leading slash = nil, want an error")
	}
	if err := r.AddMount("/api", nil); err == nil {
		t.Error("AddMount with a nil handler = nil, want an error")
	}
	r.Mount("/x", echo())
	if err := r.AddMount("/x", echo()); err == nil {
		t.Error("second AddMount on the same prefix = nil, want a conflict")
	}
}
