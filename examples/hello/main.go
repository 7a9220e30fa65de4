// Command hello is the smallest complete keel service: a router with
// problem+json errors, request IDs, an access log and panic recovery, a JSON
// echo endpoint, health probes, and a graceful shutdown on SIGINT or
// SIGTERM.
//
//	go run ./examples/hello            # listens on :8080, or $PORT; LOG_LEVEL=debug for more
//	curl localhost:8080/hello/keel
//	curl -d '{"message":"hi"}' localhost:8080/echo
//	curl localhost:8080/items/2        # a typed error, as problem+json
//
// It is wired the way every keel example is: main only calls run, which
// takes everything from the outside world as arguments, so the tests start
// the real thing.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/rs/zerolog"

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
	if err := flags.Parse(args[1:]); err != nil {
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
	srv, err := shutdown.NewServer(*addr, NewServer(logger, lifecycle), shutdown.ServerOptions{})
	if err != nil {
		return err
	}
	lifecycle.Add("http", srv)
	lifecycle.Add("announce", shutdown.Hook{OnStart: func(context.Context) error {
		logger.Info().Str("addr", srv.Addr()).Msg("listening")
		return nil
	}})
	return lifecycle.Run(ctx)
}
