package validate_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keel-go/keel/validate"
)

func TestStripTags(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Hello, world", "Hello, world"},
		{"bold", "a <b>bold</b> move", "a bold move"},
		{"script", "hi<script>alert(1)</script>!", "hi!"},
		{"script upper case", "hi<SCRIPT type=text/javascript>alert(1)</ScRiPt >!", "hi!"},
		{"script with markup inside", "<script>document.write('<b>x</b>')</script>ok", "ok"},
		{"unclosed script", "a<script>alert(1)", "a"},
		{"script end tag look-alike", "<script>x</scriptx>y</script>z", "z"},
		{"style", "<style>body{display:none}</style>text", "text"},
		{"iframe", `<iframe src="https://evil.example"></iframe>ok`, "ok"},
		{"event handler", `<img src=x onerror="alert(1)">cat`, "cat"},
		{"quoted >", `<a title="1 > 0" href="javascript:alert(1)">link</a>`, "link"},
		{"single quoted >", `<a title='>'>link</a>`, "link"},
		{"unclosed tag", `safe <img src=x onerror=alert(1)`, "safe "},
		{"unclosed quote", `safe <a href="x>text`, "safe "},
		{"comment", "a<!-- <script>alert(1)</script> -->b", "ab"},
		{"unclosed comment", "a<!-- b", "a"},
		{"doctype", "<!DOCTYPE html>text", "text"},
		{"processing instruction", "<?xml version='1.0'?>text", "text"},
		{"entities kept", "&lt;script&gt;alert(1)&lt;/script&gt; &amp;", "&lt;script&gt;alert(1)&lt;/script&gt; &amp;"},
		{"less than", "1 < 2 and 3 > 2", "1 < 2 and 3 > 2"},
		{"heart", "I <3 Go", "I <3 Go"},
		{"trailing <", "a <", "a <"},
		{"nested to form a tag", "<<b>script>alert(1)<</b>/script>", "script>alert(1)/script>"},
		{"many < before a tag", "<<<b>img src=x>", "img src=x>"},
		{"closing slash", "a</>b", "ab"},
		{"utf-8", "<p>héllo 世界</p>", "héllo 世界"},
		{"svg", `<svg onload=alert(1)><circle/></svg>x`, "x"},
		{"textarea content", "<textarea><b>x</b></textarea>y", "y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validate.StripTags(tt.in); got != tt.want {
				t.Errorf("StripTags(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripControl(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello", "hello"},
		{"tab and newline kept", "a\tb\nc", "a\tb\nc"},
		{"crlf", "a\r\nb", "a\nb"},
		{"lone cr", "a\rb", "a\nb"},
		{"nul", "a\x00b", "ab"},
		{"escape sequence", "\x1b[31mred\x1b[0m", "[31mred[0m"},
		{"del", "a\x7fb", "ab"},
		{"c1", "a\u0085b\u009bc", "abc"},
		{"bidi override", "file\u202Egnp.exe", "filegnp.exe"},
		{"bidi isolate", "a\u2066b\u2069c", "abc"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
		{"non-ascii kept", "héllo 世界 \u200d", "héllo 世界 \u200d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validate.StripControl(tt.in); got != tt.want {
				t.Errorf("StripControl(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHTMLEscape(t *testing.T) {
	in := `<a href="x" title='y'>Tom & Jerry</a>`
	want := "&lt;a href=&#34;x&#34; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;"
	if got := validate.HTMLEscape(in); got != want {
		t.Errorf("HTMLEscape(%q) = %q, want %q", in, got, want)
	}
}

func TestSanitizeTags(t *testing.T) {
	type comment struct {
		Author string `json:"author" sanitize:"strip_control"`
		Body   string `json:"body" sanitize:"strip_tags,html_escape"`
		Raw    string `json:"raw"`
	}
	c := comment{
		Author: "eve\x00\u202E",
		Body:   `<b>1 < 2</b><script>alert("x")</script> & more`,
		Raw:    "<b>kept</b>",
	}
	if err := validate.Normalize(context.Background(), &c); err != nil {
		t.Fatalf("Normalize = %v, want nil", err)
	}
	want := comment{Author: "eve", Body: "1 &lt; 2 &amp; more", Raw: "<b>kept</b>"}
	if c != want {
		t.Errorf("Normalize = %+v, want %+v", c, want)
	}
}

func FuzzStripTags(f *testing.F) {
	for _, s := range []string{"<b>x</b>", "<script>alert(1)</script>", "<<b>script>", "<a title='>'>",
		"<!-- x -->", "a < b", "<img src=x onerror=alert(1)", "&lt;b&gt;", "\xff<p>\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := validate.StripTags(s)
		if len(got) > len(s) {
			t.Fatalf("StripTags(%q) = %q, longer than its input", s, got)
		}
		for i := 0; i+1 < len(got); i++ {
			if c := got[i+1]; got[i] == '<' && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!' || c == '?') {
				t.Fatalf("StripTags(%q) = %q, which opens markup at %d", s, got, i)
			}
		}
		if again := validate.StripTags(got); again != got {
			t.Fatalf("StripTags(StripTags(%q)) = %q, want %q", s, again, got)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("StripTags(%q) = %q, not valid UTF-8", s, got)
		}
		if !strings.Contains(s, "<") && got != s {
			t.Fatalf("StripTags(%q) = %q, want text without markup unchanged", s, got)
		}
	})
}
