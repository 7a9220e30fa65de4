package validate_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/keel-go/keel/validate"
)

func TestTimeUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`"2026-11-27T10:00:00Z"`, "2026-11-27T10:00:00Z", false},
		{`"2026-11-27T10:00:00.5+01:00"`, "2026-11-27T10:00:00.5+01:00", false},
		{`"2026-11-27T10:00:00"`, "", true},
		{`"2026-11-27"`, "", true},
		{`"2026-13-01T00:00:00Z"`, "", true},
		{`12`, "", true},
	}
	for _, tt := range tests {
		var got validate.Time
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("Unmarshal(%s) error = %v, want error %t", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && got.Format(time.RFC3339Nano) != tt.want {
			t.Errorf("Unmarshal(%s) = %s, want %s", tt.in, got.Format(time.RFC3339Nano), tt.want)
		}
	}
}

func TestTimeMarshal(t *testing.T) {
	v := validate.Time{Time: time.Date(2026, 11, 27, 10, 0, 0, 0, time.FixedZone("", 3600))}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `"2026-11-27T10:00:00+01:00"` {
		t.Errorf("Marshal(%v) = %s, %v, want \"2026-11-27T10:00:00+01:00\"", v, b, err)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    validate.Date
		wantErr bool
	}{
		{"2026-11-27", validate.Date{Year: 2026, Month: 11, Day: 27}, false},
		{"2024-02-29", validate.Date{Year: 2024, Month: 2, Day: 29}, false},
		{"2026-02-29", validate.Date{}, true},
		{"2026-02-30", validate.Date{}, true},
		{"2026-1-01", validate.Date{}, true},
		{"2026-01-01T00:00:00Z", validate.Date{}, true},
		{"", validate.Date{}, true},
	}
	for _, tt := range tests {
		got, err := validate.ParseDate(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseDate(%q) = %v, %v, want %v, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	d := validate.Date{Year: 2026, Month: 2, Day: 3}
	if b, _ := json.Marshal(d); string(b) != `"2026-02-03"` {
		t.Errorf("Marshal(%v) = %s, want \"2026-02-03\"", d, b)
	}
	if got := d.In(time.UTC); !got.Equal(time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%v.In(UTC) = %v", d, got)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"1h30m", 90 * time.Minute, false},
		{"-5s", -5 * time.Second, false},
		{"PT1H30M", 90 * time.Minute, false},
		{"P2DT12H", 60 * time.Hour, false},
		{"P1W", 7 * 24 * time.Hour, false},
		{"PT0.5S", 500 * time.Millisecond, false},
		{"-PT5S", -5 * time.Second, false},
		{"P1M", 0, true},
		{"P1Y", 0, true},
		{"PT", 0, true},
		{"P", 0, true},
		{"PT1H1H", 0, true},
		{"PT1D", 0, true},
		{"P1H", 0, true},
		{"P999999999999W", 0, true},
		{"soon", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := validate.ParseDuration(tt.in)
		if got.Duration != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseDuration(%q) = %v, %v, want %v, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if b, _ := json.Marshal(validate.Duration{Duration: 90 * time.Minute}); string(b) != `"1h30m0s"` {
		t.Errorf("Marshal(1h30m) = %s, want \"1h30m0s\"", b)
	}
}
