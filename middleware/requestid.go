package middleware

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/textproto"
	"time"
	"unsafe"

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
//   - installs opts.Logger, with a "request_id" field, as the request
//     logger ([reqctx.Data.SetLogger]): the field is added when something
//     first logs through it, so a request that nothing logs costs no
//     logger.
//
// When the Data already carries a request ID — RequestID installed twice,
// say globally and on a route group — the inner instance keeps that ID
// and changes nothing.
//
// RequestID panics if opts is invalid: a bad header name or a negative
// MaxLength is a programming error, reported when the server is wired.
func RequestID(opts RequestIDOptions) Middleware {
	custom := opts.Generate != nil
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		panic(err.Error())
	}
	header := textproto.CanonicalMIMEHeaderKey(opts.Header)
	setLogger := isSet(&opts.Logger)

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
			// One allocation holds the ID and the header value that
			// echoes it.
			box := new(requestIDBox)
			id := ""
			if !opts.IgnoreIncoming {
				id = r.Header.Get(header)
				if len(id) > opts.MaxLength || !ValidRequestID(id) {
					id = ""
				}
			}
			switch {
			case id != "":
			case custom:
				id = opts.Generate()
			default:
				id = box.generate()
			}
			box.value[0] = id
			d.RequestID = id
			w.Header()[header] = box.value[:]
			if setLogger {
				d.SetLogger(opts.Logger, withRequestID)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// withRequestID is the extension of the request logger RequestID installs:
// it is built only if something logs through the request logger.
func withRequestID(c zerolog.Context, d *reqctx.Data) zerolog.Context {
	return c.Str("request_id", d.RequestID)
}

// requestIDBox holds a generated request ID and the response header value
// that carries it, so that both cost one allocation. The value slice has a
// capacity of one: a later Header.Add copies it rather than writing into
// the box.
type requestIDBox struct {
	value [1]string
	text  [36]byte
	raw   [16]byte
}

// generate fills the box with a new UUIDv7 (RFC 9562) and returns it in
// canonical form. The string shares the box's bytes, which are never
// written again, so it is immutable like any other.
func (b *requestIDBox) generate() string {
	newUUIDv7(&b.raw, time.Now())
	const hexDigits = "0123456789abcdef"
	j := 0
	for i, c := range b.raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b.text[j] = '-'
			j++
		}
		b.text[j], b.text[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
	return unsafe.String(&b.text[0], len(b.text))
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

// newUUIDv7 fills u with a UUIDv7 for time now (RFC 9562 section 5.7): 48
// bits of Unix milliseconds, then 12 bits of sub-millisecond time (the
// section 6.2 method 3 option), so IDs from one process sort by creation
// time to about a quarter of a microsecond, then 62 random bits from
// crypto/rand.
func newUUIDv7(u *[16]byte, now time.Time) {
	rand.Read(u[6:]) // never fails since Go 1.24
	ms := uint64(now.UnixMilli())
	sub := uint64(now.Nanosecond()%1_000_000) * 4096 / 1_000_000
	u[0], u[1], u[2] = byte(ms>>40), byte(ms>>32), byte(ms>>24)
	u[3], u[4], u[5] = byte(ms>>16), byte(ms>>8), byte(ms)
	u[6] = 0x70 | byte(sub>>8) // version 7
	u[7] = byte(sub)
	u[8] = 0x80 | u[8]&0x3f // variant 10
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
