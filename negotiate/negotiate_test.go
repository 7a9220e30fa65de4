package negotiate_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/negotiate"
	"github.com/keel-go/keel/reqctx"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// user is the value the tests respond with, encodable as JSON and XML.
type user struct {
	XMLName xml.Name `json:"-" xml:"user"`
	ID      int      `json:"id" xml:"id"`
	Name    string   `json:"name" xml:"name"`
}

// vendorRegistry returns JSON, XML and a JSON vendor type, in that order.
func vendorRegistry(tb testing.TB) *negotiate.Registry {
	tb.Helper()
	g := negotiate.Default()
	if err := g.Register(negotiate.JSON{}, "application/vnd.keel.v2+json"); err != nil {
		tb.Fatalf("Register: %v", err)
	}
	return g
}

func TestRegistryNegotiate(t *testing.T) {
	const (
		jsonCT   = "application/json; charset=utf-8"
		xmlCT    = "application/xml; charset=utf-8"
		textXML  = "text/xml; charset=utf-8"
		vendorCT = "application/vnd.keel.v2+json; charset=utf-8"
		jsonV2CT = "application/json; charset=utf-8; version=2"
	)
	tests := []struct {
		name   string
		accept []string // nil: no Accept header
		want   string   // "" for 406
	}{
		{"no Accept: first codec", nil, jsonCT},
		{"empty Accept: first codec", []string{""}, jsonCT},
		{"unreadable Accept: first codec", []string{"nonsense, ;;;"}, jsonCT},
		{"any", []string{"*/*"}, jsonCT},
		{"exact json", []string{"application/json"}, jsonCT},
		{"exact xml", []string{"application/xml"}, xmlCT},
		{"text/xml alias", []string{"text/xml"}, textXML},
		{"type wildcard prefers first of type", []string{"application/*"}, jsonCT},
		{"text wildcard", []string{"text/*"}, textXML},
		{"case-insensitive", []string{"Application/XML"}, xmlCT},
		{"q-values pick xml", []string{"application/json;q=0.5, application/xml"}, xmlCT},
		{"q-values pick json", []string{"application/json;q=0.9, application/xml;q=0.8"}, jsonCT},
		{"equal q: server preference", []string{"application/xml, application/json"}, jsonCT},
		{"browser", []string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, xmlCT},
		{"specific refusal beats wildcard", []string{"application/json;q=0, */*"}, xmlCT},
		{"more specific range wins", []string{"application/*;q=0.1, application/xml;q=0.2, */*;q=0"}, xmlCT},
		{"several header lines", []string{"application/json;q=0.1", "application/xml;q=0.3"}, xmlCT},
		{"vendor type", []string{"application/vnd.keel.v2+json"}, vendorCT},
		{"vendor type preferred by q", []string{"application/json;q=0.5, application/vnd.keel.v2+json"}, vendorCT},
		{"charset parameter matches", []string{"application/json; charset=UTF-8"}, jsonCT},
		{"charset parameter ignored", []string{"application/json; charset=iso-8859-1, application/xml;q=0.1"}, jsonCT},
		{"registered parameter", []string{"application/json; version=2"}, jsonV2CT},
		{"registered parameter, case-insensitive value", []string{"application/json; Version=2;q=0.5"}, jsonV2CT},
		{"unknown parameter refused", []string{"application/json; version=3"}, ""},
		{"invalid q skipped", []string{"application/xml;q=2, application/json;q=0.1"}, jsonCT},
		{"nothing acceptable", []string{"text/html"}, ""},
		{"everything refused", []string{"*/*;q=0"}, ""},
		{"unknown vendor +json not guessed", []string{"application/vnd.other+json"}, ""},
	}
	g := vendorRegistry(t)
	if err := g.Register(negotiate.JSON{Indent: "  "}, "application/json; version=2"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, a := range tt.accept {
				r.Header.Add("Accept", a)
			}
			c, ct, err := g.Negotiate(r)
			if tt.want == "" {
				e, ok := errors.AsType[*errors.Error](err)
				if !ok || e.StatusCode() != http.StatusNotAcceptable || e.Code() != negotiate.CodeNotAcceptable {
					t.Fatalf("Negotiate(%q) = %q, %v, want a 406 not_acceptable error", tt.accept, ct, err)
				}
				return
			}
			if err != nil || ct != tt.want || c == nil {
				t.Fatalf("Negotiate(%q) = %v, %q, %v, want %q", tt.accept, c, ct, err, tt.want)
			}
		})
	}
}

