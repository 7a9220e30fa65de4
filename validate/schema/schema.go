package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

// Errors returned by [Compile], wrapped with the name of the schema; test
// for them with errors.Is.
var (
	// ErrRemoteRef is returned by Compile when a $ref, or a $schema that
	// is not a known draft, names a schema that was neither given in
	// Options.Resources nor found in Options.FS. Remote schemas are never
	// fetched, over the network or from the file system.
	ErrRemoteRef = errors.New("schema: reference to a schema that was not added")
	// ErrUnsupportedDraft is returned by Compile when a schema declares a
	// draft other than 2020-12 and draft 7 in its $schema.
	ErrUnsupportedDraft = errors.New("schema: unsupported draft")
)

// Defaults of the [Options] fields.
const (
	defaultMaxViolations = 100
	// baseURL is the base of schema names that are not absolute URLs.
	// Its scheme is one no loader knows, so that a relative $ref
	// resolves against it and is served from Options.FS or not at all.
	baseURL = "keel:///"
	// maxNumberLen and maxExponent bound the numbers checked against a
	// schema: checking converts each to an exact rational, whose cost
	// grows with its digits and its exponent, and which the schema
	// library cannot build at all past some exponent.
	maxNumberLen = 1000
	maxExponent  = 1000
)

// Draft is a version of the JSON Schema specification.
type Draft int

// The drafts a [Schema] may be written in.
const (
	Draft2020 Draft = iota // draft 2020-12, the default
	Draft7                 // draft 7 (draft-07)
)

// String returns the draft's name as the specification spells it.
func (d Draft) String() string {
	switch d {
	case Draft2020:
		return "2020-12"
	case Draft7:
		return "draft-07"
	}
	return "Draft(" + strconv.Itoa(int(d)) + ")"
}

// Options configures [Compile]. Every zero field means its default.
type Options struct {
	// Draft is the draft of a schema that has no $schema keyword. A
	// schema that has one is read in the draft it names, which must be
	// 2020-12 or draft 7. Default: [Draft2020].
	Draft Draft
	// Resources holds further schemas that a $ref may name, keyed by
	// absolute URL ("https://example.com/address.json", matching their
	// $id or the $ref) or by a name resolved as [Compile] resolves its
	// name. Default: none.
	Resources map[string][]byte
	// FS serves further schemas by path: a $ref such as
	// "defs/address.json" in a schema named "user.json" is read from
	// FS as "defs/address.json". An embed.FS fits. Default: none.
	FS fs.FS
	// MaxViolations is the largest number of violations a problem lists;
	// a document that breaks more rules gets the first ones, by pointer,
	// and a message saying how many there were. Default: 100.
	MaxViolations int
}

func (o Options) withDefaults() Options {
	if o.MaxViolations == 0 {
		o.MaxViolations = defaultMaxViolations
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.Draft != Draft2020 && o.Draft != Draft7:
		return fmt.Errorf("schema: Options.Draft is unknown: %d", int(o.Draft))
	case o.MaxViolations < 0:
		return fmt.Errorf("schema: Options.MaxViolations is negative: %d", o.MaxViolations)
	}
	return nil
}

// Schema is a compiled JSON Schema. It checks JSON documents with
// [Schema.ValidateJSON], and plugs into package validate as
// validate.Options{Schema: s}, so that a request body is checked against
// it after the strict scan and before it is decoded into a struct.
//
// Create one with [Compile] or [MustCompile]; the zero value is not
// usable. A Schema is immutable and safe for concurrent use.
type Schema struct {
	name          string
	root          *jsonschema.Schema
	locs          map[string]*jsonschema.Schema // every subschema by its absolute location
	maxViolations int
}

var _ validate.Schema = (*Schema)(nil)

