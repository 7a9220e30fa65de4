package router

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/keel-go/keel/errors"
)

// Param returns the value of the path parameter name of the matched route,
// or "" if the route has none. It is r.PathValue(name), spelled for
// symmetry with the typed helpers.
func Param(r *http.Request, name string) string {
	return r.PathValue(name)
}

// ParamInt returns the path parameter name as an int64. A value that is not
// a decimal integer in range yields a 400 problem naming the parameter,
// ready to return from an errors.HandlerFunc. To answer 404 instead, and
// never call the handler, constrain the route with Where(name, Int()).
func ParamInt(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badParam(name, "an integer", err)
	}
	return n, nil
}

// ParamUint returns the path parameter name as a uint64, like [ParamInt].
func ParamUint(r *http.Request, name string) (uint64, error) {
	v := r.PathValue(name)
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, badParam(name, "a non-negative integer", err)
	}
	return n, nil
}

// ParamUUID returns the path parameter name as a UUID in its canonical
// 36-character form. Any other value yields a 400 problem naming the
// parameter.
func ParamUUID(r *http.Request, name string) (uuid.UUID, error) {
	v := r.PathValue(name)
	if len(v) != 36 {
		return uuid.UUID{}, badParam(name, "a UUID", nil)
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.UUID{}, badParam(name, "a UUID", err)
	}
	return id, nil
}

// badParam never echoes the value: it may be long or hostile.
func badParam(name, want string, cause error) error {
	e := errors.BadRequest("path parameter %q must be %s", name, want).
		WithCode("invalid_parameter").
		WithExtension("parameter", name)
	if cause != nil {
		e = e.WithCause(cause)
	}
	return e
}
