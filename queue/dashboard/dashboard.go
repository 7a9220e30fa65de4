package dashboard

import (
	"crypto/rand"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/queue"
)

// Defaults of [Options].
const (
	// DefaultFailures is how many of the latest failures the overview
	// shows in each of its two lists, retrying and archived.
	DefaultFailures = 20
	// DefaultPageSize is how many jobs a state's list shows per page.
	DefaultPageSize = 50
	// DefaultRateInterval is the shortest span the throughput rate is
	// measured over.
	DefaultRateInterval = 10 * time.Second
	// CSRFKeyLength is the length of [Options].CSRFKey, in bytes.
	CSRFKeyLength = 32
)

// ContentSecurityPolicy is the Content-Security-Policy header of every
// response: the page loads its stylesheet and script from the dashboard
// itself and nothing from anywhere else, may not be framed, and its forms
// post only to the dashboard.
const ContentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Options configures [New]. Every zero field means its default; Auth is
// required unless Local is set.
type Options struct {
	// Auth is the middleware that authenticates and authorizes every
	// request before the dashboard sees it, such as a session or OIDC
	// check that only lets operators through. It answers the requests it
	// refuses itself. Required unless Local is set.
	Auth func(http.Handler) http.Handler

	// Local declares that the dashboard is for local use only, such as on
	// a developer's machine, so that it may run without Auth. It also
	// makes the dashboard refuse, with 403, every request whose
	// RemoteAddr is not a loopback address (127.0.0.0/8 or ::1). Behind a
	// reverse proxy on the same host every request is then from loopback:
	// do not set Local on a dashboard a proxy exposes. Local and Auth may
	// both be set; the loopback check runs first. Default: false.
	Local bool

	// Prefix is the path the dashboard is mounted at, such as
	// "/admin/jobs": it serves Prefix+"/" and everything under it, and
	// every link and form in its pages starts with Prefix. Mount it with
	// mux.Handle(Prefix+"/", h), and do not wrap it in
	// [http.StripPrefix]: the dashboard matches the full path itself. A
	// prefix starts with "/", has no trailing "/" and uses only letters,
	// digits and "-._~/". Default: "", the dashboard is at the root.
	Prefix string

	// Failures is how many of the latest failures the overview lists, in
	// each of its lists (retrying, archived), across all queues. Default:
	// [DefaultFailures].
	Failures int

	// PageSize is how many jobs a page of a state's list shows. Default:
	// [DefaultPageSize].
	PageSize int

	// RateInterval is the shortest span over which the overview measures
	// throughput; see the package documentation. Default:
	// [DefaultRateInterval].
	RateInterval time.Duration

	// CSRFKey signs the CSRF tokens: [CSRFKeyLength] secret random bytes.
	// Set the same key on every instance when several instances serve the
	// dashboard behind a load balancer without sticky sessions. It is
	// copied. Default: a random key per handler, so that tokens are void
	// after a restart (a reload of the page gets a new one).
	CSRFKey []byte

	// Now is the clock of the throughput rate. Default: time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() (Options, error) {
	if o.Failures == 0 {
		o.Failures = DefaultFailures
	}
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.RateInterval == 0 {
		o.RateInterval = DefaultRateInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CSRFKey == nil {
		o.CSRFKey = make([]byte, CSRFKeyLength)
		if _, err := rand.Read(o.CSRFKey); err != nil {
			return o, fmt.Errorf("dashboard: CSRF key: %w", err)
		}
	} else {
		o.CSRFKey = append([]byte(nil), o.CSRFKey...)
	}
	return o, nil
}

func (o Options) validate() error {
	switch {
	case o.Auth == nil && !o.Local:
		return fmt.Errorf("dashboard: Options.Auth is required; set Options.Local to serve a local-only dashboard without it")
	case o.Failures < 0:
		return fmt.Errorf("dashboard: Options.Failures %d is negative", o.Failures)
	case o.PageSize < 0:
		return fmt.Errorf("dashboard: Options.PageSize %d is negative", o.PageSize)
	case o.RateInterval < 0:
		return fmt.Errorf("dashboard: Options.RateInterval %v is negative", o.RateInterval)
	case len(o.CSRFKey) != CSRFKeyLength:
		return fmt.Errorf("dashboard: Options.CSRFKey has %d bytes, want %d", len(o.CSRFKey), CSRFKeyLength)
	}
	return checkPrefix(o.Prefix)
}

// checkPrefix reports whether p is usable as a mount path and in a
// ServeMux pattern.
func checkPrefix(p string) error {
	if p == "" {
		return nil
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return fmt.Errorf("dashboard: Options.Prefix %q must start with / and not end with / or hold //", p)
	}
	for _, c := range p {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~/", c)
		if !ok {
			return fmt.Errorf("dashboard: Options.Prefix %q has %q; use letters, digits and -._~/", p, c)
		}
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("dashboard: Options.Prefix %q has a %q segment", p, seg)
		}
	}
	return nil
}

