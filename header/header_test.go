package header_test

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/keel-go/keel/header"
)

func TestTokens(t *testing.T) {
	got := header.Tokens([]string{"Accept, Origin ,,", " accept-encoding", ""})
	want := []string{"Accept", "Origin", "accept-encoding"}
	if !slices.Equal(got, want) {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
	if !header.HasToken([]string{"keep-alive, Upgrade"}, "upgrade") || header.HasToken([]string{"keep-alive"}, "upgrade") {
		t.Error("HasToken does not compare case-insensitively by element")
	}
}

func TestAddVary(t *testing.T) {
	h := http.Header{}
	header.AddVary(h, "accept")
	header.AddVary(h, "Accept", "Origin")
	header.AddVary(h, "origin")
	if got := h.Values("Vary"); !slices.Equal(got, []string{"Accept", "Origin"}) {
		t.Errorf("Vary = %q, want [Accept Origin]", got)
	}
	header.AddVary(h, "*")
	header.AddVary(h, "Accept-Encoding")
	if got := h.Values("Vary"); !slices.Equal(got, []string{"*"}) {
		t.Errorf("Vary after * = %q, want [*]", got)
	}
	h = http.Header{"Vary": {"Accept, Origin"}}
	header.AddVary(h, "ORIGIN", "Cookie")
	if got := h.Values("Vary"); !slices.Equal(got, []string{"Accept, Origin", "Cookie"}) {
		t.Errorf("Vary with a list value = %q", got)
	}
}

func TestParseAccept(t *testing.T) {
	got := header.ParseAccept([]string{`text/html;level=1;q=0.5, application/JSON;charset=utf-8`, `*/*;q=0.1;ext=1, bad, text/*;q=2, a/b;x="y,z"`, `*; q=.2`})
	want := []string{"text/html;level=1 0.5", "application/json 1", "*/* 0.1", `a/b;x=y,z 1`, "*/* 0.2"}
	var gotS []string
	for _, m := range got {
		gotS = append(gotS, m.String()+" "+formatQ(m.Q))
	}
	if !slices.Equal(gotS, want) {
		t.Errorf("ParseAccept = %q, want %q", gotS, want)
	}
}

func formatQ(q float64) string { return strconv.FormatFloat(q, 'g', -1, 64) }

func TestQuality(t *testing.T) {
	// The example of RFC 9110 section 12.5.1.
	ranges := header.ParseAccept([]string{"text/*;q=0.3, text/plain;q=0.7, text/plain;format=flowed, text/plain;format=fixed;q=0.4, */*;q=0.5"})
	tests := []struct {
		mediaType string
		want      float64
	}{
		{"text/plain;format=flowed", 1},
		{"text/plain", 0.7},
		{"text/html", 0.3},
		{"image/jpeg", 0.5},
		{"text/plain;format=fixed", 0.4},
		{"text/html;level=3", 0.3},
		{"not a type", 0},
	}
	for _, tt := range tests {
		if got := header.Quality(ranges, tt.mediaType); got != tt.want {
			t.Errorf("Quality(%q) = %v, want %v", tt.mediaType, got, tt.want)
		}
	}
	if got := header.Quality(nil, "x/y"); got != 1 {
		t.Errorf("Quality without Accept = %v, want 1", got)
	}
}

func TestNegotiate(t *testing.T) {
	offers := []string{"application/json", "application/xml"}
	tests := []struct {
		accept []string
		want   string
		ok     bool
	}{
		{nil, "application/json", true},
		{[]string{""}, "application/json", true},
		{[]string{"application/xml"}, "application/xml", true},
		{[]string{"application/xml;q=0.9, application/json;q=0.8"}, "application/xml", true},
		{[]string{"*/*"}, "application/json", true},
		{[]string{"application/*;q=0.5, application/xml"}, "application/xml", true},
		{[]string{"text/html"}, "", false},
		{[]string{"application/json;q=0, */*"}, "application/xml", true},
		{[]string{"garbage"}, "application/json", true},
		{[]string{"application/xml;q=0, application/xml"}, "application/xml", true},
	}
	for _, tt := range tests {
		got, ok := header.Negotiate(tt.accept, offers)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Negotiate(%q) = %q, %v; want %q, %v", tt.accept, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := header.Negotiate(nil, nil); ok {
		t.Error("Negotiate with no offers succeeded")
	}
}

func TestParseQ(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "1": true, "0.5": true, "0.123": true, "1.000": true,
		"1.5": false, "0.1234": false, "2": false, "": false, ".5": true, ".": true, "..5": false, "0.a": false, "01": false} {
		if _, ok := header.ParseQ(s); ok != want {
			t.Errorf("ParseQ(%q) ok = %v, want %v", s, ok, want)
		}
	}
}

