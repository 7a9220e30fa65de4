package validate_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

// violation returns the only violation of err, failing the test when err
// is not a 400 *errors.Error with exactly one.
func violation(tb testing.TB, err error) errors.Violation {
	tb.Helper()
	e, ok := errors.AsType[*errors.Error](err)
	if !ok {
		tb.Fatalf("error %v (%T) is not an *errors.Error", err, err)
	}
	if e.StatusCode() != 400 {
		tb.Fatalf("StatusCode() = %d, want 400 (%v)", e.StatusCode(), e)
	}
	vs := e.Violations()
	if len(vs) != 1 {
		tb.Fatalf("Violations() = %v, want exactly one", vs)
	}
	if vs[0].Code != e.Code() {
		tb.Errorf("violation code %q differs from the problem code %q", vs[0].Code, e.Code())
	}
	return vs[0]
}

func TestScanRejects(t *testing.T) {
	small := validate.ScanLimits{MaxDepth: 3, MaxStringBytes: 8, MaxArrayLen: 3}
	tests := []struct {
		name, in    string
		limits      validate.ScanLimits
		code, point string
	}{
		{"duplicate key", `{"a":1,"b":2,"a":3}`, small, "duplicate_key", "/a"},
		{"duplicate nested", `{"x":[0,{"k":1,"k":2}]}`, small, "duplicate_key", "/x/1/k"},
		{"duplicate escaped", `{"ab":1,"\u0061b":2}`, small, "duplicate_key", "/ab"},
		{"duplicate in large object", `{` + manyKeys(40) + `,"k7":0}`, validate.ScanLimits{}, "duplicate_key", "/k7"},
		{"same key in sibling objects", `{"a":{"k":1},"b":{"k":1},"a":0}`, small, "duplicate_key", "/a"},
		{"pointer escapes", "{\"a/b\":{\"c~d\":[1,\"\xff\"]}}", small, "invalid_utf8", "/a~1b/c~0d/1"},
		{"invalid utf8 in value", "{\"s\":\"ok\xc3\"}", small, "invalid_utf8", "/s"},
		{"invalid utf8 in key", "{\"k\xff\":1}", small, "invalid_utf8", ""},
		{"lone low surrogate", `["\udc00"]`, small, "invalid_utf8", "/0"},
		{"lone high surrogate", `["\ud800x"]`, small, "invalid_utf8", "/0"},
		{"high surrogate then non-low", `["\ud800\u0041"]`, small, "invalid_utf8", "/0"},
		{"high surrogate at end", `["\ud800"]`, small, "invalid_utf8", "/0"},
		{"too deep", `{"a":{"b":[{"c":1}]}}`, small, "too_deep", "/a/b/0"},
		{"too deep default", strings.Repeat("[", 33) + strings.Repeat("]", 33), validate.ScanLimits{}, "too_deep", "/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0"},
		{"string too long", `{"s":"123456789"}`, small, "string_too_long", "/s"},
		{"key too long", `{"123456789":1}`, small, "string_too_long", ""},
		{"array too long", `{"a":[1,2,3,4]}`, small, "array_too_long", "/a"},
		{"trailing data", `{} {}`, small, "trailing_data", ""},
		{"trailing garbage", `[1]x`, small, "trailing_data", ""},
		{"malformed value", `{"a":x}`, small, "malformed_json", "/a"},
		{"missing colon", `{"a" 1}`, small, "malformed_json", "/a"},
		{"missing comma", `[1 2]`, small, "malformed_json", "/0"},
		{"trailing comma", `{"a":1,}`, small, "malformed_json", "/a"},
		{"bad escape", `["\x"]`, small, "malformed_json", "/0"},
		{"control character", "[\"a\tb\"]", small, "malformed_json", "/0"},
		{"leading zero", `[01]`, small, "malformed_json", "/0"},
		{"bare minus", `[-]`, small, "malformed_json", "/0"},
		{"fraction without digits", `[1.]`, small, "malformed_json", "/0"},
		{"bad literal", `[nul]`, small, "malformed_json", "/0"},
		{"truncated object", `{"a":[1,2`, small, "truncated_body", "/a/1"},
		{"truncated string", `{"a":"x`, small, "truncated_body", "/a"},
		{"truncated literal", `tr`, small, "truncated_body", ""},
		{"empty", " \n", small, "empty_body", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate.Scan([]byte(tt.in), tt.limits)
			if err == nil {
				t.Fatalf("Scan(%q) = nil, want %s", tt.in, tt.code)
			}
			v := violation(t, err)
			if v.Code != tt.code || v.Pointer != tt.point {
				t.Errorf("Scan(%q) = %s at %q, want %s at %q", tt.in, v.Code, v.Pointer, tt.code, tt.point)
			}
		})
	}
}

func TestScanAccepts(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, `0`, `-0.5e+10`, `"x"`, `null`, ` true `, `false`,
		`{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}`,
		`["\u00e9\ud83d\ude00\n\/\\\""]`,
		`{"日本":"語"}`,
		`{"a":1,"A":2}`,
		`{` + manyKeys(100) + `}`,
		string(realisticBody),
	} {
		if err := validate.Scan([]byte(in), validate.ScanLimits{}); err != nil {
			t.Errorf("Scan(%.40q) = %v, want nil", in, err)
		}
	}
}

