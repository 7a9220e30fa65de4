package reqctx_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/reqctx"
)

type ctxKey struct{}

func TestGettersWithoutData(t *testing.T) {
	ctx := context.Background()
	if reqctx.From(ctx) != nil {
		t.Error("From(Background) != nil")
	}
	if got := reqctx.RequestID(ctx); got != "" {
		t.Errorf("RequestID = %q, want empty", got)
	}
	if got := reqctx.TraceID(ctx) + reqctx.SpanID(ctx) + reqctx.Pattern(ctx) + reqctx.PathParam(ctx, "id"); got != "" {
		t.Errorf("string getters = %q, want empty", got)
	}
	if !reqctx.Start(ctx).IsZero() || reqctx.ClientIP(ctx).IsValid() || reqctx.MatchedRoute(ctx) != nil ||
		reqctx.Params(ctx) != nil || reqctx.Principal(ctx) != nil {
		t.Error("getters on a plain context returned non-zero values")
	}
	l := reqctx.Logger(ctx)
	if l == nil || l.GetLevel() != zerolog.Disabled {
		t.Errorf("Logger on a plain context = %v, want a disabled logger", l)
	}
	l.Info().Msg("goes nowhere") // must not panic
	if _, ok := reqctx.Get(ctx, reqctx.NewKey[int]("n")); ok {
		t.Error("Get on a plain context reported a value")
	}
	if reqctx.Set(ctx, reqctx.NewKey[int]("n"), 1) {
		t.Error("Set on a plain context reported success")
	}
	//lint:ignore SA1012 a nil context must not make From panic
	if reqctx.From(nil) != nil {
		t.Error("From(nil) != nil")
	}
}

func TestAttachOnceAndFillInPlace(t *testing.T) {
	before := time.Now()
	req := httptest.NewRequest("GET", "/x", nil)
	req = req.WithContext(context.WithValue(req.Context(), ctxKey{}, "parent"))
	r1, d1 := reqctx.Attach(req)
	if r1 == req {
		t.Fatal("Attach returned the same request; want a copy carrying the Data")
	}
	if d1.Start.Before(before) {
		t.Errorf("Start = %v, want >= %v", d1.Start, before)
	}
	r2, d2 := reqctx.Attach(r1)
	if r2 != r1 || d2 != d1 {
		t.Fatal("second Attach made a new Data; want the existing one")
	}
	if got := r1.Context().Value(ctxKey{}); got != "parent" {
		t.Errorf("parent value through the node = %v, want parent", got)
	}

	// A layer inside fills the struct; the outer layer sees it.
	inner := r1.WithContext(context.WithValue(r1.Context(), ctxKey{}, "inner"))
	d := reqctx.FromRequest(inner)
	d.RequestID = "req-1"
	d.TraceID, d.SpanID = "trace", "span"
	d.ClientIP = netip.MustParseAddr("192.0.2.1")
	d.Route = &reqctx.Route{Pattern: "GET /users/{id}", Permissions: []string{"users:read"}}
	d.AddParam("id", "7")
	d.Principal = "alice"

	ctx := r1.Context()
	if reqctx.RequestID(ctx) != "req-1" || reqctx.TraceID(ctx) != "trace" || reqctx.SpanID(ctx) != "span" ||
		reqctx.ClientIP(ctx).String() != "192.0.2.1" || reqctx.Pattern(ctx) != "GET /users/{id}" ||
		reqctx.PathParam(ctx, "id") != "7" || reqctx.Principal(ctx) != "alice" ||
		reqctx.MatchedRoute(ctx).Permissions[0] != "users:read" || !reqctx.Start(ctx).Equal(d1.Start) {
		t.Errorf("outer context does not see the inner writes: %+v", d1)
	}
}

func TestParams(t *testing.T) {
	var d reqctx.Data
	for i := range 10 {
		d.AddParam(string(rune('a'+i)), strings.Repeat("v", i))
	}
	if got := len(d.Params()); got != 10 {
		t.Fatalf("len(Params) = %d, want 10 (more than the inline storage)", got)
	}
	if got := d.Param("j"); got != strings.Repeat("v", 9) {
		t.Errorf("Param(j) = %q", got)
	}
	if got := d.Param("missing"); got != "" {
		t.Errorf("Param(missing) = %q, want empty", got)
	}
	d.TruncateParams(2)
	if got := len(d.Params()); got != 2 || d.Param("c") != "" {
		t.Errorf("after TruncateParams(2): %v", d.Params())
	}
	d.ResetParams()
	if len(d.Params()) != 0 {
		t.Errorf("after ResetParams: %v", d.Params())
	}
	var empty reqctx.Data
	empty.ResetParams()
	empty.TruncateParams(3)
	if empty.Params() != nil {
		t.Error("reset of an empty Data created params")
	}
}

