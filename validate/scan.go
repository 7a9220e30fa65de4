package validate

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/keel-go/keel/errors"
)

// Codes of the violations the strict JSON scan reports. Clients branch on
// them; they never change once published.
const (
	CodeDuplicateKey  = "duplicate_key"          // an object holds the same key twice
	CodeInvalidUTF8   = "invalid_utf8"           // a string holds invalid UTF-8 or a lone surrogate escape
	CodeTooDeep       = "too_deep"               // objects and arrays nest deeper than Options.MaxDepth
	CodeStringTooLong = "string_too_long"        // a string or key is longer than Options.MaxStringBytes
	CodeArrayTooLong  = "array_too_long"         // an array has more than Options.MaxArrayLen elements
	CodeTrailingData  = "trailing_data"          // something follows the top-level value
	CodeMalformedJSON = errors.CodeMalformedJSON // not JSON: a syntax error
	CodeTruncatedBody = errors.CodeTruncatedBody // the body ends inside a value
	CodeEmptyBody     = errors.CodeEmptyBody     // the body is empty or only white space
)

// maxEcho bounds how many bytes of the input a message may quote.
const maxEcho = 32

// largeObject is the number of keys past which duplicate detection switches
// from a linear search to a map.
const largeObject = 24

// ScanLimits are the limits of [Scan]. A zero field takes the default of the
// matching [Options] field.
type ScanLimits struct {
	// MaxDepth is the deepest nesting of objects and arrays allowed; the
	// top-level container is at depth 1. Default: 32.
	MaxDepth int
	// MaxStringBytes is the longest string or key allowed, counted in
	// bytes of the raw JSON text between the quotes. Default: 64 KiB.
	MaxStringBytes int
	// MaxArrayLen is the largest number of elements an array may hold.
	// Default: 10,000.
	MaxArrayLen int
}

func (l ScanLimits) withDefaults() ScanLimits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = defaultMaxDepth
	}
	if l.MaxStringBytes <= 0 {
		l.MaxStringBytes = defaultMaxStringBytes
	}
	if l.MaxArrayLen <= 0 {
		l.MaxArrayLen = defaultMaxArrayLen
	}
	return l
}

// Scan checks that data holds exactly one JSON value that encoding/json
// would decode the same way whatever the target: it rejects what the JSON
// grammar rejects, and also what encoding/json silently accepts — duplicate
// object keys, invalid UTF-8 and lone surrogate escapes — and what the
// limits forbid. It returns nil or a 400 *errors.Error with one
// [errors.Violation] whose Pointer is the RFC 6901 JSON Pointer of the
// offending location and whose Code is one of the Code constants.
//
// Scan does not allocate unless data holds an object with many keys,
// escaped keys, or an error.
func Scan(data []byte, limits ScanLimits) error {
	s := scannerPool.Get().(*scanner)
	*s = scanner{data: data, lim: limits.withDefaults(), find: -1, stack: s.stack[:0], keys: s.keys[:0], buf: s.buf[:0]}
	err := s.run()
	if cap(s.stack) <= maxPooledFrames && cap(s.keys) <= maxPooledKeys && cap(s.buf) <= maxPooledKeys*16 {
		s.data = nil
		scannerPool.Put(s)
	}
	if err != nil {
		return err.problem()
	}
	return nil
}

// scannerPool keeps scanners with their stacks, so that a scan allocates
// nothing.
var scannerPool = sync.Pool{New: func() any { return new(scanner) }}

// Bounds on the stacks of a pooled scanner.
const (
	maxPooledFrames = 64
	maxPooledKeys   = 1024
)

// scanError is an error found by the scanner, turned into a problem by
// problem.
type scanError struct {
	code    string
	msg     string
	pointer string
	offset  int
	params  map[string]any
}