// get sends a request through a real client and returns the response with
// its body read.
func get(tb testing.TB, method, url string, hdr map[string]string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return res, string(body)
}

// serve starts a server whose handler runs h with a request ID attached,
// and closes it when the test ends.
func serve(tb testing.TB, h http.HandlerFunc) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(reqctx.WithData(r.Context(), reqctx.Data{RequestID: "req-1"}))
		h(w, r)
	}))
	tb.Cleanup(func() {
		srv.Close()
		http.DefaultClient.CloseIdleConnections()
	})
	return srv
}

func TestRespondOverHTTP(t *testing.T) {
	g := vendorRegistry(t)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if err := g.Respond(w, r, http.StatusCreated, user{ID: 7, Name: "Ada <admin>"}); err != nil {
			t.Errorf("Respond: %v", err)
		}
	})
	tests := []struct {
		name       string
		accept     string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{
			name:       "json",
			accept:     "application/json",
			wantStatus: http.StatusCreated,
			wantType:   "application/json; charset=utf-8",
			wantBody:   `{"id":7,"name":"Ada \u003cadmin\u003e"}` + "\n",
		},
		{
			name:       "xml",
			accept:     "application/xml",
			wantStatus: http.StatusCreated,
			wantType:   "application/xml; charset=utf-8",
			wantBody:   xml.Header + "<user><id>7</id><name>Ada &lt;admin&gt;</name></user>\n",
		},
		{
			name:       "vendor",
			accept:     "application/vnd.keel.v2+json",
			wantStatus: http.StatusCreated,
			wantType:   "application/vnd.keel.v2+json; charset=utf-8",
			wantBody:   `{"id":7,"name":"Ada \u003cadmin\u003e"}` + "\n",
		},
		{
			name:       "no Accept",
			wantStatus: http.StatusCreated,
			wantType:   "application/json; charset=utf-8",
			wantBody:   `{"id":7,"name":"Ada \u003cadmin\u003e"}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.accept != "" {
				hdr["Accept"] = tt.accept
			}
			res, body := get(t, http.MethodGet, srv.URL, hdr)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if got := res.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if got := res.Header.Values("Vary"); !slices.Equal(got, []string{"Accept"}) {
				t.Errorf("Vary = %q, want [Accept]", got)
			}
			if res.ContentLength != int64(len(tt.wantBody)) {
				t.Errorf("Content-Length = %d, want %d", res.ContentLength, len(tt.wantBody))
			}
			if body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
		})
	}
}

func TestRespondNotAcceptable(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if err := negotiate.Respond(w, r, http.StatusOK, user{ID: 1}); err != nil {
			t.Errorf("Respond: %v", err)
		}
	})
	res, body := get(t, http.MethodGet, srv.URL, map[string]string{"Accept": "text/html, image/png;q=0.5"})
	if res.StatusCode != http.StatusNotAcceptable {
		t.Fatalf("status = %d, want 406", res.StatusCode)
	}
	if got := res.Header.Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", got)
	}
	if got := res.Header.Values("Vary"); !slices.Equal(got, []string{"Accept"}) {
		t.Errorf("Vary = %q, want [Accept]", got)
	}
	var p struct {
		Status    int      `json:"status"`
		Code      string   `json:"code"`
		Detail    string   `json:"detail"`
		RequestID string   `json:"request_id"`
		Available []string `json:"available"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	want := []string{"application/json", "application/xml", "text/xml"}
	if p.Status != 406 || p.Code != "not_acceptable" || p.RequestID != "req-1" || !slices.Equal(p.Available, want) {
		t.Errorf("problem = %+v, want status 406, code not_acceptable, request_id req-1, available %q", p, want)
	}
	if !strings.Contains(p.Detail, "application/json, application/xml, text/xml") {
		t.Errorf("detail = %q, want the available types listed", p.Detail)
	}
}

// failing encodes part of its output and then fails, as a codec does when
// a value holds something it cannot represent halfway through.
type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, fmt.Errorf("secret database detail") }

