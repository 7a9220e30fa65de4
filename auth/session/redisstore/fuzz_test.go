package redisstore

import "testing"

// FuzzDecodeRecord checks that no content of a session hash makes the
// decoder panic, and that what it accepts keeps its ID and user.
func FuzzDecodeRecord(f *testing.F) {
	f.Add("alice", "1700000000000000000", "1700000000000000000", "1700000001000000000",
		`{"Subject":"alice","Kind":"user","Roles":["admin"]}`, `{"theme":"dark"}`)
	f.Add("", "", "", "", "", "")
	f.Add("bob", "-1", "0", "9223372036854775807", "null", "null")
	f.Fuzz(func(t *testing.T, u, c, s, e, p, d string) {
		rec, err := decodeRecord("id", []any{u, c, s, e, p, d})
		if err != nil {
			return
		}
		if rec.ID != "id" || rec.UserID != u {
			t.Fatalf("decodeRecord = %+v, want ID id and user %q", rec, u)
		}
	})
}

func TestDecodeRecordMissingField(t *testing.T) {
	if _, err := decodeRecord("id", []any{"u", nil, "1", "1", "null", "{}"}); err == nil {
		t.Fatal("decodeRecord with a missing field = nil error, want an error")
	}
	if _, err := decodeRecord("id", []any{"u"}); err == nil {
		t.Fatal("decodeRecord with one field = nil error, want an error")
	}
}
