package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/reqctx"
)

// echoClientIP writes the client IP that reqctx carries.
var echoClientIP = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, reqctx.ClientIP(r.Context()).String())
})

// realIP runs a request from remoteAddr with the given header lines
// through RealIP(opts) and returns the client IP it set.
func realIP(tb testing.TB, opts middleware.RealIPOptions, remoteAddr, header string, lines []string) string {
	tb.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = remoteAddr
	for _, l := range lines {
		r.Header.Add(header, l)
	}
	w := httptest.NewRecorder()
	middleware.RealIP(opts)(echoClientIP).ServeHTTP(w, r)
	return w.Body.String()
}

func TestRealIPXForwardedFor(t *testing.T) {
	trusted := middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8", "2001:db8:ffff::/48"}}
	tests := []struct {
		name   string
		opts   middleware.RealIPOptions
		remote string
		lines  []string
		want   string
	}{
		{"nothing trusted by default", middleware.RealIPOptions{}, "10.0.0.1:1234", []string{"203.0.113.5"}, "10.0.0.1"},
		{"spoofed header from an untrusted peer", trusted, "192.0.2.1:1234", []string{"203.0.113.5"}, "192.0.2.1"},
		{"no header", trusted, "10.0.0.1:1234", nil, "10.0.0.1"},
		{"empty header", trusted, "10.0.0.1:1234", []string{""}, "10.0.0.1"},
		{"one hop", trusted, "10.0.0.1:1234", []string{"203.0.113.5"}, "203.0.113.5"},
		{"right-most untrusted hop", trusted, "10.0.0.1:1234", []string{"198.51.100.7, 203.0.113.5, 10.0.0.2"}, "203.0.113.5"},
		{"client-supplied hops ignored", trusted, "10.0.0.1:1234", []string{"10.0.0.9, 198.51.100.7, 203.0.113.5"}, "203.0.113.5"},
		{"all hops trusted gives the left-most", trusted, "10.0.0.1:1234", []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"multiple lines form one list", trusted, "10.0.0.1:1234", []string{"198.51.100.7, 203.0.113.5", "10.0.0.2"}, "203.0.113.5"},
		{"right-most line read first", trusted, "10.0.0.1:1234", []string{"203.0.113.5", "198.51.100.7"}, "198.51.100.7"},
		{"empty elements skipped", trusted, "10.0.0.1:1234", []string{"203.0.113.5,, ,10.0.0.2,"}, "203.0.113.5"},
		{"no spaces", trusted, "10.0.0.1:1234", []string{"198.51.100.7,203.0.113.5"}, "203.0.113.5"},
		{"malformed right-most hop", trusted, "10.0.0.1:1234", []string{"203.0.113.5, garbage"}, "10.0.0.1"},
		{"malformed hop behind a trusted hop", trusted, "10.0.0.1:1234", []string{"garbage, 10.0.0.2"}, "10.0.0.1"},
		{"malformed hop left of the client", trusted, "10.0.0.1:1234", []string{"garbage, 203.0.113.5"}, "203.0.113.5"},
		{"unknown", trusted, "10.0.0.1:1234", []string{"unknown"}, "10.0.0.1"},
		{"leading zeros", trusted, "10.0.0.1:1234", []string{"203.000.113.5"}, "10.0.0.1"},
		{"IPv4 with port", trusted, "10.0.0.1:1234", []string{"203.0.113.5:4711"}, "203.0.113.5"},
		{"IPv6", trusted, "10.0.0.1:1234", []string{"2001:db8::1"}, "2001:db8::1"},
		{"bracketed IPv6", trusted, "10.0.0.1:1234", []string{"[2001:db8::1]"}, "2001:db8::1"},
		{"bracketed IPv6 with port", trusted, "10.0.0.1:1234", []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"bracketed IPv4", trusted, "10.0.0.1:1234", []string{"[203.0.113.5]"}, "10.0.0.1"},
		{"IPv4-mapped hop unmapped", trusted, "10.0.0.1:1234", []string{"::ffff:203.0.113.5"}, "203.0.113.5"},
		{"IPv4-mapped trusted hop", trusted, "10.0.0.1:1234", []string{"203.0.113.5, ::ffff:10.0.0.2"}, "203.0.113.5"},
		{"zone dropped", trusted, "10.0.0.1:1234", []string{"fe80::1%eth0"}, "fe80::1"},
		{"IPv6 peer", trusted, "[2001:db8:ffff::1]:1234", []string{"203.0.113.5"}, "203.0.113.5"},
		{"IPv4-mapped peer", trusted, "[::ffff:10.0.0.1]:1234", []string{"203.0.113.5"}, "203.0.113.5"},
		{"untrusted IPv4-mapped peer reported unmapped", trusted, "[::ffff:192.0.2.1]:1234", nil, "192.0.2.1"},
		{"peer without port", trusted, "10.0.0.1", []string{"203.0.113.5"}, "203.0.113.5"},
		{"Unix socket peer", trusted, "@", []string{"203.0.113.5"}, "invalid IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := realIP(t, tt.opts, tt.remote, "X-Forwarded-For", tt.lines); got != tt.want {
				t.Errorf("RealIP(%q from %s) = %s, want %s", tt.lines, tt.remote, got, tt.want)
			}
		})
	}
}