func TestRespondEncodeError(t *testing.T) {
	tests := []struct {
		name       string
		accept     string
		v          any
		wantStatus int
		wantCode   string
	}{
		{"json marshaler fails midway", "application/json", []any{"a", strings.Repeat("b", 100), failing{}}, 500, "internal"},
		{"json unsupported type", "application/json", map[string]any{"c": make(chan int)}, 500, "internal"},
		{"xml cannot encode a map", "application/xml", map[string]int{"a": 1}, 500, "internal"},
		{"encode error that is a problem", "application/json", problemValue{}, 403, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if err := negotiate.Respond(w, r, http.StatusOK, tt.v); err != nil {
					t.Errorf("Respond = %v, want nil once the problem is answered", err)
				}
			})
			res, body := get(t, http.MethodGet, srv.URL, map[string]string{"Accept": tt.accept})
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %q", res.StatusCode, tt.wantStatus, body)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+") {
				t.Errorf("Content-Type = %q, want a problem", res.Header.Get("Content-Type"))
			}
			if !strings.Contains(body, tt.wantCode) || !strings.Contains(body, "req-1") {
				t.Errorf("body = %q, want code %q and the request ID", body, tt.wantCode)
			}
			for _, leak := range []string{"bbbb", "secret", "chan", `"a"`} {
				if strings.Contains(body, leak) {
					t.Errorf("body = %q, must not contain %q (partial body or cause)", body, leak)
				}
			}
		})
	}
}

// problemValue fails to encode with a problem of its own.
type problemValue struct{}

func (problemValue) MarshalJSON() ([]byte, error) {
	return nil, errors.Forbidden("You may not see this value.")
}

func TestRespondHead(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if err := negotiate.Respond(w, r, http.StatusOK, user{ID: 7, Name: "Ada"}); err != nil {
			t.Errorf("Respond: %v", err)
		}
	})
	getRes, getBody := get(t, http.MethodGet, srv.URL, map[string]string{"Accept": "application/xml"})
	headRes, headBody := get(t, http.MethodHead, srv.URL, map[string]string{"Accept": "application/xml"})
	if headRes.StatusCode != http.StatusOK || headBody != "" {
		t.Errorf("HEAD = %d with body %q, want 200 without a body", headRes.StatusCode, headBody)
	}
	for _, k := range []string{"Content-Type", "Content-Length", "Vary"} {
		if got, want := headRes.Header.Get(k), getRes.Header.Get(k); got != want {
			t.Errorf("HEAD %s = %q, want %q as for GET", k, got, want)
		}
	}
	if headRes.ContentLength != int64(len(getBody)) {
		t.Errorf("HEAD Content-Length = %d, want %d", headRes.ContentLength, len(getBody))
	}
}

func TestRespondStatuses(t *testing.T) {
	tests := []struct {
		name       string
		registry   *negotiate.Registry
		status     int
		wantStatus int
		wantType   string
		wantBody   bool
	}{
		{"no content ignores the value", negotiate.Default(), http.StatusNoContent, 204, "", false},
		{"not modified ignores the value", negotiate.Default(), http.StatusNotModified, 304, "", false},
		{"error status with a body", negotiate.Default(), http.StatusConflict, 409, "application/json; charset=utf-8", true},
		{"invalid status is a 500", negotiate.Default(), 42, 500, "application/problem+json", true},
		{"status above 599 is a 500", negotiate.Default(), 600, 500, "application/problem+json", true},
		{"empty registry is a 500", &negotiate.Registry{}, http.StatusOK, 500, "application/problem+json", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := tt.registry.Respond(w, httptest.NewRequest(http.MethodGet, "/", nil), tt.status, user{ID: 1}); err != nil {
				t.Fatalf("Respond = %v, want nil", err)
			}
			if w.Code != tt.wantStatus || w.Header().Get("Content-Type") != tt.wantType || (w.Body.Len() > 0) != tt.wantBody {
				t.Errorf("Respond(%d) = %d %q body %q, want %d %q (body: %v)",
					tt.status, w.Code, w.Header().Get("Content-Type"), w.Body, tt.wantStatus, tt.wantType, tt.wantBody)
			}
		})
	}
}

// brokenWriter fails every body write, as a connection whose client left.
type brokenWriter struct{ *httptest.ResponseRecorder }

func (brokenWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestRespondReturnsWriteError(t *testing.T) {
	w := brokenWriter{httptest.NewRecorder()}
	err := negotiate.Respond(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, user{ID: 1})
	if !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Respond = %v, want %v", err, io.ErrClosedPipe)
	}
}

