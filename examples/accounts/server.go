package main

import (
	"net/http"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/router"
)

// health is what the server needs from the lifecycle manager: its probe
// handlers.
type health interface {
	LivezHandler() http.Handler
	ReadyzHandler() http.Handler
}

// NewServer returns the service's handler. Every dependency is an argument,
// so tests build it with whatever they need.
func NewServer(logger zerolog.Logger, probes health, users *userStore, sec *security) http.Handler {
	r := router.New()
	// Default is the production stack: request ID (which attaches the
	// reqctx.Data the auth middleware stores the principal in and the
	// guard reads the matched route from), real IP (which lockout counts
	// by), access log, security headers, recover, load shedding, body
	// limit and timeout.
	r.Use(middleware.Default(middleware.DefaultOptions{Logger: logger}))
	addRoutes(r, probes, users, sec)
	return r
}
