package redisstore

import "testing"

// FuzzDecodeKey checks that no content of a key's hash makes the decoder
// panic, and that what it accepts keeps its owner.
func FuzzDecodeKey(f *testing.F) {
	f.Add("alice", `{"id":"AbCd1234","scopes":["read"],"created":"1700000000000000000","hash":"AAEC"}`, "", "")
	f.Add("", "", "", "")
	f.Add("bob", `{"id":"x","created":"-5","expires":"9223372036854775807"}`, "1", "x")
	f.Fuzz(func(t *testing.T, owner, rec, used, revoked string) {
		k, err := decodeKey(owner, rec, used, revoked)
		if err != nil {
			return
		}
		if k.Owner != owner {
			t.Fatalf("decodeKey owner = %q, want %q", k.Owner, owner)
		}
	})
}
