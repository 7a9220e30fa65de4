// Command hello is the smallest complete keel service: a router with
// problem+json errors, request IDs, an access log and panic recovery, a JSON
// echo endpoint, reads through a cache-aside loader, a background job
// enqueued from a request with its dashboard, health probes, and a graceful
// shutdown on SIGINT or SIGTERM that drains the jobs.
//
//	go run ./examples/hello            # listens on :8080, or $PORT; LOG_LEVEL=debug for more
//	curl localhost:8080/hello/keel
//	curl -d '{"message":"hi"}' localhost:8080/echo
//	curl localhost:8080/items/1        # cached for 30s; concurrent misses load once
//	curl localhost:8080/items/2        # a typed error, as problem+json
//	curl -d '{"email":"ada@example.com"}' localhost:8080/welcome   # 202 and a job ID
//	open http://localhost:8080/admin/jobs/                          # the jobs dashboard (loopback only)
//
// With -tls-cert and -tls-key it serves HTTPS, with HTTP/2 negotiated by
// ALPN; with -h2c it also speaks cleartext HTTP/2 to clients (or proxies)
// that ask for it with prior knowledge.
//
// It is wired the way every keel example is: main only calls run, which
// takes everything from the outside world as arguments, so the tests start
// the real thing.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/keel-go/keel/queue/dashboard"
	"github.com/keel-go/keel/shutdown"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}

// run starts the service and blocks until it has stopped: on SIGINT or
// SIGTERM, or when ctx is cancelled. Logs go to stdout as JSON lines; the
// first line says where the server listens.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet(args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	port := getenv("PORT")
	if port == "" {
		port = "8080"
	}
	addr := flags.String("addr", net.JoinHostPort(getenv("HOST"), port), "address to listen on")
	drain := flags.Duration("drain", 0, "how long to fail readiness before stopping (use a few seconds behind a load balancer)")
	certFile := flags.String("tls-cert", getenv("TLS_CERT_FILE"), "PEM certificate file: serve HTTPS and HTTP/2 (with -tls-key)")
	keyFile := flags.String("tls-key", getenv("TLS_KEY_FILE"), "PEM private key file for -tls-cert")
	h2c := flags.Bool("h2c", false, "also serve cleartext HTTP/2 (h2c), for a proxy that speaks HTTP/2 without TLS")
	idle := flags.Duration("idle-timeout", 0, "close keep-alive connections idle this long (default 120s)")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	srvOpts, scheme, err := serverOptions(*certFile, *keyFile, *h2c, *idle)
	if err != nil {
		return err
	}

	level := zerolog.InfoLevel
	if v := getenv("LOG_LEVEL"); v != "" {
		l, err := zerolog.ParseLevel(v)
		if err != nil {
			return fmt.Errorf("LOG_LEVEL: %w", err)
		}
		level = l
	}
	logger := zerolog.New(stdout).Level(level).With().Timestamp().Str("service", "hello").Logger()

	lifecycle, err := shutdown.New(shutdown.Options{
		DrainDelay:  *drain,
		StopTimeout: *drain + 20*time.Second,
		Logger:      logger,
	})
	if err != nil {
		return err
	}
	items, entries, err := newItemLoader(newCatalog())
	if err != nil {
		return err
	}
	background, err := newJobs(logger)
	if err != nil {
		return err
	}
	// The dashboard is local-only here: it answers loopback clients and
	// nobody else. A real deployment passes Auth, its own middleware.
	board, err := dashboard.New(background.broker, dashboard.Options{Local: true, Prefix: "/admin/jobs"})
	if err != nil {
		return err
	}
	srv, err := shutdown.NewServer(*addr, NewServer(deps{
		logger: logger, probes: lifecycle, items: items, jobs: background.client, dashboard: board,
	}), srvOpts)
	if err != nil {
		return err
	}
	// Components start in this order and stop in reverse: the server stops
	// taking requests first, then the worker drains its jobs, then the
	// stores close.
	lifecycle.Add("stores", shutdown.Hook{OnStop: func(context.Context) error {
		items.Close()
		entries.Close()
		return background.broker.Close()
	}})
	lifecycle.Add("jobs", background.worker)
	lifecycle.Add("http", srv)
	lifecycle.Add("announce", shutdown.Hook{OnStart: func(context.Context) error {
		logger.Info().Str("addr", srv.Addr()).Str("scheme", scheme).Bool("h2c", *h2c).Msg("listening")
		return nil
	}})
	return lifecycle.Run(ctx)
}

// serverOptions turns the protocol flags into server options: HTTPS with
// HTTP/2 when a certificate is given, cleartext HTTP/2 beside HTTP/1.1 when
// h2c is asked for, and the keep-alive idle timeout.
func serverOptions(certFile, keyFile string, h2c bool, idle time.Duration) (shutdown.ServerOptions, string, error) {
	opts := shutdown.ServerOptions{IdleTimeout: idle}
	if (certFile == "") != (keyFile == "") {
		return opts, "", errors.New("-tls-cert and -tls-key go together")
	}
	if certFile == "" {
		if h2c {
			var p http.Protocols
			p.SetHTTP1(true)
			p.SetUnencryptedHTTP2(true)
			opts.Protocols = &p
		}
		return opts, "http", nil
	}
	if h2c {
		return opts, "", errors.New("-h2c is for cleartext connections; with TLS, HTTP/2 is negotiated anyway")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return opts, "", fmt.Errorf("load TLS key pair: %w", err)
	}
	opts.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return opts, "https", nil
}
