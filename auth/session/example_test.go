package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/auth/session"
	"github.com/keel-go/keel/errors"
)

// Example logs a user in, authenticates a request with the session cookie,
// and logs out.
func Example() {
	sessions, err := session.New(session.NewMemoryStore(nil), session.Options{})
	if err != nil {
		panic(err)
	}

	// Login: the handler has checked the password.
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	p := &auth.Principal{Subject: "alice", Kind: auth.KindUser, Methods: []auth.Method{auth.MethodPassword}}
	if _, err := sessions.Create(r.Context(), w, r, p); err != nil {
		panic(err)
	}
	cookie := w.Result().Cookies()[0]
	fmt.Println("cookie:", cookie.Name, "HttpOnly:", cookie.HttpOnly, "Secure:", cookie.Secure)

	// A later request carries the cookie.
	r = httptest.NewRequest(http.MethodGet, "/me", nil)
	r.AddCookie(cookie)
	got, err := sessions.Authenticate(r)
	fmt.Println("authenticated:", got.Subject, got.Methods, err)

	// Logout ends the session on the server.
	if err := sessions.Destroy(r.Context(), httptest.NewRecorder(), r); err != nil {
		panic(err)
	}
	_, err = sessions.Authenticate(r)
	fmt.Println("after logout:", errors.Is(err, auth.ErrInvalidCredentials))
	// Output:
	// cookie: __Host-session HttpOnly: true Secure: true
	// authenticated: alice [pwd session] <nil>
	// after logout: true
}

// ExampleManager_RevokeAll ends every session of a user, as after a
// password change.
func ExampleManager_RevokeAll() {
	sessions, err := session.New(session.NewMemoryStore(nil), session.Options{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for range 3 { // three devices
		if _, err := sessions.Create(ctx, httptest.NewRecorder(), nil, &auth.Principal{Subject: "alice"}); err != nil {
			panic(err)
		}
	}
	list, _ := sessions.List(ctx, "alice")
	fmt.Println("sessions:", len(list))
	n, err := sessions.RevokeAll(ctx, "alice")
	fmt.Println("revoked:", n, err)
	list, _ = sessions.List(ctx, "alice")
	fmt.Println("sessions:", len(list))
	// Output:
	// sessions: 3
	// revoked: 3 <nil>
	// sessions: 0
}
