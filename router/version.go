package router

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keel-go/keel/errors"
)

// VersionStrategy is how a request names the API version it wants.
type VersionStrategy int

const (
	// URIPrefix puts the version in the path: /v1/users, /v2/users. Each
	// version is a group with its own prefix. It is the default.
	URIPrefix VersionStrategy = iota
	// Header reads the version from a request header (Accept-Version by
	// default): "Accept-Version: 2".
	Header
	// Query reads the version from a query parameter (version by default):
	// "/users?version=2".
	Query
	// MediaType reads the version from a vendor media type in the Accept
	// header: "Accept: application/vnd.keel.v2+json".
	MediaType
)

// VersionOptions configures a set of API versions. Every zero field means
// the default stated on it.
type VersionOptions struct {
	// Strategy is how requests name a version. Default URIPrefix.
	Strategy VersionStrategy
	// Header is the request header read by the Header strategy. Default
	// "Accept-Version".
	Header string
	// Query is the query parameter read by the Query strategy. Default
	// "version".
	Query string
	// MediaType is the vendor media type read by the MediaType strategy,
	// without the version: "application/vnd.keel" accepts
	// "application/vnd.keel.v2+json". Required for that strategy.
	MediaType string
	// Default is the version served to requests that name none. Required
	// for every strategy but URIPrefix.
	Default string
	// Prefix returns the path prefix of a version for the URIPrefix
	// strategy. Default "/v" + version, without a leading "v" doubled.
	Prefix func(version string) string
}

// Versions is a set of API versions registered on a group. Routes are
// registered per version through the group [Versions.Version] returns. With
// the header, query and media-type strategies several versions register the
// same paths, and the router picks the route of the requested version;
// responses then carry Vary naming the header the choice depended on. A
// request naming a version the set does not have gets a 400 problem.
type Versions struct {
	g        *Group
	opts     VersionOptions
	strategy VersionStrategy
	defKey   string // the default version, normalized
	versions map[string]*version
	names    []string
}

// version is one API version of a set.
type version struct {
	set         *Versions
	name        string // as registered
	key         string // normalized, for matching
	deprecation *time.Time
	sunset      *time.Time
	successor   string
	headers     [][2]string // precomputed response headers
}

// VersionOption configures one version.
type VersionOption func(*version)

// DeprecatedSince marks the version deprecated since t: its responses carry
// "Deprecation: @<unix seconds>" (RFC 9745).
func DeprecatedSince(t time.Time) VersionOption {
	return func(v *version) { v.deprecation = &t }
}

// SunsetAt announces that the version stops working at t: its responses
// carry a Sunset header (RFC 8594).
func SunsetAt(t time.Time) VersionOption {
	return func(v *version) { v.sunset = &t }
}

// Successor names the URL of the version that replaces this one: its
// responses carry `Link: <url>; rel="successor-version"`.
func Successor(url string) VersionOption {
	return func(v *version) { v.successor = url }
}

// Versions returns a set of API versions under g. It panics if opts are
// invalid; see [Group.NewVersions] for the error-returning form.
func (g *Group) Versions(opts VersionOptions) *Versions {
	vs, err := g.NewVersions(opts)
	if err != nil {
		panic(err)
	}
	return vs
}

// NewVersions is the error-returning form of [Group.Versions].
func (g *Group) NewVersions(opts VersionOptions) (*Versions, error) {
	if opts.Header == "" {
		opts.Header = "Accept-Version"
	}
	if opts.Query == "" {
		opts.Query = "version"
	}
	if opts.Prefix == nil {
		opts.Prefix = func(v string) string { return "/v" + normVersion(v) }
	}
	switch opts.Strategy {
	case URIPrefix:
	case Header, Query, MediaType:
		if opts.Default == "" {
			return nil, fmt.Errorf("router: VersionOptions.Default is required with the header, query and media-type strategies")
		}
		if opts.Strategy == MediaType && opts.MediaType == "" {
			return nil, fmt.Errorf("router: VersionOptions.MediaType is required with the media-type strategy")
		}
	default:
		return nil, fmt.Errorf("router: unknown VersionStrategy %d", opts.Strategy)
	}
	opts.MediaType = strings.ToLower(opts.MediaType)
	return &Versions{g: g, opts: opts, strategy: opts.Strategy, defKey: normVersion(opts.Default),
		versions: make(map[string]*version)}, nil
}

