package auth_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/reqctx"
	"github.com/rs/zerolog"
)

func ExampleNewLogAuditor() {
	auditor := auth.NewLogAuditor(zerolog.New(os.Stdout))

	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	r.RemoteAddr = "192.0.2.10:51234"
	r.Header.Set("User-Agent", "example/1.0")
	r.Header.Set("Authorization", "Basic YWxpY2U6aHVudGVyMg==") // never audited
	r = r.WithContext(reqctx.WithData(r.Context(), reqctx.Data{RequestID: "req-7"}))

	e := auth.EventFromRequest(r, auth.ActionLoginFailed)
	e.Time = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) // fixed for the example
	e.Actor = "alice"
	e.Result = auth.ResultFailure
	e.Reason = "password mismatch"
	auditor.Audit(r.Context(), e)
	// Output:
	// {"level":"info","time":"2025-01-02T03:04:05Z","actor":"alice","action":"login.failed","result":"failure","reason":"password mismatch","request_id":"req-7","ip":"192.0.2.10","user_agent":"example/1.0","message":"audit"}
}
