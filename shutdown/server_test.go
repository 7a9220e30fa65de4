package shutdown_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/shutdown"
)

func hello(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }

func mustStart(tb testing.TB, s *shutdown.Server) {
	tb.Helper()
	if err := s.Start(context.Background()); err != nil {
		tb.Fatalf("Start = %v, want nil", err)
	}
}

func TestServerStartStop(t *testing.T) {
	s, err := shutdown.NewServer("127.0.0.1:0", http.HandlerFunc(hello), shutdown.ServerOptions{})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	if got := s.Addr(); got != "127.0.0.1:0" {
		t.Errorf("Addr before Start = %q, want the configured address", got)
	}
	mustStart(t, s)
	if got := s.Addr(); strings.HasSuffix(got, ":0") || !strings.HasPrefix(got, "127.0.0.1:") {
		t.Errorf("Addr after Start = %q, want 127.0.0.1 with the chosen port", got)
	}
	if err := s.Start(context.Background()); !errors.Is(err, shutdown.ErrAlreadyStarted) {
		t.Errorf("second Start = %v, want ErrAlreadyStarted", err)
	}
	client := newClient(t)
	if code, body := get(t, client, "http://"+s.Addr()+"/"); code != http.StatusOK || body != "hello" {
		t.Errorf("GET / = %d %q, want 200 hello", code, body)
	}

	if err := s.Stop(context.Background()); err != nil {
		t.Fatalf("Stop = %v, want nil", err)
	}
	if err := recv(t, s.Done(), "Done"); err != nil {
		t.Errorf("Done after Stop received %v, want nil", err)
	}
	if _, ok := <-s.Done(); ok {
		t.Error("Done is not closed after Stop")
	}
	if conn, err := net.Dial("tcp", s.Addr()); err == nil {
		conn.Close()
		t.Error("dial after Stop succeeded, want connection refused")
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("second Stop = %v, want nil", err)
	}
	if err := s.Start(context.Background()); !errors.Is(err, shutdown.ErrAlreadyStarted) {
		t.Errorf("Start after Stop = %v, want ErrAlreadyStarted", err)
	}
}

func TestServerListenError(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	s, err := shutdown.NewServer(taken.Addr().String(), http.HandlerFunc(hello), shutdown.ServerOptions{})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	err = s.Start(context.Background())
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "listen" {
		t.Errorf("Start on a taken port = %v, want a listen *net.OpError", err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("Stop after a failed Start = %v, want nil", err)
	}
}

func TestServerWithListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := shutdown.NewServer("", http.HandlerFunc(hello), shutdown.ServerOptions{Listener: l})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	if got, want := s.Addr(), l.Addr().String(); got != want {
		t.Errorf("Addr = %q, want the listener's %q", got, want)
	}
	mustStart(t, s)
	if code, body := get(t, newClient(t), "http://"+s.Addr()+"/"); code != http.StatusOK || body != "hello" {
		t.Errorf("GET / = %d %q, want 200 hello", code, body)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatalf("Stop = %v, want nil", err)
	}
}

func TestServerStopBeforeStartClosesListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := shutdown.NewServer("", http.HandlerFunc(hello), shutdown.ServerOptions{Listener: l})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatalf("Stop = %v, want nil", err)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Stop = %v, want net.ErrClosed", err)
	}
	if _, ok := <-s.Done(); ok {
		t.Error("Done received a value, want a closed channel")
	}
}

func TestServerStopDeadlineForcesClose(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	handlerDone := make(chan struct{})
	s := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		close(entered)
		<-release
	}))
	mustStart(t, s)
	client := newClient(t)
	errc := make(chan error, 1)
	go func() {
		resp, err := client.Get("http://" + s.Addr() + "/")
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	recv(t, entered, "the handler to run")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop with a request stuck past the deadline = %v, want context.DeadlineExceeded", err)
	}
	if err := recv(t, errc, "the client to fail"); err == nil {
		t.Error("the stuck request succeeded, want its connection closed")
	}
	close(release)
	recv(t, handlerDone, "the handler to return")
}

func TestStoppingEndsStreams(t *testing.T) {
	if ch := shutdown.Stopping(context.Background()); ch != nil {
		t.Errorf("Stopping(Background) = %v, want nil", ch)
	}
	onShutdown := make(chan struct{})
	s := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "event: hello\n")
		http.NewResponseController(w).Flush()
		select {
		case <-shutdown.Stopping(r.Context()):
			io.WriteString(w, "event: bye\n")
		case <-r.Context().Done():
		}
	}))
	s.RegisterOnShutdown(func() { close(onShutdown) })
	mustStart(t, s)

	resp, err := newClient(t).Get("http://" + s.Addr() + "/")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); err != nil || line != "event: hello\n" {
		t.Fatalf("first line = %q, %v, want the hello event", line, err)
	}

	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	if rest, err := io.ReadAll(br); err != nil || string(rest) != "event: bye\n" {
		t.Errorf("rest of stream = %q, %v, want the bye event", rest, err)
	}
	if err := recv(t, stopped, "Stop"); err != nil {
		t.Errorf("Stop = %v, want nil", err)
	}
	recv(t, onShutdown, "the RegisterOnShutdown function")
}

// failingListener fails every Accept, as a listener whose socket broke.
type failingListener struct{ err error }