// Compile compiles the schema src, known as name, once at start-up. Name
// is an absolute URL, or a path such as "user.json" that relative $refs
// resolve against (and that Options.FS serves them for); it is also the
// name errors give. Compile asserts the "format" keyword in every draft
// and never fetches a schema: a $ref outside src must be in
// Options.Resources or Options.FS, or Compile fails with [ErrRemoteRef].
// It returns an error naming what is wrong when src is not JSON, is not a
// valid schema, or declares a draft other than 2020-12 and draft 7.
func Compile(name string, src []byte, opts Options) (*Schema, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	u, err := resourceURL(name)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if opts.Draft == Draft7 {
		c.Draft = jsonschema.Draft7
	}
	c.AssertFormat = true
	c.AssertContent = false
	c.LoadURL = loader(opts.FS)
	for n, b := range opts.Resources {
		ru, err := resourceURL(n)
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(ru, bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("schema: resource %q: %w", n, err)
		}
	}
	if err := c.AddResource(u, bytes.NewReader(src)); err != nil {
		return nil, fmt.Errorf("schema: %q: %w", name, err)
	}
	root, err := c.Compile(u)
	if err != nil {
		return nil, fmt.Errorf("schema: %q: %w", name, err)
	}
	s := &Schema{name: name, root: root, locs: map[string]*jsonschema.Schema{}, maxViolations: opts.MaxViolations}
	if err := s.index(root); err != nil {
		return nil, fmt.Errorf("schema: %q: %w", name, err)
	}
	return s, nil
}

// MustCompile is like [Compile] but panics if the schema does not compile.
// It is for schemas fixed at start-up, such as embedded files.
func MustCompile(name string, src []byte, opts Options) *Schema {
	s, err := Compile(name, src, opts)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// Name returns the name the schema was compiled under.
func (s *Schema) Name() string { return s.name }

// ValidateJSON checks the JSON document raw against the schema. It returns
// nil when raw matches; a 422 *errors.Error coded [CodeValidationFailed]
// whose violations say where and why when it does not; a 400
// *errors.Error when raw is not one JSON value (coded as package validate
// codes it), or holds a number longer than 1,000 bytes or with an exponent
// past ±1,000 ("out_of_range"), which it does not check. Numbers are
// compared exactly, never through float64. Any other error is a fault of
// the schema itself, such as a $ref that loops without end.
//
// ValidateJSON does not keep raw. It does not enforce the limits and the
// strictness of [validate.Scan] (duplicate keys, depth): the decoder that
// calls it has run them already.
func (s *Schema) ValidateJSON(raw []byte) error {
	doc, err := decode(raw)
	if err != nil {
		return err
	}
	if err := checkNumbers(doc, nil); err != nil {
		return err
	}
	err = s.root.Validate(doc)
	if err == nil {
		return nil
	}
	ve, ok := errors.AsType[*jsonschema.ValidationError](err)
	if !ok {
		return fmt.Errorf("schema: %q: %w", s.name, err)
	}
	return s.problem(doc, ve)
}

// index records every subschema reachable from sch by its location, and
// checks that each is in a supported draft.
func (s *Schema) index(sch *jsonschema.Schema) error {
	if sch == nil {
		return nil
	}
	if _, ok := s.locs[sch.Location]; ok {
		return nil
	}
	if sch.Draft != jsonschema.Draft2020 && sch.Draft != jsonschema.Draft7 {
		return fmt.Errorf("%w: %s uses %s; use 2020-12 or draft 7", ErrUnsupportedDraft, sch.Location, sch.Draft)
	}
	s.locs[sch.Location] = sch
	var subs []*jsonschema.Schema
	subs = append(subs, sch.Ref, sch.RecursiveRef, sch.DynamicRef, sch.Not, sch.If, sch.Then, sch.Else,
		sch.PropertyNames, sch.UnevaluatedProperties, sch.Items2020, sch.Contains, sch.UnevaluatedItems, sch.ContentSchema)
	subs = append(subs, sch.AllOf...)
	subs = append(subs, sch.AnyOf...)
	subs = append(subs, sch.OneOf...)
	subs = append(subs, sch.PrefixItems...)
	for _, p := range sch.Properties {
		subs = append(subs, p)
	}
	for _, p := range sch.PatternProperties {
		subs = append(subs, p)
	}
	for _, p := range sch.DependentSchemas {
		subs = append(subs, p)
	}
	for _, d := range sch.Dependencies {
		if p, ok := d.(*jsonschema.Schema); ok {
			subs = append(subs, p)
		}
	}
	for _, x := range []any{sch.AdditionalProperties, sch.AdditionalItems, sch.Items} {
		switch x := x.(type) {
		case *jsonschema.Schema:
			subs = append(subs, x)
		case []*jsonschema.Schema:
			subs = append(subs, x...)
		}
	}
	for _, sub := range subs {
		if err := s.index(sub); err != nil {
			return err
		}
	}
	return nil
}

// resourceURL returns the URL a schema named name is known by: name
// itself when it is an absolute URL, else name below [baseURL].
func resourceURL(name string) (string, error) {
	u, err := url.Parse(name)
	if err != nil || name == "" {
		return "", fmt.Errorf("schema: invalid schema name %q", name)
	}
	if u.Fragment != "" {
		return "", fmt.Errorf("schema: schema name %q has a fragment", name)
	}
	if u.IsAbs() {
		return name, nil
	}
	p := path.Clean("/" + u.Path)
	if p == "/" {
		return "", fmt.Errorf("schema: invalid schema name %q", name)
	}
	return baseURL + strings.TrimPrefix(p, "/"), nil
}

// loader returns the compiler's only way to reach a schema it was not
// given: the files of fsys, for URLs below [baseURL]. Every other URL,
// http, https and file included, is refused.
func loader(fsys fs.FS) func(string) (io.ReadCloser, error) {
	return func(s string) (io.ReadCloser, error) {
		if fsys != nil {
			if name, ok := strings.CutPrefix(s, baseURL); ok && fs.ValidPath(name) {
				b, err := fs.ReadFile(fsys, name)
				if err != nil {
					return nil, fmt.Errorf("%w: %s: %w", ErrRemoteRef, s, err)
				}
				return io.NopCloser(bytes.NewReader(b)), nil
			}
		}
		return nil, fmt.Errorf("%w: %s (remote schemas are never fetched; add it to Options.Resources or Options.FS)", ErrRemoteRef, s)
	}
}

// decode reads raw as one JSON value, keeping numbers as json.Number.
func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, errors.E(http.StatusBadRequest, validate.CodeEmptyBody, "The request body is empty.")
		}
		if err == io.ErrUnexpectedEOF {
			return nil, errors.E(http.StatusBadRequest, validate.CodeTruncatedBody, "The request body ends inside a JSON value.")
		}
		return nil, errors.E(http.StatusBadRequest, validate.CodeMalformedJSON, "The request body is not valid JSON.").WithCause(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.E(http.StatusBadRequest, validate.CodeTrailingData, "The request body holds more than one JSON value.")
	}
	return doc, nil
}

