package bench

import (
	"io"
	"net/http"

	"github.com/gin-contrib/cors"
	"github.com/gin-contrib/requestid"
	"github.com/gin-gonic/gin"
	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/router"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"github.com/rs/zerolog"
)

// The endpoint every middleware stack serves, and the request it is
// benchmarked with.
const (
	// UserRoute is the JSON endpoint, in httprouter syntax.
	UserRoute = "/users/:id"
	// UserPath is the path requested from UserRoute.
	UserPath = "/users/42"
	// UserID is the id parameter of UserPath.
	UserID = "42"
	// UserBody is the body UserRoute answers, whatever the id.
	UserBody = `{"id":"42","name":"Ada"}`
	// PanicPath is a route whose handler panics, to check that a stack
	// recovers.
	PanicPath = "/panic"
	// AllowedOrigin is the origin every stack's CORS middleware allows;
	// the benchmark requests carry it in their Origin header.
	AllowedOrigin = "https://app.example"
	// UserAgent is the User-Agent of the benchmark requests, which the
	// access logs copy.
	UserAgent = "keel-bench/1.0 (+https://github.com/keel-go/keel)"
)

// userBody is UserBody, converted once so that no handler allocates it.
var userBody = []byte(UserBody)

// Stack names a middleware stack under comparison and builds it.
type Stack struct {
	// Name identifies the stack in benchmark and test names.
	Name string
	// Bare reports that the stack has no middleware at all: it is the
	// reference whose cost the others add to, and it neither sets request
	// IDs and CORS headers nor recovers from panics.
	Bare bool
	// New returns the stack with a router serving two GET routes:
	// UserRoute, whose handler sets p.Route to 0, stores the id parameter
	// in p.Values[0] and answers UserBody as application/json, and
	// PanicPath, whose handler panics. Access logs and panic reports are
	// written to logs.
	New func(logs io.Writer, p *Probe) http.Handler
}

// Stacks returns the middleware stacks under comparison, keel's first.
func Stacks() []Stack {
	return []Stack{
		{Name: "keel-bare", Bare: true, New: NewKeelBareStack},
		{Name: "keel", New: NewKeelStack},
		{Name: "keel-default", New: NewKeelDefaultStack},
		{Name: "gin", New: NewGinStack},
		{Name: "echo", New: NewEchoStack},
	}
}

// NewKeelBareStack returns keel's router without middleware; see
// [Stack.New]. A panic in a handler is not recovered.
func NewKeelBareStack(_ io.Writer, p *Probe) http.Handler {
	return newKeelRouter(p)
}

// NewKeelStack returns keel's router with the counterpart of gin's and
// echo's stacks: RequestID with a logger writing to logs at info level,
// AccessLog, Recover and CORS allowing AllowedOrigin, all with their
// default options; see [Stack.New].
func NewKeelStack(logs io.Writer, p *Probe) http.Handler {
	r := newKeelRouter(p)
	r.Use(
		middleware.RequestID(middleware.RequestIDOptions{Logger: zerolog.New(logs).Level(zerolog.InfoLevel)}),
		middleware.AccessLog(middleware.AccessLogOptions{}),
		middleware.Recover(middleware.RecoverOptions{}),
		middleware.CORS(middleware.CORSOptions{AllowedOrigins: []string{AllowedOrigin}}),
	)
	return r
}

// NewKeelDefaultStack returns keel's router with its recommended
// production stack, [middleware.Default], with CORS allowing
// AllowedOrigin and a logger writing to logs at info level; see
// [Stack.New]. It does more than the other stacks: real client IP,
// security headers, load shedding, a body limit and a timeout.
func NewKeelDefaultStack(logs io.Writer, p *Probe) http.Handler {
	r := newKeelRouter(p)
	r.Use(middleware.Default(middleware.DefaultOptions{
		Logger: zerolog.New(logs).Level(zerolog.InfoLevel),
		CORS:   &middleware.CORSOptions{AllowedOrigins: []string{AllowedOrigin}},
	}))
	return r
}

// newKeelRouter returns a keel router with the two routes of [Stack.New].
func newKeelRouter(p *Probe) *router.Router {
	r := router.New()
	r.Get(UserRoute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Route = 0
		p.Values[0] = r.PathValue("id")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(userBody)
	}))
	r.Get(PanicPath, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("bench: handler panics")
	}))
	return r
}

// NewGinStack returns a gin engine in release mode with gin's logger and
// recovery writing to logs, gin-contrib/cors allowing AllowedOrigin and
// gin-contrib/requestid, which generates a UUIDv4 and sets X-Request-ID;
// see [Stack.New].
//
// Like [NewGin], it puts gin in release mode, a process-wide setting.
// gin-contrib/requestid adds the ID it generates to the request's own
// headers, which a benchmark serving copies of one request must undo.
func NewGinStack(logs io.Writer, p *Probe) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	corsConfig := cors.DefaultConfig()
	corsConfig.AllowOrigins = []string{AllowedOrigin}
	e.Use(
		requestid.New(),
		gin.LoggerWithWriter(logs),
		gin.RecoveryWithWriter(logs),
		cors.New(corsConfig),
	)
	e.GET(UserRoute, func(c *gin.Context) {
		p.Route = 0
		p.Values[0] = c.Param("id")
		c.Data(http.StatusOK, "application/json", userBody)
	})
	e.GET(PanicPath, func(*gin.Context) {
		panic("bench: handler panics")
	})
	return e
}

// NewEchoStack returns an echo instance with echo's RequestID, its
// formatting Logger writing to logs, Recover, whose reports go to logs
// too, and CORS allowing AllowedOrigin; see [Stack.New].
func NewEchoStack(logs io.Writer, p *Probe) http.Handler {
	e := echo.New()
	e.Logger.SetOutput(logs)
	e.Use(
		echomw.RequestID(),
		//lint:ignore SA1019 LoggerWithConfig is echo's logger that formats a line, gin's Logger's counterpart; its replacement, RequestLogger, leaves formatting to a callback.
		echomw.LoggerWithConfig(echomw.LoggerConfig{Output: logs}),
		echomw.Recover(),
		echomw.CORSWithConfig(echomw.CORSConfig{AllowOrigins: []string{AllowedOrigin}}),
	)
	e.GET(UserRoute, func(c echo.Context) error {
		p.Route = 0
		p.Values[0] = c.Param("id")
		return c.Blob(http.StatusOK, "application/json", userBody)
	})
	e.GET(PanicPath, func(echo.Context) error {
		panic("bench: handler panics")
	})
	return e
}