func TestRegister(t *testing.T) {
	tests := []struct {
		name    string
		codec   negotiate.Codec
		types   []string
		wantErr string // "" for success
		want    []string
	}{
		{"own types", negotiate.XML{}, nil, "", []string{"application/xml; charset=utf-8", "text/xml; charset=utf-8"}},
		{"vendor type", negotiate.JSON{}, []string{"application/vnd.keel.v2+json"}, "", []string{"application/vnd.keel.v2+json; charset=utf-8"}},
		{"normalised", negotiate.JSON{}, []string{"Application/JSON ; Version=2"}, "", []string{"application/json; charset=utf-8; version=2"}},
		{"own charset accepted", negotiate.JSON{}, []string{"application/json; charset=UTF-8"}, "", []string{"application/json; charset=utf-8"}},
		{"nil codec", nil, nil, "nil codec", nil},
		{"malformed", negotiate.JSON{}, []string{"application"}, "invalid media type", nil},
		{"empty", negotiate.JSON{}, []string{""}, "invalid media type", nil},
		{"empty subtype", negotiate.JSON{}, []string{"application/"}, "invalid media type", nil},
		{"wildcard", negotiate.JSON{}, []string{"application/*"}, "wildcard", nil},
		{"q parameter", negotiate.JSON{}, []string{"application/json;q=0.5"}, "q parameter", nil},
		{"other charset", negotiate.JSON{}, []string{"application/json; charset=latin1"}, "charset", nil},
		{"twice in one call", negotiate.JSON{}, []string{"application/json", "application/json"}, "already registered", nil},
		{"no media type", noTypes{}, nil, "no media type", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g negotiate.Registry
			err := g.Register(tt.codec, tt.types...)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), "negotiate: ") || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Register(%v) = %v, want a \"negotiate: \" error containing %q", tt.types, err, tt.wantErr)
				}
				if got := g.MediaTypes(); len(got) != 0 {
					t.Errorf("after a failed Register, MediaTypes() = %q, want none", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Register(%v) = %v", tt.types, err)
			}
			if got := g.MediaTypes(); !slices.Equal(got, tt.want) {
				t.Errorf("MediaTypes() = %q, want %q", got, tt.want)
			}
		})
	}
}

// binary is a codec that is not a TextCodec.
type binary struct{}

func (binary) MediaTypes() []string            { return []string{"application/octet-stream"} }
func (binary) Encode(w io.Writer, v any) error { return nil }
func (binary) Decode(r io.Reader, v any) error { return nil }

// noTypes is a codec that names no media type.
type noTypes struct{ negotiate.JSON }

func (noTypes) MediaTypes() []string { return nil }

func TestRegisterDuplicateAcrossCalls(t *testing.T) {
	g := negotiate.Default()
	if err := g.Register(negotiate.JSON{Indent: "  "}); err == nil {
		t.Fatal("registering application/json twice succeeded, want an error")
	}
	if err := g.Register(binary{}, "Application/JSON"); err == nil {
		t.Fatal("registering application/json again for a codec without charset succeeded, want an error")
	}
	if got, want := g.MediaTypes(), negotiate.Default().MediaTypes(); !slices.Equal(got, want) {
		t.Errorf("MediaTypes() = %q, want %q unchanged", got, want)
	}
}

func TestNewPanicsOnInvalidCodec(t *testing.T) {
	defer func() {
		msg, _ := recover().(string)
		if !strings.HasPrefix(msg, "negotiate: ") {
			t.Errorf("New(JSON, JSON) panicked with %q, want a \"negotiate: \" message", msg)
		}
	}()
	negotiate.New(negotiate.JSON{}, negotiate.JSON{})
}

func TestRegistryConcurrentUse(t *testing.T) {
	g := negotiate.Default()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Header.Set("Accept", "application/json")
				w := httptest.NewRecorder()
				if err := g.Respond(w, r, http.StatusOK, user{ID: i}); err != nil || w.Code != http.StatusOK {
					t.Errorf("Respond = %d, %v, want 200", w.Code, err)
					return
				}
			}
		})
	}
	for i := range 20 {
		if err := g.Register(negotiate.JSON{}, fmt.Sprintf("application/vnd.keel.v%d+json", i)); err != nil {
			t.Errorf("Register: %v", err)
		}
	}
	wg.Wait()
	if got := len(g.MediaTypes()); got != 23 {
		t.Errorf("len(MediaTypes()) = %d, want 23", got)
	}
}