func TestRealIPForwarded(t *testing.T) {
	opts := middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8"}, Header: "Forwarded"}
	const peer = "10.0.0.1"
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"one element", []string{"for=203.0.113.5"}, "203.0.113.5"},
		{"right-most untrusted", []string{"for=198.51.100.7, for=203.0.113.5;proto=https, for=10.0.0.2"}, "203.0.113.5"},
		{"all trusted", []string{"for=10.0.0.3, for=10.0.0.2"}, "10.0.0.3"},
		{"multiple lines", []string{"for=203.0.113.5", "for=10.0.0.2;by=10.0.0.1"}, "203.0.113.5"},
		{"parameter names are case-insensitive", []string{"For=203.0.113.5"}, "203.0.113.5"},
		{"other parameters first", []string{"by=10.0.0.1;proto=https;host=example.com;for=203.0.113.5"}, "203.0.113.5"},
		{"space after semicolon", []string{"for=203.0.113.5; proto=https"}, "203.0.113.5"},
		{"quoted IPv4 with port", []string{`for="203.0.113.5:4711"`}, "203.0.113.5"},
		{"quoted IPv6 with brackets and port", []string{`for="[2001:db8::1]:4711"`}, "2001:db8::1"},
		{"quoted IPv6 with brackets", []string{`for="[2001:db8::1]"`}, "2001:db8::1"},
		{"IPv4-mapped IPv6", []string{`for="[::ffff:203.0.113.5]"`}, "203.0.113.5"},
		{"zone dropped", []string{`for="[fe80::1%25eth0]"`}, "fe80::1"},
		{"obfuscated port", []string{`for="203.0.113.5:_a1"`}, "203.0.113.5"},
		{"escaped quoted string", []string{`for="203.0.113.\5"`}, "203.0.113.5"},
		{"quoted comma in an element left of the client", []string{`for="198.51.100.7,x", for=203.0.113.5`}, "203.0.113.5"},
		{"unknown", []string{"for=unknown"}, peer},
		{"unknown with port", []string{`for="unknown:80"`}, peer},
		{"unknown behind the client is harmless", []string{"for=unknown, for=203.0.113.5"}, "203.0.113.5"},
		{"unknown right of the client", []string{"for=203.0.113.5, for=unknown"}, peer},
		{"obfuscated", []string{"for=_hidden"}, peer},
		{"obfuscated with obfuscated port", []string{`for="_hidden:_port"`}, peer},
		{"no for parameter", []string{"proto=https;by=10.0.0.9"}, peer},
		{"duplicate for", []string{"for=203.0.113.5;for=198.51.100.7"}, peer},
		{"unquoted IPv6", []string{"for=2001:db8::1"}, peer},
		{"unquoted brackets", []string{"for=[2001:db8::1]"}, peer},
		{"quoted IPv6 without brackets", []string{`for="2001:db8::1"`}, peer},
		{"bracketed IPv4", []string{`for="[203.0.113.5]"`}, peer},
		{"port too long", []string{`for="203.0.113.5:123456"`}, peer},
		{"empty port", []string{`for="203.0.113.5:"`}, peer},
		{"text after brackets", []string{`for="[2001:db8::1]x"`}, peer},
		{"unterminated bracket", []string{`for="[2001:db8::1"`}, peer},
		{"unterminated quote", []string{`for="203.0.113.5`}, peer},
		{"quote inside token", []string{`for=203.0"113.5`}, peer},
		{"space around equals", []string{"for = 203.0.113.5"}, peer},
		{"empty value", []string{"for="}, peer},
		{"no equals", []string{"for"}, peer},
		{"X-Forwarded-For syntax", []string{"203.0.113.5"}, peer},
		{"empty pairs tolerated", []string{";for=203.0.113.5;"}, "203.0.113.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := realIP(t, opts, peer+":1234", "Forwarded", tt.lines); got != tt.want {
				t.Errorf("RealIP(Forwarded: %q) = %s, want %s", tt.lines, got, tt.want)
			}
		})
	}
}

