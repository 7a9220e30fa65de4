package bench

import (
	"fmt"
	"net/http"
	"strings"

	gingzip "github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
	"github.com/keel-go/keel/middleware/compress"
	"github.com/keel-go/keel/router"
	"github.com/klauspost/compress/gzhttp"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
)

// CompressPath is the route every compressor serves its body at.
const CompressPath = "/report"

// Compressor names a compression middleware under comparison and builds
// it.
type Compressor struct {
	// Name identifies the middleware in benchmark and test names.
	Name string
	// Encodings lists the content codings compared for it, "gzip" or
	// "br".
	Encodings []string
	// New returns a router whose one route, GET CompressPath, answers
	// body as application/json through the middleware. body is written in
	// one Write and must not be modified afterwards.
	New func(body []byte) http.Handler
}

// Compressors returns the compression middleware under comparison, keel's
// first. Each runs with its defaults: keel's compress (klauspost/compress
// gzip at level 5, andybalholm/brotli at level 4), klauspost's gzhttp
// (klauspost/compress gzip at its default, level 5) in front of keel's
// router, echo's Gzip and gin-contrib/gzip at gzip.DefaultCompression
// (both the standard library's compress/gzip at level 6). Every one pools
// its encoders. Only keel offers brotli.
func Compressors() []Compressor {
	return []Compressor{
		{Name: "keel", Encodings: []string{"gzip", "br"}, New: NewKeelCompress},
		{Name: "gzhttp", Encodings: []string{"gzip"}, New: NewGzhttpCompress},
		{Name: "echo", Encodings: []string{"gzip"}, New: NewEchoCompress},
		{Name: "gin", Encodings: []string{"gzip"}, New: NewGinCompress},
	}
}

// NewKeelCompress returns keel's router with compress.Middleware and its
// default options; see [Compressor.New].
func NewKeelCompress(body []byte) http.Handler {
	r := router.New()
	r.Use(compress.Middleware(compress.Options{}))
	r.Get(CompressPath, jsonHandler(body))
	return r
}

// NewGzhttpCompress returns keel's router with klauspost/compress's gzhttp
// wrapper and its default options; see [Compressor.New].
func NewGzhttpCompress(body []byte) http.Handler {
	wrap, err := gzhttp.NewWrapper()
	if err != nil {
		panic(fmt.Sprintf("bench: gzhttp.NewWrapper: %v", err))
	}
	r := router.New()
	r.Use(func(h http.Handler) http.Handler { return wrap(h) })
	r.Get(CompressPath, jsonHandler(body))
	return r
}

// NewEchoCompress returns an echo instance with echo's Gzip middleware;
// see [Compressor.New].
func NewEchoCompress(body []byte) http.Handler {
	e := echo.New()
	e.Use(echomw.Gzip())
	e.GET(CompressPath, func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", body)
	})
	return e
}

// NewGinCompress returns a gin engine in release mode with
// gin-contrib/gzip at gzip.DefaultCompression; see [Compressor.New]. It
// puts gin in release mode, a process-wide setting.
func NewGinCompress(body []byte) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(gingzip.Gzip(gingzip.DefaultCompression))
	e.GET(CompressPath, func(c *gin.Context) {
		c.Data(http.StatusOK, "application/json", body)
	})
	return e
}

// jsonHandler answers body as application/json.
func jsonHandler(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}

// jsonPadding is the length of the record that JSONBody ends with, less
// its padding: `,{"note":""}]`.
const jsonPadding = len(`,{"note":""}]`)

// JSONBody returns a JSON array of exactly n bytes, n at least 16: user
// records of the kind an API lists, with varied names, numbers and dates,
// and a last record whose "note" field pads the array to length. It
// panics if n is smaller than 16. The result is the same for the same n.
func JSONBody(n int) []byte {
	if n < 16 {
		panic(fmt.Sprintf("bench: JSONBody(%d): n must be at least 16", n))
	}
	first := []string{"Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Radia", "Ken", "Margaret", "Dennis", "Hedy"}
	last := []string{"Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Knuth", "Perlman", "Thompson", "Hamilton", "Ritchie", "Lamarr"}
	roles := []string{"admin", "editor", "viewer", "billing"}
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; ; i++ {
		f, l := first[i%len(first)], last[(i*7+3)%len(last)]
		rec := fmt.Sprintf(`{"id":%d,"name":"%s %s","email":"%s.%s@example.com","role":"%s","active":%t,"logins":%d,"created":"2026-%02d-%02dT%02d:%02d:00Z"}`,
			1000+i*37, f, l, strings.ToLower(f), strings.ToLower(l), roles[(i*3)%len(roles)],
			i%3 != 0, (i*7919)%1000, 1+i%12, 1+(i*11)%28, (i*5)%24, (i*13)%60)
		sep := 0
		if i > 0 {
			sep = 1
		}
		if b.Len()+sep+len(rec)+jsonPadding > n {
			break
		}
		if sep == 1 {
			b.WriteByte(',')
		}
		b.WriteString(rec)
	}
	if b.Len() > 1 {
		b.WriteByte(',')
	}
	b.WriteString(`{"note":"`)
	b.WriteString(strings.Repeat("x", n-b.Len()-len(`"}]`)))
	b.WriteString(`"}]`)
	return []byte(b.String())
}
