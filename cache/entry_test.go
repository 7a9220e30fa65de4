package cache_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
)

func TestEntryCodecRoundTrip(t *testing.T) {
	fresh := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	tests := []struct {
		name  string
		entry cache.Entry[[]byte]
		hex   string
	}{
		{"found", cache.Entry[[]byte]{Value: []byte("ab"), Found: true, FreshUntil: fresh},
			"0103" + "0000000070dd5525" + "00000006" + "6162"},
		{"found empty value", cache.Entry[[]byte]{Value: []byte{}, Found: true, FreshUntil: fresh},
			"0103" + "0000000070dd5525" + "00000006"},
		{"negative", cache.Entry[[]byte]{FreshUntil: fresh}, "0102" + "0000000070dd5525" + "00000006"},
		{"no fresh time", cache.Entry[[]byte]{Value: []byte{0}, Found: true}, "0101" + "00"},
		{"zero entry", cache.Entry[[]byte]{}, "0100"},
		{"before 1970", cache.Entry[[]byte]{FreshUntil: time.Date(1, 1, 1, 0, 0, 1, 999999999, time.UTC)},
			"0102" + "fffffff1886e0901" + "3b9ac9ff"},
	}
	codec := cache.EntryCodec[[]byte]{Value: cache.Raw{}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := codec.Marshal(tt.entry)
			if err != nil {
				t.Fatalf("Marshal = %v, want nil", err)
			}
			if got := hex.EncodeToString(b); got != tt.hex {
				t.Errorf("Marshal = %s, want %s", got, tt.hex)
			}
			e, err := codec.Unmarshal(b)
			if err != nil {
				t.Fatalf("Unmarshal = %v, want nil", err)
			}
			if e.Found != tt.entry.Found || !e.FreshUntil.Equal(tt.entry.FreshUntil) || !bytes.Equal(e.Value, tt.entry.Value) {
				t.Errorf("Unmarshal = %+v, want %+v", e, tt.entry)
			}
		})
	}
}

func TestEntryCodecJSONValue(t *testing.T) {
	codec := cache.EntryCodec[user]{} // zero value: JSON
	in := cache.Entry[user]{Value: user{ID: 1, Name: "Ada"}, Found: true, FreshUntil: time.Unix(1e9, 0)}
	b, err := codec.Marshal(in)
	if err != nil {
		t.Fatalf("Marshal = %v, want nil", err)
	}
	if !bytes.HasSuffix(b, []byte(`{"id":1,"name":"Ada"}`)) {
		t.Errorf("Marshal = %q, want the JSON value at the end", b)
	}
	out, err := codec.Unmarshal(b)
	if err != nil || out.Value != in.Value || !out.Found || !out.FreshUntil.Equal(in.FreshUntil) {
		t.Errorf("Unmarshal = (%+v, %v), want (%+v, nil)", out, err, in)
	}
	// A negative entry stores no value, whatever Value holds.
	b, err = codec.Marshal(cache.Entry[user]{Value: user{ID: 9}})
	if err != nil || len(b) != 2 {
		t.Errorf("Marshal(negative) = (%x, %v), want 2 bytes", b, err)
	}
}

func TestEntryCodecRejects(t *testing.T) {
	codec := cache.EntryCodec[user]{}
	tests := []struct {
		name string
		hex  string
	}{
		{"empty", ""},
		{"one byte", "01"},
		{"version 0", "0000"},
		{"version 2", "0200"},
		{"unknown flag", "0104"},
		{"truncated time", "0102000000"},
		{"nanoseconds out of range", "0102" + "0000000070dd5525" + "3b9aca00"},
		{"seconds after year 9999", "0102" + "0000003afff44180" + "00000000"},
		{"seconds at the zero time", "0102" + "fffffff1886e0900" + "00000000"},
		{"value in a negative entry", "0100" + "7b7d"},
		{"undecodable value", "0101" + "7b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			if e, err := codec.Unmarshal(b); err == nil {
				t.Errorf("Unmarshal(%s) = (%+v, nil), want an error", tt.hex, e)
			}
		})
	}
	if _, err := codec.Marshal(cache.Entry[user]{FreshUntil: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Errorf("Marshal(FreshUntil in year 10000) = nil error, want an error")
	}
}

// Through EntryCache a corrupt entry is a *DecodeError, not a miss.
func TestEntryCacheCorrupt(t *testing.T) {
	ctx := t.Context()
	raw := newMapcache[[]byte](nil)
	c := cache.EntryCache[user](raw, nil)
	if err := raw.Set(ctx, "k", []byte{9, 9}, 0); err != nil {
		t.Fatal(err)
	}
	var de *cache.DecodeError
	if _, ok, err := c.Get(ctx, "k"); ok || !errors.As(err, &de) {
		t.Errorf("Get(corrupt) = (_, %v, %v), want (_, false, *DecodeError)", ok, err)
	}
}

// FuzzEntryCodec checks that Unmarshal never panics and that every input
// it accepts is exactly the encoding of the entry it returns.
func FuzzEntryCodec(f *testing.F) {
	codec := cache.EntryCodec[[]byte]{Value: cache.Raw{}}
	for _, e := range []cache.Entry[[]byte]{
		{Value: []byte("value"), Found: true, FreshUntil: time.Unix(1893553445, 123)},
		{FreshUntil: time.Unix(1893553445, 0)},
		{Found: true},
	} {
		b, err := codec.Marshal(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := codec.Unmarshal(data)
		if err != nil {
			return
		}
		again, err := codec.Marshal(e)
		if err != nil {
			t.Fatalf("Marshal(Unmarshal(%x)) = %v, want nil", data, err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("Marshal(Unmarshal(%x)) = %x, want the input", data, again)
		}
	})
}