func TestRealIPSingleAddressHeader(t *testing.T) {
	const peer = "10.0.0.1"
	tests := []struct {
		name   string
		header string
		lines  []string
		want   string
	}{
		{"X-Real-IP", "X-Real-IP", []string{"203.0.113.5"}, "203.0.113.5"},
		{"trimmed", "X-Real-IP", []string{" 203.0.113.5 "}, "203.0.113.5"},
		{"IPv6", "X-Real-IP", []string{"2001:db8::1"}, "2001:db8::1"},
		{"with port", "X-Real-IP", []string{"[2001:db8::1]:80"}, "2001:db8::1"},
		{"a trusted address is still the client", "X-Real-IP", []string{"10.0.0.7"}, "10.0.0.7"},
		{"list", "X-Real-IP", []string{"203.0.113.5, 198.51.100.7"}, peer},
		{"two lines", "X-Real-IP", []string{"203.0.113.5", "198.51.100.7"}, peer},
		{"malformed", "X-Real-IP", []string{"garbage"}, peer},
		{"empty", "X-Real-IP", []string{""}, peer},
		{"absent", "X-Real-IP", nil, peer},
		{"other header name", "CF-Connecting-IP", []string{"203.0.113.5"}, "203.0.113.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8"}, Header: tt.header}
			if got := realIP(t, opts, peer+":1234", tt.header, tt.lines); got != tt.want {
				t.Errorf("RealIP(%s: %q) = %s, want %s", tt.header, tt.lines, got, tt.want)
			}
		})
	}
}

// TestRealIPReadsOnlyTheConfiguredHeader checks that RealIP never falls
// back to a header the proxy does not rewrite, which the client controls.
func TestRealIPReadsOnlyTheConfiguredHeader(t *testing.T) {
	spoofed := map[string]string{
		"Forwarded":        "for=198.51.100.66",
		"X-Forwarded-For":  "198.51.100.66",
		"X-Real-Ip":        "198.51.100.66",
		"Cf-Connecting-Ip": "198.51.100.66",
	}
	for _, configured := range []string{"Forwarded", "X-Forwarded-For", "X-Real-IP"} {
		t.Run(configured, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = "10.0.0.1:1234"
			for name, v := range spoofed {
				if !strings.EqualFold(name, configured) {
					r.Header.Set(name, v)
				}
			}
			w := httptest.NewRecorder()
			opts := middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8"}, Header: configured}
			middleware.RealIP(opts)(echoClientIP).ServeHTTP(w, r)
			if got := w.Body.String(); got != "10.0.0.1" {
				t.Errorf("RealIP(Header %s) with only other headers = %s, want the peer 10.0.0.1", configured, got)
			}
		})
	}
}