// Version returns the group through which the routes of version name are
// registered. Calling it again with the same name returns a group of the
// same version; the options of the first call stand.
func (vs *Versions) Version(name string, opts ...VersionOption) *Group {
	key := normVersion(name)
	if key == "" {
		panic("router: empty API version name")
	}
	v := vs.versions[key]
	if v == nil {
		v = &version{set: vs, name: name, key: key}
		for _, o := range opts {
			o(v)
		}
		v.precompute()
		vs.versions[key] = v
		vs.names = append(vs.names, name)
	}
	prefix := ""
	if vs.strategy == URIPrefix {
		prefix = vs.opts.Prefix(name)
	}
	g := vs.g.Group(prefix)
	g.version = v
	return g
}

func normVersion(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.TrimPrefix(s, "v")
}

func (vs *Versions) has(key string) bool {
	_, ok := vs.versions[key]
	return ok
}

// requested returns the normalized version a request names, and whether it
// names one.
func (vs *Versions) requested(req *http.Request) (string, bool) {
	var raw string
	switch vs.strategy {
	case Header:
		raw = req.Header.Get(vs.opts.Header)
	case Query:
		raw = req.URL.Query().Get(vs.opts.Query)
	case MediaType:
		raw = vs.fromAccept(req.Header.Values("Accept"))
	}
	if v := normVersion(raw); v != "" {
		return v, true
	}
	return "", false
}

// fromAccept finds the version in a vendor media type of the Accept
// header: application/vnd.keel.v2+json or application/vnd.keel.v2.
func (vs *Versions) fromAccept(accept []string) string {
	want := vs.opts.MediaType + ".v"
	for _, line := range accept {
		for r := range strings.SplitSeq(line, ",") {
			mt, _, _ := strings.Cut(r, ";")
			mt = strings.ToLower(strings.TrimSpace(mt))
			rest, ok := strings.CutPrefix(mt, want)
			if !ok {
				continue
			}
			if i := strings.IndexByte(rest, '+'); i >= 0 {
				rest = rest[:i]
			}
			if rest != "" {
				return rest
			}
		}
	}
	return ""
}

// unsupported answers a request that names a version the set lacks.
func (vs *Versions) unsupported(w http.ResponseWriter, req *http.Request, key string) {
	vs.vary(w)
	names := slices.Clone(vs.names)
	slices.Sort(names)
	errors.Write(w, req, errors.BadRequest("API version %q is not supported; supported versions: %s",
		key, strings.Join(names, ", ")).WithCode("unsupported_version"))
}

func (vs *Versions) vary(w http.ResponseWriter) {
	switch vs.strategy {
	case Header:
		w.Header().Add("Vary", vs.opts.Header)
	case MediaType:
		w.Header().Add("Vary", "Accept")
	}
}

func (v *version) precompute() {
	if v.deprecation != nil {
		v.headers = append(v.headers, [2]string{"Deprecation", "@" + strconv.FormatInt(v.deprecation.Unix(), 10)})
	}
	if v.sunset != nil {
		v.headers = append(v.headers, [2]string{"Sunset", v.sunset.UTC().Format(http.TimeFormat)})
	}
	if v.successor != "" {
		v.headers = append(v.headers, [2]string{"Link", "<" + v.successor + `>; rel="successor-version"`})
	}
}

// decorate adds the version's response headers before the handler runs.
func (v *version) decorate(w http.ResponseWriter) {
	v.set.vary(w)
	h := w.Header()
	for _, kv := range v.headers {
		h.Add(kv[0], kv[1])
	}
}
