package httpcache_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/cache/httpcache"
)

// A response that depends on a request field says so with Vary: each
// value of the field gets its own entry.
func Example_vary() {
	store := newStore()
	defer store.Close()
	mw := httpcache.Must(store, httpcache.Options{})
	greet := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		w.Header().Set("Vary", "Accept-Language")
		if r.Header.Get("Accept-Language") == "fr" {
			fmt.Fprint(w, "bonjour")
			return
		}
		fmt.Fprint(w, "hello")
	}))

	for _, lang := range []string{"en", "fr", "en", "fr"} {
		r := httptest.NewRequest(http.MethodGet, "/greeting", nil)
		r.Header.Set("Accept-Language", lang)
		w := httptest.NewRecorder()
		greet.ServeHTTP(w, r)
		fmt.Println(lang, w.Header().Get("X-Cache"), w.Body)
	}
	// Output:
	// en MISS hello
	// fr MISS bonjour
	// en HIT hello
	// fr HIT bonjour
}

// A stored response with an entity tag answers a revalidating client with
// 304 Not Modified, without running the handler.
func Example_conditional() {
	store := newStore()
	defer store.Close()
	mw := httpcache.Must(store, httpcache.Options{})
	doc := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		w.Header().Set("ETag", `"v7"`)
		fmt.Fprint(w, "the document")
	}))

	for _, inm := range []string{"", `"v7"`, `"v6"`} {
		r := httptest.NewRequest(http.MethodGet, "/doc", nil)
		if inm != "" {
			r.Header.Set("If-None-Match", inm)
		}
		w := httptest.NewRecorder()
		doc.ServeHTTP(w, r)
		fmt.Printf("If-None-Match %-5s -> %d %s %q\n", inm, w.Code, w.Header().Get("X-Cache"), w.Body)
	}
	// Output:
	// If-None-Match       -> 200 MISS "the document"
	// If-None-Match "v7"  -> 304 HIT ""
	// If-None-Match "v6"  -> 200 HIT "the document"
}
