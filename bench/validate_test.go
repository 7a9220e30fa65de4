package bench_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"
	"github.com/keel-go/keel/bench"
	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

// keelPointers returns the pointers of the violations in err, a keel
// validation problem, or fails t.
func keelPointers(t *testing.T, err error) []string {
	t.Helper()
	e, ok := err.(*errors.Error)
	if !ok || e.Code() != validate.CodeValidationFailed {
		t.Fatalf("keel error = %#v, want a *errors.Error coded %s", err, validate.CodeValidationFailed)
	}
	var ptrs []string
	for _, v := range e.Violations() {
		ptrs = append(ptrs, v.Pointer)
	}
	return ptrs
}

// playgroundPointers returns the pointers of the field errors in err, a
// validator.ValidationErrors, or fails t.
func playgroundPointers(t *testing.T, err error) []string {
	t.Helper()
	fes, ok := err.(validator.ValidationErrors)
	if !ok {
		t.Fatalf("validator error = %#v, want validator.ValidationErrors", err)
	}
	var ptrs []string
	for _, fe := range fes {
		ptrs = append(ptrs, bench.PlaygroundPointer(fe.Namespace()))
	}
	return ptrs
}

func TestValidateTags(t *testing.T) {
	if err := validate.CheckTags[bench.KeelOrder](); err != nil {
		t.Fatal(err)
	}
}

func TestValidateValid(t *testing.T) {
	o := bench.ValidKeelOrder()
	if err := validate.Check(t.Context(), &o); err != nil {
		t.Errorf("keel: Check(valid order) = %v, want nil", err)
	}
	v, err := bench.NewPlaygroundValidator()
	if err != nil {
		t.Fatal(err)
	}
	p := bench.PlaygroundOrderOf(o)
	if err := v.Struct(&p); err != nil {
		t.Errorf("validator: Struct(valid order) = %v, want nil", err)
	}
}

// TestValidateInvalid checks that both validators reject the invalid order
// at the same fields, the ones bench.InvalidPointers lists.
func TestValidateInvalid(t *testing.T) {
	want := bench.InvalidPointers()
	o := bench.InvalidKeelOrder()
	if got := keelPointers(t, validate.Check(t.Context(), &o)); !slices.Equal(got, want) {
		t.Errorf("keel: Check(invalid order) violations at %q, want %q", got, want)
	}
	v, err := bench.NewPlaygroundValidator()
	if err != nil {
		t.Fatal(err)
	}
	p := bench.PlaygroundOrderOf(o)
	if got := playgroundPointers(t, v.Struct(&p)); !slices.Equal(got, want) {
		t.Errorf("validator: Struct(invalid order) errors at %q, want %q", got, want)
	}
}

