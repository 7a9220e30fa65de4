package httpcache

import (
	"net/http"
	"reflect"
	"testing"
	"time"
)

// sampleRecords are records of each kind and shape, for the round-trip
// test and as fuzz seeds.
func sampleRecords() []*record {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return []*record{
		{kind: kindResponse, status: 200, stored: t0, expires: t0.Add(time.Minute),
			header: http.Header{"Content-Type": {"text/plain"}, "Cache-Control": {"max-age=60"}, "Etag": {`"v1"`}},
			body:   []byte("hello")},
		{kind: kindResponse, status: 204, stored: t0, expires: t0.Add(time.Hour), header: http.Header{}},
		{kind: kindResponse, head: true, status: 200, stored: t0.Add(-5 * time.Second), expires: t0.Add(time.Second),
			header: http.Header{"Content-Length": {"1234"}, "Link": {"</a>; rel=preload", "</b>; rel=preload"}}},
		{kind: kindResponse, status: 301, stored: time.Unix(0, 0).UTC(), expires: time.Unix(0, 1).UTC(),
			header: http.Header{"Location": {"/elsewhere"}, "Vary": {"Accept, Accept-Language"}}, body: []byte{0, 1, 2, 0xff}},
		{kind: kindVary, stored: t0, expires: t0.Add(time.Minute), vary: []string{"Accept", "Accept-Encoding", "Accept-Language"}},
		{kind: kindVary, stored: t0, expires: t0, vary: []string{}},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for i, rec := range sampleRecords() {
		got, err := decodeRecord(appendRecord(nil, rec))
		if err != nil {
			t.Fatalf("record %d: decodeRecord(appendRecord) = %v", i, err)
		}
		if !reflect.DeepEqual(got, rec) {
			t.Errorf("record %d: round trip = %+v, want %+v", i, got, rec)
		}
	}
}

func TestDecodeRecordRejects(t *testing.T) {
	valid := appendRecord(nil, sampleRecords()[0])
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"magic only", []byte("KHC")},
		{"other magic", append([]byte("XHC"), valid[3:]...)},
		{"other version", append([]byte("KHC\x02"), valid[4:]...)},
		{"unknown kind", append([]byte("KHC\x01X"), valid[5:]...)},
		{"truncated", valid[:len(valid)-1]},
		{"trailing byte", append(append([]byte(nil), valid...), 0)},
		{"status 0", appendRecord(nil, &record{kind: kindResponse, status: 0, header: http.Header{}})},
		{"status 1000", appendRecord(nil, &record{kind: kindResponse, status: 1000, header: http.Header{}})},
		{"field name with a space", appendRecord(nil, &record{kind: kindResponse, status: 200, header: http.Header{"X Y": {"1"}}})},
		{"field value with a newline", appendRecord(nil, &record{kind: kindResponse, status: 200, header: http.Header{"X": {"1\r\nSet-Cookie: a=b"}}})},
		{"HEAD with a body", appendRecord(nil, &record{kind: kindResponse, head: true, status: 200, header: http.Header{}, body: []byte("x")})},
		{"unsorted Vary names", appendRecord(nil, &record{kind: kindVary, vary: []string{"B", "A"}})},
		{"repeated Vary name", appendRecord(nil, &record{kind: kindVary, vary: []string{"A", "A"}})},
		{"huge count", []byte("KHC\x01V\x00\x00\xff\xff\xff\xff\x0f")},
		{"huge length", []byte("KHC\x01V\x00\x00\x01\xff\xff\xff\xff\x0f")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if rec, err := decodeRecord(tt.data); err != errCorrupt {
				t.Errorf("decodeRecord(%q) = %+v, %v, want errCorrupt", tt.data, rec, err)
			}
		})
	}
}

func FuzzDecodeRecord(f *testing.F) {
	for _, rec := range sampleRecords() {
		f.Add(appendRecord(nil, rec))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := decodeRecord(data)
		if err != nil {
			if rec != nil {
				t.Fatalf("decodeRecord(%q) returned a record with error %v", data, err)
			}
			return
		}
		// Whatever decodes is a record the encoder can write back, and
		// that decodes to the same thing.
		again, err := decodeRecord(appendRecord(nil, rec))
		if err != nil {
			t.Fatalf("decodeRecord(appendRecord(%+v)) = %v", rec, err)
		}
		if !reflect.DeepEqual(again, rec) {
			t.Fatalf("round trip of %q: %+v, want %+v", data, again, rec)
		}
		for name, vs := range rec.header {
			if !validName([]byte(name)) {
				t.Fatalf("decoded field name %q", name)
			}
			for _, v := range vs {
				if !validValue([]byte(v)) {
					t.Fatalf("decoded field value %q", v)
				}
			}
		}
	})
}
