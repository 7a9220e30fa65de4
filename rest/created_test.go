package rest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/negotiate"
	"github.com/keel-go/keel/negotiate/protocodec"
	"github.com/keel-go/keel/rest"
	"github.com/keel-go/keel/router"
)

func TestCreated(t *testing.T) {
	rt := router.New()
	rt.Get("/items/:id", http.NotFoundHandler(), router.Name("item"))
	create := func(route string, params ...string) http.Handler {
		return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			return rest.Created(w, r, rt, route, params, item{ID: 7, Name: "a b"})
		})
	}
	rt.Post("/items", create("item", "id", "7"))
	rt.Post("/escaped", create("item", "id", "a b?"))
	rt.Post("/unknown", create("nope"))
	rt.Post("/missing", create("item"))
	rt.Post("/nilrouter", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return rest.Created(w, r, nil, "item", nil, nil)
	}))
	srv := httptest.NewServer(rt)
	defer srv.Close()

	tests := []struct {
		path, accept string
		status       int
		location     string
		body         string
	}{
		{"/items", "", 201, "/items/7", `{"id":7,"name":"a b"}`},
		{"/items", "application/xml", 201, "/items/7", `<item><id>7</id><name>a b</name></item>`},
		{"/escaped", "", 201, "/items/a%20b%3F", `{"id":7`},
		{"/unknown", "", 500, "", `"status":500`},
		{"/missing", "", 500, "", `"status":500`},
		{"/nilrouter", "", 500, "", `"status":500`},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.accept, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL+tt.path, strings.NewReader(`{}`))
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location || !strings.Contains(string(body), tt.body) {
				t.Errorf("POST %s = %d, Location %q, body %s; want %d, %q, a body with %s",
					tt.path, resp.StatusCode, resp.Header.Get("Location"), body, tt.status, tt.location, tt.body)
			}
			if tt.status == 500 && strings.Contains(string(body), "nope") {
				t.Errorf("POST %s body %s shows the internal message", tt.path, body)
			}
		})
	}
}

// A service that registers protobuf answers a proto.Message in it when the
// client asks.
func TestCreatedWithProtobuf(t *testing.T) {
	reg := negotiate.New(negotiate.JSON{}, protocodec.Codec{})
	rt := router.New()
	rt.Get("/notes/:id", http.NotFoundHandler(), router.Name("note"))
	rt.Post("/notes", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return rest.CreatedWith(reg, w, r, rt, "note", []string{"id", "1"}, wrapperspb.String("hello"))
	}))
	srv := httptest.NewServer(rt)
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/notes", nil)
	req.Header.Set("Accept", protocodec.MediaType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var got wrapperspb.StringValue
	if err := proto.Unmarshal(body, &got); err != nil || got.GetValue() != "hello" {
		t.Fatalf("protobuf body %x: %v, %q", body, err, got.GetValue())
	}
	if resp.StatusCode != 201 || resp.Header.Get("Location") != "/notes/1" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), protocodec.MediaType) {
		t.Errorf("CreatedWith = %d Location %q Content-Type %q", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Content-Type"))
	}
}
