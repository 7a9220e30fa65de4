package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/memorycache"
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

// load reads one item: the slow call the cache spares. A missing item is
// not an error but a not-found result, which the loader caches briefly.
func (c catalog) load(_ context.Context, key string) (item, bool, error) {
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return item{}, false, nil
	}
	it, ok := c[id]
	return it, ok, nil
}

// newItemLoader puts a cache-aside loader in front of the catalog: an
// in-process cache of entries, singleflight on misses (a burst of requests
// for one cold item reads the catalog once), negative caching of unknown
// IDs, jittered TTLs and stale-while-revalidate.
func newItemLoader(c catalog) (*cache.Loader[item], *memorycache.Cache[string, cache.Entry[item]], error) {
	return newItemLoaderWith(c.load)
}

func newItemLoaderWith(load cache.LoadFunc[item]) (*cache.Loader[item], *memorycache.Cache[string, cache.Entry[item]], error) {
	entries, err := memorycache.New(memorycache.Options[string, cache.Entry[item]]{MaxEntries: 10_000})
	if err != nil {
		return nil, nil, err
	}
	l, err := cache.NewLoader(entries, load, cache.LoaderOptions{
		TTL:                  30 * time.Second,
		StaleWhileRevalidate: time.Minute,
		NegativeTTL:          5 * time.Second,
		Jitter:               0.1,
	})
	if err != nil {
		entries.Close()
		return nil, nil, err
	}
	return l, entries, nil
}

// itemGetter is what handleItem needs: a cache-aside read.
type itemGetter interface {
	Get(ctx context.Context, key string) (item, bool, error)
}

// handleItem returns an item through the cache, or a typed 404 the errors
// package renders as problem+json.
func handleItem(items itemGetter) http.Handler {
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := router.ParamInt(r, "id")
		if err != nil {
			return err
		}
		it, ok, err := items.Get(r.Context(), strconv.FormatInt(id, 10))
		if err != nil {
			return err
		}
		if !ok {
			return errors.NotFound("item %d does not exist", id)
		}
		writeJSON(w, http.StatusOK, it)
		return nil
	})
}
