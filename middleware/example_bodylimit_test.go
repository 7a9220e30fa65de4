package middleware_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/router"
)

func ExampleBodyLimit() {
	// A handler reads the body and hands any error to errors.Write, which
	// answers 413 for a body over the limit.
	echoSize := errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "read %d bytes", len(b))
		return err
	})

	r := router.New()
	r.Use(middleware.BodyLimit(middleware.BodyLimitOptions{Limit: 16})) // the default for every route
	r.Post("/notes", echoSize)
	r.Post("/avatars", echoSize, router.Meta(middleware.BodyLimitMeta(64))) // one route's own limit
	uploads := r.Group("/uploads", middleware.BodyLimitFor(128))            // a group's limit
	uploads.Post("/files", echoSize)

	for _, c := range []struct {
		path string
		size int
	}{
		{"/notes", 16},
		{"/notes", 17},
		{"/avatars", 64},
		{"/uploads/files", 100},
		{"/uploads/files", 200},
	} {
		w := httptest.NewRecorder()
		body := strings.NewReader(strings.Repeat("x", c.size))
		r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, c.path, body))
		msg := w.Body.String()
		if w.Code != http.StatusOK {
			var p struct{ Detail string }
			json.Unmarshal(w.Body.Bytes(), &p)
			msg = p.Detail
		}
		fmt.Printf("%-14s %3d bytes: %d %s\n", c.path, c.size, w.Code, msg)
	}
	// Output:
	// /notes          16 bytes: 200 read 16 bytes
	// /notes          17 bytes: 413 The request body exceeds the limit of 16 bytes.
	// /avatars        64 bytes: 200 read 64 bytes
	// /uploads/files 100 bytes: 200 read 100 bytes
	// /uploads/files 200 bytes: 413 The request body exceeds the limit of 128 bytes.
}
