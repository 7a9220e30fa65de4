package shutdown

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// Defaults of [ServerOptions], used for each field left at zero.
const (
	// DefaultReadHeaderTimeout bounds reading a request's headers; it is
	// what stops slowloris clients from holding connections open.
	DefaultReadHeaderTimeout = 5 * time.Second
	// DefaultReadTimeout bounds reading a whole request, body included.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds the time from the end of the request
	// headers to the end of the response.
	DefaultWriteTimeout = 60 * time.Second
	// DefaultIdleTimeout bounds how long a keep-alive connection waits
	// for its next request.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultMaxHeaderBytes caps the size of a request's headers: 64 KiB,
	// room for large cookies and tokens but a sixteenth of net/http's
	// default.
	DefaultMaxHeaderBytes = 64 << 10
)

// ServerOptions configures a [Server]. Every zero field takes its default;
// a negative timeout disables that timeout.
type ServerOptions struct {
	// ReadHeaderTimeout is http.Server.ReadHeaderTimeout. Default
	// [DefaultReadHeaderTimeout] (5s).
	ReadHeaderTimeout time.Duration

	// ReadTimeout is http.Server.ReadTimeout. Default
	// [DefaultReadTimeout] (30s). Raise it for large uploads.
	ReadTimeout time.Duration

	// WriteTimeout is http.Server.WriteTimeout. Default
	// [DefaultWriteTimeout] (60s). Streaming handlers (server-sent
	// events, long polls) lift it for their own response with
	// http.NewResponseController(w).SetWriteDeadline(time.Time{}).
	WriteTimeout time.Duration

	// IdleTimeout is http.Server.IdleTimeout. Default
	// [DefaultIdleTimeout] (120s).
	IdleTimeout time.Duration

	// MaxHeaderBytes is http.Server.MaxHeaderBytes. Default
	// [DefaultMaxHeaderBytes] (64 KiB). It must not be negative.
	MaxHeaderBytes int

	// TLSConfig, when set, makes the server serve HTTPS (and HTTP/2) with
	// it. It must provide certificates through Certificates,
	// GetCertificate or GetConfigForClient. Default nil: plain HTTP, as
	// behind a TLS-terminating load balancer.
	TLSConfig *tls.Config

	// Protocols is http.Server.Protocols: which HTTP versions the server
	// speaks. Default nil: HTTP/1.1, plus HTTP/2 when TLSConfig is set.
	// Cleartext HTTP/2 (h2c), for a service behind a proxy that speaks
	// HTTP/2 to it without TLS, is an opt-in:
	//
	//	var p http.Protocols
	//	p.SetHTTP1(true)
	//	p.SetUnencryptedHTTP2(true)
	//	opts.Protocols = &p
	Protocols *http.Protocols

	// Listener, when set, is the listener the server serves on instead of
	// listening on an address; the address passed to [NewServer] must
	// then be empty. The Server takes ownership and closes it on Stop.
	// Default nil.
	Listener net.Listener

	// ErrorLog is http.Server.ErrorLog: where net/http reports accept
	// errors, TLS handshake failures and handler panics. Default nil:
	// the standard library's log package. A zerolog.Logger fits:
	// log.New(logger, "", 0).
	ErrorLog *log.Logger
}

func (o ServerOptions) withDefaults() ServerOptions {
	if o.ReadHeaderTimeout == 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxHeaderBytes == 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return o
}

func (o ServerOptions) validate(addr string, h http.Handler) error {
	switch {
	case h == nil:
		return errors.New("shutdown: NewServer with nil handler")
	case addr == "" && o.Listener == nil:
		return errors.New("shutdown: NewServer with empty address and no ServerOptions.Listener")
	case addr != "" && o.Listener != nil:
		return fmt.Errorf("shutdown: NewServer with both an address (%q) and ServerOptions.Listener", addr)
	case o.MaxHeaderBytes < 0:
		return fmt.Errorf("shutdown: ServerOptions.MaxHeaderBytes is negative (%d)", o.MaxHeaderBytes)
	case o.TLSConfig != nil && len(o.TLSConfig.Certificates) == 0 &&
		o.TLSConfig.GetCertificate == nil && o.TLSConfig.GetConfigForClient == nil:
		return errors.New("shutdown: ServerOptions.TLSConfig has no certificate")
	}
	return nil
}

