package schema_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
	"github.com/keel-go/keel/validate/schema"
)

type newOrder struct {
	Email string `json:"email"`
	Lines []struct {
		SKU string `json:"sku"`
		Qty int    `json:"qty"`
	} `json:"lines"`
}

const orderSchema = `{
	"type": "object",
	"required": ["email", "lines"],
	"additionalProperties": false,
	"properties": {
		"email": {"type": "string", "format": "email"},
		"lines": {"type": "array", "minItems": 1, "items": {
			"type": "object",
			"required": ["sku", "qty"],
			"properties": {"sku": {"type": "string", "minLength": 1}, "qty": {"type": "integer", "minimum": 1}}
		}}
	}
}`

func TestThroughDecoder(t *testing.T) {
	s := mustCompile(t, orderSchema, schema.Options{})
	d, err := validate.NewDecoder(validate.Options{Schema: s})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var in newOrder
		if err := d.Decode(r, &in); err != nil {
			return err
		}
		return json.NewEncoder(w).Encode(in)
	}))
	defer srv.Close()

	post := func(body string) (*http.Response, []byte) {
		t.Helper()
		resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}

	resp, body := post(`{"email":"ada@example.com","lines":[{"sku":"A1","qty":2}]}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("valid body: status = %d %s, want 200", resp.StatusCode, body)
	}
	var got newOrder
	if err := json.Unmarshal(body, &got); err != nil || got.Email != "ada@example.com" || len(got.Lines) != 1 || got.Lines[0].Qty != 2 {
		t.Errorf("valid body decoded to %s (%v), want the order", body, err)
	}

	resp, body = post(`{"email":"nope","lines":[{"sku":"A1","qty":2},{"sku":"","qty":0}],"coupon":"X"}`)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid body: status = %d %s, want 422", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p struct {
		Code   string `json:"code"`
		Errors []struct {
			Pointer string `json:"pointer"`
			Code    string `json:"code"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem %s: %v", body, err)
	}
	var pairs []string
	for _, e := range p.Errors {
		pairs = append(pairs, e.Pointer+" "+e.Code)
	}
	want := []string{"/coupon additionalProperties", "/email format", "/lines/1/qty minimum", "/lines/1/sku minLength"}
	if p.Code != "validation_failed" || strings.Join(pairs, ",") != strings.Join(want, ",") {
		t.Errorf("problem = %s %q, want validation_failed %q", p.Code, pairs, want)
	}

	// The strict scan still runs first.
	resp, body = post(`{"email":"a@example.com","email":"b@example.com","lines":[]}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "duplicate_key") {
		t.Errorf("duplicate key: status = %d %s, want 400 duplicate_key", resp.StatusCode, body)
	}
}
