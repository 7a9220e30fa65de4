package main

import (
	"net/http"

	"github.com/keel-go/keel/router"
)

// addRoutes is the service's whole API surface, in one place.
func addRoutes(r *router.Router, d deps) {
	r.Get("/hello/:name", handleHello(), router.Summary("Greet someone"))
	r.Post("/echo", handleEcho(newEchoDecoder()), router.Summary("Echo a JSON message back"))
	r.Get("/items/:id", handleItem(d.items), router.Name("item"),
		router.Where("id", router.Int()), router.Summary("Get an item, through a cache-aside loader; unknown IDs are a typed 404"))
	r.Post("/welcome", handleWelcome(newEchoDecoder(), d.jobs), router.Summary("Enqueue a welcome email; 202 with the job ID"))
	r.Mount("/admin/jobs", d.dashboard, router.KeepPrefix())
	r.Get("/livez", d.probes.LivezHandler())
	r.Get("/readyz", d.probes.ReadyzHandler())
}

// health is what the server needs from the lifecycle manager: its probe
// handlers.
type health interface {
	LivezHandler() http.Handler
	ReadyzHandler() http.Handler
}
