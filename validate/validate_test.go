package validate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/validate"
)

type address struct {
	City string `json:"city"`
	Zip  string `json:"zip/code"`
}

type item struct {
	SKU string `json:"sku"`
	Qty uint8  `json:"qty"`
}

type base struct {
	ID int64 `json:"id"`
}

type order struct {
	base
	Name    string                      `json:"name"`
	Small   int8                        `json:"small"`
	Big     uint64                      `json:"big"`
	Ratio   float64                     `json:"ratio"`
	Narrow  float32                     `json:"narrow"`
	Active  bool                        `json:"active"`
	Address address                     `json:"address"`
	Items   []item                      `json:"items"`
	Labels  map[string]int              `json:"labels"`
	Note    validate.Optional[string]   `json:"note"`
	Parent  *order                      `json:"parent"`
	Raw     json.RawMessage             `json:"raw"`
	Any     any                         `json:"any"`
	Blob    []byte                      `json:"blob"`
	Count   int                         `json:"count,string"`
	When    validate.Time               `json:"when"`
	Day     validate.Date               `json:"day"`
	Wait    validate.Duration           `json:"wait"`
	Maybe   validate.Optional[*address] `json:"maybe"`
	Skipped string                      `json:"-"`
	Colors  []color                     `json:"colors"`
	IP      netip.Addr                  `json:"ip"`
	ByID    map[int8]string             `json:"by_id"`
	Chans   []chan int                  `json:"chans"`
}

// color takes "red" or {"c":"red"}, and refuses other colours.
type color string

func (c *color) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		var o struct{ C string }
		if err := json.Unmarshal(data, &o); err != nil {
			return err
		}
		s = o.C
	}
	if s != "red" {
		return fmt.Errorf("no such colour %q", s)
	}
	*c = color(s)
	return nil
}

func newDecoder(tb testing.TB, opts validate.Options) *validate.Decoder {
	tb.Helper()
	d, err := validate.NewDecoder(opts)
	if err != nil {
		tb.Fatalf("NewDecoder(%+v) = %v", opts, err)
	}
	return d
}

