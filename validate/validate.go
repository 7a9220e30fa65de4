package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/negotiate"
)

// Defaults of the [Options] fields.
const (
	defaultMaxBodyBytes   = 1 << 20
	defaultMaxDepth       = 32
	defaultMaxStringBytes = 64 << 10
	defaultMaxArrayLen    = 10_000
	defaultMaxFormFields  = 1000
)

// Format is a request body format a [Decoder] reads.
type Format string

// The formats a [Decoder] can read.
const (
	FormatJSON      Format = "json"      // application/json and any +json type
	FormatXML       Format = "xml"       // application/xml, text/xml and any +xml type
	FormatForm      Format = "form"      // application/x-www-form-urlencoded
	FormatMultipart Format = "multipart" // multipart/form-data
)

// Schema checks a JSON document before it is decoded, such as a compiled
// JSON Schema. ValidateJSON receives the raw body, which has passed the
// strict scan; it must not keep raw after it returns. Its error is returned
// as it is when it is an *errors.Error (or another error [errors.From]
// classifies as 4xx); any other error becomes a 422 problem.
type Schema interface {
	ValidateJSON(raw []byte) error
}

// Validator is implemented by targets that check themselves once decoded.
// [Decoder.Decode] calls Validate last, with the request's context. Its
// error is treated as a [Schema] error is.
type Validator interface {
	Validate(ctx context.Context) error
}

// Options configures a [Decoder]. Every zero field means its default.
type Options struct {
	// MaxBodyBytes is the largest body read, in bytes; a larger one is a
	// 413 problem, whether its length is declared or it is chunked.
	// Default: 1 MiB.
	MaxBodyBytes int64
	// MaxDepth is the deepest nesting of JSON objects and arrays, or of
	// XML elements; the outermost is at depth 1. Default: 32.
	MaxDepth int
	// MaxStringBytes is the longest JSON string or key, or XML text,
	// attribute value or form value, in bytes. Default: 64 KiB.
	MaxStringBytes int
	// MaxArrayLen is the largest number of elements of a JSON array, of
	// children of one name of an XML element, or of values of one form
	// field.
	// Default: 10,000.
	MaxArrayLen int
	// MaxFormFields is the largest number of fields (and files) a form
	// may hold. Default: 1,000.
	MaxFormFields int
	// AllowUnknownFields, when true, lets keys that no field of the target
	// takes through, and ignores them. Keys that match a field only when
	// case is ignored are rejected either way. Default: false, an unknown
	// key is a 400 problem coded "unknown_field".
	AllowUnknownFields bool
	// Formats lists the body formats accepted. Default: JSON and XML.
	// Forms are opt-in: a browser sends them cross-site without a CORS
	// preflight, so accepting them widens the CSRF surface of an API.
	Formats []Format
	// Schema, when set, checks JSON bodies after the strict scan and
	// before the typed decode. Default: none.
	Schema Schema
	// Normalize, when set, runs after the typed decode and before the
	// target's [Validator] method: trimming, case folding, defaults.
	// Its error is treated as a [Schema] error is. Default: none.
	Normalize func(ctx context.Context, v any) error
	// TimeLayouts are the layouts, in the syntax of package time, that a
	// [Time] in a JSON or form body may also take, tried in order after
	// RFC 3339. A layout without a zone reads times as UTC. Default: none,
	// only RFC 3339 with an offset.
	TimeLayouts []string
	// TimeZone says what happens to the offset of a decoded [Time] in a
	// JSON or form body. Default: [TimeZoneKeep].
	TimeZone TimeZone
	// Rules checks the target's `validate` struct tags after
	// normalization, before the target's [Validator] method. Default:
	// the built-in rules with English messages (see [Check]).
	Rules *Rules
}

func (o Options) withDefaults() Options {
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = defaultMaxBodyBytes
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = defaultMaxDepth
	}
	if o.MaxStringBytes == 0 {
		o.MaxStringBytes = defaultMaxStringBytes
	}
	if o.MaxArrayLen == 0 {
		o.MaxArrayLen = defaultMaxArrayLen
	}
	if o.MaxFormFields == 0 {
		o.MaxFormFields = defaultMaxFormFields
	}
	if o.Formats == nil {
		o.Formats = []Format{FormatJSON, FormatXML}
	}
	if o.Rules == nil {
		o.Rules = defaultRules
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.MaxBodyBytes < 0:
		return fmt.Errorf("validate: Options.MaxBodyBytes is negative: %d", o.MaxBodyBytes)
	case o.MaxDepth < 0:
		return fmt.Errorf("validate: Options.MaxDepth is negative: %d", o.MaxDepth)
	case o.MaxStringBytes < 0:
		return fmt.Errorf("validate: Options.MaxStringBytes is negative: %d", o.MaxStringBytes)
	case o.MaxArrayLen < 0:
		return fmt.Errorf("validate: Options.MaxArrayLen is negative: %d", o.MaxArrayLen)
	case o.MaxFormFields < 0:
		return fmt.Errorf("validate: Options.MaxFormFields is negative: %d", o.MaxFormFields)
	case len(o.Formats) == 0:
		return fmt.Errorf("validate: Options.Formats is empty")
	case o.TimeZone != TimeZoneKeep && o.TimeZone != TimeZoneUTC:
		return fmt.Errorf("validate: Options.TimeZone is unknown: %d", o.TimeZone)
	}
	for _, f := range o.Formats {
		switch f {
		case FormatJSON, FormatXML, FormatForm, FormatMultipart:
		default:
			return fmt.Errorf("validate: Options.Formats holds an unknown format %q", f)
		}
	}
	for _, l := range o.TimeLayouts {
		if l == "" {
			return fmt.Errorf("validate: Options.TimeLayouts holds an empty layout")
		}
	}
	return nil
}

