// Package keel is a toolkit for building production Go backends out of
// small, independent packages that compose through net/http.
//
// This root package holds no code: it documents how the packages fit
// together. Import the packages you need:
//
//	reqctx               request-scoped data: request ID, route, parameters, logger
//	header               HTTP header grammar: Accept, Accept-Encoding, ETags, Cache-Control
//	errors               typed HTTP errors and RFC 9457 problem details
//	router               routing on httprouter: groups, constraints, versioning, mounting
//	middleware           Default stack, request IDs, access log, recover, CORS, limits, caching
//	middleware/compress  gzip, deflate and brotli responses
//	negotiate            content negotiation and the codec registry
//	validate             strict decoding, struct rules, JSON Schema, binding
//	rest                 list requests, keyset cursors, parameterized SQL, Link headers
//	shutdown             ordered start, signal handling, drain, health probes
//	cache                the Cache contract, cache-aside loader, write-through, write-back
//	cache/memorycache    the in-process cache (adaptive CAR, LRU, LFU, FIFO, TTL, W-TinyLFU)
//	cache/rediscache     the same contract on Redis; cache/twolevel puts one in front of it
//	cache/httpcache      HTTP response caching middleware
//	queue                background jobs: client, worker, scheduler
//	queue/memoryqueue    the embedded broker; queue/redisqueue the durable one
//	queue/dashboard      the jobs dashboard
//	auth                 the Principal, authentication middleware, route authorization, audit
//	auth/...             jwtauth, session, apikey, password, mfa, lockout, oidcauth,
//	                     rbac, abac, rebac
//
// A service wires them like this:
//
//	r := router.New()
//	r.Use(middleware.Default(middleware.DefaultOptions{Logger: logger}))
//	r.Get("/users/:id", errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
//		u, ok := users[r.PathValue("id")]
//		if !ok {
//			return errors.NotFound("no user %s", r.PathValue("id"))
//		}
//		return json.NewEncoder(w).Encode(u)
//	}))
//
//	life, _ := shutdown.New(shutdown.Options{DrainDelay: 5 * time.Second})
//	srv, _ := shutdown.NewServer(":8080", r, shutdown.ServerOptions{})
//	life.Add("http", srv)
//	log.Fatal(life.Run(context.Background()))
//
// # How the packages compose
//
// Every handler is an http.Handler and every middleware a
// func(http.Handler) http.Handler, so keel's pieces work with any router and
// any standard middleware works with keel's router. The packages share no
// central application object and no global state: the only thing that
// travels between them is the request's [reqctx.Data], attached once by the
// outermost middleware and filled in place by the layers inside it. Errors
// travel as Go errors and reach clients in exactly one place,
// [errors.Write].
//
// The packages import downwards only: reqctx and header at the bottom,
// errors above them, then router, middleware, negotiate, shutdown,
// validate, cache, queue and auth with their sub-packages. Each can be
// copied into another tree with only those below it. A backend lives in
// its own sub-package (rediscache, redisqueue, redisstore), so importing an
// interface package links no Redis client.
//
// The examples/hello command is a complete small service built this way;
// examples/accounts wires authentication and authorization.
package keel