func TestLookup(t *testing.T) {
	g := vendorRegistry(t)
	if err := g.Register(negotiate.JSON{Indent: "\t"}, "application/json; version=2"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		contentType string
		want        negotiate.Codec // nil: none
	}{
		{"application/json", negotiate.JSON{}},
		{"application/json; charset=utf-8", negotiate.JSON{}},
		{"APPLICATION/JSON; Charset=\"UTF-8\"", negotiate.JSON{}},
		{"application/json; version=2", negotiate.JSON{Indent: "\t"}},
		{"application/json; version=3", negotiate.JSON{}},
		{"application/xml", negotiate.XML{}},
		{"text/xml; charset=utf-8", negotiate.XML{}},
		{"application/vnd.keel.v2+json", negotiate.JSON{}},
		{"application/merge-patch+json", negotiate.JSON{}},
		{"application/atom+xml", negotiate.XML{}},
		{"application/json; charset=latin1", nil},
		{"text/plain", nil},
		{"application/x-www-form-urlencoded", nil},
		{"", nil},
		{"application/json; charset", nil},
		{"+json", nil},
		{"application/+json/x", nil},
	}
	for _, tt := range tests {
		c, ok := g.Lookup(tt.contentType)
		if ok != (tt.want != nil) || c != tt.want {
			t.Errorf("Lookup(%q) = %#v, %v, want %#v", tt.contentType, c, ok, tt.want)
		}
	}
}

func TestDecodeOverHTTP(t *testing.T) {
	g := negotiate.Default()
	if err := g.Register(negotiate.JSON{DisallowUnknownFields: true}, "application/vnd.keel.strict+json"); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64)
		var u user
		if err := g.Decode(r, &u); err != nil {
			errors.Write(w, r, err)
			return
		}
		_ = negotiate.Respond(w, r, http.StatusOK, u)
	})
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantCode    string
		wantUser    user
	}{
		{"json", "application/json", `{"id":3,"name":"Bo"}`, 200, "", user{ID: 3, Name: "Bo"}},
		{"json trailing space", "application/json", "{\"id\":3}\n \n", 200, "", user{ID: 3}},
		{"xml", "application/xml; charset=utf-8", `<user><id>4</id><name>Cy</name></user>`, 200, "", user{ID: 4, Name: "Cy"}},
		{"merge patch via suffix", "application/merge-patch+json", `{"name":"Di"}`, 200, "", user{Name: "Di"}},
		{"no content type", "", `{"id":1}`, 415, "unsupported_media_type", user{}},
		{"unsupported", "text/plain", `id=1`, 415, "unsupported_media_type", user{}},
		{"wrong charset", "application/json; charset=utf-16", `{}`, 415, "unsupported_media_type", user{}},
		{"empty json", "application/json", ``, 400, "empty_body", user{}},
		{"malformed json", "application/json", `{"id":`, 400, "truncated_body", user{}},
		{"json syntax", "application/json", `{"id" 1}`, 400, "malformed_json", user{}},
		{"json wrong type", "application/json", `{"id":"x"}`, 400, "invalid_type", user{}},
		{"two json values", "application/json", `{"id":1}{"id":2}`, 400, "malformed_json", user{}},
		{"json then garbage", "application/json", `{"id":1} }`, 400, "malformed_json", user{}},
		{"unknown field strict", "application/vnd.keel.strict+json", `{"id":1,"role":"admin"}`, 400, "unknown_field", user{}},
		{"unknown field lenient", "application/json", `{"id":1,"role":"admin"}`, 200, "", user{ID: 1}},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", 100) + `"}`, 413, "request_too_large", user{}},
		{"empty xml", "application/xml", ``, 400, "empty_body", user{}},
		{"malformed xml", "application/xml", `<user><id>1</id>`, 400, "malformed_xml", user{}},
		{"xml wrong type", "application/xml", `<user><id>x</id></user>`, 400, "malformed_xml", user{}},
		{"xml other encoding", "application/xml", `<?xml version="1.0" encoding="ISO-8859-1"?><user/>`, 400, "malformed_xml", user{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var got struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
				user
			}
			if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
				t.Fatalf("response is not JSON: %v", err)
			}
			if res.StatusCode != tt.wantStatus || got.Code != tt.wantCode || got.user != tt.wantUser {
				t.Errorf("POST %q %q = %d %q %+v, want %d %q %+v",
					tt.contentType, tt.body, res.StatusCode, got.Code, got.user, tt.wantStatus, tt.wantCode, tt.wantUser)
			}
		})
	}
}

func TestDecodeNilBody(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("Content-Type", "application/json")
	r.Body = nil
	var u user
	err := negotiate.Decode(r, &u)
	if e := errors.From(err); e == nil || e.StatusCode() != 400 || e.Code() != errors.CodeEmptyBody {
		t.Errorf("Decode(nil body) = %v, want a 400 empty_body", err)
	}
}
