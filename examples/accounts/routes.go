package main

import (
	"github.com/keel-go/keel/router"
)

// addRoutes is the service's whole API surface, in one place.
func addRoutes(r *router.Router, probes health, users *userStore, sec *security) {
	dec := newDecoder()
	r.Post("/login", handleLogin(users, sec, dec), router.Summary("Check a password; ?mode=session or ?mode=jwt"))
	r.Post("/login/totp", handleLoginTOTP(users, sec, dec), router.Summary("Finish a login with a TOTP code"))
	r.Post("/token/refresh", handleRefresh(sec, dec), router.Summary("Rotate a refresh token"))
	r.Get("/livez", probes.LivezHandler())
	r.Get("/readyz", probes.ReadyzHandler())

	// Behind a bearer token or a session cookie (401 otherwise), and the
	// permissions each route declares (403 otherwise). A route that
	// declares none is open to every signed-in caller.
	private := r.With(sec.authenticate, sec.authorize)
	private.Get("/me", handleMe(), router.Summary("Who am I"))
	private.Post("/logout", handleLogout(sec), router.Summary("End the session or token family"))
	private.Get("/reports", handleReports(), router.Permissions("reports:read"), router.Summary("List reports"))
	private.Delete("/users/:id", handleDeleteUser(users, sec), router.Permissions("users:delete"), router.Summary("Delete a user"))
}
