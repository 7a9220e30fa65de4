package validate

import (
	"encoding"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Codes of the violations of the time types.
const (
	CodeInvalidTime     = "invalid_time"     // not an RFC 3339 time with an offset, nor one of Options.TimeLayouts
	CodeInvalidDate     = "invalid_date"     // not a YYYY-MM-DD calendar date
	CodeInvalidDuration = "invalid_duration" // neither a Go nor an ISO 8601 duration
)

// TimeZone is what a [Decoder] does with the offset of a decoded [Time].
type TimeZone int

// The time-zone policies.
const (
	// TimeZoneKeep keeps the offset the client sent: 10:00+02:00 stays so.
	TimeZoneKeep TimeZone = iota
	// TimeZoneUTC converts every time to UTC: 10:00+02:00 becomes 08:00Z.
	TimeZoneUTC
)

// Time is a point in time that a request carries as an RFC 3339 string
// with an offset ("2026-11-27T10:00:00+01:00" or "...Z"). A time without
// an offset is rejected: the server cannot know which zone the client
// meant. [Options.TimeLayouts] adds layouts and [Options.TimeZone] converts
// to UTC, for JSON and form bodies; XML bodies and direct calls to the
// unmarshalling methods take RFC 3339 only. It encodes as RFC 3339 with
// nanoseconds as needed. The zero value is the zero time.Time.
type Time struct {
	time.Time
}

// UnmarshalJSON decodes an RFC 3339 string; null leaves t unchanged.
func (t *Time) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("validate: a time must be a JSON string")
	}
	return t.UnmarshalText([]byte(s))
}

// UnmarshalText decodes an RFC 3339 time with an offset.
func (t *Time) UnmarshalText(text []byte) error {
	v, _, err := parseTime(string(text), nil)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON encodes t as an RFC 3339 string.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(t.Format(time.RFC3339Nano))), nil
}

// MarshalText encodes t as RFC 3339.
func (t Time) MarshalText() ([]byte, error) {
	return []byte(t.Format(time.RFC3339Nano)), nil
}

// parseTime parses s as RFC 3339, then with each of layouts, and reports
// whether one of layouts was needed.
func parseTime(s string, layouts []string) (t time.Time, custom bool, err error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, false, nil
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true, nil
		}
	}
	if len(s) >= len("2006-01-02T15:04:05") && len(s) <= len("2006-01-02T15:04:05.999999999") && !strings.ContainsAny(s[10:], "Zz+-") {
		return time.Time{}, false, fmt.Errorf("must be an RFC 3339 time with an offset, such as 2006-01-02T15:04:05Z: the offset is missing")
	}
	return time.Time{}, false, fmt.Errorf("must be an RFC 3339 time with an offset, such as 2006-01-02T15:04:05Z")
}

// timeLayoutNames lists the layouts a Time accepts, for a problem's params.
func (o *Options) timeLayoutNames() []string {
	return append([]string{time.RFC3339}, o.TimeLayouts...)
}

// Date is a calendar date without a time or a zone, written YYYY-MM-DD:
// a birthday, a due date. A day the month does not have (2026-02-30) is
// rejected. The zero value is not a date (it prints as 0000-00-00): check
// [Date.IsZero] where absence matters, or use Optional[Date].
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	if len(s) != len("2006-01-02") {
		return Date{}, fmt.Errorf("must be a date written YYYY-MM-DD")
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if strings.Contains(err.Error(), "out of range") {
			return Date{}, fmt.Errorf("must be a date that exists: the day or month is out of range")
		}
		return Date{}, fmt.Errorf("must be a date written YYYY-MM-DD")
	}
	return DateOf(t), nil
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// String returns d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// In returns the time at midnight starting d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// UnmarshalJSON decodes a "YYYY-MM-DD" string; null leaves d unchanged.
func (d *Date) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("validate: a date must be a JSON string")
	}
	return d.UnmarshalText([]byte(s))
}

// UnmarshalText decodes YYYY-MM-DD.
func (d *Date) UnmarshalText(text []byte) error {
	v, err := ParseDate(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON encodes d as a "YYYY-MM-DD" string.
func (d Date) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.String() + `"`), nil
}

// MarshalText encodes d as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// Duration is a length of time that a request carries as a string, either
// in Go's syntax ("1h30m", "250ms", "-5s") or as an ISO 8601 duration with
// days, hours, minutes and seconds ("PT1H30M", "P2DT12H", "P1W", "-PT5S";
// a day is 24 hours). ISO years and months are rejected: their length
// depends on the date they start from. It encodes in Go's syntax. The
// zero value is zero.
type Duration struct {
	time.Duration
}

// ParseDuration parses a Go or ISO 8601 duration.
func ParseDuration(s string) (Duration, error) {
	body, neg := strings.CutPrefix(s, "-")
	if strings.HasPrefix(body, "P") {
		d, err := parseISODuration(body)
		if err != nil {
			return Duration{}, err
		}
		if neg {
			d = -d
		}
		return Duration{d}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return Duration{}, fmt.Errorf("must be a duration such as 1h30m or PT1H30M")
	}
	return Duration{d}, nil
}

// parseISODuration parses "PnWnDTnHnMnS" (without a sign).
func parseISODuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("must be a duration such as 1h30m or PT1H30M")
	s = s[1:]
	if s == "" {
		return 0, bad
	}
	var total time.Duration
	inTime := false
	seen := ""
	for s != "" {
		if s[0] == 'T' {
			if inTime || len(s) == 1 {
				return 0, bad
			}
			inTime = true
			s = s[1:]
			continue
		}
		i := 0
		for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, bad
		}
		num, unit := s[:i], s[i]
		s = s[i+1:]
		var scale time.Duration
		switch {
		case !inTime && unit == 'W':
			scale = 7 * 24 * time.Hour
		case !inTime && unit == 'D':
			scale = 24 * time.Hour
		case !inTime && (unit == 'Y' || unit == 'M'):
			return 0, fmt.Errorf("must be a duration without years or months, whose length depends on the date")
		case inTime && unit == 'H':
			scale = time.Hour
		case inTime && unit == 'M':
			scale = time.Minute
		case inTime && unit == 'S':
			scale = time.Second
		default:
			return 0, bad
		}
		key := string(unit)
		if inTime {
			key = "T" + key
		}
		if strings.Contains(seen, key+",") {
			return 0, bad
		}
		seen += key + ","
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || f*float64(scale) > float64(1<<63-1)-float64(total) {
			return 0, bad
		}
		total += time.Duration(f * float64(scale))
	}
	return total, nil
}

// UnmarshalJSON decodes a duration string; null leaves d unchanged.
func (d *Duration) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("validate: a duration must be a JSON string")
	}
	return d.UnmarshalText([]byte(s))
}

// UnmarshalText decodes a Go or ISO 8601 duration.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := ParseDuration(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON encodes d in Go's syntax, as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.String() + `"`), nil
}

// MarshalText encodes d in Go's syntax.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

var (
	_ json.Unmarshaler         = (*Time)(nil)
	_ encoding.TextUnmarshaler = (*Time)(nil)
	_ json.Unmarshaler         = (*Date)(nil)
	_ encoding.TextUnmarshaler = (*Date)(nil)
	_ json.Unmarshaler         = (*Duration)(nil)
	_ encoding.TextUnmarshaler = (*Duration)(nil)
)