// TestValidateEachFault checks the faults of the invalid order one at a
// time, so that a rule both validators skip cannot hide behind another.
func TestValidateEachFault(t *testing.T) {
	v, err := bench.NewPlaygroundValidator()
	if err != nil {
		t.Fatal(err)
	}
	faults := []struct {
		ptr   string
		apply func(*bench.KeelOrder)
	}{
		{"/id", func(o *bench.KeelOrder) { o.ID = "0b9e6c1e-3f5a-4b8e-9c1d-2e3f4a5b6c7" }},
		{"/customer", func(o *bench.KeelOrder) { o.Customer = "A" }},
		{"/email", func(o *bench.KeelOrder) { o.Email = "ada@" }},
		{"/note", func(o *bench.KeelOrder) { o.Note = strings.Repeat("x", 1001) }},
		{"/age", func(o *bench.KeelOrder) { o.Age = 131 }},
		{"/country", func(o *bench.KeelOrder) { o.Country = "XX" }},
		{"/placed_at", func(o *bench.KeelOrder) { o.PlacedAt = o.PlacedAt.AddDate(100, 0, 0) }},
		{"/status", func(o *bench.KeelOrder) { o.Status = "lost" }},
		{"/website", func(o *bench.KeelOrder) { o.Website = "ftp://ada.example.com" }},
		{"/address/street", func(o *bench.KeelOrder) { o.Address.Street = "" }},
		{"/address/postal_code", func(o *bench.KeelOrder) { o.Address.PostalCode = "20500-03" }},
		{"/address/country", func(o *bench.KeelOrder) { o.Address.Country = "us" }},
		{"/items", func(o *bench.KeelOrder) { o.Items = nil }},
		{"/items", func(o *bench.KeelOrder) { o.Items = o.Items[:0] }},
		{"/items/0/sku", func(o *bench.KeelOrder) { o.Items[0].SKU = "ABC-12345" }},
		{"/items/1/quantity", func(o *bench.KeelOrder) { o.Items[1].Quantity = 0 }},
		{"/items/4/price", func(o *bench.KeelOrder) { o.Items[4].Price = 0.001 }},
	}
	for _, f := range faults {
		t.Run(f.ptr, func(t *testing.T) {
			o := bench.ValidKeelOrder()
			f.apply(&o)
			want := []string{f.ptr}
			if got := keelPointers(t, validate.Check(t.Context(), &o)); !slices.Equal(got, want) {
				t.Errorf("keel: violations at %q, want %q", got, want)
			}
			p := bench.PlaygroundOrderOf(o)
			if got := playgroundPointers(t, v.Struct(&p)); !slices.Equal(got, want) {
				t.Errorf("validator: errors at %q, want %q", got, want)
			}
		})
	}
}

// TestValidateDecode checks that the JSON body decodes to the valid order
// in every variant of the decode benchmarks.
func TestValidateDecode(t *testing.T) {
	body := bench.OrderJSON()
	if len(body) < 1024 || len(body) > 2048 {
		t.Errorf("len(OrderJSON()) = %d, want 1 to 2 KiB", len(body))
	}
	want := bench.ValidKeelOrder()
	wantP := bench.PlaygroundOrderOf(want)

	dec, err := validate.NewDecoder(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var k bench.KeelOrder
	if err := dec.DecodeJSON(t.Context(), body, &k); err != nil {
		t.Errorf("keel: DecodeJSON = %v, want nil", err)
	}
	if !reflect.DeepEqual(k, want) {
		t.Errorf("keel: DecodeJSON decoded %+v, want %+v", k, want)
	}

	v, err := bench.NewPlaygroundValidator()
	if err != nil {
		t.Fatal(err)
	}
	var p bench.PlaygroundOrder
	if err := json.Unmarshal(body, &p); err != nil {
		t.Errorf("json+validator: Unmarshal = %v, want nil", err)
	}
	if err := v.Struct(&p); err != nil {
		t.Errorf("json+validator: Struct = %v, want nil", err)
	}
	if !reflect.DeepEqual(p, wantP) {
		t.Errorf("json+validator: decoded %+v, want %+v", p, wantP)
	}

	var j bench.KeelOrder
	if err := json.Unmarshal(body, &j); err != nil {
		t.Errorf("json: Unmarshal = %v, want nil", err)
	}
	if !reflect.DeepEqual(j, want) {
		t.Errorf("json: decoded %+v, want %+v", j, want)
	}
}

// TestValidateDecodeInvalid checks that keel's decode pipeline runs the tag
// rules: the invalid order, encoded, fails with the same violations as
// Check reports.
func TestValidateDecodeInvalid(t *testing.T) {
	body, err := json.Marshal(bench.InvalidKeelOrder())
	if err != nil {
		t.Fatal(err)
	}
	dec, err := validate.NewDecoder(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var k bench.KeelOrder
	want := bench.InvalidPointers()
	if got := keelPointers(t, dec.DecodeJSON(t.Context(), body, &k)); !slices.Equal(got, want) {
		t.Errorf("keel: DecodeJSON(invalid order) violations at %q, want %q", got, want)
	}
}