func (e *scanError) problem() *errors.Error {
	where := e.pointer
	if where == "" {
		where = "the document root"
	} else if len(where) > 2*maxEcho {
		where = strings.ToValidUTF8(where[:2*maxEcho], "") + "…"
	}
	params := map[string]any{"offset": e.offset}
	for k, v := range e.params {
		params[k] = v
	}
	return errors.E(http.StatusBadRequest, e.code, "The request body is invalid at %s: %s.", where, e.msg).
		WithViolations(errors.Violation{
			Pointer: e.pointer,
			Code:    e.code,
			Message: e.msg,
			Params:  params,
		})
}

// frame is one open object or array.
type frame struct {
	array    bool
	index    int // array: the current element
	start    int // offset of the '{' or '['
	hasKey   bool
	keyStart int // object: the current key's raw text, between the quotes
	keyEnd   int
	keyEsc   bool
	keyOff   int // first entry of this object's keys in scanner.keys
	bufOff   int // length of scanner.buf when the object opened
	set      map[string]struct{}
}

// keyRef locates one decoded key: in data when it has no escape, else in
// scanner.buf.
type keyRef struct {
	inBuf    bool
	off, end int
}

// scanner is a single-pass recursive-descent checker over raw JSON.
type scanner struct {
	data  []byte
	lim   ScanLimits
	stack []frame
	keys  []keyRef
	buf   []byte
	// find, when not negative, asks for the pointer of the innermost value
	// that starts before find and ends at or after it: the value an
	// encoding/json error offset points into.
	find     int
	found    bool
	foundPtr string
}

func (s *scanner) run() *scanError {
	i := skipWS(s.data, 0)
	if i == len(s.data) {
		return &scanError{code: CodeEmptyBody, msg: "the body is empty"}
	}
	i, err := s.value(i)
	if err != nil {
		return err
	}
	if i = skipWS(s.data, i); i != len(s.data) {
		return &scanError{code: CodeTrailingData, msg: "unexpected data after the top-level value", offset: i}
	}
	return nil
}

func (s *scanner) fail(i int, code, msg string) *scanError {
	return &scanError{code: code, msg: msg, pointer: s.pointer(len(s.stack)), offset: i}
}

func (s *scanner) truncated(i int) *scanError {
	return s.fail(i, CodeTruncatedBody, "the body ends in the middle of a value")
}

// done records the pointer of the value data[start:end] when it is the
// value looked for. encoding/json reports an error about a scalar at its
// end, or one byte later when it decodes into an interface; about an
// object or array, just after its first byte.
func (s *scanner) done(start, end int) {
	if s.find >= 0 && !s.found && start < s.find && s.find <= end {
		s.found = true
		s.foundPtr = s.pointer(len(s.stack))
	}
}

// doneScalar is done for a string, number or literal.
func (s *scanner) doneScalar(start, end int) {
	if s.find >= 0 && !s.found && start < s.find && s.find <= end+1 {
		s.found = true
		s.foundPtr = s.pointer(len(s.stack))
	}
}

func (s *scanner) value(i int) (int, *scanError) {
	if i >= len(s.data) {
		return i, s.truncated(i)
	}
	start := i
	switch c := s.data[i]; {
	case c == '{':
		return s.object(i)
	case c == '[':
		return s.array(i)
	case c == '"':
		end, _, err := s.str(i)
		if err != nil {
			return end, err
		}
		s.doneScalar(start, end)
		return end, nil
	case c == '-' || (c >= '0' && c <= '9'):
		end, err := s.number(i)
		if err != nil {
			return end, err
		}
		s.doneScalar(start, end)
		return end, nil
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	}
	return i, s.fail(i, CodeMalformedJSON, "unexpected character "+quoteByte(s.data[i])+" where a value should start")
}

func (s *scanner) literal(i int, lit string) (int, *scanError) {
	n := len(lit)
	if len(s.data)-i < n {
		if strings.HasPrefix(lit, string(s.data[i:])) {
			return len(s.data), s.truncated(len(s.data))
		}
		return i, s.fail(i, CodeMalformedJSON, "invalid literal, expected "+lit)
	}
	if string(s.data[i:i+n]) != lit || (i+n < len(s.data) && isWordByte(s.data[i+n])) {
		return i, s.fail(i, CodeMalformedJSON, "invalid literal, expected "+lit)
	}
	s.doneScalar(i, i+n)
	return i + n, nil
}

