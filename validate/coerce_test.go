package validate_test

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

// coerceInto returns the value Coerce sets in a new T from vals, and its
// error.
func coerceInto[T any](vals ...string) (any, error) {
	var v T
	err := validate.Coerce(&v, vals...)
	return v, err
}

func TestCoerce(t *testing.T) {
	ts := time.Date(2026, 3, 1, 12, 30, 0, 0, time.FixedZone("", 3600))
	id := uuid.MustParse("123e4567-e89b-12d3-a456-426614174000")
	ten := 10
	tests := []struct {
		name   string
		coerce func(...string) (any, error)
		in     []string
		want   any    // when code is ""
		code   string // the CoerceError's code
	}{
		{"string", coerceInto[string], []string{" a b "}, " a b ", ""},
		{"empty string", coerceInto[string], []string{""}, "", ""},
		{"named string", coerceInto[shade], []string{"red"}, shade("red"), ""},

		{"bool true", coerceInto[bool], []string{"true"}, true, ""},
		{"bool TRUE", coerceInto[bool], []string{"TRUE"}, true, ""},
		{"bool 1", coerceInto[bool], []string{"1"}, true, ""},
		{"bool false", coerceInto[bool], []string{"False"}, false, ""},
		{"bool 0", coerceInto[bool], []string{"0"}, false, ""},
		{"bool yes", coerceInto[bool], []string{"yes"}, nil, validate.CodeInvalidType},
		{"bool on", coerceInto[bool], []string{"on"}, nil, validate.CodeInvalidType},
		{"bool t", coerceInto[bool], []string{"t"}, nil, validate.CodeInvalidType},
		{"bool empty", coerceInto[bool], []string{""}, nil, validate.CodeInvalidType},

		{"int", coerceInto[int], []string{"-42"}, -42, ""},
		{"int plus", coerceInto[int], []string{"+42"}, 42, ""},
		{"int max", coerceInto[int64], []string{"9223372036854775807"}, int64(9223372036854775807), ""},
		{"int64 overflow", coerceInto[int64], []string{"9223372036854775808"}, nil, validate.CodeOutOfRange},
		{"int8 max", coerceInto[int8], []string{"127"}, int8(127), ""},
		{"int8 min", coerceInto[int8], []string{"-128"}, int8(-128), ""},
		{"int8 overflow", coerceInto[int8], []string{"128"}, nil, validate.CodeOutOfRange},
		{"int8 underflow", coerceInto[int8], []string{"-129"}, nil, validate.CodeOutOfRange},
		{"int16 overflow", coerceInto[int16], []string{"32768"}, nil, validate.CodeOutOfRange},
		{"int32 overflow", coerceInto[int32], []string{"2147483648"}, nil, validate.CodeOutOfRange},
		{"int float", coerceInto[int], []string{"1.5"}, nil, validate.CodeInvalidType},
		{"int hex", coerceInto[int], []string{"0x10"}, nil, validate.CodeInvalidType},
		{"int underscore", coerceInto[int], []string{"1_000"}, nil, validate.CodeInvalidType},
		{"int space", coerceInto[int], []string{" 1"}, nil, validate.CodeInvalidType},
		{"int empty", coerceInto[int], []string{""}, nil, validate.CodeInvalidType},

		{"uint", coerceInto[uint], []string{"42"}, uint(42), ""},
		{"uint8 max", coerceInto[uint8], []string{"255"}, uint8(255), ""},
		{"uint8 overflow", coerceInto[uint8], []string{"256"}, nil, validate.CodeOutOfRange},
		{"uint16 overflow", coerceInto[uint16], []string{"65536"}, nil, validate.CodeOutOfRange},
		{"uint32 overflow", coerceInto[uint32], []string{"4294967296"}, nil, validate.CodeOutOfRange},
		{"uint64 max", coerceInto[uint64], []string{"18446744073709551615"}, uint64(18446744073709551615), ""},
		{"uint64 overflow", coerceInto[uint64], []string{"18446744073709551616"}, nil, validate.CodeOutOfRange},
		{"uint negative", coerceInto[uint], []string{"-1"}, nil, validate.CodeOutOfRange},
		{"uint word", coerceInto[uint], []string{"ten"}, nil, validate.CodeInvalidType},

		{"float", coerceInto[float64], []string{"-1.5e3"}, -1500.0, ""},
		{"float32", coerceInto[float32], []string{"0.25"}, float32(0.25), ""},
		{"float32 overflow", coerceInto[float32], []string{"1e39"}, nil, validate.CodeOutOfRange},
		{"float64 overflow", coerceInto[float64], []string{"1e400"}, nil, validate.CodeOutOfRange},
		{"float NaN", coerceInto[float64], []string{"NaN"}, nil, validate.CodeInvalidType},
		{"float Inf", coerceInto[float64], []string{"Inf"}, nil, validate.CodeInvalidType},
		{"float hex", coerceInto[float64], []string{"0x1p-2"}, nil, validate.CodeInvalidType},
		{"float word", coerceInto[float64], []string{"one"}, nil, validate.CodeInvalidType},

		{"time.Time", coerceInto[time.Time], []string{"2026-03-01T12:30:00+01:00"}, ts, ""},
		{"time no offset", coerceInto[time.Time], []string{"2026-03-01T12:30:00"}, nil, validate.CodeInvalidTime},
		{"Time", coerceInto[validate.Time], []string{"2026-03-01T12:30:00+01:00"}, validate.Time{Time: ts}, ""},
		{"Time date only", coerceInto[validate.Time], []string{"2026-03-01"}, nil, validate.CodeInvalidTime},
		{"Date", coerceInto[validate.Date], []string{"2024-02-29"}, validate.Date{Year: 2024, Month: 2, Day: 29}, ""},
		{"Date not a day", coerceInto[validate.Date], []string{"2026-02-29"}, nil, validate.CodeInvalidDate},
		{"Duration Go", coerceInto[validate.Duration], []string{"1h30m"}, validate.Duration{Duration: 90 * time.Minute}, ""},
		{"Duration ISO", coerceInto[validate.Duration], []string{"PT1H30M"}, validate.Duration{Duration: 90 * time.Minute}, ""},
		{"time.Duration", coerceInto[time.Duration], []string{"250ms"}, 250 * time.Millisecond, ""},
		{"time.Duration bare number", coerceInto[time.Duration], []string{"250"}, nil, validate.CodeInvalidDuration},

		{"uuid", coerceInto[uuid.UUID], []string{"123e4567-e89b-12d3-a456-426614174000"}, id, ""},
		{"uuid upper", coerceInto[uuid.UUID], []string{"123E4567-E89B-12D3-A456-426614174000"}, id, ""},
		{"uuid braces", coerceInto[uuid.UUID], []string{"{123e4567-e89b-12d3-a456-426614174000}"}, nil, validate.CodeInvalidUUID},
		{"uuid bare", coerceInto[uuid.UUID], []string{"123e4567e89b12d3a456426614174000"}, nil, validate.CodeInvalidUUID},
		{"uuid bad", coerceInto[uuid.UUID], []string{"123e4567-e89b-12d3-a456-42661417400g"}, nil, validate.CodeInvalidUUID},

		{"TextUnmarshaler", coerceInto[netip.Addr], []string{"192.0.2.1"}, netip.MustParseAddr("192.0.2.1"), ""},
		{"TextUnmarshaler bad", coerceInto[netip.Addr], []string{"192.0.2.300"}, nil, validate.CodeInvalidValue},

		{"pointer", coerceInto[*int], []string{"10"}, &ten, ""},
		{"optional", coerceInto[validate.Optional[int]], []string{"10"}, validate.Some(10), ""},
		{"optional bad", coerceInto[validate.Optional[int]], []string{"x"}, nil, validate.CodeInvalidType},

		{"slice", coerceInto[[]int], []string{"1", "2", "3"}, []int{1, 2, 3}, ""},
		{"slice empty", coerceInto[[]int], nil, []int{}, ""},
		{"slice of uuid", coerceInto[[]uuid.UUID], []string{id.String()}, []uuid.UUID{id}, ""},
		{"slice bad element", coerceInto[[]uint16], []string{"1", "70000"}, nil, validate.CodeOutOfRange},
		{"optional slice", coerceInto[validate.Optional[[]string]], []string{"a"}, validate.Some([]string{"a"}), ""},

		{"scalar twice", coerceInto[int], []string{"1", "2"}, nil, validate.CodeRepeated},
		{"scalar none", coerceInto[int], nil, nil, validate.CodeMissingParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.coerce(tt.in...)
			if tt.code != "" {
				ce, ok := errors.AsType[*validate.CoerceError](err)
				if !ok || ce.Code != tt.code {
					t.Fatalf("Coerce(%q) = %v, %v; want a CoerceError coded %s", tt.in, got, err, tt.code)
				}
				for _, v := range tt.in {
					if len(v) > 3 && strings.ContainsAny(v, "abcdefghijklmnopqrstuvwxyz") && strings.Contains(ce.Message, v) {
						t.Errorf("Coerce(%q): message %q echoes the value", tt.in, ce.Message)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Coerce(%q) = %v, want no error", tt.in, err)
			}
			if tm, ok := got.(time.Time); ok {
				if !tm.Equal(tt.want.(time.Time)) {
					t.Errorf("Coerce(%q) = %v, want %v", tt.in, got, tt.want)
				}
				return
			}
			if vt, ok := got.(validate.Time); ok {
				if !vt.Equal(tt.want.(validate.Time).Time) {
					t.Errorf("Coerce(%q) = %v, want %v", tt.in, got, tt.want)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Coerce(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

type shade string

func TestCoerceErrorParams(t *testing.T) {
	var n int8
	err := validate.Coerce(&n, "1000")
	ce, ok := errors.AsType[*validate.CoerceError](err)
	if !ok {
		t.Fatalf("Coerce(int8, 1000) = %v, want a CoerceError", err)
	}
	if ce.Params["min"] != int64(-128) || ce.Params["max"] != int64(127) {
		t.Errorf("Coerce(int8, 1000) params = %v, want min -128 and max 127", ce.Params)
	}
	if n != 0 {
		t.Errorf("Coerce(int8, 1000) left %d, want the target unchanged", n)
	}
	var list []int
	err = validate.Coerce(&list, "1", "x")
	if ce, ok := errors.AsType[*validate.CoerceError](err); !ok || ce.Params["index"] != 1 {
		t.Errorf("Coerce([]int, 1, x) = %v, want a CoerceError with index 1", err)
	}
}

func TestCoerceProgrammingErrors(t *testing.T) {
	var n int
	var ch chan int
	var m map[string]string
	tests := []struct {
		name string
		dst  any
	}{
		{"not a pointer", n},
		{"nil pointer", (*int)(nil)},
		{"channel", &ch},
		{"map", &m},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate.Coerce(tt.dst, "1")
			if err == nil {
				t.Fatalf("Coerce(%T) = nil, want an error", tt.dst)
			}
			if _, ok := errors.AsType[*validate.CoerceError](err); ok {
				t.Errorf("Coerce(%T) = %v, want a plain error, not a CoerceError", tt.dst, err)
			}
		})
	}
}

func FuzzCoerce(f *testing.F) {
	for _, s := range []string{"0", "-1", "255", "256", "9223372036854775808", "1e400", "NaN", "true", "on",
		"2026-03-01T12:30:00Z", "2026-02-29", "PT1H", "123e4567-e89b-12d3-a456-426614174000", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		targets := []any{new(string), new(bool), new(int), new(int8), new(uint8), new(uint64), new(float32),
			new(float64), new(time.Time), new(validate.Date), new(validate.Duration), new(uuid.UUID),
			new(netip.Addr), new([]int), new(*int16)}
		for _, dst := range targets {
			err := validate.Coerce(dst, s)
			if err == nil {
				continue
			}
			ce, ok := errors.AsType[*validate.CoerceError](err)
			if !ok {
				t.Fatalf("Coerce(%T, %q) = %v, want nil or a CoerceError", dst, s, err)
			}
			if ce.Code == "" || !utf8.ValidString(ce.Message) {
				t.Fatalf("Coerce(%T, %q) = %+v, want a code and a valid message", dst, s, ce)
			}
			if len(ce.Message) > 120 {
				t.Fatalf("Coerce(%T, %q): message %q is long: it must not echo the value", dst, s, ce.Message)
			}
		}
		var str string
		if err := validate.Coerce(&str, s); err != nil || str != s {
			t.Fatalf("Coerce(string, %q) = %q, %v; want the value itself", s, str, err)
		}
	})
}
