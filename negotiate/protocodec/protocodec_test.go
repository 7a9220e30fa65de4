package protocodec_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/negotiate"
	"github.com/keel-go/keel/negotiate/protocodec"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// registry returns JSON, XML and protobuf, in that order.
func registry(tb testing.TB) *negotiate.Registry {
	tb.Helper()
	g := negotiate.Default()
	if err := g.Register(protocodec.Codec{}); err != nil {
		tb.Fatalf("Register: %v", err)
	}
	return g
}

func TestRespondOverHTTP(t *testing.T) {
	g := registry(t)
	s, err := structpb.NewStruct(map[string]any{"name": "Ada", "langs": []any{"go", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"/string": wrapperspb.String("hello"),
		"/struct": s,
		"/plain":  map[string]string{"name": "Ada"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := g.Respond(w, r, http.StatusOK, values[r.URL.Path]); err != nil {
			t.Errorf("Respond: %v", err)
		}
	}))
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()

	tests := []struct {
		name       string
		path       string
		accept     string
		wantStatus int
		wantType   string
		want       proto.Message // decoded from the body when not nil
	}{
		{"string as protobuf", "/string", "application/protobuf", 200, "application/protobuf", wrapperspb.String("hello")},
		{"legacy media type", "/string", "application/x-protobuf", 200, "application/x-protobuf", wrapperspb.String("hello")},
		{"struct as protobuf", "/struct", "application/protobuf, application/json;q=0.5", 200, "application/protobuf", s},
		{"message as json by default", "/string", "", 200, "application/json; charset=utf-8", nil},
		{"plain value skips protobuf", "/plain", "application/protobuf, application/json;q=0.5", 200, "application/json; charset=utf-8", nil},
		{"plain value, protobuf only", "/plain", "application/protobuf", 406, "application/problem+json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.wantStatus || res.Header.Get("Content-Type") != tt.wantType {
				t.Fatalf("GET %s Accept %q = %d %q, want %d %q; body %q",
					tt.path, tt.accept, res.StatusCode, res.Header.Get("Content-Type"), tt.wantStatus, tt.wantType, body)
			}
			if tt.want != nil {
				got := tt.want.ProtoReflect().New().Interface()
				if err := proto.Unmarshal(body, got); err != nil || !proto.Equal(got, tt.want) {
					t.Errorf("body decodes to %v, %v, want %v", got, err, tt.want)
				}
			}
			if tt.wantStatus == 406 {
				var p struct{ Available []string }
				if err := json.Unmarshal(body, &p); err != nil || strings.Contains(strings.Join(p.Available, ","), "protobuf") {
					t.Errorf("406 lists %q (%v), want only the types that can encode the value", p.Available, err)
				}
			}
		})
	}
}

func TestDecode(t *testing.T) {
	valid, err := proto.Marshal(wrapperspb.String("hi"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		wantStatus  int // 0: success
		wantCode    string
		want        string
	}{
		{"valid", "application/protobuf", valid, 0, "", "hi"},
		{"legacy type", "application/x-protobuf", valid, 0, "", "hi"},
		{"empty body is the empty message", "application/protobuf", nil, 0, "", ""},
		{"truncated", "application/protobuf", valid[:len(valid)-1], 400, protocodec.CodeMalformedProtobuf, ""},
		{"garbage", "application/protobuf", []byte{0xff, 0xff, 0xff}, 400, protocodec.CodeMalformedProtobuf, ""},
		{"invalid utf-8 string", "application/protobuf", []byte{0x0a, 0x01, 0xff}, 400, protocodec.CodeMalformedProtobuf, ""},
	}
	g := registry(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.contentType)
			var got wrapperspb.StringValue
			err := g.Decode(r, &got)
			if tt.wantStatus == 0 {
				if err != nil || got.GetValue() != tt.want {
					t.Errorf("Decode = %q, %v, want %q", got.GetValue(), err, tt.want)
				}
				return
			}
			if e := errors.From(err); e == nil || e.StatusCode() != tt.wantStatus || e.Code() != tt.wantCode {
				t.Errorf("Decode = %v, want %d %s", err, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestNotAMessage(t *testing.T) {
	c := protocodec.Codec{}
	if c.CanEncode(struct{}{}) || !c.CanEncode(wrapperspb.Int64(1)) {
		t.Errorf("CanEncode is wrong about struct{} or *wrapperspb.Int64Value")
	}
	if err := c.Encode(io.Discard, struct{}{}); !errors.Is(err, protocodec.ErrNotMessage) {
		t.Errorf("Encode(struct{}{}) = %v, want ErrNotMessage", err)
	}
	var s string
	if err := c.Decode(strings.NewReader(""), &s); !errors.Is(err, protocodec.ErrNotMessage) {
		t.Errorf("Decode(*string) = %v, want ErrNotMessage", err)
	}
}

func TestDeterministic(t *testing.T) {
	s, err := structpb.NewStruct(map[string]any{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
	if err != nil {
		t.Fatal(err)
	}
	c := protocodec.Codec{Deterministic: true}
	var first bytes.Buffer
	if err := c.Encode(&first, s); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		var again bytes.Buffer
		if err := c.Encode(&again, s); err != nil || !bytes.Equal(again.Bytes(), first.Bytes()) {
			t.Fatalf("Deterministic encodings differ: %x, %v, want %x", again.Bytes(), err, first.Bytes())
		}
	}
}

func TestDiscardUnknown(t *testing.T) {
	// Field 2 is not defined by StringValue.
	body := []byte{0x0a, 0x02, 'h', 'i', 0x10, 0x01}
	for _, tt := range []struct {
		codec       protocodec.Codec
		wantUnknown bool
	}{
		{protocodec.Codec{}, true},
		{protocodec.Codec{DiscardUnknown: true}, false},
	} {
		var m wrapperspb.StringValue
		if err := tt.codec.Decode(bytes.NewReader(body), &m); err != nil {
			t.Fatal(err)
		}
		if got := len(m.ProtoReflect().GetUnknown()) > 0; got != tt.wantUnknown || m.GetValue() != "hi" {
			t.Errorf("%+v: value %q, unknown kept %v, want \"hi\", %v", tt.codec, m.GetValue(), got, tt.wantUnknown)
		}
	}
}

// FuzzDecode checks that no body makes Decode panic or fail with anything
// but a 400.
func FuzzDecode(f *testing.F) {
	valid, err := proto.Marshal(wrapperspb.String("hi"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Add([]byte{0x0a, 0x01, 0xff})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, m := range []proto.Message{&wrapperspb.StringValue{}, &structpb.Struct{}} {
			if err := (protocodec.Codec{}).Decode(bytes.NewReader(body), m); err != nil {
				if e := errors.From(err); e.StatusCode() != http.StatusBadRequest {
					t.Fatalf("Decode(%x) into %T = %v, want a 400", body, m, err)
				}
			}
		}
	})
}
