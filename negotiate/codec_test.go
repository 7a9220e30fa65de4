package negotiate_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/negotiate"
)

func TestCodecEncode(t *testing.T) {
	v := user{ID: 1, Name: "a&b"}
	tests := []struct {
		name  string
		codec negotiate.Codec
		want  string
	}{
		{"json", negotiate.JSON{}, `{"id":1,"name":"a\u0026b"}` + "\n"},
		{"json raw html", negotiate.JSON{DisableHTMLEscape: true}, `{"id":1,"name":"a&b"}` + "\n"},
		{"json indented", negotiate.JSON{Indent: "  "}, "{\n  \"id\": 1,\n  \"name\": \"a\\u0026b\"\n}\n"},
		{"xml", negotiate.XML{}, `<?xml version="1.0" encoding="UTF-8"?>` + "\n<user><id>1</id><name>a&amp;b</name></user>\n"},
		{"xml indented", negotiate.XML{Indent: " "}, `<?xml version="1.0" encoding="UTF-8"?>` + "\n<user>\n <id>1</id>\n <name>a&amp;b</name>\n</user>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.codec.Encode(&buf, v); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if buf.String() != tt.want {
				t.Errorf("Encode(%+v) = %q, want %q", v, buf.String(), tt.want)
			}
			var back user
			if err := tt.codec.Decode(&buf, &back); err != nil || back.ID != v.ID || back.Name != v.Name {
				t.Errorf("Decode(Encode(%+v)) = %+v, %v, want the value back", v, back, err)
			}
		})
	}
}

func TestCodecCharsets(t *testing.T) {
	for _, c := range []negotiate.TextCodec{negotiate.JSON{}, negotiate.XML{}} {
		if got := c.Charset(); got != "utf-8" {
			t.Errorf("%T.Charset() = %q, want utf-8", c, got)
		}
	}
}

// failingReader returns err where r ends.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestDecodeKeepsReaderErrors(t *testing.T) {
	readErr := errors.New("connection reset")
	for _, c := range []negotiate.Codec{negotiate.JSON{}, negotiate.JSON{DisallowUnknownFields: true}, negotiate.XML{}} {
		for _, body := range []string{``, `{"id":1`, `<user><id>1</id>`, `{"id":1}`, `<user/>`} {
			var u user
			err := c.Decode(&failingReader{strings.NewReader(body), readErr}, &u)
			if err != nil && !errors.Is(err, readErr) && errors.From(err).StatusCode() >= 500 {
				t.Errorf("%T.Decode(%q then a read error) = %v, want the read error or a 4xx", c, body, err)
			}
		}
	}
}

func TestDecodeNeedsPointer(t *testing.T) {
	for c, body := range map[negotiate.Codec]string{negotiate.JSON{}: `{"id":1}`, negotiate.XML{}: `<user/>`} {
		err := c.Decode(strings.NewReader(body), user{})
		if err == nil {
			t.Errorf("%T.Decode into a non-pointer = nil, want an error", c)
			continue
		}
		if got := errors.From(err).StatusCode(); got != 500 {
			t.Errorf("%T.Decode into a non-pointer classifies as %d, want 500: a programming mistake", c, got)
		}
	}
}

// event has a field whose UnmarshalJSON validates its input.
type event struct {
	At time.Time `json:"at"`
}

// guarded refuses every value with a problem of its own.
type guarded struct{}

func (*guarded) UnmarshalJSON([]byte) error { return errors.Forbidden("You may not set this.") }

func (*guarded) UnmarshalXML(*xml.Decoder, xml.StartElement) error {
	return errors.Forbidden("You may not set this.")
}

func TestDecodeUnmarshalerErrors(t *testing.T) {
	tests := []struct {
		name       string
		codec      negotiate.Codec
		body       string
		v          any
		wantStatus int
		wantCode   string
	}{
		{"json bad time", negotiate.JSON{}, `{"at":"yesterday"}`, &event{}, 400, negotiate.CodeInvalidValue},
		{"json good time", negotiate.JSON{}, `{"at":"2024-01-02T03:04:05Z"}`, &event{}, 0, ""},
		{"json unmarshaler's problem", negotiate.JSON{}, `{}`, &guarded{}, 403, "forbidden"},
		{"xml unmarshaler's problem", negotiate.XML{}, `<g/>`, &guarded{}, 403, "forbidden"},
		{"xml bad time", negotiate.XML{}, `<event><At>yesterday</At></event>`, &event{}, 400, negotiate.CodeMalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.codec.Decode(strings.NewReader(tt.body), tt.v)
			if tt.wantStatus == 0 {
				if err != nil {
					t.Errorf("Decode(%q) = %v, want nil", tt.body, err)
				}
				return
			}
			if e := errors.From(err); e == nil || e.StatusCode() != tt.wantStatus || e.Code() != tt.wantCode {
				t.Errorf("Decode(%q) = %v, want %d %s", tt.body, err, tt.wantStatus, tt.wantCode)
			}
		})
	}
}