func TestNegotiateEncoding(t *testing.T) {
	offers := []string{"br", "gzip", "deflate"}
	tests := []struct {
		accept []string
		want   string
		ok     bool
	}{
		{nil, "identity", true},
		{[]string{"gzip"}, "gzip", true},
		{[]string{"gzip, br"}, "br", true},
		{[]string{"gzip;q=1, br;q=0.5"}, "gzip", true},
		{[]string{"*"}, "br", true},
		{[]string{"*;q=0.5, br;q=0"}, "gzip", true},
		{[]string{"compress"}, "identity", true},
		{[]string{"identity;q=0, gzip;q=0"}, "", false},
		{[]string{"*;q=0"}, "", false},
		{[]string{"*;q=0, identity"}, "identity", true},
		{[]string{"gzip;q=0.2, identity;q=0.5"}, "identity", true},
		{[]string{"GZIP"}, "gzip", true},
		{[]string{"gzip;q=0.8"}, "gzip", true},
		{[]string{"gzip;q=0.8, br;q=0.5"}, "gzip", true},
		{[]string{"gzip;q=0.8, identity;q=0.9"}, "identity", true},
		{[]string{"gzip;q=0"}, "identity", true},
		{[]string{"gzip;q=bad, br"}, "br", true},
		{[]string{" , "}, "identity", true},
	}
	for _, tt := range tests {
		got, ok := header.NegotiateEncoding(tt.accept, offers)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NegotiateEncoding(%q) = %q, %v; want %q, %v", tt.accept, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNegotiateLanguage(t *testing.T) {
	available := []string{"en-US", "fr", "de-CH"}
	tests := []struct {
		accept []string
		want   string
		ok     bool
	}{
		{nil, "en-US", true},
		{[]string{"fr"}, "fr", true},
		{[]string{"fr-CA, en;q=0.5"}, "fr", true},
		{[]string{"de, en;q=0.8"}, "de-CH", true},
		{[]string{"en-us"}, "en-US", true},
		{[]string{"ja"}, "", false},
		{[]string{"ja, *;q=0.1"}, "en-US", true},
		{[]string{"fr;q=0, en"}, "en-US", true},
	}
	for _, tt := range tests {
		got, ok := header.NegotiateLanguage(tt.accept, available)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NegotiateLanguage(%q) = %q, %v; want %q, %v", tt.accept, got, ok, tt.want, tt.ok)
		}
	}
}

func TestETags(t *testing.T) {
	tests := []struct {
		in   string
		tags []string
		any  bool
		ok   bool
	}{
		{`"abc"`, []string{`"abc"`}, false, true},
		{`W/"abc", "def"`, []string{`W/"abc"`, `"def"`}, false, true},
		{` * `, nil, true, true},
		{`abc`, nil, false, false},
		{`"a"b"`, nil, false, false},
		{``, nil, false, false},
		{`"a", ,"b"`, []string{`"a"`, `"b"`}, false, true},
		{`"a,b"`, []string{`"a,b"`}, false, true},
	}
	for _, tt := range tests {
		tags, any, ok := header.ParseETagList(tt.in)
		var got []string
		for _, e := range tags {
			got = append(got, e.String())
		}
		if !slices.Equal(got, tt.tags) || any != tt.any || ok != tt.ok {
			t.Errorf("ParseETagList(%q) = %q, %v, %v; want %q, %v, %v", tt.in, got, any, ok, tt.tags, tt.any, tt.ok)
		}
	}
	weak, _ := header.ParseETag(`W/"1"`)
	strong, _ := header.ParseETag(`"1"`)
	if header.StrongMatch(weak, strong) || !header.StrongMatch(strong, strong) || !header.WeakMatch(weak, strong) {
		t.Error("StrongMatch/WeakMatch disagree with RFC 9110 section 8.8.3.2")
	}
}

func TestCacheControl(t *testing.T) {
	cc := header.ParseCacheControl([]string{`public, max-age=60, no-cache="Set-Cookie, X"`, `MAX-AGE=5, s-maxage=99999999999, stale-while-revalidate=x, ,private`})
	if !cc.Has("public") || !cc.Has("private") || cc["no-cache"] != "Set-Cookie, X" {
		t.Errorf("ParseCacheControl = %v", cc)
	}
	if d, ok := cc.Seconds("max-age"); !ok || d != 60*time.Second {
		t.Errorf("max-age = %v, %v; want the first, 60s", d, ok)
	}
	if d, ok := cc.Seconds("s-maxage"); !ok || d != (1<<31)*time.Second {
		t.Errorf("s-maxage = %v, %v; want capped at 2^31 s", d, ok)
	}
	if _, ok := cc.Seconds("stale-while-revalidate"); ok {
		t.Error("a non-numeric delta-seconds was accepted")
	}
	if _, ok := cc.Seconds("public"); ok {
		t.Error("a directive without argument has seconds")
	}
	if got := (header.CacheControl{"max-age": "60", "public": "", "no-cache": `a "b"`}).String(); got != `max-age=60, no-cache="a \"b\"", public` {
		t.Errorf("String() = %s", got)
	}
}

func TestNegotiateEncodingAllocs(t *testing.T) {
	accept := []string{"gzip, deflate, br;q=0.9, identity;q=0.1"}
	offers := []string{"br", "gzip"}
	if n := testing.AllocsPerRun(100, func() { header.NegotiateEncoding(accept, offers) }); n != 0 {
		t.Errorf("NegotiateEncoding allocates %v times, want 0", n)
	}
}
