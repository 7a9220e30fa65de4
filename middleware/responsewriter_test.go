package middleware_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/middleware"
)

// plainWriter implements http.ResponseWriter and nothing else.
type plainWriter struct {
	header http.Header
	codes  []int
	body   bytes.Buffer
}

func newPlainWriter() *plainWriter { return &plainWriter{header: http.Header{}} }

func (w *plainWriter) Header() http.Header         { return w.header }
func (w *plainWriter) WriteHeader(code int)        { w.codes = append(w.codes, code) }
func (w *plainWriter) Write(p []byte) (int, error) { return w.body.Write(p) }

// flushingWriter adds http.Flusher.
type flushingWriter struct {
	*plainWriter
	flushes int
}

func (w *flushingWriter) Flush() { w.flushes++ }

// hijackingWriter adds http.Hijacker. Its Hijack fails when refuse is set
// and otherwise returns one end of a pipe, closing the other.
type hijackingWriter struct {
	*plainWriter
	refuse bool
}

func (w *hijackingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.refuse {
		return nil, nil, errors.New("test writer refuses to hijack")
	}
	c1, c2 := net.Pipe()
	c2.Close()
	return c1, bufio.NewReadWriter(bufio.NewReader(c1), bufio.NewWriter(c1)), nil
}

// fullWriter adds both.
type fullWriter struct {
	*flushingWriter
	hijackingWriter
}

func (w *fullWriter) Header() http.Header         { return w.flushingWriter.Header() }
func (w *fullWriter) WriteHeader(code int)        { w.flushingWriter.WriteHeader(code) }
func (w *fullWriter) Write(p []byte) (int, error) { return w.flushingWriter.Write(p) }

// readerFromWriter adds io.ReaderFrom and counts what went through it.
type readerFromWriter struct {
	*plainWriter
	readFrom int64
}

func (w *readerFromWriter) ReadFrom(src io.Reader) (int64, error) {
	n, err := w.body.ReadFrom(src)
	w.readFrom += n
	return n, err
}

// unwrapOnly hides every capability of the writer it wraps but exposes it
// through Unwrap, as many third-party wrappers do.
type unwrapOnly struct{ http.ResponseWriter }