func TestTypedValues(t *testing.T) {
	tenant := reqctx.NewKey[string]("tenant")
	count := reqctx.NewKey[int]("count")
	other := reqctx.NewKey[string]("tenant") // same name, different key
	ctx, _ := reqctx.New(context.Background())

	if !reqctx.Set(ctx, tenant, "acme") || !reqctx.Set(ctx, count, 3) {
		t.Fatal("Set on a context with a Data failed")
	}
	reqctx.Set(ctx, count, 4)
	if v, ok := reqctx.Get(ctx, tenant); !ok || v != "acme" {
		t.Errorf("Get(tenant) = %q, %v", v, ok)
	}
	if v, ok := reqctx.Get(ctx, count); !ok || v != 4 {
		t.Errorf("Get(count) = %d, %v; want the replaced value 4", v, ok)
	}
	if _, ok := reqctx.Get(ctx, other); ok {
		t.Error("a different key with the same name read the value")
	}
	if tenant.String() != "tenant" {
		t.Errorf("Key.String() = %q", tenant.String())
	}
}

func TestWithData(t *testing.T) {
	var buf bytes.Buffer
	key := reqctx.NewKey[string]("k")
	src := reqctx.Data{RequestID: "abc", Logger: zerolog.New(&buf)}
	src.AddParam("id", "1")
	reqctx.SetIn(&src, key, "v")

	ctx := reqctx.WithData(context.Background(), src)
	if reqctx.RequestID(ctx) != "abc" || reqctx.PathParam(ctx, "id") != "1" {
		t.Errorf("WithData lost fields: id %q param %q", reqctx.RequestID(ctx), reqctx.PathParam(ctx, "id"))
	}
	if v, ok := reqctx.Get(ctx, key); !ok || v != "v" {
		t.Errorf("WithData lost typed value: %q %v", v, ok)
	}
	// The copy is independent of the source.
	reqctx.From(ctx).AddParam("x", "y")
	reqctx.Set(ctx, key, "changed")
	if len(src.Params()) != 1 {
		t.Errorf("source params changed: %v", src.Params())
	}
	if v, _ := reqctx.GetIn(&src, key); v != "v" {
		t.Errorf("source value changed to %q", v)
	}
	reqctx.Logger(ctx).Info().Msg("hi")
	if !strings.Contains(buf.String(), `"message":"hi"`) {
		t.Errorf("logger output = %q", buf.String())
	}
}

func TestMarkVisited(t *testing.T) {
	var d reqctx.Data
	if d.MarkVisited() {
		t.Error("first MarkVisited reported already visited")
	}
	if !d.MarkVisited() {
		t.Error("second MarkVisited reported not visited")
	}
}

func BenchmarkAttach(b *testing.B) {
	req := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		r, d := reqctx.Attach(req)
		d.RequestID = "x"
		_ = r
	}
}

func BenchmarkFrom(b *testing.B) {
	ctx, _ := reqctx.New(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		if reqctx.From(ctx) == nil {
			b.Fatal("no data")
		}
	}
}

func TestLazyLogger(t *testing.T) {
	var buf bytes.Buffer
	built := 0
	withID := func(c zerolog.Context, d *reqctx.Data) zerolog.Context {
		built++
		return c.Str("request_id", d.RequestID)
	}
	ctx, d := reqctx.New(context.Background())
	d.RequestID = "r-1"
	d.SetLogger(zerolog.New(&buf), withID)

	base, pending := d.BaseLogger()
	if pending == nil || built != 0 {
		t.Fatalf("after SetLogger: pending %v, built %d; want pending and not built", pending != nil, built)
	}
	base.Info().Msg("base")
	if strings.Contains(buf.String(), "r-1") {
		t.Errorf("base logger already carries the request fields: %s", buf.String())
	}
	reqctx.Logger(ctx).Info().Msg("one")
	reqctx.Logger(ctx).Info().Msg("two")
	if built != 1 {
		t.Errorf("extension built %d times, want once", built)
	}
	if got := strings.Count(buf.String(), `"request_id":"r-1"`); got != 2 {
		t.Errorf("request logger lines with the request ID = %d, want 2:\n%s", got, buf.String())
	}
	if _, pending := d.BaseLogger(); pending != nil {
		t.Error("extension still pending after first use")
	}

	// A disabled base is not extended at all.
	var d2 reqctx.Data
	d2.SetLogger(zerolog.Nop(), withID)
	d2.RequestLogger().Info().Msg("nothing")
	if built != 1 {
		t.Errorf("a disabled logger was extended")
	}
}