func TestRealIPTrustedProxies(t *testing.T) {
	tests := []struct {
		name   string
		opts   middleware.RealIPOptions
		remote string
		want   string
	}{
		{"single address", middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.1"}}, "10.0.0.1:1", "203.0.113.5"},
		{"single address does not cover its neighbour", middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.1"}}, "10.0.0.2:1", "10.0.0.2"},
		{"host bits masked", middleware.RealIPOptions{TrustedProxies: []string{"10.1.2.3/8"}}, "10.200.0.1:1", "203.0.113.5"},
		{"IPv4-mapped prefix", middleware.RealIPOptions{TrustedProxies: []string{"::ffff:10.0.0.0/104"}}, "10.0.0.1:1", "203.0.113.5"},
		{"IPv6 loopback", middleware.RealIPOptions{TrustedProxies: []string{"::1"}}, "[::1]:1", "203.0.113.5"},
		{"IPv4 prefix does not match IPv6", middleware.RealIPOptions{TrustedProxies: []string{"0.0.0.0/0"}}, "[2001:db8::1]:1", "2001:db8::1"},
		{"prefixes", middleware.RealIPOptions{TrustedPrefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, "10.0.0.1:1", "203.0.113.5"},
		{"strings and prefixes merged", middleware.RealIPOptions{
			TrustedProxies:  []string{"192.0.2.0/24"},
			TrustedPrefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		}, "192.0.2.1:1", "203.0.113.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := realIP(t, tt.opts, tt.remote, "X-Forwarded-For", []string{"203.0.113.5"}); got != tt.want {
				t.Errorf("RealIP(%v) from %s = %s, want %s", tt.opts.TrustedProxies, tt.remote, got, tt.want)
			}
		})
	}
}

func TestRealIPInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts middleware.RealIPOptions
		want string
	}{
		{"not an address", middleware.RealIPOptions{TrustedProxies: []string{"proxy.internal"}}, "TrustedProxies[0]"},
		{"bad prefix", middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8", "10.0.0.0/33"}}, "TrustedProxies[1]"},
		{"zoned address", middleware.RealIPOptions{TrustedProxies: []string{"fe80::1%eth0"}}, "TrustedProxies[0]"},
		{"empty string", middleware.RealIPOptions{TrustedProxies: []string{""}}, "TrustedProxies[0]"},
		{"zero prefix", middleware.RealIPOptions{TrustedPrefixes: []netip.Prefix{{}}}, "TrustedPrefixes[0]"},
		{"bad header name", middleware.RealIPOptions{Header: "X Forwarded For"}, "Header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInvalidOptions(t, middleware.NewRealIP, middleware.RealIP, tt.opts, "middleware: RealIPOptions.", tt.want)
		})
	}
}

