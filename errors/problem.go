package errors

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// xmlNamespace is the namespace of the XML problem format (RFC 9457
// appendix B keeps RFC 7807's URN).
const xmlNamespace = "urn:ietf:rfc:7807"

// problem holds the members of a problem details object, resolved from an
// *Error for one response.
type problem struct {
	typ        string
	title      string
	status     int
	detail     string
	instance   string
	code       string
	requestID  string
	violations []Violation
	extensions []extension
}

// extension is one extension member, already encoded as JSON.
type extension struct {
	key   string
	value json.RawMessage
}

// newProblem resolves the members shown to the client. The message is the
// detail of a 4xx problem; a 5xx problem shows only an explicit detail or a
// generic sentence, so that nothing internal leaks. The cause is never
// shown.
func newProblem(e *Error, requestID string) *problem {
	p := &problem{
		typ:        e.Type(),
		title:      e.Title(),
		status:     e.status,
		detail:     e.detail,
		instance:   e.instance,
		code:       e.code,
		requestID:  requestID,
		violations: e.violations,
	}
	if p.detail == "" {
		if e.status >= 500 {
			p.detail = genericDetail(e.status)
		} else {
			p.detail = e.message
		}
	}
	for key, v := range e.extensions {
		if reservedMember(key) {
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			continue
		}
		p.extensions = append(p.extensions, extension{key: key, value: raw})
	}
	slices.SortFunc(p.extensions, func(a, b extension) int { return strings.Compare(a.key, b.key) })
	return p
}

// reservedMember reports whether key names a member the package renders
// itself, which an extension may not override.
func reservedMember(key string) bool {
	switch key {
	case "type", "title", "status", "detail", "instance", "code", "request_id", "errors":
		return true
	}
	return false
}

// genericDetail is the public detail of a 5xx problem that has no explicit
// one.
func genericDetail(status int) string {
	switch status {
	case http.StatusNotImplemented:
		return "The server does not support the functionality required to fulfil the request."
	case http.StatusBadGateway:
		return "The server received an invalid response from an upstream server."
	case http.StatusServiceUnavailable:
		return "The service is temporarily unavailable. Try again later."
	case http.StatusGatewayTimeout:
		return "The server did not complete the request in time."
	}
	return "The server encountered an internal error. Quote the request ID when reporting the problem."
}

