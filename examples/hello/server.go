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
func NewServer(logger zerolog.Logger, probes health) http.Handler {
	r := router.New()
	// Router-level middleware wraps everything the router answers, 404s
	// and 405s included. The order matters: the request ID first, so every
	// log line and error carries it; the access log next, so it sees the
	// 500 that Recover writes; Recover innermost, next to the handlers.
	r.Use(
		middleware.RequestID(middleware.RequestIDOptions{Logger: logger}),
		middleware.AccessLog(middleware.AccessLogOptions{Logger: logger}),
		middleware.Recover(middleware.RecoverOptions{}),
	)
	addRoutes(r, probes)
	return r
}