// TestRealIPThroughServer checks RealIP behind a real listener, where the
// peer is the loopback address and header lines arrive as sent.
func TestRealIPThroughServer(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		lines   []string
		want    string
	}{
		{"untrusted peer's header ignored", nil, []string{"203.0.113.5"}, "127.0.0.1"},
		{"trusted peer", []string{"127.0.0.0/8"}, []string{"198.51.100.7, 203.0.113.5"}, "203.0.113.5"},
		{"two header lines", []string{"127.0.0.0/8"}, []string{"198.51.100.7", "203.0.113.5, 127.0.0.2"}, "203.0.113.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(middleware.RealIP(middleware.RealIPOptions{TrustedProxies: tt.trusted})(echoClientIP))
			defer srv.Close()
			req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range tt.lines {
				req.Header.Add("X-Forwarded-For", l)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if got := string(body); got != tt.want {
				t.Errorf("client IP = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestRealIPFeedsAccessLog checks that RealIP fills the Data that
// RequestID attached, where the access log finds it.
func TestRealIPFeedsAccessLog(t *testing.T) {
	sink := newLogSink()
	h := middleware.Chain(
		middleware.RequestID(middleware.RequestIDOptions{Logger: sink.logger()}),
		middleware.RealIP(middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8"}}),
		middleware.AccessLog(middleware.AccessLogOptions{}),
	)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.0.0.1:1234"
	r.Header.Set("X-Forwarded-For", "203.0.113.5")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got := sink.only(t)["client_ip"]; got != "203.0.113.5" {
		t.Errorf("access log client_ip = %v, want 203.0.113.5", got)
	}
}

// fuzzRealIP runs value as the configured header through RealIP from a
// trusted peer and checks the invariants every answer must hold.
func fuzzRealIP(t *testing.T, header, value string) {
	const peer = "10.0.0.1"
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = peer + ":1234"
	r.Header[header] = strings.Split(value, "\n")
	var got netip.Addr
	middleware.RealIP(middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8"}, Header: header})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = reqctx.ClientIP(r.Context()) }),
	).ServeHTTP(httptest.NewRecorder(), r)
	if !got.IsValid() {
		t.Fatalf("RealIP(%s: %q) = %v, want a valid address", header, value, got)
	}
	if got.Zone() != "" || got.Is4In6() {
		t.Errorf("RealIP(%s: %q) = %v, want no zone and no IPv4 mapping", header, value, got)
	}
	// Appending a hop by a trusted proxy never changes the answer unless
	// the list was empty: that proxy is the one being walked past.
	if got.String() != peer {
		r2 := r.Clone(r.Context())
		r2.Header[header] = append(r2.Header.Values(header), "for=10.0.0.2")
		if header == "X-Forwarded-For" {
			r2.Header[header][len(r2.Header[header])-1] = "10.0.0.2"
		}
		var got2 netip.Addr
		middleware.RealIP(middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8"}, Header: header})(
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got2 = reqctx.ClientIP(r.Context()) }),
		).ServeHTTP(httptest.NewRecorder(), r2)
		if got2 != got {
			t.Errorf("RealIP(%s: %q) = %v, but %v once a trusted hop is appended", header, value, got, got2)
		}
	}
}

func FuzzRealIPForwarded(f *testing.F) {
	for _, s := range []string{
		"for=203.0.113.5",
		`for="[2001:db8::1]:4711";proto=https, for=10.0.0.2`,
		"for=unknown, for=_hidden",
		`for="203.0.113.\5"`,
		"for=198.51.100.7\nfor=203.0.113.5",
		`for="[::ffff:203.0.113.5]"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) { fuzzRealIP(t, "Forwarded", value) })
}

func FuzzRealIPXForwardedFor(f *testing.F) {
	for _, s := range []string{
		"203.0.113.5",
		"198.51.100.7, 203.0.113.5, 10.0.0.2",
		"[2001:db8::1]:443,fe80::1%eth0",
		"::ffff:10.0.0.2,,",
		"10.0.0.3\n10.0.0.2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) { fuzzRealIP(t, "X-Forwarded-For", value) })
}

func BenchmarkRealIP(b *testing.B) {
	for _, bc := range []struct{ name, header, value string }{
		{"X-Forwarded-For", "X-Forwarded-For", "198.51.100.7, 203.0.113.5, 10.0.0.2"},
		{"Forwarded", "Forwarded", `for=198.51.100.7, for="[2001:db8::1]:4711";proto=https, for=10.0.0.2`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := middleware.RealIP(middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8"}, Header: bc.header})(
				http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = "10.0.0.1:1234"
			r.Header.Set(bc.header, bc.value)
			r, _ = reqctx.Attach(r) // as RequestID does, outside
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(nil, r)
			}
		})
	}
}

// TestRealIPDoesNotAllocate pins the per-request cost once RequestID has
// attached the Data: walking either list allocates nothing.
func TestRealIPDoesNotAllocate(t *testing.T) {
	for _, tt := range []struct{ header, value string }{
		{"X-Forwarded-For", "198.51.100.7, 203.0.113.5, 10.0.0.2"},
		{"Forwarded", `for=198.51.100.7, for="[2001:db8::1]:4711";proto=https, for=10.0.0.2`},
		{"X-Real-IP", "203.0.113.5"},
	} {
		h := middleware.RealIP(middleware.RealIPOptions{TrustedProxies: []string{"10.0.0.0/8"}, Header: tt.header})(
			http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "10.0.0.1:1234"
		r.Header.Set(tt.header, tt.value)
		r, _ = reqctx.Attach(r)
		if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(nil, r) }); n != 0 {
			t.Errorf("RealIP(%s) allocates %v times per request, want 0", tt.header, n)
		}
	}
}
