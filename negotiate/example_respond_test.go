package negotiate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/negotiate"
)

// Book is the value the examples respond with.
type Book struct {
	Title string `json:"title" xml:"title"`
	Year  int    `json:"year" xml:"year"`
}

// Respond answers in the representation the client prefers: JSON unless
// the Accept header ranks XML higher.
func ExampleRespond() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = negotiate.Respond(w, r, http.StatusOK, Book{Title: "Dune", Year: 1965})
	})
	for _, accept := range []string{"", "application/xml;q=0.9, application/json;q=0.5"} {
		r := httptest.NewRequest(http.MethodGet, "/books/1", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("Content-Type"), w.Header().Get("Vary"))
		fmt.Print(w.Body)
	}
	// Output:
	// 200 application/json; charset=utf-8 Accept
	// {"title":"Dune","year":1965}
	// 200 application/xml; charset=utf-8 Accept
	// <?xml version="1.0" encoding="UTF-8"?>
	// <Book><title>Dune</title><year>1965</year></Book>
}

// A client that accepts none of the registered types gets a 406 problem
// that lists them.
func ExampleRegistry_Respond_notAcceptable() {
	r := httptest.NewRequest(http.MethodGet, "/books/1", nil)
	r.Header.Set("Accept", "text/html")
	w := httptest.NewRecorder()
	_ = negotiate.Default().Respond(w, r, http.StatusOK, Book{Title: "Dune"})
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Print(w.Body)
	// Output:
	// 406 application/problem+json
	// {"type":"about:blank","title":"Not Acceptable","status":406,"detail":"None of the available media types is acceptable: application/json, application/xml, text/xml.","code":"not_acceptable","available":["application/json","application/xml","text/xml"]}
}

// A vendor media type is served by the codec of its syntax once registered
// under it.
func ExampleRegistry_Register() {
	codecs := negotiate.New(negotiate.JSON{})
	if err := codecs.Register(negotiate.JSON{Indent: "  "}, "application/vnd.keel.v2+json"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(codecs.MediaTypes())

	r := httptest.NewRequest(http.MethodGet, "/books/1", nil)
	r.Header.Set("Accept", "application/vnd.keel.v2+json")
	w := httptest.NewRecorder()
	_ = codecs.Respond(w, r, http.StatusOK, Book{Title: "Dune", Year: 1965})
	fmt.Println(w.Header().Get("Content-Type"))
	fmt.Print(w.Body)
	// Output:
	// [application/json; charset=utf-8 application/vnd.keel.v2+json; charset=utf-8]
	// application/vnd.keel.v2+json; charset=utf-8
	// {
	//   "title": "Dune",
	//   "year": 1965
	// }
}