// Server is an HTTP server as a [Component], with hardened defaults (see
// [ServerOptions]). Start listens and returns once the listener is open,
// serving in a goroutine; Stop stops accepting connections and lets the
// requests in flight finish. It implements [Doner]: a serve error after
// Start is reported on Done, which makes a [Manager] stop the process.
//
// Long-lived responses (server-sent events, long polls) keep Stop waiting
// until they end: their handlers watch [Stopping] and return. Hijacked
// connections (WebSockets) are not tracked by net/http at all; close them
// from a function passed to [Server.RegisterOnShutdown], or watch Stopping.
//
// A Server is started at most once. Its methods are safe for concurrent
// use. Create one with [NewServer]; the zero value is not usable.
type Server struct {
	addr     string
	srv      *http.Server
	stopping chan struct{}
	done     chan error
	served   chan struct{} // closed when the serve goroutine ends

	mu       sync.Mutex
	listener net.Listener
	started  bool
	stopped  bool
}

var (
	_ Component = (*Server)(nil)
	_ Doner     = (*Server)(nil)
)

type stoppingKey struct{}

// NewServer returns a Server that serves h on addr ("host:port"; ":0" or
// "127.0.0.1:0" picks a free port, see [Server.Addr]), or on
// [ServerOptions.Listener] when addr is empty. It returns an error if h is
// nil or the options are invalid.
func NewServer(addr string, h http.Handler, opts ServerOptions) (*Server, error) {
	if err := opts.validate(addr, h); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	s := &Server{
		addr:     addr,
		stopping: make(chan struct{}),
		done:     make(chan error, 1),
		served:   make(chan struct{}),
		listener: opts.Listener,
	}
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    opts.MaxHeaderBytes,
		TLSConfig:         opts.TLSConfig,
		ErrorLog:          opts.ErrorLog,
		Protocols:         opts.Protocols,
		BaseContext: func(net.Listener) context.Context {
			return context.WithValue(context.Background(), stoppingKey{}, (<-chan struct{})(s.stopping))
		},
	}
	return s, nil
}

// Stopping returns a channel that is closed when the [Server] serving the
// request begins to stop. ctx is the request's context, or one derived from
// it. Handlers of long-lived responses select on it to finish their stream
// so that Stop does not wait for them until its deadline. Request contexts
// themselves are not cancelled when the stop begins: ordinary requests in
// flight run to completion.
//
// For a request not served by a Server, Stopping returns nil, a channel
// that never closes.
func Stopping(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(stoppingKey{}).(<-chan struct{})
	return ch
}

// Start opens the listener, unless one was given in [ServerOptions], and
// serves on it in a new goroutine. It returns once the server accepts
// connections, or the listen error. A second Start, or a Start after Stop,
// returns [ErrAlreadyStarted].
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.stopped {
		return ErrAlreadyStarted
	}
	if s.listener == nil {
		var lc net.ListenConfig
		l, err := lc.Listen(ctx, "tcp", s.addr)
		if err != nil {
			return err
		}
		s.listener = l
	}
	s.started = true
	go s.serve(s.listener)
	return nil
}

func (s *Server) serve(l net.Listener) {
	defer close(s.served)
	var err error
	if s.srv.TLSConfig != nil {
		err = s.srv.ServeTLS(l, "", "")
	} else {
		err = s.srv.Serve(l)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.done <- err
	close(s.done)
}

// Stop shuts the server down gracefully: it closes the listener, so new
// connections are refused, closes idle connections, and waits for the
// requests in flight to complete. If ctx is done first, Stop closes every
// remaining connection and returns ctx.Err(); handlers still running then
// keep running until they return, but their writes fail. Stop before
// Start closes a listener given in [ServerOptions]; Stop after Stop returns
// nil.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	close(s.stopping)
	if !s.started {
		l := s.listener
		s.mu.Unlock()
		close(s.done)
		if l != nil {
			return l.Close()
		}
		return nil
	}
	s.mu.Unlock()

	if err := s.srv.Shutdown(ctx); err != nil {
		if ctx.Err() != nil {
			s.srv.Close()
			<-s.served
			return ctx.Err()
		}
		<-s.served
		return err
	}
	<-s.served
	return nil
}

// Done returns a channel that receives the error that ended serving — nil
// after Stop — and is then closed.
func (s *Server) Done() <-chan error { return s.done }

// Addr returns the address the server listens on: once started, or when a
// listener was given, the listener's actual address, with the port chosen
// for ":0"; otherwise the address passed to [NewServer].
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener != nil {
		return s.listener.Addr().String()
	}
	return s.addr
}

// RegisterOnShutdown registers f to be called, in its own goroutine, when
// Stop begins, after the listener is closed. It is the place to start
// closing connections that net/http no longer tracks, such as WebSockets;
// f should not wait for them to close. See http.Server.RegisterOnShutdown.
func (s *Server) RegisterOnShutdown(f func()) { s.srv.RegisterOnShutdown(f) }
