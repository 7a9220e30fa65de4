package negotiate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/header"
	"github.com/keel-go/keel/negotiate"
)

func ExampleLanguage() {
	greetings := map[string]string{"en": "Hello", "fr": "Bonjour", "de-CH": "Grüezi"}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := negotiate.Language(r, "en", "fr", "de-CH")
		header.AddVary(w.Header(), "Accept-Language")
		w.Header().Set("Content-Language", lang)
		fmt.Fprintln(w, greetings[lang])
	})
	for _, accept := range []string{"", "fr-CA, en;q=0.5", "de", "ja"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", accept)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Printf("%-16q %s %s", accept, w.Header().Get("Content-Language"), w.Body)
	}
	// Output:
	// ""               en Hello
	// "fr-CA, en;q=0.5" fr Bonjour
	// "de"             de-CH Grüezi
	// "ja"             en Hello
}
