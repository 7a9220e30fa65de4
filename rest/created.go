package rest

import (
	"net/http"

	"github.com/keel-go/keel/errors"
	"github.com/keel-go/keel/negotiate"
	"github.com/keel-go/keel/router"
)

// Created answers r with 201 Created: a Location header with the path of
// the route named route, its parameters filled from params (alternating
// names and values, as [router.Router.URL] takes them), and v encoded with
// the client's preferred codec by negotiate.Respond.
//
//	return rest.Created(w, r, rt, "user", []string{"id", strconv.FormatInt(u.ID, 10)}, u)
//
// A route that cannot be built (an unknown name, a missing parameter) is a
// programming mistake: Created writes nothing and returns a 500 *errors.Error
// whose message, logged and never shown, says why.
func Created(w http.ResponseWriter, r *http.Request, rt *router.Router, route string, params []string, v any) error {
	return CreatedWith(nil, w, r, rt, route, params, v)
}

// CreatedWith is [Created] encoding v through the registry reg, for a
// service that registers more codecs than JSON and XML (protobuf from
// negotiate/protocodec, say). A nil reg means negotiate's default.
func CreatedWith(reg *negotiate.Registry, w http.ResponseWriter, r *http.Request, rt *router.Router, route string, params []string, v any) error {
	if rt == nil {
		return errors.Internal("rest: Created called with a nil router")
	}
	loc, err := rt.URL(route, params...)
	if err != nil {
		return errors.Internal("rest: Location of route %q: %v", route, err).WithCause(err)
	}
	w.Header().Set("Location", loc)
	if reg == nil {
		return negotiate.Respond(w, r, http.StatusCreated, v)
	}
	return reg.Respond(w, r, http.StatusCreated, v)
}
