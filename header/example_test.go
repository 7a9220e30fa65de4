package header_test

import (
	"fmt"
	"net/http"

	"github.com/keel-go/keel/header"
)

func ExampleNegotiate() {
	accept := []string{"application/xml;q=0.9, application/json;q=0.5"}
	mt, ok := header.Negotiate(accept, []string{"application/json", "application/xml"})
	fmt.Println(mt, ok)
	_, ok = header.Negotiate([]string{"image/png"}, []string{"application/json"})
	fmt.Println(ok)
	// Output:
	// application/xml true
	// false
}

func ExampleNegotiateEncoding() {
	coding, ok := header.NegotiateEncoding([]string{"gzip, br;q=0.8"}, []string{"br", "gzip"})
	fmt.Println(coding, ok)
	// Output: gzip true
}

func ExampleAddVary() {
	h := http.Header{}
	header.AddVary(h, "Accept-Encoding")
	header.AddVary(h, "accept-encoding", "Origin")
	fmt.Println(h.Values("Vary"))
	// Output: [Accept-Encoding Origin]
}

func ExampleParseETagList() {
	tags, any, ok := header.ParseETagList(`W/"v1", "v2"`)
	fmt.Println(tags[0].Weak, tags[1], any, ok)
	// Output: true "v2" false true
}

func ExampleParseCacheControl() {
	cc := header.ParseCacheControl([]string{"public, max-age=300"})
	d, _ := cc.Seconds("max-age")
	fmt.Println(cc.Has("public"), d)
	// Output: true 5m0s
}