// dashboard is the handler New returns.
type dashboard struct {
	broker queue.Inspector
	pauser queue.Pauser // nil when the broker cannot pause
	opts   Options
	csrf   *csrf
	rates  *rates
	pages  map[string]*template.Template
	mux    *http.ServeMux
}

// New returns the dashboard of broker as an http.Handler. It fails when
// opts is invalid, and when opts.Auth is nil and opts.Local is not set.
// When broker also implements [queue.Pauser], the dashboard offers pausing
// and resuming queues.
//
// The handler is safe for concurrent use. It starts no goroutine and holds
// nothing that needs closing; the broker remains the caller's.
func New(broker queue.Inspector, opts Options) (http.Handler, error) {
	if broker == nil {
		return nil, fmt.Errorf("dashboard: New needs a broker")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	pages, err := parsePages(opts.Prefix)
	if err != nil {
		return nil, err
	}
	d := &dashboard{
		broker: broker,
		opts:   opts,
		csrf:   newCSRF(opts.CSRFKey, opts.Prefix),
		rates:  newRates(opts.RateInterval),
		pages:  pages,
	}
	d.pauser, _ = broker.(queue.Pauser)
	d.mux = d.routes()

	var h http.Handler = d.mux
	if opts.Auth != nil {
		h = opts.Auth(h)
		if h == nil {
			return nil, fmt.Errorf("dashboard: Options.Auth returned a nil handler")
		}
	}
	if opts.Local {
		h = loopbackOnly(d, h)
	}
	return securityHeaders(h), nil
}

// routes returns the dashboard's mux. Every pattern carries the prefix, so
// that the mux sees the full path and no StripPrefix is needed.
func (d *dashboard) routes() *http.ServeMux {
	p := d.opts.Prefix
	mux := http.NewServeMux()
	mux.Handle("GET "+p+"/{$}", d.handle(d.overview))
	mux.Handle("GET "+p+"/queues/{queue}/{state}", d.handle(d.list))
	mux.Handle("GET "+p+"/queues/{queue}/jobs/{id}", d.handle(d.job))
	mux.Handle("POST "+p+"/queues/{queue}/jobs/{id}/retry", d.action(d.retry))
	mux.Handle("POST "+p+"/queues/{queue}/jobs/{id}/delete", d.action(d.delete))
	if d.pauser != nil {
		mux.Handle("POST "+p+"/queues/{queue}/pause", d.action(d.pause))
		mux.Handle("POST "+p+"/queues/{queue}/resume", d.action(d.resume))
	}
	mux.Handle("GET "+p+"/static/", staticFiles(d))
	mux.Handle(p+"/", d.handle(func(w http.ResponseWriter, r *http.Request) error {
		return errors.NotFound("no such page")
	}))
	if p != "" {
		mux.Handle(p, http.RedirectHandler(p+"/", http.StatusMovedPermanently))
	}
	return mux
}

// handle adapts a page handler: it issues the CSRF cookie when the request
// has none, and renders the error the handler returns.
func (d *dashboard) handle(f func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = d.csrf.ensure(w, r)
		if err := f(w, r); err != nil {
			d.writeError(w, r, err)
		}
	})
}

// action adapts an action handler: it refuses cross-origin requests and
// requests without a valid CSRF token before the action runs.
func (d *dashboard) action(f func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := d.csrf.check(w, r); err != nil {
			d.writeError(w, r, err)
			return
		}
		if err := f(w, r); err != nil {
			d.writeError(w, r, err)
		}
	})
}

// loopbackOnly refuses requests whose peer is not a loopback address.
func loopbackOnly(d *dashboard, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLoopback(r.RemoteAddr) {
			d.writeError(w, r, errors.Forbidden("this dashboard answers local requests only"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isLoopback reports whether addr, a RemoteAddr ("host:port"), is a
// loopback IP address.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// securityHeaders sets the headers of every response, refusals included.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