func (s *scanner) number(i int) (int, *scanError) {
	d := s.data
	j := i
	if d[j] == '-' {
		j++
	}
	if j >= len(d) {
		return j, s.truncated(j)
	}
	switch {
	case d[j] == '0':
		j++
	case d[j] >= '1' && d[j] <= '9':
		for j < len(d) && isDigit(d[j]) {
			j++
		}
	default:
		return j, s.fail(j, CodeMalformedJSON, "invalid number")
	}
	if j < len(d) && d[j] == '.' {
		j++
		if j >= len(d) {
			return j, s.truncated(j)
		}
		if !isDigit(d[j]) {
			return j, s.fail(j, CodeMalformedJSON, "invalid number: a digit must follow the decimal point")
		}
		for j < len(d) && isDigit(d[j]) {
			j++
		}
	}
	if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		j++
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		if j >= len(d) {
			return j, s.truncated(j)
		}
		if !isDigit(d[j]) {
			return j, s.fail(j, CodeMalformedJSON, "invalid number: a digit must follow the exponent")
		}
		for j < len(d) && isDigit(d[j]) {
			j++
		}
	}
	if j < len(d) && (isWordByte(d[j]) || d[j] == '.') {
		return j, s.fail(j, CodeMalformedJSON, "invalid number")
	}
	return j, nil
}

// str checks the string starting at the quote data[i] and returns the
// offset after its closing quote and whether it holds an escape.
func (s *scanner) str(i int) (end int, esc bool, err *scanError) {
	d := s.data
	j := i + 1
	for {
		for j < len(d) && plain[d[j]] {
			j++
		}
		if j >= len(d) {
			return j, esc, s.truncated(j)
		}
		switch c := d[j]; {
		case c == '"':
			if j-i-1 > s.lim.MaxStringBytes {
				return j, esc, s.fail(i, CodeStringTooLong,
					"a string is longer than "+strconv.Itoa(s.lim.MaxStringBytes)+" bytes")
			}
			return j + 1, esc, nil
		case c == '\\':
			esc = true
			next, err := s.escape(j)
			if err != nil {
				return next, esc, err
			}
			j = next
		case c < 0x20:
			return j, esc, s.fail(j, CodeMalformedJSON, "a control character must be escaped in a string")
		default:
			r, size := utf8.DecodeRune(d[j:])
			if r == utf8.RuneError && size == 1 {
				return j, esc, s.fail(j, CodeInvalidUTF8, "a string holds invalid UTF-8")
			}
			j += size
		}
	}
}

// escape checks the escape sequence at data[j] == '\\' and returns the
// offset after it.
func (s *scanner) escape(j int) (int, *scanError) {
	d := s.data
	if j+1 >= len(d) {
		return j + 1, s.truncated(j + 1)
	}
	switch d[j+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return j + 2, nil
	case 'u':
	default:
		return j, s.fail(j, CodeMalformedJSON, "invalid escape sequence")
	}
	r, ok, short := hex4(d, j+2)
	if short {
		return len(d), s.truncated(len(d))
	}
	if !ok {
		return j, s.fail(j, CodeMalformedJSON, "invalid \\u escape")
	}
	switch {
	case r >= 0xDC00 && r <= 0xDFFF:
		return j, s.fail(j, CodeInvalidUTF8, "a string holds a lone surrogate escape")
	case r >= 0xD800 && r <= 0xDBFF:
		k := j + 6
		if k >= len(d) || (d[k] == '\\' && k+1 >= len(d)) {
			return len(d), s.truncated(len(d))
		}
		if d[k] == '\\' && d[k+1] == 'u' {
			r2, ok, short := hex4(d, k+2)
			if short {
				return len(d), s.truncated(len(d))
			}
			if ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
				return k + 6, nil
			}
		}
		return j, s.fail(j, CodeInvalidUTF8, "a string holds a lone surrogate escape")
	}
	return j + 6, nil
}

