package main

import (
	"net/http"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/middleware"
	"github.com/keel-go/keel/middleware/compress"
	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/router"
)

// deps are the server's dependencies, built by run and by tests.
type deps struct {
	logger    zerolog.Logger
	probes    health
	items     itemGetter
	jobs      *queue.Client
	dashboard http.Handler
}

// NewServer returns the service's handler. Every dependency is an argument,
// so tests build it with whatever they need.
func NewServer(d deps) http.Handler {
	r := router.New()
	// Router-level middleware wraps everything the router answers, 404s,
	// 405s and preflights included. Default is the production stack in its
	// recommended order (request ID, real IP, access log, security headers,
	// recover, load shedding, body limit, timeout), with compression
	// innermost; its documentation gives the reason for each position.
	r.Use(middleware.Default(middleware.DefaultOptions{
		Logger:   d.logger,
		Compress: compress.Middleware(compress.Options{}),
	}))
	addRoutes(r, d)
	return r
}