func (w unwrapOnly) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func TestResponseWriterRecords(t *testing.T) {
	tests := []struct {
		name        string
		do          func(w http.ResponseWriter)
		wantStatus  int
		wantBytes   int64
		wantWritten bool
		wantCodes   []int // passed to the wrapped writer
	}{
		{
			name:       "nothing",
			do:         func(http.ResponseWriter) {},
			wantStatus: 0,
		},
		{
			name:        "write without header is 200",
			do:          func(w http.ResponseWriter) { io.WriteString(w, "hello") },
			wantStatus:  200,
			wantBytes:   5,
			wantWritten: true,
		},
		{
			name:        "empty write commits 200",
			do:          func(w http.ResponseWriter) { w.Write(nil) },
			wantStatus:  200,
			wantWritten: true,
		},
		{
			name: "explicit status then body",
			do: func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusNotFound)
				w.Write([]byte("nope"))
				w.Write([]byte("!"))
			},
			wantStatus:  404,
			wantBytes:   5,
			wantWritten: true,
			wantCodes:   []int{404},
		},
		{
			name: "first status wins, later ones still passed on",
			do: func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusCreated)
				w.WriteHeader(http.StatusInternalServerError)
			},
			wantStatus:  201,
			wantWritten: true,
			wantCodes:   []int{201, 500},
		},
		{
			name: "write then status keeps 200",
			do: func(w http.ResponseWriter) {
				w.Write([]byte("x"))
				w.WriteHeader(http.StatusTeapot)
			},
			wantStatus:  200,
			wantBytes:   1,
			wantWritten: true,
			wantCodes:   []int{418},
		},
		{
			name:      "informational alone is not final",
			do:        func(w http.ResponseWriter) { w.WriteHeader(http.StatusEarlyHints) },
			wantCodes: []int{103},
		},
		{
			name: "informational then final",
			do: func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusContinue)
				w.WriteHeader(http.StatusEarlyHints)
				w.WriteHeader(http.StatusAccepted)
			},
			wantStatus:  202,
			wantWritten: true,
			wantCodes:   []int{100, 103, 202},
		},
		{
			name:        "switching protocols is final",
			do:          func(w http.ResponseWriter) { w.WriteHeader(http.StatusSwitchingProtocols) },
			wantStatus:  101,
			wantWritten: true,
			wantCodes:   []int{101},
		},
		{
			name: "write string",
			do: func(w http.ResponseWriter) {
				w.(io.StringWriter).WriteString("abc")
			},
			wantStatus:  200,
			wantBytes:   3,
			wantWritten: true,
		},
		{
			name: "read from",
			do: func(w http.ResponseWriter) {
				io.Copy(w, strings.NewReader(strings.Repeat("x", 1000)))
			},
			wantStatus:  200,
			wantBytes:   1000,
			wantWritten: true,
		},
		{
			name: "read from empty source commits nothing",
			do: func(w http.ResponseWriter) {
				w.(io.ReaderFrom).ReadFrom(strings.NewReader(""))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw := newPlainWriter()
			ww := middleware.WrapResponseWriter(pw)
			tt.do(ww)
			if got := ww.Status(); got != tt.wantStatus {
				t.Errorf("Status() = %d, want %d", got, tt.wantStatus)
			}
			if got := ww.BytesWritten(); got != tt.wantBytes {
				t.Errorf("BytesWritten() = %d, want %d", got, tt.wantBytes)
			}
			if got := ww.HeaderWritten(); got != tt.wantWritten {
				t.Errorf("HeaderWritten() = %t, want %t", got, tt.wantWritten)
			}
			if got := int64(pw.body.Len()); got != tt.wantBytes {
				t.Errorf("wrapped writer got %d body bytes, want %d", got, tt.wantBytes)
			}
			if !equalInts(pw.codes, tt.wantCodes) {
				t.Errorf("wrapped writer got WriteHeader(%v), want %v", pw.codes, tt.wantCodes)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestResponseWriterAdvertisesOnlyWhatItWraps(t *testing.T) {
	tests := []struct {
		name        string
		w           http.ResponseWriter
		wantFlush   bool
		wantHijack  bool
		flushResult error
	}{
		{"plain", newPlainWriter(), false, false, http.ErrNotSupported},
		{"flusher", &flushingWriter{plainWriter: newPlainWriter()}, true, false, nil},
		{"hijacker", &hijackingWriter{plainWriter: newPlainWriter()}, false, true, http.ErrNotSupported},
		{"both", &fullWriter{flushingWriter: &flushingWriter{plainWriter: newPlainWriter()}}, true, true, nil},
		{"httptest recorder", httptest.NewRecorder(), true, false, nil},
		{"flusher behind unwrap", unwrapOnly{&flushingWriter{plainWriter: newPlainWriter()}}, false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ww := middleware.WrapResponseWriter(tt.w)
			if _, ok := ww.(http.Flusher); ok != tt.wantFlush {
				t.Errorf("implements http.Flusher = %t, want %t", ok, tt.wantFlush)
			}
			if _, ok := ww.(http.Hijacker); ok != tt.wantHijack {
				t.Errorf("implements http.Hijacker = %t, want %t", ok, tt.wantHijack)
			}
			if _, ok := ww.(io.ReaderFrom); !ok {
				t.Error("does not implement io.ReaderFrom")
			}
			if got := ww.Unwrap(); got != tt.w {
				t.Errorf("Unwrap() = %T, want the wrapped %T", got, tt.w)
			}
			err := http.NewResponseController(ww).Flush()
			if !errors.Is(err, tt.flushResult) || (tt.flushResult == nil && err != nil) {
				t.Fatalf("ResponseController.Flush() = %v, want %v", err, tt.flushResult)
			}
			// A successful flush sends the header; a refused one does not.
			if got, want := ww.HeaderWritten(), err == nil; got != want {
				t.Errorf("HeaderWritten() after flush = %t, want %t", got, want)
			}
			if err == nil && ww.Status() != http.StatusOK {
				t.Errorf("Status() after flush = %d, want 200", ww.Status())
			}
		})
	}
}

func TestResponseWriterHijack(t *testing.T) {
	tests := []struct {
		name         string
		w            http.ResponseWriter
		wantErr      bool
		wantHijacked bool
	}{
		{"hijacker", &hijackingWriter{plainWriter: newPlainWriter()}, false, true},
		{"refusing hijacker", &hijackingWriter{plainWriter: newPlainWriter(), refuse: true}, true, false},
		{"both", &fullWriter{flushingWriter: &flushingWriter{plainWriter: newPlainWriter()}}, false, true},
		{"neither", newPlainWriter(), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ww := middleware.WrapResponseWriter(tt.w)
			conn, _, err := http.NewResponseController(ww).Hijack()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Hijack() error = %v, want error %t", err, tt.wantErr)
			}
			if conn != nil {
				conn.Close()
			}
			if got := ww.Hijacked(); got != tt.wantHijacked {
				t.Errorf("Hijacked() = %t, want %t", got, tt.wantHijacked)
			}
			// After a hijack, writes go to a dead writer and are not
			// recorded as a response.
			if tt.wantHijacked {
				ww.WriteHeader(http.StatusOK)
				if ww.HeaderWritten() {
					t.Error("HeaderWritten() = true after WriteHeader on a hijacked connection")
				}
			}
		})
	}
}