func (s *scanner) object(i int) (int, *scanError) {
	start := i
	if len(s.stack) >= s.lim.MaxDepth {
		return i, s.fail(i, CodeTooDeep, "objects and arrays nest deeper than "+strconv.Itoa(s.lim.MaxDepth)+" levels")
	}
	s.stack = append(s.stack, frame{start: i, keyOff: len(s.keys), bufOff: len(s.buf)})
	d := s.data
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == '}' {
		i++
	} else {
		for {
			if i >= len(d) {
				return i, s.truncated(i)
			}
			if d[i] != '"' {
				return i, s.fail(i, CodeMalformedJSON, "expected a string key, found "+quoteByte(d[i]))
			}
			top := len(s.stack) - 1
			s.stack[top].hasKey = false
			end, esc, err := s.str(i)
			if err != nil {
				return end, err
			}
			f := &s.stack[top]
			f.hasKey, f.keyStart, f.keyEnd, f.keyEsc = true, i+1, end-1, esc
			if s.addKey(f) {
				return i, s.fail(i, CodeDuplicateKey, "duplicate key "+clipQuote(s.keyText(f)))
			}
			i = skipWS(d, end)
			if i >= len(d) {
				return i, s.truncated(i)
			}
			if d[i] != ':' {
				return i, s.fail(i, CodeMalformedJSON, "expected ':' after a key, found "+quoteByte(d[i]))
			}
			if i, err = s.value(skipWS(d, i+1)); err != nil {
				return i, err
			}
			i = skipWS(d, i)
			if i >= len(d) {
				return i, s.truncated(i)
			}
			if d[i] == ',' {
				i = skipWS(d, i+1)
				continue
			}
			if d[i] == '}' {
				i++
				break
			}
			return i, s.fail(i, CodeMalformedJSON, "expected ',' or '}' after an object member, found "+quoteByte(d[i]))
		}
	}
	f := &s.stack[len(s.stack)-1]
	s.keys = s.keys[:f.keyOff]
	s.buf = s.buf[:f.bufOff]
	s.stack = s.stack[:len(s.stack)-1]
	s.done(start, i)
	return i, nil
}

func (s *scanner) array(i int) (int, *scanError) {
	start := i
	if len(s.stack) >= s.lim.MaxDepth {
		return i, s.fail(i, CodeTooDeep, "objects and arrays nest deeper than "+strconv.Itoa(s.lim.MaxDepth)+" levels")
	}
	s.stack = append(s.stack, frame{array: true, start: i})
	d := s.data
	i = skipWS(d, i+1)
	if i < len(d) && d[i] == ']' {
		i++
	} else {
		for {
			var err *scanError
			if i, err = s.value(i); err != nil {
				return i, err
			}
			i = skipWS(d, i)
			if i >= len(d) {
				return i, s.truncated(i)
			}
			if d[i] == ',' {
				top := len(s.stack) - 1
				s.stack[top].index++
				if s.stack[top].index >= s.lim.MaxArrayLen {
					return i, &scanError{code: CodeArrayTooLong, offset: start, pointer: s.pointer(top),
						msg: "an array has more than " + strconv.Itoa(s.lim.MaxArrayLen) + " elements"}
				}
				i = skipWS(d, i+1)
				continue
			}
			if d[i] == ']' {
				i++
				break
			}
			return i, s.fail(i, CodeMalformedJSON, "expected ',' or ']' after an array element, found "+quoteByte(d[i]))
		}
	}
	s.stack = s.stack[:len(s.stack)-1]
	s.done(start, i)
	return i, nil
}

