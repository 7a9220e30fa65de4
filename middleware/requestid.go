package middleware

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/textproto"
	"time"

	"github.com/google/uuid"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

// DefaultRequestIDHeader is the header RequestID reads and echoes unless
// [RequestIDOptions.Header] names another.
const DefaultRequestIDHeader = "X-Request-Id"

// DefaultRequestIDMaxLength is the longest incoming request ID, in bytes,
// that RequestID keeps unless [RequestIDOptions.MaxLength] says otherwise.
const DefaultRequestIDMaxLength = 64

// RequestIDOptions configures [RequestID]. The zero value is ready to use:
// every zero field means its documented default.
type RequestIDOptions struct {
	// Header is the request header an incoming ID is read from and the
	// response header the ID is echoed in. It must be a valid header
	// field name. Default: [DefaultRequestIDHeader].
	Header string

	// MaxLength is the longest incoming ID kept, in bytes; a longer one
	// is replaced by a generated ID. It must not be negative. Default:
	// [DefaultRequestIDMaxLength].
	MaxLength int

	// IgnoreIncoming makes RequestID generate a fresh ID for every
	// request, for servers that face clients whose IDs must not end up in
	// logs. Default: false, a safe incoming ID is kept so that one ID
	// follows a request across services.
	IgnoreIncoming bool

	// Generate returns a new request ID. It is called concurrently and
	// its result is used as is. Default: a UUIDv7 in its canonical
	// 36-character form, which sorts by creation time.
	Generate func() string

	// Logger is the base of the request logger: each request's
	// [reqctx.Data].Logger becomes Logger with a "request_id" field. The
	// zero value leaves the request logger as it is (disabled, unless a
	// middleware outside set one).
	Logger zerolog.Logger
}

// withDefaults returns opts with every zero field set to its default.
func (opts RequestIDOptions) withDefaults() RequestIDOptions {
	if opts.Header == "" {
		opts.Header = DefaultRequestIDHeader
	}
	if opts.MaxLength == 0 {
		opts.MaxLength = DefaultRequestIDMaxLength
	}
	if opts.Generate == nil {
		opts.Generate = newUUIDv7
	}
	return opts
}

// validate reports the first invalid field of opts, after defaults.
func (opts RequestIDOptions) validate() error {
	if !isToken(opts.Header) {
		return fmt.Errorf("middleware: RequestIDOptions.Header %q is not a valid header name", opts.Header)
	}
	if opts.MaxLength < 0 {
		return fmt.Errorf("middleware: RequestIDOptions.MaxLength %d is negative", opts.MaxLength)
	}
	return nil
}

// RequestID returns middleware that gives every request an ID and a
// request logger. It is meant to be the outermost middleware, because it
// attaches the request's [reqctx.Data] (see [reqctx.Attach]) that every
// layer inside fills and reads.
//
// For each request it:
//
//   - attaches the reqctx Data, unless one is already attached, and sets
//     Data.Start to the current time if it is zero;
//   - keeps an incoming ID from the header named by opts.Header when it is
//     safe, and otherwise generates one (see [ValidRequestID]);
//   - stores the ID in Data.RequestID and echoes it in the response header;
//   - sets Data.Logger to opts.Logger with a "request_id" field.
//
// When the Data already carries a request ID — RequestID installed twice,
// say globally and on a route group — the inner instance keeps that ID
// and changes nothing.
//
// RequestID panics if opts is invalid: a bad header name or a negative
// MaxLength is a programming error, reported when the server is wired.
func RequestID(opts RequestIDOptions) Middleware {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		panic(err.Error())
	}
	header := textproto.CanonicalMIMEHeaderKey(opts.Header)
	setLogger := isSet(&opts.Logger)
	// Deriving a logger copies its context, so it is skipped when the
	// logger writes nothing anyway.
	deriveLogger := setLogger && opts.Logger.GetLevel() != zerolog.Disabled

	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, d := reqctx.Attach(r)
			if d.RequestID != "" {
				next.ServeHTTP(w, r)
				return
			}
			if d.Start.IsZero() {
				d.Start = time.Now()
			}
			id := ""
			if !opts.IgnoreIncoming {
				id = r.Header.Get(header)
				if len(id) > opts.MaxLength || !ValidRequestID(id) {
					id = ""
				}
			}
			if id == "" {
				id = opts.Generate()
			}
			d.RequestID = id
			w.Header().Set(header, id)
			switch {
			case deriveLogger:
				d.Logger = opts.Logger.With().Str("request_id", id).Logger()
			case setLogger:
				d.Logger = opts.Logger
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ValidRequestID reports whether id is a request ID that [RequestID] keeps
// when a client sends it, length aside: it is not empty and every byte is
// an ASCII letter or digit or one of '-', '_', '.', ':'. The set covers
// UUIDs, ULIDs, base64url and the hex and colon-separated IDs proxies
// generate, and excludes everything that could forge a log line or a
// header (control bytes, spaces, quotes, non-ASCII).
func ValidRequestID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// newUUIDv7 returns a new UUIDv7 string.
func newUUIDv7() string {
	u, err := uuid.NewV7()
	if err != nil {
		// uuid's random source is crypto/rand unless the program replaced
		// it with uuid.SetRand; crypto/rand.Reader itself never fails.
		u, _ = uuid.NewV7FromReader(rand.Reader)
	}
	return u.String()
}

// isToken reports whether s is a valid header field name (an RFC 9110
// token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '!', c == '#', c == '$', c == '%', c == '&', c == '\'', c == '*',
			c == '+', c == '-', c == '.', c == '^', c == '_', c == '`', c == '|', c == '~':
		default:
			return false
		}
	}
	return true
}