// render writes e to w as a problem, in the representation r accepts.
// Headers describing another representation (Content-Length, ETag,
// Last-Modified) are removed; Content-Encoding is kept, as net/http's Error
// does, since compressing middleware sets it before wrapping the writer.
func render(w http.ResponseWriter, r *http.Request, e *Error, requestID string) {
	p := newProblem(e, requestID)
	asXML := r != nil && wantsXML(r.Header.Values("Accept"))

	h := w.Header()
	h.Del("Content-Length")
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Cache-Control", "no-store")
	for key, values := range e.header {
		switch http.CanonicalHeaderKey(key) {
		case "Content-Type", "Content-Length", "X-Content-Type-Options":
			continue
		}
		h[http.CanonicalHeaderKey(key)] = slices.Clone(values)
	}
	if e.retryAfter > 0 {
		secs := int64((e.retryAfter + time.Second - 1) / time.Second)
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	if !hasToken(h.Values("Vary"), "Accept") {
		h.Add("Vary", "Accept")
	}
	h.Set("X-Content-Type-Options", "nosniff")

	var body []byte
	if asXML {
		h.Set("Content-Type", contentTypeXML)
		body = p.appendXML(nil)
	} else {
		h.Set("Content-Type", contentTypeJSON)
		body = p.appendJSON(nil)
	}
	w.WriteHeader(p.status)
	if r != nil && r.Method == http.MethodHead {
		return
	}
	// A write error means the client went away; there is nobody to tell.
	_, _ = w.Write(body)
}

// appendJSON appends the problem as a JSON object, members in the order of
// RFC 9457 followed by the extension members in key order.
func (p *problem) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, p.typ)
	b = append(b, `,"title":`...)
	b = appendJSONString(b, p.title)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(p.status), 10)
	b = appendJSONMember(b, "detail", p.detail)
	b = appendJSONMember(b, "instance", p.instance)
	b = appendJSONMember(b, "code", p.code)
	b = appendJSONMember(b, "request_id", p.requestID)
	if len(p.violations) > 0 {
		b = append(b, `,"errors":[`...)
		for i, v := range p.violations {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"pointer":`...)
			b = appendJSONString(b, v.Pointer)
			b = append(b, `,"code":`...)
			b = appendJSONString(b, v.Code)
			b = append(b, `,"message":`...)
			b = appendJSONString(b, v.Message)
			if len(v.Params) > 0 {
				if raw, err := json.Marshal(v.Params); err == nil {
					b = append(b, `,"params":`...)
					b = append(b, raw...)
				}
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	for _, x := range p.extensions {
		b = append(b, ',')
		b = appendJSONString(b, x.key)
		b = append(b, ':')
		b = append(b, x.value...)
	}
	return append(b, "}\n"...)
}

// appendJSONMember appends `,"name":"value"` unless value is empty.
func appendJSONMember(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it (invalid UTF-8 becomes U+FFFD). Plain ASCII, the usual case,
// is copied without calling encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			raw, _ := json.Marshal(s) // a string always encodes
			return append(b, raw...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendXML appends the problem as an RFC 9457 appendix B XML document.
// Arrays become <i> elements; extension members and parameters whose names
// are not plain XML element names are left out.
func (p *problem) appendXML(b []byte) []byte {
	buf := bytes.NewBuffer(b)
	buf.WriteString(xml.Header)
	buf.WriteString(`<problem xmlns="` + xmlNamespace + `">`)
	xmlElement(buf, "type", p.typ)
	xmlElement(buf, "title", p.title)
	xmlElement(buf, "status", strconv.Itoa(p.status))
	for _, m := range [...]struct{ name, value string }{
		{"detail", p.detail},
		{"instance", p.instance},
		{"code", p.code},
		{"request_id", p.requestID},
	} {
		if m.value != "" {
			xmlElement(buf, m.name, m.value)
		}
	}
	if len(p.violations) > 0 {
		buf.WriteString("<errors>")
		for _, v := range p.violations {
			buf.WriteString("<i>")
			xmlElement(buf, "pointer", v.Pointer)
			xmlElement(buf, "code", v.Code)
			xmlElement(buf, "message", v.Message)
			if len(v.Params) > 0 {
				if raw, err := json.Marshal(v.Params); err == nil {
					xmlValue(buf, "params", raw)
				}
			}
			buf.WriteString("</i>")
		}
		buf.WriteString("</errors>")
	}
	for _, x := range p.extensions {
		if xmlName(x.key) {
			xmlValue(buf, x.key, x.value)
		}
	}
	buf.WriteString("</problem>\n")
	return buf.Bytes()
}

// xmlElement writes <name>text</name>.
func xmlElement(buf *bytes.Buffer, name, text string) {
	buf.WriteString("<" + name + ">")
	_ = xml.EscapeText(buf, []byte(text)) // a bytes.Buffer never fails
	buf.WriteString("</" + name + ">")
}

// xmlValue writes the JSON value raw as the element name: objects as child
// elements, arrays as <i> elements, scalars as text.
func xmlValue(buf *bytes.Buffer, name string, raw json.RawMessage) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return
	}
	writeXMLValue(buf, name, v)
}

// writeXMLValue writes a decoded JSON value as the element name.
func writeXMLValue(buf *bytes.Buffer, name string, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			if xmlName(k) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		buf.WriteString("<" + name + ">")
		for _, k := range keys {
			writeXMLValue(buf, k, v[k])
		}
		buf.WriteString("</" + name + ">")
	case []any:
		buf.WriteString("<" + name + ">")
		for _, item := range v {
			writeXMLValue(buf, "i", item)
		}
		buf.WriteString("</" + name + ">")
	case string:
		xmlElement(buf, name, v)
	case json.Number:
		xmlElement(buf, name, v.String())
	case bool:
		xmlElement(buf, name, strconv.FormatBool(v))
	default: // null
		buf.WriteString("<" + name + "/>")
	}
}

// xmlName reports whether s can be used as an element name as it is: ASCII
// letters, digits, '_', '-' and '.', starting with a letter or '_', and not
// starting with "xml", which XML reserves.
func xmlName(s string) bool {
	if s == "" || len(s) >= 3 && strings.EqualFold(s[:3], "xml") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// hasToken reports whether the comma-separated header values hold token,
// compared without regard to case.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
