package reqctx_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/reqctx"
)

// The outermost middleware attaches the Data; a layer inside fills it; the
// outer layer reads what the inner one wrote after the handler returns.
func Example() {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := reqctx.FromRequest(r)
		d.Route = &reqctx.Route{Pattern: "GET /users/{id}"}
		d.AddParam("id", "42")
	})
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, d := reqctx.Attach(r)
		d.RequestID = "req-1"
		inner.ServeHTTP(w, r)
		fmt.Println(d.RequestID, reqctx.Pattern(r.Context()), reqctx.PathParam(r.Context(), "id"))
	})
	outer.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/users/42", nil))
	// Output: req-1 GET /users/{id} 42
}

func ExampleWithData() {
	ctx := reqctx.WithData(context.Background(), reqctx.Data{
		RequestID: "test-123",
		Logger:    zerolog.New(os.Stdout),
	})
	fmt.Println(reqctx.RequestID(ctx))
	reqctx.Logger(ctx).Info().Str("request_id", reqctx.RequestID(ctx)).Msg("processing")
	// Output:
	// test-123
	// {"level":"info","request_id":"test-123","message":"processing"}
}

func ExampleGet() {
	tenantKey := reqctx.NewKey[string]("tenant")
	ctx, _ := reqctx.New(context.Background())
	reqctx.Set(ctx, tenantKey, "acme")
	tenant, ok := reqctx.Get(ctx, tenantKey)
	fmt.Println(tenant, ok)
	// Output: acme true
}

func ExampleLogger() {
	// Without a Data the logger is disabled: no nil checks needed.
	reqctx.Logger(context.Background()).Info().Msg("dropped")
	fmt.Println("no output above")
	// Output: no output above
}
