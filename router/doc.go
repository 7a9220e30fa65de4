// Package router is an HTTP router for net/http handlers, built on
// julienschmidt/httprouter's radix tree and adding what a service needs
// around it.
//
//	r := router.New()
//	r.Use(middleware.RequestID(middleware.RequestIDOptions{}))  // wraps everything, 404s included
//
//	r.Get("/users/me", handleMe)
//	r.Get("/users/:id", handleUser, router.Name("user"), router.Where("id", router.Int()))
//
//	api := r.Group("/api", requireAuth)
//	api.Post("/orders", handleCreateOrder, router.Permissions("orders:write"))
//	api.Mount("/debug", pprofMux)
//
//	r.Static("/assets", assetsFS, router.FileServerOptions{})
//
//	u, _ := r.URL("user", "id", "42") // "/users/42"
//	http.ListenAndServe(":8080", r)
//
// Handlers are plain http.Handler values. The router sets r.Pattern
// ("GET /users/{id}") and every parameter with r.SetPathValue, so handlers
// read parameters with the standard r.PathValue and tools that read
// Request.Pattern (such as otelhttp) see the route. When the request carries
// a reqctx.Data (attached by the outermost middleware), the router records the
// matched route, its metadata and the parameters there too, in place and
// without allocating, so a middleware outside the router, such as an access
// log, reads the route after the handler returns.
//
// # Patterns
//
// A pattern is a path whose segments are literals, parameters or a final
// catch-all. Parameters are written ":name" (httprouter) or "{name}"
// (ServeMux) and match one non-empty segment; a catch-all is "*name" or
// "{name...}" and matches the rest of the path, possibly empty. Values are
// those ServeMux would give: decoded, and a catch-all without its leading
// slash.
//
// Unlike httprouter, a literal and a parameter may share a position:
// "/users/me" and "/users/:id" are both reachable, and so are "/files/*path"
// and "/files/special". When several routes match a path the most specific
// wins, comparing segments from the left: a literal beats a constrained
// parameter, which beats a plain parameter, which beats a catch-all. Two
// routes that match exactly the same paths are a conflict, reported when the
// second is registered: [Group.Handle] panics with a message naming both, and
// [Group.Add] returns the error.
//
// # Constraints
//
// [Where] restricts a parameter to values a [Constraint] accepts ([Int],
// [Uint], [UUID], [OneOf], [Regexp], or any function with [Match]). A value
// the constraint refuses does not match the route, so the handler is never
// called with it and the client gets 404 unless another route matches. The
// typed helpers [ParamInt], [ParamUint] and [ParamUUID] parse a parameter
// inside the handler and return a 400 problem instead.
//
// # Groups, middleware and mounting
//
// [Group.Group] returns a group with a prefix and its own middleware; groups
// nest. Middleware given to [Router.Use] wraps everything the router answers,
// including the automatic 404, 405 and OPTIONS answers, so CORS middleware
// there sees every preflight. Group middleware wraps only the group's routes
// and runs after the router has matched, so it can read the route.
// [Group.Mount] hands every request under a prefix to another handler (a
// sub-router, pprof, a file server), stripping the prefix unless
// [KeepPrefix] is given.
//
// # Errors, OPTIONS, HEAD and redirects
//
// A path with no route is answered 404, and a path with routes only for
// other methods 405 with an Allow header, both as application/problem+json
// through keel's errors package ([NotFound] and [MethodNotAllowed] replace
// them). OPTIONS requests are answered 204 with Allow, HEAD requests are
// served by the GET route without a body, and a path that would match with
// or without a trailing slash, or once cleaned of "//", "." and "..", is
// redirected: 301 for GET and HEAD, 308 (which keeps the method and body)
// for the others.
//
// # Versioning
//
// [Group.Versions] registers routes per API version with one of four
// strategies: a path prefix (/v1, /v2), a header (Accept-Version), a query
// parameter (?version=2) or a vendor media type
// (Accept: application/vnd.keel.v2+json), with a default version. Responses
// chosen by a header carry the matching Vary. A deprecated version answers
// with Deprecation (RFC 9745), Sunset (RFC 8594) and a successor-version
// Link.
//
// # Route table
//
// [Group.Routes] lists the registered routes with their metadata ([Name],
// [Summary], [Tags], [Permissions], [Meta]) for introspection and API
// documentation, and [Router.URL] builds the path of a named route,
// escaping the values and refusing a "/" in a one-segment parameter.
//
// # Static files
//
// [FileServer] and [Group.Static] serve an fs.FS without directory listings
// or path traversal, with Content-Type, Last-Modified and conditional
// requests, and a content-hash ETag where the file system has no
// modification times (embed.FS).
//
// # Performance
//
// Matching is httprouter's. A static route costs no allocation; a route
// with parameters costs httprouter's parameter slice and, on a request that
// has none yet, the map behind r.SetPathValue. The benchmarks in the
// repository's bench module compare the router with httprouter, chi, gin,
// echo and ServeMux.
package router
