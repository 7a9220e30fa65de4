//go:build !race

package router_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keel-go/keel/reqctx"
	"github.com/keel-go/keel/router"
)

// The race detector allocates on its own, so allocation counts are pinned
// only in normal builds.

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(int)             {}

func allocRouter() *router.Router {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _ = r.PathValue("user") })
	r := router.New()
	r.Get("/user/repos", h)
	r.Get("/users/:user", h)
	r.Get("/users/:user/repos", h)
	r.Get("/repos/:owner/:repo/issues/:number/comments/:comment/reactions/:reaction", h)
	return r
}

func TestAllocations(t *testing.T) {
	r := allocRouter()
	w := &nopWriter{h: make(http.Header)}
	tests := []struct {
		name   string
		path   string
		reused float64 // at most, with one request reused across calls
		fresh  float64 // at most, routing a fresh request each call
	}{
		{"static", "/user/repos", 0, 0},
		{"one param", "/users/julienschmidt", 1, 3},
		{"five params", "/repos/o/r/issues/1/comments/2/reactions/3", 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tt.path, nil)
			if got := testing.AllocsPerRun(200, func() { r.ServeHTTP(w, req) }); got > tt.reused {
				t.Errorf("reused request: %v allocs, want at most %v", got, tt.reused)
			}
			// A fresh request costs one allocation of its own (the copy),
			// which is not the router's.
			got := testing.AllocsPerRun(200, func() {
				r2 := new(http.Request)
				*r2 = *req
				r.ServeHTTP(w, r2)
			}) - 1
			if got > tt.fresh {
				t.Errorf("fresh request: %v allocs besides the request, want at most %v", got, tt.fresh)
			}
		})
	}
}

func TestAllocationsWithReqctx(t *testing.T) {
	r := allocRouter()
	w := &nopWriter{h: make(http.Header)}
	req, d := reqctx.Attach(httptest.NewRequest("GET", "/repos/o/r/issues/1/comments/2/reactions/3", nil))
	got := testing.AllocsPerRun(200, func() {
		d.ResetParams()
		r.ServeHTTP(w, req)
	})
	if got > 1 {
		t.Errorf("routing with a reqctx.Data: %v allocs, want at most 1 (filling the Data must not allocate)", got)
	}
	if d.Route == nil || len(d.Params()) != 5 {
		t.Errorf("Data after routing: route %v, params %v", d.Route, d.Params())
	}
}

func TestAttachAllocations(t *testing.T) {
	base := httptest.NewRequest("GET", "/", nil)
	got := testing.AllocsPerRun(200, func() {
		r, d := reqctx.Attach(base)
		d.RequestID = "x"
		_ = r
	})
	if got > 2 {
		t.Errorf("reqctx.Attach: %v allocs, want at most 2", got)
	}
}