func TestScanDoesNotEchoLargeInput(t *testing.T) {
	key := strings.Repeat("k", 1000)
	err := validate.Scan([]byte(`{"`+key+`":1,"`+key+`":2}`), validate.ScanLimits{})
	e := errors.From(err)
	if len(e.Message()) > 200 || len(violation(t, err).Message) > 100 {
		t.Errorf("Scan message is %d bytes long, want the key clipped: %q", len(e.Message()), e.Message())
	}
}

func TestScanAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := validate.Scan(realisticBody, validate.ScanLimits{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Scan(realistic body) allocates %v times, want 0", allocs)
	}
}

func BenchmarkScan(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(realisticBody)))
	for b.Loop() {
		if err := validate.Scan(realisticBody, validate.ScanLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONValid(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(realisticBody)))
	for b.Loop() {
		if !json.Valid(realisticBody) {
			b.Fatal("invalid")
		}
	}
}

// FuzzScan compares the scan's decision with json.Valid's on documents
// within the limits and without duplicate keys, and checks that every
// rejection is a 400 with a violation.
func FuzzScan(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x",true,null]}`, `[{"a":1},{"a":1}]`, `"\ud83d\ude00"`, `{"a":1,"a":2}`, "[\"\xff\"]", `01`, `[1,]`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := validate.Scan(data, validate.ScanLimits{MaxDepth: 1000, MaxStringBytes: 1 << 30, MaxArrayLen: 1 << 30})
		if err != nil {
			violation(t, err)
			v := violation(t, err).Code
			lenient := v == "duplicate_key" || v == "invalid_utf8"
			if json.Valid(data) && !lenient {
				t.Errorf("Scan(%q) = %v, but json.Valid accepts it", data, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Errorf("Scan(%q) = nil, but json.Valid rejects it", data)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			if _, ok := errors.AsType[*json.UnmarshalTypeError](err); !ok { // 1e400 is JSON, but no float64
				t.Errorf("json.Unmarshal(%q) = %v after a clean scan", data, err)
			}
		}
	})
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k`)
		b.WriteString(string(rune('0' + i%10)))
		b.WriteString(strings.Repeat("x", i/10))
		b.WriteString(`":0`)
	}
	return b.String()
}

// realisticBody is a 2 KiB order, the size of a typical API request.
var realisticBody = []byte(`{
  "id": "ord_8f14e45fceea167a5a36dedd4bea2543",
  "customer": {"id": "cus_1679091c5a880faf6fb5e6087eb1b2dc", "name": "Ada Lovelace", "email": "ada@example.com",
    "address": {"line1": "12 St James's Square", "line2": null, "city": "London", "postcode": "SW1Y 4JH", "country": "GB"}},
  "currency": "EUR",
  "items": [
    {"sku": "KB-001", "name": "Mechanical keyboard", "qty": 1, "unit_price": 129.90, "tags": ["hardware", "input"]},
    {"sku": "MS-204", "name": "Wireless mouse", "qty": 2, "unit_price": 39.50, "tags": ["hardware"]},
    {"sku": "CB-USB-C", "name": "USB-C cable, 2 m", "qty": 3, "unit_price": 9.99, "tags": []},
    {"sku": "DK-77", "name": "Docking station \u00e9dition pro", "qty": 1, "unit_price": 219.00, "tags": ["hardware", "dock"]}
  ],
  "discounts": [{"code": "WELCOME10", "percent": 10}],
  "shipping": {"method": "express", "price": 12.5, "requested_at": "2026-11-27T10:00:00+01:00", "notes": "Leave at the reception desk, 3rd floor. Ring twice; the bell is quiet."},
  "payment": {"method": "card", "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}, "three_ds": true},
  "metadata": {"source": "web", "campaign": "black-friday", "ab_bucket": "b", "referrer": "https://example.com/deals?utm_source=newsletter&utm_medium=email"},
  "gift": false,
  "message": "Happy birthday! \ud83c\udf82 Hope you like it.",
  "created_at": "2026-11-27T09:58:31.123Z",
  "lines_total": 487.27,
  "tax": {"rate": 0.2, "amount": 97.45, "included": true},
  "history": [
    {"at": "2026-11-27T09:58:31Z", "event": "created", "by": "customer"},
    {"at": "2026-11-27T09:58:40Z", "event": "payment_authorized", "by": "system"},
    {"at": "2026-11-27T09:59:02Z", "event": "fraud_check_passed", "by": "system"},
    {"at": "2026-11-27T10:00:00Z", "event": "sent_to_warehouse", "by": "system"}
  ],
  "flags": {"priority": false, "fragile": true, "requires_signature": true, "insured": true},
  "notes": ["Customer asked for a paper invoice.", "Second order this month.", "Prefers morning delivery."],
  "version": 3
}`)