// checkNumbers returns a 400 problem for the first number of v, found
// depth first, that is too long or too large to check; path is the
// pointer tokens down to v.
func checkNumbers(v any, path []string) error {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if err := checkNumbers(x, append(path, escapeToken(k))); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range v {
			if err := checkNumbers(x, append(path, strconv.Itoa(i))); err != nil {
				return err
			}
		}
	case json.Number:
		if !checkable(string(v)) {
			ptr := joinPointer(path)
			msg := "is a number too long or too large to be checked"
			return errors.E(http.StatusBadRequest, validate.CodeOutOfRange, "The request body is invalid at %s: %s.", describe(ptr), msg).
				WithViolations(errors.Violation{Pointer: ptr, Code: validate.CodeOutOfRange, Message: msg,
					Params: map[string]any{"max_length": maxNumberLen, "max_exponent": maxExponent}})
		}
	}
	return nil
}

// checkable reports whether the number literal n is short enough, and its
// exponent small enough, to be converted to an exact rational cheaply.
func checkable(n string) bool {
	if len(n) > maxNumberLen {
		return false
	}
	i := strings.IndexAny(n, "eE")
	if i < 0 {
		return true
	}
	exp := strings.TrimLeft(n[i+1:], "+-")
	if len(exp) > 6 {
		exp = strings.TrimLeft(exp, "0")
		if len(exp) > 6 {
			return false
		}
	}
	e, err := strconv.Atoi(exp)
	return err == nil && e <= maxExponent
}