func (o *Options) limits() ScanLimits {
	return ScanLimits{MaxDepth: o.MaxDepth, MaxStringBytes: o.MaxStringBytes, MaxArrayLen: o.MaxArrayLen}
}

func (o *Options) accepts(f Format) bool {
	for _, g := range o.Formats {
		if g == f {
			return true
		}
	}
	return false
}

// Decoder reads request bodies into Go values strictly, with limits, and
// runs the validation hooks; see the package documentation for the order
// of the steps. Create one with [NewDecoder]; the zero value is not usable.
// A Decoder is immutable and safe for concurrent use.
type Decoder struct {
	opts     Options
	codecs   *negotiate.Registry
	accepted []string
}

// NewDecoder returns a decoder configured by opts, or an error naming the
// first invalid field.
func NewDecoder(opts Options) (*Decoder, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	d := &Decoder{opts: opts, codecs: &negotiate.Registry{}}
	if opts.accepts(FormatJSON) {
		if err := d.codecs.Register(negotiate.JSON{}); err != nil {
			return nil, err
		}
		d.accepted = append(d.accepted, "application/json")
	}
	if opts.accepts(FormatXML) {
		if err := d.codecs.Register(negotiate.XML{}); err != nil {
			return nil, err
		}
		d.accepted = append(d.accepted, "application/xml", "text/xml")
	}
	if opts.accepts(FormatForm) {
		d.accepted = append(d.accepted, mediaForm)
	}
	if opts.accepts(FormatMultipart) {
		d.accepted = append(d.accepted, mediaMultipart)
	}
	return d, nil
}

// defaultDecoder serves [Decode]. It is never modified.
var defaultDecoder = func() *Decoder {
	d, err := NewDecoder(Options{})
	if err != nil {
		panic(err.Error()) // the defaults are valid: a bug in this package
	}
	return d
}()

// Decode reads the body of r into v, a non-nil pointer, with the default
// options: JSON or XML, 1 MiB at most; see [Decoder.Decode].
func Decode(r *http.Request, v any) error {
	return defaultDecoder.Decode(r, v)
}

// Decode reads the body of r into v, which must be a non-nil pointer, in
// the format its Content-Type names. It returns nil, a 4xx *errors.Error
// saying what is wrong with the request (413, 415, 400 with the JSON
// Pointer of the offending value in its violation, 422 from a hook), an
// error the body itself returned (the client went away), or a plain error
// for a programming mistake such as a v that is not a pointer.
func (d *Decoder) Decode(r *http.Request, v any) error {
	if err := checkTarget(v); err != nil {
		return err
	}
	max := d.opts.MaxBodyBytes
	if r.ContentLength > max {
		return tooLarge(max)
	}
	ct := r.Header.Get("Content-Type")
	format, params, err := d.format(ct)
	if err != nil {
		return err
	}
	if r.Body == nil || r.Body == http.NoBody {
		return errors.E(http.StatusBadRequest, errors.CodeEmptyBody, "The request body is empty.")
	}
	buf := bufferPool.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, max+1)); err != nil {
		return err
	}
	if int64(buf.Len()) > max {
		return tooLarge(max)
	}
	ctx := r.Context()
	switch format {
	case FormatJSON:
		err = d.decodeJSON(buf.Bytes(), v)
	case FormatXML:
		err = d.decodeXML(buf.Bytes(), v)
	case FormatForm:
		err = d.decodeForm(buf.Bytes(), v)
	case FormatMultipart:
		err = d.decodeMultipart(buf.Bytes(), params["boundary"], v)
	}
	if err != nil {
		return err
	}
	return d.finish(ctx, v)
}

// DecodeJSON decodes the JSON document data into v, a non-nil pointer,
// through the same steps as [Decoder.Decode] after the content type: the
// strict scan, the schema, the typed decode, normalization and the
// target's Validate method. It is for JSON that does not come from a
// request body, such as a queued job's payload.
func (d *Decoder) DecodeJSON(ctx context.Context, data []byte, v any) error {
	if err := checkTarget(v); err != nil {
		return err
	}
	if int64(len(data)) > d.opts.MaxBodyBytes {
		return tooLarge(d.opts.MaxBodyBytes)
	}
	if err := d.decodeJSON(data, v); err != nil {
		return err
	}
	return d.finish(ctx, v)
}