func TestWrapResponseWriterIsIdempotent(t *testing.T) {
	w := httptest.NewRecorder()
	ww := middleware.WrapResponseWriter(w)
	if again := middleware.WrapResponseWriter(ww); again != ww {
		t.Errorf("WrapResponseWriter(wrapped) = %p, want the same %p", again, ww)
	}
	ww.WriteHeader(http.StatusAccepted)
	if got := middleware.WrapResponseWriter(ww).Status(); got != http.StatusAccepted {
		t.Errorf("Status() through a second wrap = %d, want 202", got)
	}
}

func TestResponseWriterReadFromUsesWrappedReaderFrom(t *testing.T) {
	tests := []struct {
		name         string
		size         int
		wantReadFrom int64 // bytes the wrapped ReadFrom copied
		wantWritten  bool
	}{
		{"empty", 0, 0, false},
		{"smaller than sniff length", 100, 0, true},
		{"larger than sniff length", 4096, 4096 - 512, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rf := &readerFromWriter{plainWriter: newPlainWriter()}
			ww := middleware.WrapResponseWriter(rf)
			n, err := io.Copy(ww, io.LimitReader(zeros{}, int64(tt.size)))
			if err != nil || n != int64(tt.size) {
				t.Fatalf("io.Copy = %d, %v, want %d, nil", n, err, tt.size)
			}
			if rf.readFrom != tt.wantReadFrom {
				t.Errorf("wrapped ReadFrom copied %d bytes, want %d", rf.readFrom, tt.wantReadFrom)
			}
			if got := ww.BytesWritten(); got != int64(tt.size) {
				t.Errorf("BytesWritten() = %d, want %d", got, tt.size)
			}
			if got := ww.HeaderWritten(); got != tt.wantWritten {
				t.Errorf("HeaderWritten() = %t, want %t", got, tt.wantWritten)
			}
		})
	}
}

// zeros is an endless reader of zero bytes that hides any WriterTo, so
// io.Copy goes through the destination's ReadFrom.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// wrapping returns a handler that wraps its writer, hands it to h and
// reports the wrapper once h returns.
func wrapping(h func(w http.ResponseWriter, r *http.Request), done chan<- middleware.ResponseWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := middleware.WrapResponseWriter(w)
		h(ww, r)
		done <- ww
	})
}

