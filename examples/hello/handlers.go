package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/router"
)

// maxEchoBody bounds what /echo reads: a larger body is a 413 problem.
const maxEchoBody = 64 << 10

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// handleHello greets the name in the path.
func handleHello() http.Handler {
	type response struct {
		Greeting string `json:"greeting"`
	}
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		name := r.PathValue("name")
		if utf8.RuneCountInString(name) > 64 {
			return errors.BadRequest("name must be at most 64 characters")
		}
		writeJSON(w, http.StatusOK, response{Greeting: "Hello, " + name + "!"})
		return nil
	})
}

// handleEcho sends a JSON message back. It shows the error model at work on
// input: a wrong media type is 415, an oversized body 413, malformed JSON or
// a field of the wrong type 400 naming the field, a missing message 422.
func handleEcho() http.Handler {
	type message struct {
		Message string `json:"message"`
	}
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
			return errors.UnsupportedMediaType("send application/json")
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxEchoBody))
		dec.DisallowUnknownFields()
		var m message
		if err := dec.Decode(&m); err != nil {
			if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
				// encoding/json reports unknown fields with an untyped error.
				return errors.BadRequest("unknown field %s", field)
			}
			return err // classified by errors: 413, or 400 naming the position or field
		}
		if dec.More() {
			return errors.BadRequest("the body must hold one JSON object")
		}
		if m.Message == "" {
			return errors.Unprocessable("message is required").WithViolations(errors.Violation{
				Pointer: "/message", Code: "required", Message: "message is required",
			})
		}
		writeJSON(w, http.StatusOK, m)
		return nil
	})
}

// catalog is a tiny read-only store, standing in for a database.
type catalog map[int64]item

type item struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func newCatalog() catalog {
	return catalog{1: {ID: 1, Name: "keel"}}
}

// handleItem returns an item, or a typed 404 the errors package renders as
// problem+json.
func handleItem(items catalog) http.Handler {
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := router.ParamInt(r, "id")
		if err != nil {
			return err
		}
		it, ok := items[id]
		if !ok {
			return errors.NotFound("item %d does not exist", id)
		}
		writeJSON(w, http.StatusOK, it)
		return nil
	})
}
