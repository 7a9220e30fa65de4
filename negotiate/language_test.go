package negotiate_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keel-go/keel/negotiate"
)

func TestLanguage(t *testing.T) {
	tests := []struct {
		name      string
		header    []string
		available []string
		want      string
	}{
		{"no header: first", nil, []string{"en", "fr"}, "en"},
		{"exact", []string{"fr"}, []string{"en", "fr"}, "fr"},
		{"q-values", []string{"fr;q=0.5, de;q=0.8"}, []string{"en", "fr", "de"}, "de"},
		{"range matches region", []string{"en"}, []string{"fr", "en-GB"}, "en-GB"},
		{"region falls back to language", []string{"pt-BR"}, []string{"en", "pt"}, "pt"},
		{"case-insensitive", []string{"FR-ca"}, []string{"en", "fr-CA"}, "fr-CA"},
		{"wildcard", []string{"*"}, []string{"de", "en"}, "de"},
		{"nothing acceptable: first", []string{"ja"}, []string{"en", "fr"}, "en"},
		{"all refused: first", []string{"*;q=0"}, []string{"en", "fr"}, "en"},
		{"malformed: first", []string{";;;,="}, []string{"en", "fr"}, "en"},
		{"nothing available", []string{"en"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, h := range tt.header {
				r.Header.Add("Accept-Language", h)
			}
			if got := negotiate.Language(r, tt.available...); got != tt.want {
				t.Errorf("Language(%q, %q) = %q, want %q", tt.header, tt.available, got, tt.want)
			}
		})
	}
}
