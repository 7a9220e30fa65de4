package schema_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate/schema"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		opts   schema.Options
		is     error  // when set, the error must match it under errors.Is
		text   string // a part of the error text
	}{
		{name: "not JSON", schema: `{"type":`, text: "test.json"},
		{name: "trailing data", schema: `{} {}`, text: "test.json"},
		{name: "bad keyword value", schema: `{"type":"strng"}`, text: "test.json"},
		{name: "negative minLength", schema: `{"minLength":-1}`, text: "test.json"},
		{name: "bad pattern", schema: `{"pattern":"("}`, text: "test.json"},
		{name: "tuple items under 2020-12", schema: `{"items":[{"type":"string"}]}`, text: "test.json"},
		{name: "remote https ref", schema: `{"$ref":"https://example.com/user.json"}`, is: schema.ErrRemoteRef, text: "https://example.com/user.json"},
		{name: "remote http ref", schema: `{"properties":{"a":{"$ref":"http://127.0.0.1:1/a.json#/x"}}}`, is: schema.ErrRemoteRef},
		{name: "file ref", schema: `{"$ref":"file:///etc/passwd"}`, is: schema.ErrRemoteRef},
		{name: "relative ref without FS", schema: `{"$ref":"other.json"}`, is: schema.ErrRemoteRef, text: "other.json"},
		{name: "relative ref missing from FS", schema: `{"$ref":"missing.json"}`, opts: schema.Options{FS: fstest.MapFS{}}, is: schema.ErrRemoteRef},
		{name: "ref escaping the FS", schema: `{"$ref":"../../etc/passwd"}`, opts: schema.Options{FS: fstest.MapFS{}}, is: schema.ErrRemoteRef},
		{name: "remote $id base", schema: `{"$id":"https://example.com/s/user.json","$ref":"address.json"}`, is: schema.ErrRemoteRef, text: "https://example.com/s/address.json"},
		{name: "unknown metaschema", schema: `{"$schema":"https://example.com/meta"}`, is: schema.ErrRemoteRef},
		{name: "draft 4", schema: `{"$schema":"http://json-schema.org/draft-04/schema#"}`, is: schema.ErrUnsupportedDraft},
		{name: "draft 2019-09", schema: `{"$schema":"https://json-schema.org/draft/2019-09/schema"}`, is: schema.ErrUnsupportedDraft},
		{name: "unknown draft option", schema: `{}`, opts: schema.Options{Draft: 9}, text: "Options.Draft"},
		{name: "negative MaxViolations", schema: `{}`, opts: schema.Options{MaxViolations: -1}, text: "Options.MaxViolations"},
		{name: "bad resource", schema: `{}`, opts: schema.Options{Resources: map[string][]byte{"a.json": []byte(`{`)}}, text: "a.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := schema.Compile("test.json", []byte(tt.schema), tt.opts)
			if err == nil {
				t.Fatalf("Compile(%s) = %v, nil, want an error", tt.schema, s)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Compile(%s) = %v, want an error matching %v", tt.schema, err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Compile(%s) = %v, want it to mention %q", tt.schema, err, tt.text)
			}
		})
	}
}

func TestCompileNames(t *testing.T) {
	for _, name := range []string{"", "/", "a.json#frag", "%zz"} {
		if _, err := schema.Compile(name, []byte(`{}`), schema.Options{}); err == nil {
			t.Errorf("Compile(%q) = nil error, want an error", name)
		}
	}
	for _, name := range []string{"user.json", "/schemas/user.json", "https://example.com/user.json", "urn:example:user"} {
		s, err := schema.Compile(name, []byte(`{}`), schema.Options{})
		if err != nil {
			t.Errorf("Compile(%q) = %v, want nil", name, err)
			continue
		}
		if s.Name() != name {
			t.Errorf("Name() = %q, want %q", s.Name(), name)
		}
	}
}

func TestReferences(t *testing.T) {
	address := []byte(`{"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}`)
	tests := []struct {
		name   string
		schema string
		opts   schema.Options
	}{
		{
			name:   "resource by absolute URL",
			schema: `{"properties":{"address":{"$ref":"https://example.com/address.json"}}}`,
			opts:   schema.Options{Resources: map[string][]byte{"https://example.com/address.json": address}},
		},
		{
			name:   "resource by $id base",
			schema: `{"$id":"https://example.com/s/user.json","properties":{"address":{"$ref":"address.json"}}}`,
			opts:   schema.Options{Resources: map[string][]byte{"https://example.com/s/address.json": address}},
		},
		{
			name:   "resource by name",
			schema: `{"properties":{"address":{"$ref":"defs/address.json"}}}`,
			opts:   schema.Options{Resources: map[string][]byte{"defs/address.json": address}},
		},
		{
			name:   "file of the FS",
			schema: `{"properties":{"address":{"$ref":"defs/address.json#"}}}`,
			opts:   schema.Options{FS: fstest.MapFS{"defs/address.json": {Data: address}}},
		},
		{
			name:   "file of the FS in another draft",
			schema: `{"properties":{"address":{"$ref":"defs/address.json"}}}`,
			opts: schema.Options{FS: fstest.MapFS{"defs/address.json": {Data: []byte(
				`{"$schema":"http://json-schema.org/draft-07/schema#","required":["city"]}`)}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustCompile(t, tt.schema, tt.opts)
			if err := s.ValidateJSON([]byte(`{"address":{"city":"Paris"}}`)); err != nil {
				t.Errorf("ValidateJSON(valid) = %v, want nil", err)
			}
			got := violations(t, s, `{"address":{}}`)
			if len(got) != 1 || got[0].Pointer != "/address/city" || got[0].Code != "required" {
				t.Errorf("ValidateJSON(no city) violations = %+v, want /address/city required", got)
			}
		})
	}
}

func TestMustCompile(t *testing.T) {
	s := schema.MustCompile("ok.json", []byte(`{"type":"string"}`), schema.Options{})
	if err := s.ValidateJSON([]byte(`"x"`)); err != nil {
		t.Errorf("ValidateJSON = %v, want nil", err)
	}
	defer func() {
		msg, _ := recover().(string)
		if !strings.HasPrefix(msg, "schema: ") {
			t.Errorf("MustCompile(bad) panicked with %q, want a message starting with \"schema: \"", msg)
		}
	}()
	schema.MustCompile("bad.json", []byte(`{"type":1}`), schema.Options{})
	t.Error("MustCompile(bad) returned, want a panic")
}

func TestDraftString(t *testing.T) {
	tests := []struct {
		d    schema.Draft
		want string
	}{
		{schema.Draft2020, "2020-12"},
		{schema.Draft7, "draft-07"},
		{schema.Draft(9), "Draft(9)"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("Draft(%d).String() = %q, want %q", int(tt.d), got, tt.want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	s := mustCompile(t, `{"type":"object","required":["a"],"properties":{"a":{"type":"integer","maximum":3},"b":{"format":"email"}}}`, schema.Options{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				if err := s.ValidateJSON([]byte(`{"a":1,"b":"a@example.com"}`)); err != nil {
					t.Errorf("goroutine %d: ValidateJSON(valid) = %v", i, err)
					return
				}
				if err := s.ValidateJSON([]byte(`{"a":9}`)); errors.From(err).StatusCode() != http.StatusUnprocessableEntity {
					t.Errorf("goroutine %d: ValidateJSON(invalid) = %v, want a 422", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
