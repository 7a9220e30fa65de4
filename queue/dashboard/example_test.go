package dashboard_test

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/queue/dashboard"
	"github.com/keel-go/keel/queue/memoryqueue"
)

func ExampleNew() {
	broker, _ := memoryqueue.New(memoryqueue.Options{})
	defer broker.Close()

	// Without Auth, New refuses unless the dashboard is declared local.
	if _, err := dashboard.New(broker, dashboard.Options{}); err != nil {
		fmt.Println(err)
	}

	// A real service passes its session or OIDC middleware here.
	requireOperator := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, pass, _ := r.BasicAuth()
			if subtle.ConstantTimeCompare([]byte(user+":"+pass), []byte("ops:correct horse")) != 1 {
				w.Header().Set("WWW-Authenticate", `Basic realm="jobs"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	dash, err := dashboard.New(broker, dashboard.Options{Prefix: "/admin/jobs", Auth: requireOperator})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/jobs/", dash)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/admin/jobs/")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("anonymous:", resp.StatusCode)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/jobs/", nil)
	req.SetBasicAuth("ops", "correct horse")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("operator:", resp.StatusCode, resp.Header.Get("Content-Type"))
	fmt.Println(resp.Header.Get("Content-Security-Policy"))
	// Output:
	// dashboard: Options.Auth is required; set Options.Local to serve a local-only dashboard without it
	// anonymous: 401
	// operator: 200 text/html; charset=utf-8
	// default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'
}