// addKey records the current key of f and reports whether the object
// already holds it.
func (s *scanner) addKey(f *frame) (dup bool) {
	var ref keyRef
	if f.keyEsc {
		off := len(s.buf)
		s.buf = appendUnescaped(s.buf, s.data[f.keyStart:f.keyEnd])
		ref = keyRef{inBuf: true, off: off, end: len(s.buf)}
	} else {
		ref = keyRef{off: f.keyStart, end: f.keyEnd}
	}
	key := s.key(ref)
	if f.set != nil {
		if _, ok := f.set[string(key)]; ok {
			return true
		}
		f.set[string(key)] = struct{}{}
		return false
	}
	known := s.keys[f.keyOff:]
	for _, k := range known {
		if string(s.key(k)) == string(key) {
			return true
		}
	}
	if len(known) >= largeObject {
		f.set = make(map[string]struct{}, 2*largeObject)
		for _, k := range known {
			f.set[string(s.key(k))] = struct{}{}
		}
		f.set[string(key)] = struct{}{}
		return false
	}
	s.keys = append(s.keys, ref)
	return false
}

func (s *scanner) key(k keyRef) []byte {
	if k.inBuf {
		return s.buf[k.off:k.end]
	}
	return s.data[k.off:k.end]
}

// keyText returns the decoded current key of f.
func (s *scanner) keyText(f *frame) string {
	raw := s.data[f.keyStart:f.keyEnd]
	if !f.keyEsc {
		return string(raw)
	}
	return string(appendUnescaped(nil, raw))
}

// pointer returns the JSON Pointer of the location inside the first depth
// open containers.
func (s *scanner) pointer(depth int) string {
	var b []byte
	for i := range s.stack[:depth] {
		f := &s.stack[i]
		switch {
		case f.array:
			b = append(b, '/')
			b = strconv.AppendInt(b, int64(f.index), 10)
		case f.hasKey:
			b = append(b, '/')
			b = appendPointerToken(b, s.keyText(f))
		}
	}
	return string(b)
}

// pointerAt returns the JSON Pointer of the innermost value of data that
// contains the byte offset off (as reported by encoding/json errors), or
// "" and false. data must have passed the scan.
func pointerAt(data []byte, limits ScanLimits, off int) (string, bool) {
	s := scanner{data: data, lim: limits.withDefaults(), find: off}
	s.run()
	return s.foundPtr, s.found
}

// appendPointerToken appends tok escaped as an RFC 6901 reference token.
func appendPointerToken(b []byte, tok string) []byte {
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; c {
		case '~':
			b = append(b, '~', '0')
		case '/':
			b = append(b, '~', '1')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendUnescaped appends the decoded form of the raw text of a JSON
// string that passed the scan.
func appendUnescaped(b, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, _, _ := hex4(raw, i+2)
			if r >= 0xD800 && r <= 0xDBFF {
				r2, _, _ := hex4(raw, i+8)
				r = (r-0xD800)<<10 | (r2 - 0xDC00) + 0x10000
				i += 6
			}
			b = utf8.AppendRune(b, r)
			i += 6
			continue
		default:
			b = append(b, raw[i+1])
		}
		i += 2
	}
	return b
}

// hex4 decodes four hex digits at d[i:].
func hex4(d []byte, i int) (r rune, ok, short bool) {
	if i+4 > len(d) {
		for ; i < len(d); i++ {
			if unhex(d[i]) < 0 {
				return 0, false, false
			}
		}
		return 0, false, true
	}
	for _, c := range d[i : i+4] {
		v := unhex(c)
		if v < 0 {
			return 0, false, false
		}
		r = r<<4 | v
	}
	return r, true, false
}

func unhex(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// plain marks the bytes a string holds as they are: printable ASCII other
// than the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func skipWS(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t') {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= utf8.RuneSelf
}

// quoteByte quotes one input byte for a message.
func quoteByte(c byte) string {
	if c >= 0x20 && c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// clipQuote quotes at most maxEcho bytes of s, as valid UTF-8.
func clipQuote(s string) string {
	if len(s) > maxEcho {
		s = s[:maxEcho] + "…"
	}
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}
