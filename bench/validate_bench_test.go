package bench_test

import (
	"encoding/json"
	"testing"

	"github.com/keel-go/keel/bench"
	"github.com/keel-go/keel/validate"
)

// BenchmarkValidate compares keel's struct rules with
// go-playground/validator on the same order (bench.KeelOrder and
// bench.PlaygroundOrder). The sub-benchmarks are named case=.../impl=...
// so that benchstat can pivot on the implementation (-col /impl):
//
//   - case=valid: checking the valid order, already decoded: keel's
//     validate.Check against validator's Struct.
//   - case=invalid: the same with the invalid order, four violations
//     reported.
//   - case=decode: decoding and checking the 1 KiB JSON body into a new
//     value: keel's strict DecodeJSON (scan, typed decode, tag rules),
//     encoding/json.Unmarshal then validator's Struct (impl=json+validator),
//     and encoding/json.Unmarshal alone (impl=json), the baseline.
//
// The validator and the decoder are created once, outside the loop.
func BenchmarkValidate(b *testing.B) {
	v, err := bench.NewPlaygroundValidator()
	if err != nil {
		b.Fatal(err)
	}
	dec, err := validate.NewDecoder(validate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		order bench.KeelOrder
		fails bool
	}{
		{"valid", bench.ValidKeelOrder(), false},
		{"invalid", bench.InvalidKeelOrder(), true},
	} {
		b.Run("case="+c.name, func(b *testing.B) {
			b.Run("impl=keel", func(b *testing.B) {
				o := c.order
				ctx := b.Context()
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					if err := validate.Check(ctx, &o); (err != nil) != c.fails {
						b.Fatalf("Check = %v, want failure %t", err, c.fails)
					}
				}
			})
			b.Run("impl=validator", func(b *testing.B) {
				p := bench.PlaygroundOrderOf(c.order)
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					if err := v.Struct(&p); (err != nil) != c.fails {
						b.Fatalf("Struct = %v, want failure %t", err, c.fails)
					}
				}
			})
		})
	}
	body := bench.OrderJSON()
	b.Run("case=decode", func(b *testing.B) {
		b.Run("impl=keel", func(b *testing.B) {
			ctx := b.Context()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				var o bench.KeelOrder
				if err := dec.DecodeJSON(ctx, body, &o); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("impl=json+validator", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				var p bench.PlaygroundOrder
				if err := json.Unmarshal(body, &p); err != nil {
					b.Fatal(err)
				}
				if err := v.Struct(&p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("impl=json", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				var o bench.KeelOrder
				if err := json.Unmarshal(body, &o); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