func TestDecodeJSONViolations(t *testing.T) {
	d := newDecoder(t, validate.Options{})
	tests := []struct {
		name, in    string
		code, point string
	}{
		{"duplicate key", `{"name":"a","name":"b"}`, "duplicate_key", "/name"},
		{"unknown field", `{"name":"a","nope":1}`, "unknown_field", "/nope"},
		{"unknown nested", `{"items":[{"sku":"a"},{"sku":"b","colour":"red"}]}`, "unknown_field", "/items/1/colour"},
		{"case mismatch", `{"Name":"a"}`, "case_mismatch", "/Name"},
		{"case mismatch nested", `{"address":{"CITY":"x"}}`, "case_mismatch", "/address/CITY"},
		{"case mismatch promoted", `{"Id":1}`, "case_mismatch", "/Id"},
		{"skipped field is unknown", `{"Skipped":"x"}`, "unknown_field", "/Skipped"},
		{"overflow uint8 in array", `{"items":[{"qty":1},{"qty":300}]}`, "out_of_range", "/items/1/qty"},
		{"overflow int8", `{"small":-129}`, "out_of_range", "/small"},
		{"negative uint", `{"big":-1}`, "out_of_range", "/big"},
		{"overflow uint64", `{"big":18446744073709551616}`, "out_of_range", "/big"},
		{"overflow float64", `{"ratio":1e400}`, "out_of_range", "/ratio"},
		{"overflow float32", `{"narrow":1e39}`, "out_of_range", "/narrow"},
		{"fraction into int", `{"small":1.5}`, "invalid_type", "/small"},
		{"string into int", `{"small":"1"}`, "invalid_type", "/small"},
		{"number into string", `{"address":{"zip/code":75001}}`, "invalid_type", "/address/zip~1code"},
		{"object into slice", `{"items":{}}`, "invalid_type", "/items"},
		{"array into struct", `{"address":[]}`, "invalid_type", "/address"},
		{"string into bool", `{"active":"yes"}`, "invalid_type", "/active"},
		{"map value type", `{"labels":{"a":1,"b":"x"}}`, "invalid_type", "/labels/b"},
		{"root type", `[1]`, "invalid_type", ""},
		{"through pointer", `{"parent":{"parent":{"small":999}}}`, "out_of_range", "/parent/parent/small"},
		{"through optional", `{"note":5}`, "invalid_type", "/note"},
		{"optional pointer struct", `{"maybe":{"zip":"x"}}`, "unknown_field", "/maybe/zip"},
		{"bad base64", `{"blob":"!!"}`, "invalid_value", "/blob"},
		{"string option", `{"count":"abc"}`, "invalid_type", "/count"},
		{"string option refused by encoding/json", `{"count":"+1"}`, "invalid_value", ""},
		{"UnmarshalJSON refuses", `{"colors":["red",{"c":"mauve"}]}`, "invalid_value", "/colors/1"},
		{"map key refused by encoding/json", `{"by_id":{"1":"a","x":"b"}}`, "invalid_type", "/by_id"},
		{"type error found by offset", `{"chans":[null, {"a":[1]} ,2]}`, "invalid_type", "/chans/1"},
		{"type error found by offset at a literal", `{"chans":[null,  7]}`, "invalid_type", "/chans/1"},
		{"number too large for any", `{"any":[0,1e400]}`, "out_of_range", "/any/1"},
		{"map key out of range", `{"items":[],"by_id":{"1":"a","300":"b"}}`, "out_of_range", "/by_id"},
		{"UnmarshalText refuses", `{"ip":"300.1.1.1"}`, "invalid_value", "/ip"},
		{"time without offset", `{"when":"2026-11-27T10:00:00"}`, "invalid_time", "/when"},
		{"time garbage", `{"when":"tomorrow"}`, "invalid_time", "/when"},
		{"impossible date", `{"day":"2026-02-30"}`, "invalid_date", "/day"},
		{"bad duration", `{"wait":"soon"}`, "invalid_duration", "/wait"},
		{"malformed", `{"name":}`, "malformed_json", "/name"},
		{"trailing", `{"name":"a"}]`, "trailing_data", ""},
		{"deep", `{"any":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "too_deep", "/any" + strings.Repeat("/0", 31)},
		{"empty", ``, "empty_body", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v order
			err := d.DecodeJSON(t.Context(), []byte(tt.in), &v)
			if err == nil {
				t.Fatalf("DecodeJSON(%q) = nil, want %s", tt.in, tt.code)
			}
			got := violation(t, err)
			if got.Code != tt.code || got.Pointer != tt.point {
				t.Errorf("DecodeJSON(%q) = %s at %q (%v), want %s at %q", tt.in, got.Code, got.Pointer, err, tt.code, tt.point)
			}
		})
	}
}

func TestDecodeJSONAccepts(t *testing.T) {
	d := newDecoder(t, validate.Options{})
	in := `{"id":7,"name":"Ada","small":-128,"big":18446744073709551615,"ratio":1e300,"active":true,
		"address":{"city":"Paris","zip/code":"75001"},"items":[{"sku":"a","qty":255}],"labels":{"X":1,"x":2},
		"note":null,"parent":{"name":"p"},"raw":{"Any":[1,{"K":1}]},"any":{"Whatever":1},"blob":"aGk=","count":"12",
		"when":"2026-11-27T10:00:00+01:00","day":"2024-02-29","wait":"PT1H30M","maybe":{"city":"Lyon"}}`
	var v order
	if err := d.DecodeJSON(t.Context(), []byte(in), &v); err != nil {
		t.Fatalf("DecodeJSON = %v, want nil", err)
	}
	if v.ID != 7 || v.Name != "Ada" || v.Big != 1<<64-1 || v.Items[0].Qty != 255 || v.Labels["X"] != 1 || v.Parent.Name != "p" ||
		string(v.Blob) != "hi" || v.Count != 12 || v.Address.Zip != "75001" {
		t.Errorf("DecodeJSON = %+v, want the input's values", v)
	}
	if !v.Note.Set || !v.Note.Null {
		t.Errorf("Note = %+v, want present and null", v.Note)
	}
	if _, off := v.When.Zone(); off != 3600 {
		t.Errorf("When = %v, want the +01:00 offset kept", v.When)
	}
	if v.Day != (validate.Date{Year: 2024, Month: time.February, Day: 29}) || v.Wait.Duration != 90*time.Minute {
		t.Errorf("Day, Wait = %v, %v, want 2024-02-29, 1h30m", v.Day, v.Wait)
	}
	if a, ok := v.Maybe.Get(); !ok || a.City != "Lyon" {
		t.Errorf("Maybe = %+v, want Lyon", v.Maybe)
	}
}

func TestDecodeAllowUnknownFields(t *testing.T) {
	d := newDecoder(t, validate.Options{AllowUnknownFields: true})
	var v order
	if err := d.DecodeJSON(t.Context(), []byte(`{"name":"a","extra":{"deep":[1]}}`), &v); err != nil || v.Name != "a" {
		t.Errorf("DecodeJSON with an unknown key = %v (%q), want nil", err, v.Name)
	}
	err := d.DecodeJSON(t.Context(), []byte(`{"NAME":"a"}`), &v)
	if got := violation(t, err); got.Code != "case_mismatch" {
		t.Errorf("DecodeJSON with a case mismatch = %v, want case_mismatch even when unknown fields are allowed", err)
	}
}

func TestDecodeTimeOptions(t *testing.T) {
	type event struct {
		At validate.Time                    `json:"at"`
		On validate.Optional[validate.Time] `json:"on"`
	}
	d := newDecoder(t, validate.Options{TimeLayouts: []string{time.DateTime}, TimeZone: validate.TimeZoneUTC})
	var v event
	if err := d.DecodeJSON(t.Context(), []byte(`{"at":"2026-11-27 10:00:00","on":"2026-11-27T10:00:00+02:00"}`), &v); err != nil {
		t.Fatalf("DecodeJSON = %v", err)
	}
	if got, want := v.At.Format(time.RFC3339), "2026-11-27T10:00:00Z"; got != want {
		t.Errorf("At = %s, want %s", got, want)
	}
	on, _ := v.On.Get()
	if got, want := on.Format(time.RFC3339), "2026-11-27T08:00:00Z"; got != want {
		t.Errorf("On = %s, want %s (converted to UTC)", got, want)
	}
}

type hooked struct {
	Name  string `json:"name"`
	steps *[]string
}

func (h *hooked) Validate(ctx context.Context) error {
	*h.steps = append(*h.steps, "validate:"+h.Name)
	switch h.Name {
	case "plain":
		return fmt.Errorf("secret internal reason")
	case "problem":
		return errors.Unprocessable("name is taken").WithViolations(errors.Violation{Pointer: "/name", Code: "taken", Message: "is taken"})
	}
	return nil
}

type schemaFunc func([]byte) error

func (f schemaFunc) ValidateJSON(raw []byte) error { return f(raw) }

func TestDecodeHookOrder(t *testing.T) {
	var steps []string
	d := newDecoder(t, validate.Options{
		Schema: schemaFunc(func(raw []byte) error {
			steps = append(steps, "schema")
			if bytes.Contains(raw, []byte("forbidden")) {
				return errors.Unprocessable("schema says no")
			}
			return nil
		}),
		Normalize: func(ctx context.Context, v any) error {
			h := v.(*hooked)
			steps = append(steps, "normalize:"+h.Name)
			h.Name = strings.TrimSpace(h.Name)
			return nil
		},
	})
	tests := []struct {
		in         string
		wantStatus int
		wantSteps  string
	}{
		{`{"name":" ok "}`, 0, "schema normalize: ok  validate:ok"},
		{`{"name":"forbidden"}`, 422, "schema"},
		{`{"name":"a","name":"b"}`, 400, ""},
		{`{"nam":"x"}`, 400, "schema"},
		{`{"name":"plain"}`, 422, "schema normalize:plain validate:plain"},
		{`{"name":"problem"}`, 422, "schema normalize:problem validate:problem"},
	}
	for _, tt := range tests {
		steps = nil
		v := hooked{steps: &steps}
		err := d.DecodeJSON(t.Context(), []byte(tt.in), &v)
		status := 0
		if err != nil {
			status = errors.From(err).StatusCode()
		}
		if status != tt.wantStatus || strings.Join(steps, " ") != tt.wantSteps {
			t.Errorf("DecodeJSON(%s) = %v after %q, want status %d after %q", tt.in, err, steps, tt.wantStatus, tt.wantSteps)
		}
		if err != nil && strings.Contains(errors.From(err).Message(), "secret") {
			t.Errorf("DecodeJSON(%s) message %q shows a hook's internal error", tt.in, errors.From(err).Message())
		}
	}
}

func TestDecodeNotAPointer(t *testing.T) {
	var v order
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/json")
	if err := validate.Decode(r, v); err == nil || errors.From(err).StatusCode() != 500 {
		t.Errorf("Decode(non-pointer) = %v, want a programming error", err)
	}
}

func TestNewDecoderRejects(t *testing.T) {
	for _, opts := range []validate.Options{
		{MaxBodyBytes: -1},
		{MaxDepth: -1},
		{MaxStringBytes: -2},
		{MaxArrayLen: -3},
		{MaxFormFields: -1},
		{Formats: []validate.Format{}},
		{Formats: []validate.Format{"yaml"}},
		{TimeZone: 7},
		{TimeLayouts: []string{""}},
	} {
		if _, err := validate.NewDecoder(opts); err == nil {
			t.Errorf("NewDecoder(%+v) = nil error, want one", opts)
		}
	}
}

// server decodes every request with d into an order and answers with the
// problem, or 204.
func server(tb testing.TB, d *validate.Decoder) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		var v order
		if err := d.Decode(r, &v); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
	tb.Cleanup(srv.Close)
	return srv
}

type problemBody struct {
	Code       string             `json:"code"`
	Supported  []string           `json:"supported"`
	Violations []errors.Violation `json:"errors"`
}

func TestDecodeHTTP(t *testing.T) {
	srv := server(t, newDecoder(t, validate.Options{MaxBodyBytes: 64}))
	big := `{"name":"` + strings.Repeat("x", 100) + `"}`
	tests := []struct {
		name        string
		ct          string
		body        io.Reader
		wantStatus  int
		wantCode    string
		wantPointer string
	}{
		{"ok", "application/json", strings.NewReader(`{"name":"a"}`), 204, "", ""},
		{"vendor json", "application/vnd.acme+json; charset=utf-8", strings.NewReader(`{"name":"a"}`), 204, "", ""},
		{"413 declared", "application/json", strings.NewReader(big), 413, "request_too_large", ""},
		{"413 chunked", "application/json", io.MultiReader(strings.NewReader(big)), 413, "request_too_large", ""},
		{"415 missing", "", strings.NewReader(`{}`), 415, "unsupported_media_type", ""},
		{"415 wrong", "text/plain", strings.NewReader(`{}`), 415, "unsupported_media_type", ""},
		{"415 form not enabled", "application/x-www-form-urlencoded", strings.NewReader(`name=a`), 415, "unsupported_media_type", ""},
		{"415 wrong charset", "application/json; charset=latin1", strings.NewReader(`{}`), 415, "unsupported_media_type", ""},
		{"400 pointer", "application/json", strings.NewReader(`{"items":[{},{"qty":256}]}`), 400, "out_of_range", "/items/1/qty"},
		{"400 empty", "application/json", strings.NewReader(``), 400, "empty_body", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), "POST", srv.URL, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.ct != "" {
				req.Header.Set("Content-Type", tt.ct)
			}
			if _, chunked := tt.body.(*strings.Reader); !chunked {
				req.ContentLength = -1
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == 204 {
				return
			}
			var p problemBody
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
				t.Fatalf("decoding the problem: %v", err)
			}
			if p.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", p.Code, tt.wantCode)
			}
			if tt.wantStatus == 415 && strings.Join(p.Supported, ",") != "application/json,application/xml,text/xml" {
				t.Errorf("supported = %v, want the JSON and XML types", p.Supported)
			}
			if tt.wantPointer != "" && (len(p.Violations) != 1 || p.Violations[0].Pointer != tt.wantPointer) {
				t.Errorf("violations = %+v, want one at %q", p.Violations, tt.wantPointer)
			}
		})
	}
}

func TestDecodeChunkedTransferEncoding(t *testing.T) {
	srv := server(t, newDecoder(t, validate.Options{MaxBodyBytes: 64}))
	pr, pw := io.Pipe()
	go func() {
		for range 10 {
			if _, err := pw.Write([]byte(`          `)); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, err := http.NewRequestWithContext(t.Context(), "POST", srv.URL, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("status for a chunked body over the limit = %d, want 413", resp.StatusCode)
	}
	pr.CloseWithError(io.ErrClosedPipe)
}

func TestDecodeReusesNoState(t *testing.T) {
	d := newDecoder(t, validate.Options{})
	done := make(chan error, 8)
	for i := range 8 {
		go func() {
			var v order
			body := fmt.Sprintf(`{"name":"n%d","items":[{"sku":"s","qty":%d}]}`, i, i)
			if err := d.DecodeJSON(context.Background(), []byte(body), &v); err != nil {
				done <- err
				return
			}
			if v.Name != fmt.Sprintf("n%d", i) || v.Items[0].Qty != uint8(i) {
				done <- fmt.Errorf("goroutine %d decoded %+v", i, v)
				return
			}
			done <- nil
		}()
	}
	for range 8 {
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("decoding did not finish")
		}
	}
}

func BenchmarkDecodeJSON(b *testing.B) {
	type body struct {
		ID       string         `json:"id"`
		Customer map[string]any `json:"customer"`
		Items    []struct {
			SKU   string   `json:"sku"`
			Name  string   `json:"name"`
			Qty   int      `json:"qty"`
			Price float64  `json:"unit_price"`
			Tags  []string `json:"tags"`
		} `json:"items"`
	}
	d, _ := validate.NewDecoder(validate.Options{AllowUnknownFields: true})
	b.ReportAllocs()
	for b.Loop() {
		var v body
		if err := d.DecodeJSON(b.Context(), realisticBody, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalPlain(b *testing.B) {
	type body struct {
		ID       string         `json:"id"`
		Customer map[string]any `json:"customer"`
		Items    []struct {
			SKU   string   `json:"sku"`
			Name  string   `json:"name"`
			Qty   int      `json:"qty"`
			Price float64  `json:"unit_price"`
			Tags  []string `json:"tags"`
		} `json:"items"`
	}
	b.ReportAllocs()
	for b.Loop() {
		var v body
		if err := json.Unmarshal(realisticBody, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDecodeJSONMatchesEncodingJSONLeniencies(t *testing.T) {
	type target struct {
		N json.Number `json:"n"`
		M json.Number `json:"m"`
		B []byte      `json:"b"`
	}
	d := newDecoder(t, validate.Options{})
	var v target
	if err := d.DecodeJSON(t.Context(), []byte(`{"n":1.5,"m":"2","b":[104,105]}`), &v); err != nil {
		t.Fatalf("DecodeJSON = %v, want nil: encoding/json takes these", err)
	}
	if v.N != "1.5" || v.M != "2" || string(v.B) != "hi" {
		t.Errorf("DecodeJSON = %+v, want 1.5, 2, hi", v)
	}
}