// format returns the format the content type ct names, its parameters, or
// a 415 problem.
func (d *Decoder) format(ct string) (Format, map[string]string, error) {
	if c, ok := d.codecs.Lookup(ct); ok {
		switch c.(type) {
		case negotiate.JSON:
			return FormatJSON, nil, nil
		case negotiate.XML:
			return FormatXML, nil, nil
		}
	}
	if essence, params, err := mime.ParseMediaType(ct); err == nil {
		switch {
		case essence == mediaForm && d.opts.accepts(FormatForm):
			return FormatForm, params, nil
		case essence == mediaMultipart && d.opts.accepts(FormatMultipart) && params["boundary"] != "":
			return FormatMultipart, params, nil
		}
	}
	list := strings.Join(d.accepted, ", ")
	if ct == "" {
		return "", nil, errors.UnsupportedMediaType("The request has no Content-Type; supported: %s.", list).
			WithExtension("supported", d.accepted)
	}
	return "", nil, errors.UnsupportedMediaType("The Content-Type %s is not supported; supported: %s.", clipQuote(ct), list).
		WithExtension("supported", d.accepted)
}

// decodeJSON runs the scan, the schema and the typed decode.
func (d *Decoder) decodeJSON(data []byte, v any) error {
	limits := d.opts.limits()
	if err := Scan(data, limits); err != nil {
		return err
	}
	if d.opts.Schema != nil {
		if err := d.opts.Schema.ValidateJSON(data); err != nil {
			return hookError(err)
		}
	}
	ti := infoOf(reflect.TypeOf(v).Elem())
	w := walker{data: data, opts: &d.opts}
	w.path = w.segArr[:0]
	if _, err := w.value(skipWS(data, 0), ti); err != nil {
		return err.problem()
	}
	if len(w.edits) > 0 {
		data = applyEdits(data, w.edits)
	}
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*errors.Error](err); ok {
		return e
	}
	if _, ok := errors.AsType[*json.InvalidUnmarshalError](err); ok {
		return err
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		ptr, _ := pointerAt(data, limits, int(te.Offset))
		typ := "value"
		if te.Type != nil {
			typ = te.Type.String()
		}
		code, msg := CodeInvalidType, "cannot be decoded as "+article(typ)+" "+typ
		if num, ok := strings.CutPrefix(te.Value, "number "); ok && te.Type != nil && isNumberKind(te.Type.Kind()) {
			if _, err := strconv.ParseFloat(num, 64); err == nil || isRange(err) {
				code, msg = CodeOutOfRange, "is out of the range of "+typ
			}
		}
		return (&scanError{code: code, msg: msg, pointer: ptr, offset: int(te.Offset)}).problem().WithCause(err)
	}
	// An UnmarshalJSON or UnmarshalText method refused its input: find
	// which by running them again, now that decoding failed.
	w = walker{data: data, opts: &d.opts, verify: true}
	if _, serr := w.value(skipWS(data, 0), ti); serr != nil {
		return serr.problem().WithCause(err)
	}
	return (&scanError{code: CodeInvalidValue, msg: "a value cannot be decoded"}).problem().WithCause(err)
}

// finish runs the hooks that follow the typed decode.
func (d *Decoder) finish(ctx context.Context, v any) error {
	if d.opts.Normalize != nil {
		if err := d.opts.Normalize(ctx, v); err != nil {
			return hookError(err)
		}
	}
	tagErr, err := d.opts.Rules.checkTags(ctx, v)
	if err != nil {
		return err // an infrastructure error, as it is
	}
	if val, ok := v.(Validator); ok {
		if err := d.validate(ctx, val); err != nil {
			return mergeViolations(tagErr, err)
		}
	}
	if tagErr != nil {
		return tagErr
	}
	return nil
}

// hookError returns err when it is a client error already, else a 422
// problem that keeps err as its hidden cause.
func hookError(err error) error {
	if s := errors.From(err).StatusCode(); s >= 400 && s < 500 {
		return err
	}
	return errors.Unprocessable("The request body failed validation.").WithCause(err)
}

func checkTarget(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("validate: Decode needs a non-nil pointer, got %T", v)
	}
	return nil
}

func tooLarge(max int64) *errors.Error {
	return errors.RequestTooLarge("The request body exceeds the limit of %d bytes.", max).
		WithExtension("limit", max)
}

func isNumberKind(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Float64
}

// bufferPool holds the buffers request bodies are read into.
var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooled is the capacity past which a buffer is left to the garbage
// collector rather than kept for the next request.
const maxPooled = 64 << 10

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooled {
		return
	}
	b.Reset()
	bufferPool.Put(b)
}
