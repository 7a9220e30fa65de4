package header_test

import (
	"strings"
	"testing"

	"github.com/keel-go/keel/header"
)

// FuzzParse feeds any header value to every parser: none may panic, and
// what they return must hold together.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`text/html;level=1;q=0.5, application/json`,
		`gzip;q=1.0, identity; q=0.5, *;q=0`,
		`W/"abc", "def"`,
		`public, max-age=60, no-cache="Set-Cookie"`,
		`a/b;x="y\"z";q=0.1`,
		`en-GB, en;q=0.8, *;q=0.1`,
		`"unterminated`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		values := []string{v}
		for _, m := range header.ParseAccept(values) {
			if m.Q < 0 || m.Q > 1 || m.Type == "" || m.Subtype == "" {
				t.Fatalf("ParseAccept(%q) gave %+v", v, m)
			}
		}
		if q := header.Quality(header.ParseAccept(values), "application/json"); q < 0 || q > 1 {
			t.Fatalf("Quality = %v", q)
		}
		if got, ok := header.Negotiate(values, []string{"application/json", "text/plain"}); ok != (got != "") {
			t.Fatalf("Negotiate(%q) = %q, %v", v, got, ok)
		}
		for _, e := range header.ParseQList(values) {
			if e.Q < 0 || e.Q > 1 || e.Value != strings.ToLower(e.Value) {
				t.Fatalf("ParseQList(%q) gave %+v", v, e)
			}
		}
		if c, ok := header.NegotiateEncoding(values, []string{"br", "gzip"}); ok != (c != "") {
			t.Fatalf("NegotiateEncoding(%q) = %q, %v", v, c, ok)
		}
		header.NegotiateLanguage(values, []string{"en", "fr-CA"})
		tags, _, _ := header.ParseETagList(v)
		for _, e := range tags {
			back, ok := header.ParseETag(e.String())
			if !ok || back != e {
				t.Fatalf("ETag %+v does not round-trip: %q", e, e.String())
			}
		}
		cc := header.ParseCacheControl(values)
		again := header.ParseCacheControl([]string{cc.String()})
		if len(again) != len(cc) {
			t.Fatalf("CacheControl %q -> %v -> %q -> %v", v, cc, cc.String(), again)
		}
		for k, val := range cc {
			if again[k] != val {
				t.Fatalf("CacheControl %q: directive %q = %q, after round trip %q", v, k, val, again[k])
			}
		}
	})
}