func (l failingListener) Accept() (net.Conn, error) { return nil, l.err }
func (l failingListener) Close() error              { return nil }
func (l failingListener) Addr() net.Addr            { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

func TestServerServeErrorReportsOnDone(t *testing.T) {
	errAccept := errors.New("accept failed")
	t.Run("Done", func(t *testing.T) {
		s, err := shutdown.NewServer("", http.HandlerFunc(hello), shutdown.ServerOptions{Listener: failingListener{errAccept}})
		if err != nil {
			t.Fatalf("NewServer: %v", err)
		}
		mustStart(t, s)
		if err := recv(t, s.Done(), "Done"); !errors.Is(err, errAccept) {
			t.Errorf("Done received %v, want %v", err, errAccept)
		}
		if err := s.Stop(context.Background()); err != nil {
			t.Errorf("Stop after the failure = %v, want nil", err)
		}
	})
	t.Run("Manager", func(t *testing.T) {
		s, err := shutdown.NewServer("", http.HandlerFunc(hello), shutdown.ServerOptions{Listener: failingListener{errAccept}})
		if err != nil {
			t.Fatalf("NewServer: %v", err)
		}
		m, _ := newManager(t, shutdown.Options{})
		m.Add("http", s)
		err = recv(t, runAsync(context.Background(), m), "Run to return")
		var ce *shutdown.ComponentError
		if !errors.Is(err, errAccept) || !errors.As(err, &ce) || ce.Name != "http" || ce.Op != "run" {
			t.Errorf("Run = %v, want the run failure of http", err)
		}
	})
}

func TestNewServerValidates(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h := http.HandlerFunc(hello)
	tests := []struct {
		name    string
		addr    string
		h       http.Handler
		opts    shutdown.ServerOptions
		wantErr string
	}{
		{name: "nil handler", addr: ":0", wantErr: "nil handler"},
		{name: "no address", h: h, wantErr: "empty address"},
		{name: "address and listener", addr: ":0", h: h, opts: shutdown.ServerOptions{Listener: l}, wantErr: "both"},
		{name: "negative MaxHeaderBytes", addr: ":0", h: h, opts: shutdown.ServerOptions{MaxHeaderBytes: -1}, wantErr: "MaxHeaderBytes"},
		{name: "TLS without certificate", addr: ":0", h: h, opts: shutdown.ServerOptions{TLSConfig: &tls.Config{}}, wantErr: "certificate"},
		{name: "negative timeouts disable", addr: ":0", h: h, opts: shutdown.ServerOptions{WriteTimeout: -1, ReadTimeout: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := shutdown.NewServer(tt.addr, tt.h, tt.opts)
			if tt.wantErr == "" {
				if err != nil || s == nil {
					t.Errorf("NewServer = %v, %v, want a Server", s, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewServer error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestServerMaxHeaderBytes(t *testing.T) {
	tests := []struct {
		name   string
		opts   shutdown.ServerOptions
		header int
		want   int
	}{
		{name: "default admits 32 KiB", header: 32 << 10, want: http.StatusOK},
		{name: "default rejects 100 KiB", header: 100 << 10, want: http.StatusRequestHeaderFieldsTooLarge},
		{name: "raised limit admits 100 KiB", opts: shutdown.ServerOptions{MaxHeaderBytes: 1 << 20}, header: 100 << 10, want: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := shutdown.NewServer("127.0.0.1:0", http.HandlerFunc(hello), tt.opts)
			if err != nil {
				t.Fatalf("NewServer: %v", err)
			}
			mustStart(t, s)
			defer s.Stop(context.Background())
			req, _ := http.NewRequest(http.MethodGet, "http://"+s.Addr()+"/", nil)
			req.Header.Set("X-Big", strings.Repeat("a", tt.header))
			resp, err := newClient(t).Do(req)
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("GET with a %d-byte header = %d, want %d", tt.header, resp.StatusCode, tt.want)
			}
		})
	}
}

func TestServerReadHeaderTimeout(t *testing.T) {
	s, err := shutdown.NewServer("127.0.0.1:0", http.HandlerFunc(hello),
		shutdown.ServerOptions{ReadHeaderTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	mustStart(t, s)
	defer s.Stop(context.Background())
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A slowloris client: headers started, never finished.
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n")
	conn.SetReadDeadline(time.Now().Add(patience))
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading from a slow client's connection: %v, want the server to close it", err)
	}
	if len(b) > 0 && !strings.Contains(string(b), "408") {
		t.Errorf("server answered %q, want the connection closed or a 408", b)
	}
}

func TestServerTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	s, err := shutdown.NewServer("127.0.0.1:0", http.HandlerFunc(hello),
		shutdown.ServerOptions{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	mustStart(t, s)
	defer s.Stop(context.Background())
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: patience}).Get("https://" + s.Addr() + "/")
	if err != nil {
		t.Fatalf("GET over TLS: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "hello" || resp.TLS == nil {
		t.Errorf("GET over TLS = %d %q (TLS %v), want 200 hello over TLS", resp.StatusCode, body, resp.TLS != nil)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol = %s, want HTTP/2", resp.Proto)
	}
}

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(tb testing.TB) (tls.Certificate, *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "keel test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestServerCleartextHTTP2(t *testing.T) {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	s, err := shutdown.NewServer("127.0.0.1:0", http.HandlerFunc(hello), shutdown.ServerOptions{Protocols: &p})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	mustStart(t, s)
	defer s.Stop(context.Background())

	var h2c http.Protocols
	h2c.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &h2c}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: patience}).Get("http://" + s.Addr() + "/")
	if err != nil {
		t.Fatalf("GET over h2c: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "hello" || resp.ProtoMajor != 2 {
		t.Errorf("GET over h2c = %d %q %s, want 200 hello over HTTP/2", resp.StatusCode, body, resp.Proto)
	}

	// HTTP/1.1 clients are still served.
	resp, err = (&http.Client{Timeout: patience}).Get("http://" + s.Addr() + "/")
	if err != nil {
		t.Fatalf("GET over HTTP/1.1: %v", err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 1 {
		t.Errorf("plain client got %s, want HTTP/1.1", resp.Proto)
	}
}
