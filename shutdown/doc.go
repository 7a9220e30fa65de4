// Package shutdown manages a process's lifecycle: it starts the components
// of a backend in order, captures SIGINT and SIGTERM, flips readiness,
// drains, and stops the components in reverse order under one deadline. It
// also provides a hardened HTTP server component and the /livez and /readyz
// endpoints.
//
// A main function wires it like this:
//
//	func run(ctx context.Context) error {
//		db, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
//		if err != nil {
//			return err
//		}
//		m, err := shutdown.New(shutdown.Options{DrainDelay: 5 * time.Second})
//		if err != nil {
//			return err
//		}
//		m.AddCheck("db", db.PingContext, time.Second)
//
//		mux := http.NewServeMux()
//		mux.Handle("GET /livez", m.LivezHandler())
//		mux.Handle("GET /readyz", m.ReadyzHandler())
//		mux.Handle("/", newAPI(db))
//		srv, err := shutdown.NewServer(":8080", mux, shutdown.ServerOptions{})
//		if err != nil {
//			return err
//		}
//
//		m.Add("db", shutdown.Hook{OnStop: func(context.Context) error { return db.Close() }})
//		m.Add("http", srv)
//		return m.Run(ctx) // returns after SIGTERM, once everything has stopped
//	}
//
// # Components and ordering
//
// A [Component] has Start and Stop. [Manager.Run] starts components in the
// order they were added, each Start returning once the component is ready,
// and stops them in reverse order, so a server stops before the database it
// uses. If a Start fails, the components already started are stopped, in
// reverse order, and Run returns the error. Plain functions become a
// component with [Hook]; a function that runs until cancelled, such as a
// queue worker, becomes one with [Task]. A component that can die while
// running implements [Doner]; its failure stops the whole process, as in
// oklog/run, and Run returns it.
//
// # Drain
//
// When a stop begins — first SIGINT or SIGTERM, cancellation of Run's
// context, [Manager.Shutdown], or a component failure — /readyz starts
// answering 503 at once, while the servers keep serving. Run then waits
// [Options.DrainDelay], long enough for load balancers to see the failing
// probe and stop sending new requests, before it stops the first component.
// A [Server]'s Stop then closes its listener, so new connections are
// refused, and waits for the requests in flight. Long-lived responses watch
// [Stopping] to end early.
//
// # Deadlines
//
// The drain delay and every Stop share one deadline, [Options.StopTimeout]
// from the moment the stop begins. Each Stop receives a context carrying it
// and must return once it passes; a [Server] then closes its remaining
// connections. Run returns every stop error joined, and a Stop that ran out
// of time contributes [context.DeadlineExceeded]. A second signal does not
// wait for any of this: it calls [Options.Exit] with code 1, for an operator
// who wants the process gone now.
//
// # Kubernetes probes
//
// Point the liveness probe at [Manager.LivezHandler] and the readiness probe
// at [Manager.ReadyzHandler]. Liveness checks nothing but the process's
// ability to answer, because a failing liveness probe restarts the
// container; readiness runs the checks added with [Manager.AddCheck] and
// takes the pod out of the Service's endpoints while a dependency is down,
// while the process starts, and while it drains. Keep the sum of
// DrainDelay and the slowest Stop under the pod's
// terminationGracePeriodSeconds (30s by default), after which the kubelet
// sends SIGKILL; the default StopTimeout of 25s fits. The /readyz body
// names failing checks but leaves out their error text unless
// [Options.ExposeCheckErrors] is set.
package shutdown
