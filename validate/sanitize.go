package validate

import (
	"html"
	"strings"
	"unicode/utf8"
)

// StripControl returns s without control characters: the C0 controls
// other than tab and line feed, DEL, the C1 controls, and the Unicode
// bidirectional embedding, override and isolate controls (U+202A to
// U+202E, U+2066 to U+2069), which can make text display in an order other
// than the one it is stored in. Tab and line feed are kept because
// multi-line text needs them; a carriage return followed by a line feed
// becomes a line feed, and a lone one becomes a line feed too, so that
// every line ends the same way. Invalid UTF-8 becomes U+FFFD.
//
// The tag `sanitize:"strip_control"` applies it to a field; see
// [Normalize].
func StripControl(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			b.WriteByte('\n')
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
		case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// rawTextElements are the elements whose content StripTags drops with
// them: their text is code, or is not shown as the element's text.
var rawTextElements = [...]string{
	"script", "style", "iframe", "noscript", "noembed", "noframes",
	"xmp", "textarea", "title", "template", "plaintext", "object",
}

// StripTags returns the text of s, an HTML fragment, without its markup:
// tags, comments, doctypes and processing instructions are removed, and
// so is the content of elements whose content is not text (script, style,
// iframe, template, textarea and the like). A tag left open at the end of
// s (<img src=x onerror=...) is removed with everything after it, as a
// browser would not show it either.
//
// Character references are left as they are ("&lt;b&gt;" stays so), so
// the result never holds a "<" followed by a letter, "/", "!" or "?": it
// cannot open a tag when it is put in an HTML element's content, and
// StripTags(StripTags(s)) == StripTags(s). It is not an HTML escaper: a
// template that escapes will show "&amp;" as typed, and the result is not
// safe inside an attribute value or a script; escape at output, or add
// html_escape after strip_tags where text is put into HTML unescaped.
//
// The tag `sanitize:"strip_tags"` applies it to a field; see
// [Normalize].
func StripTags(s string) string {
	if strings.IndexByte(s, '<') < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	emit := func(c byte) {
		// A "<" kept because no tag followed it must not open one now
		// that the markup after it is gone: "<<b>script>" is not
		// "<script>".
		if isTagStart(c) {
			for len(out) > 0 && out[len(out)-1] == '<' {
				out = out[:len(out)-1]
			}
		}
		out = append(out, c)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '<' || i+1 >= len(s) || !isTagStart(s[i+1]) {
			emit(c)
			i++
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		end, name, closing := scanTag(s, i)
		if end < 0 {
			break
		}
		i = end
		if closing || !isRawText(name) {
			continue
		}
		close := indexEndTag(s[i:], name)
		if close < 0 {
			break
		}
		i += close // the closing tag goes as any tag does
	}
	return string(out)
}

// HTMLEscape returns s with the characters that are special in HTML
// (<, >, &, ' and ") replaced by character references, as html.EscapeString
// does. Escaping belongs where text is written into HTML (html/template
// does it); escaping on input is for text a legacy renderer writes as it
// is, and such text shows "&amp;" if it is escaped once more on output.
//
// The tag `sanitize:"html_escape"` applies it to a field; see
// [Normalize].
func HTMLEscape(s string) string {
	return html.EscapeString(s)
}

// isTagStart reports whether c, after "<", starts markup in HTML.
func isTagStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!' || c == '?'
}

// scanTag scans the markup that starts at s[i], a "<" followed by a tag
// start. It returns the index after its ">", or -1 when it is not closed;
// the element name in lower case; and whether it is a closing tag.
// Quotes are honoured anywhere in a tag, which ends some tags later than a
// browser would and so removes more, never less.
func scanTag(s string, i int) (end int, name string, closing bool) {
	j := i + 1
	switch s[j] {
	case '!', '?':
		// A doctype, a processing instruction or a bogus comment ends at
		// the first ">".
		k := strings.IndexByte(s[j:], '>')
		if k < 0 {
			return -1, "", false
		}
		return j + k + 1, "", false
	case '/':
		closing = true
		j++
	}
	start := j
	for j < len(s) && isNameByte(s[j]) {
		j++
	}
	name = strings.ToLower(s[start:j])
	for j < len(s) {
		switch s[j] {
		case '>':
			return j + 1, name, closing
		case '"', '\'':
			k := strings.IndexByte(s[j+1:], s[j])
			if k < 0 {
				return -1, "", false
			}
			j += k + 2
		default:
			j++
		}
	}
	return -1, "", false
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == ':'
}

func isRawText(name string) bool {
	for _, n := range rawTextElements {
		if n == name {
			return true
		}
	}
	return false
}

// indexEndTag returns the index in s of the first end tag of the element
// name ("</script" followed by a character that ends a name, or by the end
// of s), ignoring ASCII case, or -1.
func indexEndTag(s, name string) int {
	n := len(name) + 2
	for i := 0; i+n <= len(s); i++ {
		if s[i] == '<' && s[i+1] == '/' && strings.EqualFold(s[i+2:i+n], name) &&
			(i+n == len(s) || !isNameByte(s[i+n])) {
			return i
		}
	}
	return -1
}