func receive[T any](tb testing.TB, ch <-chan T) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		tb.Fatal("timed out waiting on channel")
		panic("unreachable")
	}
}

func TestResponseWriterFlushOverRealServer(t *testing.T) {
	release := make(chan struct{})
	done := make(chan middleware.ResponseWriter, 1)
	ts := httptest.NewServer(wrapping(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "first\n")
		f, ok := w.(http.Flusher)
		if !ok {
			t.Error("wrapped net/http writer is not an http.Flusher")
			return
		}
		f.Flush()
		<-release
		io.WriteString(w, "second\n")
	}, done))
	defer ts.Close()

	resp, err := ts.Client().Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	// The handler is still blocked: this line can only arrive if the
	// flush went through the wrapper.
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line = %q, %v, want %q", line, err, "first\n")
	}
	close(release)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest = %q, %v, want %q", rest, err, "second\n")
	}
	ww := receive(t, done)
	if ww.Status() != http.StatusOK || ww.BytesWritten() != 13 {
		t.Errorf("Status(), BytesWritten() = %d, %d, want 200, 13", ww.Status(), ww.BytesWritten())
	}
}

func TestResponseWriterHijackOverRealServer(t *testing.T) {
	done := make(chan middleware.ResponseWriter, 1)
	ts := httptest.NewServer(wrapping(func(w http.ResponseWriter, r *http.Request) {
		h, ok := w.(http.Hijacker)
		if !ok {
			t.Error("wrapped net/http writer is not an http.Hijacker")
			return
		}
		conn, brw, err := h.Hijack()
		if err != nil {
			t.Errorf("Hijack() error = %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nraw tcp")
		brw.Flush()
	}, done))
	defer ts.Close()

	resp, err := ts.Client().Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(body) != "raw tcp" {
		t.Fatalf("body = %q, %v, want %q", body, err, "raw tcp")
	}
	ww := receive(t, done)
	if !ww.Hijacked() || ww.HeaderWritten() {
		t.Errorf("Hijacked(), HeaderWritten() = %t, %t, want true, false", ww.Hijacked(), ww.HeaderWritten())
	}
}

func TestResponseWriterResponseControllerReachesServer(t *testing.T) {
	errc := make(chan error, 1)
	done := make(chan middleware.ResponseWriter, 1)
	ts := httptest.NewServer(wrapping(func(w http.ResponseWriter, r *http.Request) {
		// Deadlines are not methods of the wrapper: the controller finds
		// them through Unwrap.
		errc <- http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute))
		io.WriteString(w, "ok")
	}, done))
	defer ts.Close()

	resp, err := ts.Client().Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err := receive(t, errc); err != nil {
		t.Errorf("SetWriteDeadline through the wrapper = %v, want nil", err)
	}
	receive(t, done)
}

// nopWriter is a ResponseWriter with a fixed header map that discards
// everything, so benchmarks measure the wrapper alone.
type nopWriter struct{ h http.Header }

func (w nopWriter) Header() http.Header         { return w.h }
func (w nopWriter) WriteHeader(int)             {}
func (w nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w nopWriter) Flush()                      {}

func BenchmarkWrapResponseWriter(b *testing.B) {
	w := nopWriter{h: http.Header{}}
	body := []byte("hello, world")
	b.ReportAllocs()
	for b.Loop() {
		ww := middleware.WrapResponseWriter(w)
		ww.WriteHeader(http.StatusOK)
		ww.Write(body)
		if ww.Status() != http.StatusOK {
			b.Fatal("status not recorded")
		}
	}
}

func TestWrapResponseWriterAllocatesOnce(t *testing.T) {
	w := nopWriter{h: http.Header{}}
	body := []byte("hello")
	allocs := testing.AllocsPerRun(100, func() {
		ww := middleware.WrapResponseWriter(w)
		ww.WriteHeader(http.StatusOK)
		ww.Write(body)
		ww.(http.Flusher).Flush()
	})
	if allocs != 1 {
		t.Errorf("WrapResponseWriter and writes allocate %v times, want 1", allocs)
	}
}
