package main

import (
	"encoding/json"
	"net/http"
	"unicode/utf8"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/router"
	"github.com/keel-go/keel/validate"
)

// maxEchoBody bounds what /echo reads: a larger body is a 413 problem.
const maxEchoBody = 64 << 10

// newEchoDecoder is the strict decoder for /echo's body.
func newEchoDecoder() *validate.Decoder {
	dec, err := validate.NewDecoder(validate.Options{MaxBodyBytes: maxEchoBody, Normalize: validate.Normalize})
	if err != nil {
		panic(err) // fixed options: a mistake here is a programming error
	}
	return dec
}

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

// handleEcho sends a JSON message back. Its input goes through keel's
// strict decoder: a wrong media type is 415, an oversized body 413,
// malformed JSON, a duplicate or unknown key or a field of the wrong type
// 400 naming the field's JSON pointer, and a message that is missing, blank
// or too long 422, after surrounding white space is trimmed.
func handleEcho(dec *validate.Decoder) http.Handler {
	type message struct {
		Message string `json:"message" validate:"required,max=1000" normalize:"trim"`
	}
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var m message
		if err := dec.Decode(r, &m); err != nil {
			return err // 413, 415, 400 naming the field, or 422 naming every rule broken
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
