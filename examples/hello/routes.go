package main

import (
	"github.com/keel-go/keel/router"
)

// addRoutes is the service's whole API surface, in one place.
func addRoutes(r *router.Router, probes health) {
	r.Get("/hello/:name", handleHello(), router.Summary("Greet someone"))
	r.Post("/echo", handleEcho(newEchoDecoder()), router.Summary("Echo a JSON message back"))
	r.Get("/items/:id", handleItem(newCatalog()), router.Name("item"),
		router.Where("id", router.Int()), router.Summary("Get an item; unknown IDs are a typed 404"))
	r.Get("/livez", probes.LivezHandler())
	r.Get("/readyz", probes.ReadyzHandler())
}
