package shutdown_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/keel-go/keel/shutdown"
)

// A server and the health endpoints inside a Manager: the program runs
// until SIGTERM, here until Shutdown.
func Example() {
	m, err := shutdown.New(shutdown.Options{})
	if err != nil {
		log.Fatal(err)
	}
	m.AddCheck("db", func(ctx context.Context) error { return nil }, time.Second)

	mux := http.NewServeMux()
	mux.Handle("GET /livez", m.LivezHandler())
	mux.Handle("GET /readyz", m.ReadyzHandler())
	srv, err := shutdown.NewServer("127.0.0.1:0", mux, shutdown.ServerOptions{})
	if err != nil {
		log.Fatal(err)
	}
	m.Add("http", srv)

	done := make(chan error, 1)
	go func() { done <- m.Run(context.Background()) }()
	<-m.Started()

	resp, err := http.Get("http://" + srv.Addr() + "/readyz")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", string(body))

	m.Shutdown()
	fmt.Println("Run:", <-done)
	// Output:
	// 200 {"status":"ok","checks":[{"name":"db","status":"ok"}]}
	// Run: <nil>
}

func ExampleManager() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := shutdown.New(shutdown.Options{})
	if err != nil {
		log.Fatal(err)
	}
	hook := func(name string) shutdown.Hook {
		return shutdown.Hook{
			OnStart: func(context.Context) error { fmt.Println("start", name); return nil },
			OnStop:  func(context.Context) error { fmt.Println("stop", name); return nil },
		}
	}
	m.Add("db", hook("db"))
	m.Add("cache", hook("cache"))
	m.Add("http", hook("http"))
	// In a program SIGTERM ends Run; here the context is cancelled once
	// everything has started.
	m.Add("trigger", shutdown.Hook{OnStart: func(context.Context) error { cancel(); return nil }})

	fmt.Println("Run:", m.Run(ctx))
	// Output:
	// start db
	// start cache
	// start http
	// stop http
	// stop cache
	// stop db
	// Run: <nil>
}

func ExampleManager_ReadyzHandler() {
	m, err := shutdown.New(shutdown.Options{})
	if err != nil {
		log.Fatal(err)
	}
	m.AddCheck("db", func(ctx context.Context) error { return nil }, time.Second)
	m.AddCheck("cache", func(ctx context.Context) error {
		return errors.New("dial tcp 10.0.0.9:6379: connection refused")
	}, 200*time.Millisecond)

	readyz := m.ReadyzHandler()
	probe := func() {
		rec := httptest.NewRecorder()
		readyz.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		fmt.Print(rec.Code, " ", rec.Body.String())
	}

	probe() // not started yet
	done := make(chan error, 1)
	go func() { done <- m.Run(context.Background()) }()
	<-m.Started()
	probe() // the failing check is named, its error text is not
	m.Shutdown()
	<-done
	probe()
	// Output:
	// 503 {"status":"starting"}
	// 503 {"status":"failing","checks":[{"name":"db","status":"ok"},{"name":"cache","status":"failing"}]}
	// 503 {"status":"stopped"}
}

func ExampleServer() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})
	srv, err := shutdown.NewServer("127.0.0.1:0", mux, shutdown.ServerOptions{})
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		log.Fatal(err)
	}

	resp, err := http.Get("http://" + srv.Addr() + "/hello")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.Status, " ", string(body))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println("Stop:", srv.Stop(ctx))
	// Output:
	// 200 OK hello
	// Stop: <nil>
}

// A streaming handler ends its stream when the server begins to stop, so
// that Stop need not wait for it until the deadline.
func ExampleStopping() {
	events := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: first\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-shutdown.Stopping(r.Context()):
			fmt.Fprint(w, "data: server stopping, reconnect\n\n")
		case <-r.Context().Done(): // the client went away
		}
	})
	srv, err := shutdown.NewServer("127.0.0.1:0", events, shutdown.ServerOptions{})
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		log.Fatal(err)
	}

	resp, err := http.Get("http://" + srv.Addr() + "/")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Scan()
	fmt.Println(lines.Text())

	stopped := make(chan error, 1)
	go func() { stopped <- srv.Stop(context.Background()) }()
	for lines.Scan() {
		if lines.Text() != "" {
			fmt.Println(lines.Text())
		}
	}
	fmt.Println("Stop:", <-stopped)
	// Output:
	// data: first
	// data: server stopping, reconnect
	// Stop: <nil>
}

func ExampleNewTask() {
	m, err := shutdown.New(shutdown.Options{})
	if err != nil {
		log.Fatal(err)
	}
	running := make(chan struct{})
	m.Add("janitor", shutdown.NewTask(func(ctx context.Context) error {
		close(running)
		<-ctx.Done() // a real janitor would also tick here
		fmt.Println("janitor stopping")
		return ctx.Err()
	}))

	done := make(chan error, 1)
	go func() { done <- m.Run(context.Background()) }()
	<-running
	m.Shutdown()
	fmt.Println("Run:", <-done)
	// Output:
	// janitor stopping
	// Run: <nil>
}
