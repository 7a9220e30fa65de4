package httpcache

import (
	"encoding/binary"
	"net/http"
	"time"

	"github.com/keel-go/keel/errors"
)

// The stored form of an entry, all integers as encoding/binary varints:
//
//	"KHC" version(1)  kind('R' or 'V')  stored(varint)  expires(varint)
//	'R': flags(1) status(uvarint)
//	     nfields(uvarint) { name(bytes) nvalues(uvarint) { value(bytes) } }
//	     body(bytes)
//	'V': nnames(uvarint) { name(bytes) }
//
// where bytes is a uvarint length followed by that many bytes, stored and
// expires are Unix nanoseconds, and nothing may follow the last field.
const (
	recordMagic   = "KHC"
	recordVersion = 1

	kindResponse = 'R' // a stored response
	kindVary     = 'V' // the Vary field names of the responses to a URL

	flagHead = 1 << 0 // the response answered HEAD: it has no body
)

// errCorrupt is returned by decodeRecord for bytes that are not a record
// this version wrote.
var errCorrupt = errors.New("httpcache: corrupt record")

// maxRecordFields bounds the header fields and Vary names of a record, so
// that a corrupt count cannot make the decoder allocate much.
const maxRecordFields = 1024

// record is one stored value: a response, or the list of request fields
// that select among the responses to one URL.
type record struct {
	kind    byte
	stored  time.Time // when the response was generated: Age counts from it
	expires time.Time // when it stops being fresh

	// kindResponse
	head   bool // answered HEAD: no body, Content-Length as the handler sent it
	status int
	header http.Header
	body   []byte

	// kindVary: canonical field names, sorted, without duplicates
	vary []string
}

// fresh reports whether rec may still be served at now.
func (rec *record) fresh(now time.Time) bool {
	return now.Before(rec.expires)
}

// age returns how old the response is at now, in whole seconds as the Age
// field counts.
func (rec *record) age(now time.Time) int64 {
	d := now.Sub(rec.stored)
	if d < 0 {
		return 0
	}
	return int64(d / time.Second)
}

// appendRecord appends the encoding of rec to b.
func appendRecord(b []byte, rec *record) []byte {
	b = append(b, recordMagic...)
	b = append(b, recordVersion, rec.kind)
	b = binary.AppendVarint(b, rec.stored.UnixNano())
	b = binary.AppendVarint(b, rec.expires.UnixNano())
	if rec.kind == kindVary {
		b = binary.AppendUvarint(b, uint64(len(rec.vary)))
		for _, name := range rec.vary {
			b = appendBytes(b, name)
		}
		return b
	}
	var flags byte
	if rec.head {
		flags |= flagHead
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(rec.status))
	n := 0
	for _, vs := range rec.header {
		if len(vs) > 0 {
			n++
		}
	}
	b = binary.AppendUvarint(b, uint64(n))
	for name, vs := range rec.header {
		if len(vs) == 0 {
			continue
		}
		b = appendBytes(b, name)
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = appendBytes(b, v)
		}
	}
	return appendBytes(b, string(rec.body))
}

// appendBytes appends s with its length.
func appendBytes(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeRecord decodes data as appendRecord wrote it. It returns
// errCorrupt for anything else, never panics, and keeps no reference to
// data.
func decodeRecord(data []byte) (*record, error) {
	d := decoder{b: data}
	if len(d.b) < len(recordMagic)+2 || string(d.b[:len(recordMagic)]) != recordMagic || d.b[len(recordMagic)] != recordVersion {
		return nil, errCorrupt
	}
	rec := &record{kind: d.b[len(recordMagic)+1]}
	d.b = d.b[len(recordMagic)+2:]
	rec.stored = time.Unix(0, d.varint()).UTC()
	rec.expires = time.Unix(0, d.varint()).UTC()
	switch rec.kind {
	case kindVary:
		n := d.count()
		rec.vary = make([]string, 0, n)
		for range n {
			name := string(d.bytes())
			if !validName([]byte(name)) || len(rec.vary) > 0 && name <= rec.vary[len(rec.vary)-1] {
				d.fail() // not a token, not sorted or repeated
			}
			rec.vary = append(rec.vary, name)
		}
	case kindResponse:
		flags := d.byte()
		if flags&^flagHead != 0 {
			d.fail()
		}
		rec.head = flags&flagHead != 0
		status := d.uvarint()
		if status < 100 || status > 999 {
			d.fail()
		}
		rec.status = int(status)
		n := d.count()
		rec.header = make(http.Header, n)
		for range n {
			name := string(d.bytes())
			if !validName([]byte(name)) {
				d.fail()
			}
			if _, dup := rec.header[name]; dup {
				d.fail()
			}
			nv := d.count()
			if nv == 0 {
				d.fail()
			}
			vs := make([]string, 0, nv)
			for range nv {
				v := d.bytes()
				if !validValue(v) {
					d.fail()
				}
				vs = append(vs, string(v))
			}
			rec.header[name] = vs
		}
		if body := d.bytes(); len(body) > 0 {
			rec.body = append([]byte(nil), body...)
		}
		if rec.head && len(rec.body) > 0 {
			d.fail()
		}
	default:
		d.fail()
	}
	if d.bad || len(d.b) != 0 {
		return nil, errCorrupt
	}
	return rec, nil
}

// decoder reads the fields of a record. After the first error every read
// returns a zero value and bad stays set, so decodeRecord checks once.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) fail() {
	d.bad = true
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a number of items, each taking at least one more byte, so a
// count larger than what is left is corrupt.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > maxRecordFields || n > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

// bytes reads a length-prefixed byte string, which aliases d.b.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// validName reports whether s is a header field name: an RFC 9110 token.
func validName(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if !isTokenChar(c) {
			return false
		}
	}
	return true
}

// validValue reports whether s may be sent as a header field value: no
// control characters but horizontal tab, so a stored value can never
// split a header.
func validValue(s []byte) bool {
	for _, c := range s {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
