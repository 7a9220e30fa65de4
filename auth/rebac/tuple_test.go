package rebac_test

import (
	"strings"
	"testing"

	"github.com/keel-go/keel/auth/rebac"
	"github.com/keel-go/keel/errors"
)

func TestParseTuple(t *testing.T) {
	tests := []struct {
		in   string
		want rebac.Tuple
	}{
		{"doc:readme#viewer@user:alice", rebac.Tuple{
			Object: rebac.Object{Type: "doc", ID: "readme"}, Relation: "viewer", Subject: rebac.User("user", "alice")}},
		{"doc:readme#viewer@group:eng#member", rebac.Tuple{
			Object: rebac.Object{Type: "doc", ID: "readme"}, Relation: "viewer",
			Subject: rebac.Userset(rebac.Object{Type: "group", ID: "eng"}, "member")}},
		{"doc:a@b.c#owner@user:alice@example.com", rebac.Tuple{
			Object: rebac.Object{Type: "doc", ID: "a@b.c"}, Relation: "owner", Subject: rebac.User("user", "alice@example.com")}},
		{"doc:urn:x:1#owner_2@user:7", rebac.Tuple{
			Object: rebac.Object{Type: "doc", ID: "urn:x:1"}, Relation: "owner_2", Subject: rebac.User("user", "7")}},
	}
	for _, tt := range tests {
		got, err := rebac.ParseTuple(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTuple(%q) = %+v, %v, want %+v, nil", tt.in, got, err, tt.want)
			continue
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseTuple(%q).String() = %q, want the input", tt.in, s)
		}
	}
}

func TestParseTupleRejects(t *testing.T) {
	tests := []struct{ in, message string }{
		{"", "no '#'"},
		{"doc:readme", "no '#'"},
		{"doc:readme#viewer", "no '@'"},
		{"docreadme#viewer@user:alice", "no ':'"},
		{"doc:#viewer@user:alice", "invalid ID"},
		{":readme#viewer@user:alice", "invalid type"},
		{"Doc:readme#viewer@user:alice", "invalid type"},
		{"doc:readme#Viewer@user:alice", "invalid relation"},
		{"doc:readme#@user:alice", "invalid relation"},
		{"doc:readme#viewer@user:", "invalid ID"},
		{"doc:readme#viewer@user:alice#", "invalid relation"},
		{"doc:readme#viewer@user:al ice", "invalid ID"},
		{"doc:readme#viewer@user:al\x00ice", "invalid ID"},
		{"doc:readme#viewer@user:alicé", "invalid ID"},
		{"doc:readme#viewer@group:eng#member#x", "invalid relation"},
		{"doc:readme#viewer@user:" + strings.Repeat("a", rebac.MaxIDLen+1), "invalid ID"},
		{"doc:readme#" + strings.Repeat("v", rebac.MaxNameLen+1) + "@user:a", "invalid relation"},
	}
	for _, tt := range tests {
		_, err := rebac.ParseTuple(tt.in)
		if !errors.Is(err, rebac.ErrInvalidTuple) {
			t.Errorf("ParseTuple(%q) error = %v, want ErrInvalidTuple", tt.in, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.message) {
			t.Errorf("ParseTuple(%q) error = %q, want it to contain %q", tt.in, err, tt.message)
		}
	}
}

func TestParseObjectAndSubject(t *testing.T) {
	if o, err := rebac.ParseObject("folder:plans"); err != nil || o != (rebac.Object{Type: "folder", ID: "plans"}) {
		t.Errorf("ParseObject(folder:plans) = %v, %v", o, err)
	}
	if _, err := rebac.ParseObject("folder"); !errors.Is(err, rebac.ErrInvalidTuple) {
		t.Errorf("ParseObject(folder) error = %v, want ErrInvalidTuple", err)
	}
	s, err := rebac.ParseSubject("group:eng#member")
	if err != nil || s.String() != "group:eng#member" || s.Relation != "member" {
		t.Errorf("ParseSubject(group:eng#member) = %+v, %v", s, err)
	}
	if _, err := rebac.ParseSubject("group:eng#"); !errors.Is(err, rebac.ErrInvalidTuple) {
		t.Errorf("ParseSubject(group:eng#) error = %v, want ErrInvalidTuple", err)
	}
}

func TestMustParseTuplePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParseTuple(bad) did not panic")
		}
	}()
	rebac.MustParseTuple("bad")
}

// FuzzParseTuple parses arbitrary text: ParseTuple never panics, and a
// tuple it accepts prints back to the same text, with parts that parse
// on their own.
func FuzzParseTuple(f *testing.F) {
	f.Add("doc:readme#viewer@user:alice")
	f.Add("doc:readme#viewer@group:eng#member")
	f.Add("a:b#c@d:e#f#g")
	f.Fuzz(func(t *testing.T, s string) {
		tu, err := rebac.ParseTuple(s)
		if err != nil {
			if !errors.Is(err, rebac.ErrInvalidTuple) {
				t.Fatalf("ParseTuple(%q) error = %v, want ErrInvalidTuple", s, err)
			}
			return
		}
		if got := tu.String(); got != s {
			t.Fatalf("ParseTuple(%q).String() = %q, want the input", s, got)
		}
		if o, err := rebac.ParseObject(tu.Object.String()); err != nil || o != tu.Object {
			t.Fatalf("ParseObject(%q) = %v, %v, want %v", tu.Object, o, err, tu.Object)
		}
		if sub, err := rebac.ParseSubject(tu.Subject.String()); err != nil || sub != tu.Subject {
			t.Fatalf("ParseSubject(%q) = %v, %v, want %v", tu.Subject, sub, err, tu.Subject)
		}
		if strings.ContainsAny(tu.Object.ID+tu.Subject.ID, "# \t\n") {
			t.Fatalf("ParseTuple(%q) accepted an ID with '#' or white space", s)
		}
	})
}
