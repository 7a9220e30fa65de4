package password_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keel-go/keel/auth/password"
	"github.com/keel-go/keel/errors"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// cheap are argon2id parameters that make tests fast: 64 KiB, one pass.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1}

func newCheap(tb testing.TB) *password.Hasher {
	tb.Helper()
	h, err := password.New(password.Options{Params: cheap})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// kdfCall records one call of the key derivation function.
type kdfCall struct {
	password string
	params   password.Params
	keyLen   uint32
}

// recordingKDF wraps argon2.IDKey and records its calls.
type recordingKDF struct {
	mu    sync.Mutex
	calls []kdfCall
}

func (r *recordingKDF) kdf(pw, salt []byte, t, m uint32, p uint8, keyLen uint32) []byte {
	r.mu.Lock()
	r.calls = append(r.calls, kdfCall{string(pw), password.Params{Memory: m, Time: t, Threads: p}, keyLen})
	r.mu.Unlock()
	return argon2.IDKey(pw, salt, t, m, p, keyLen)
}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t)
	hash, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("Hash = %q, want the PHC prefix $argon2id$v=19$m=64,t=1,p=1$", hash)
	}
	p, salt, key, err := password.Parse(hash)
	if err != nil || p != cheap || len(salt) != 16 || len(key) != 32 {
		t.Errorf("Parse(Hash) = %v, %d-byte salt, %d-byte key, %v, want %v, 16, 32, nil", p, len(salt), len(key), err, cheap)
	}
	again, _ := h.Hash(ctx, "correct horse battery staple")
	if again == hash {
		t.Error("two hashes of one password are equal, want a fresh salt each")
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse battery staple", true},
		{"correct horse battery stapl", false},
		{"Correct horse battery staple", false},
		{"", false},
	}
	for _, tt := range tests {
		ok, err := h.Verify(ctx, hash, tt.pw)
		if ok != tt.want || err != nil {
			t.Errorf("Verify(%q) = %v, %v, want %v, nil", tt.pw, ok, err, tt.want)
		}
	}
}

// TestDefaultParams runs the real OWASP parameters once.
func TestDefaultParams(t *testing.T) {
	h := password.MustNew(password.Options{})
	if got, want := h.Params(), (password.Params{Memory: 19456, Time: 2, Threads: 1}); got != want {
		t.Errorf("Params() = %v, want %v", got, want)
	}
	hash, err := h.Hash(context.Background(), "s3cret-passw0rd")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash = %q, want prefix $argon2id$v=19$m=19456,t=2,p=1$", hash)
	}
	if ok, err := h.Verify(context.Background(), hash, "s3cret-passw0rd"); !ok || err != nil {
		t.Errorf("Verify = %v, %v, want true, nil", ok, err)
	}
}

// TestVerifyForeignHash verifies a hash built outside the Hasher, from
// argon2.IDKey and Encode, with a known salt whose base64 is checked.
func TestVerifyForeignHash(t *testing.T) {
	h := newCheap(t)
	key := argon2.IDKey([]byte("password"), []byte("somesaltsomesalt"), 2, 64, 1, 32)
	encoded := password.Encode(password.Params{Memory: 64, Time: 2, Threads: 1}, []byte("somesaltsomesalt"), key)
	const want = "$argon2id$v=19$m=64,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
	if !strings.HasPrefix(encoded, want) {
		t.Fatalf("Encode = %q, want prefix %q", encoded, want)
	}
	if ok, err := h.Verify(context.Background(), encoded, "password"); !ok || err != nil {
		t.Errorf("Verify = %v, %v, want true, nil", ok, err)
	}
}

func TestVerifyBcrypt(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t)
	long := strings.Repeat("a", 72)
	hash72, err := bcrypt.GenerateFromPassword([]byte(long), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	short, _ := bcrypt.GenerateFromPassword([]byte("tr0ub4dor&3"), bcrypt.MinCost)
	as2y := "$2y$" + string(short[4:])
	as2a := "$2a$" + string(short[4:])
	tests := []struct {
		name    string
		hash    string
		pw      string
		want    bool
		wantErr error
	}{
		{"2b match", string(short), "tr0ub4dor&3", true, nil},
		{"2y match", as2y, "tr0ub4dor&3", true, nil},
		{"2a match", as2a, "tr0ub4dor&3", true, nil},
		{"mismatch", string(short), "tr0ub4dor&4", false, nil},
		{"72 bytes match", string(hash72), long, true, nil},
		// bcrypt would accept this one: it reads only the first 72 bytes.
		{"73 bytes refused", string(hash72), long + "b", false, nil},
		{"2x refused", "$2x$" + string(short[4:]), "tr0ub4dor&3", false, password.ErrMalformedHash},
		{"cost too high", "$2b$31$" + string(short[7:]), "tr0ub4dor&3", false, password.ErrMalformedHash},
		{"truncated", string(short[:20]), "tr0ub4dor&3", false, password.ErrMalformedHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(ctx, tt.hash, tt.pw)
			if ok != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("Verify = %v, %v, want %v, %v", ok, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestAttack_BcryptPrefix is the attack bcrypt's truncation allows: a
// password that shares the first 72 bytes of the real one, with anything
// after them.
func TestAttack_BcryptPrefix(t *testing.T) {
	real := strings.Repeat("correct horse battery staple ", 3) // 87 bytes
	hash, err := bcrypt.GenerateFromPassword([]byte(real[:72]), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	h := newCheap(t)
	for _, guess := range []string{real, real[:72] + "anything", real[:72] + "x"} {
		if ok, err := h.Verify(context.Background(), string(hash), guess); ok || err != nil {
			t.Errorf("Verify(%d-byte guess) = %v, %v, want false, nil", len(guess), ok, err)
		}
	}
}

func TestVerifyErrors(t *testing.T) {
	h := newCheap(t)
	for _, hash := range []string{"plain", "$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaA"} {
		ok, err := h.Verify(context.Background(), hash, "pw")
		if ok || !errors.Is(err, password.ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, %v, want false, ErrMalformedHash", hash, ok, err)
		}
		if status := errors.From(err).StatusCode(); status != 500 {
			t.Errorf("status of %v = %d, want 500", err, status)
		}
	}
}

func TestTooLong(t *testing.T) {
	h := newCheap(t)
	rec := &recordingKDF{}
	password.SetKDF(h, rec.kdf)
	huge := strings.Repeat("x", password.MaxBytes+1)
	if _, err := h.Hash(context.Background(), huge); !errors.Is(err, password.ErrTooLong) {
		t.Errorf("Hash(huge) error = %v, want ErrTooLong", err)
	}
	if ok, err := h.Verify(context.Background(), "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA", huge); ok || err != nil {
		t.Errorf("Verify(huge) = %v, %v, want false, nil", ok, err)
	}
	if len(rec.calls) != 0 {
		t.Errorf("KDF ran %d times for oversized passwords, want 0", len(rec.calls))
	}
}

// TestAttack_UnknownUserTiming checks that a login for an account that does
// not exist runs the same key derivation, with the same parameters, as a
// login for one that does: what the KDF does is what takes the time.
func TestAttack_UnknownUserTiming(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t)
	real, err := h.Hash(ctx, "real password")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingKDF{}
	password.SetKDF(h, rec.kdf)

	if ok, err := h.Verify(ctx, real, "guess-1"); ok || err != nil {
		t.Fatalf("Verify(known) = %v, %v, want false, nil", ok, err)
	}
	if ok, err := h.Verify(ctx, "", "guess-2"); ok || err != nil {
		t.Fatalf("Verify(unknown) = %v, %v, want false, nil", ok, err)
	}
	if err := h.VerifyUnknown(ctx, "guess-3"); err != nil {
		t.Fatalf("VerifyUnknown = %v", err)
	}
	if ok, _, err := h.VerifyAndRehash(ctx, "", "guess-4"); ok || err != nil {
		t.Fatalf("VerifyAndRehash(unknown) = %v, %v, want false, nil", ok, err)
	}
	if len(rec.calls) != 4 {
		t.Fatalf("KDF calls = %d, want 4 (one per login, known or not)", len(rec.calls))
	}
	for i, c := range rec.calls {
		if c.params != rec.calls[0].params || c.keyLen != rec.calls[0].keyLen || c.params != cheap {
			t.Errorf("call %d: params %v keyLen %d, want %v and %d like the known account's", i, c.params, c.keyLen, cheap, rec.calls[0].keyLen)
		}
		if want := "guess-" + string(rune('1'+i)); c.password != want {
			t.Errorf("call %d hashed %q, want %q", i, c.password, want)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t)
	current, _ := h.Hash(ctx, "pw-current")
	older, _ := password.MustNew(password.Options{Params: password.Params{Memory: 32, Time: 1, Threads: 1}}).Hash(ctx, "pw-old")
	bc, _ := bcrypt.GenerateFromPassword([]byte("pw-bcrypt"), bcrypt.MinCost)
	shortKey := password.Encode(cheap, []byte("saltsaltsaltsalt"), argon2.IDKey([]byte("x"), []byte("saltsaltsaltsalt"), 1, 64, 1, 16))
	tests := []struct {
		name string
		hash string
		want bool
	}{
		{"current", current, false},
		{"other parameters", older, true},
		{"bcrypt", string(bc), true},
		{"16-byte key", shortKey, true},
		{"garbage", "garbage", true},
	}
	for _, tt := range tests {
		if got := h.NeedsRehash(tt.hash); got != tt.want {
			t.Errorf("NeedsRehash(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestVerifyAndRehash(t *testing.T) {
	ctx := context.Background()
	h := newCheap(t)
	bc, _ := bcrypt.GenerateFromPassword([]byte("legacy-pw"), bcrypt.MinCost)
	older, _ := password.MustNew(password.Options{Params: password.Params{Memory: 32, Time: 1, Threads: 1}}).Hash(ctx, "old-pw")
	current, _ := h.Hash(ctx, "new-pw")
	tests := []struct {
		name      string
		hash, pw  string
		wantOK    bool
		wantNew   bool
		wantValid string
	}{
		{"bcrypt migrates", string(bc), "legacy-pw", true, true, "legacy-pw"},
		{"old params upgrade", older, "old-pw", true, true, "old-pw"},
		{"current stays", current, "new-pw", true, false, ""},
		{"wrong password no rehash", string(bc), "wrong", false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, newHash, err := h.VerifyAndRehash(ctx, tt.hash, tt.pw)
			if ok != tt.wantOK || (newHash != "") != tt.wantNew || err != nil {
				t.Fatalf("VerifyAndRehash = %v, %q, %v, want %v, new hash %v, nil", ok, newHash, err, tt.wantOK, tt.wantNew)
			}
			if newHash == "" {
				return
			}
			if h.NeedsRehash(newHash) {
				t.Errorf("new hash %q needs a rehash itself", newHash)
			}
			if ok, err := h.Verify(ctx, newHash, tt.wantValid); !ok || err != nil {
				t.Errorf("Verify(new hash) = %v, %v, want true, nil", ok, err)
			}
		})
	}
}

// blockingKDF is a KDF that signals when it starts and waits for release.
type blockingKDF struct {
	started chan struct{}
	release chan struct{}
}

func (b *blockingKDF) kdf(pw, salt []byte, t, m uint32, p uint8, keyLen uint32) []byte {
	b.started <- struct{}{}
	<-b.release
	return make([]byte, keyLen)
}

// TestAttack_LoginFlood fills every hashing slot and checks that the next
// computation waits, then fails with ErrBusy (503) instead of allocating
// more memory, and that a freed slot serves again.
func TestAttack_LoginFlood(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := password.MustNew(password.Options{Params: cheap, MaxConcurrent: 2, MaxWait: time.Second})
		b := &blockingKDF{started: make(chan struct{}, 8), release: make(chan struct{})}
		password.SetKDF(h, b.kdf)
		ctx := context.Background()
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() { h.VerifyUnknown(ctx, "x") })
		}
		<-b.started
		<-b.started

		start := time.Now()
		err := h.VerifyUnknown(ctx, "third")
		if !errors.Is(err, password.ErrBusy) {
			t.Errorf("third computation error = %v, want ErrBusy", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("waited %v, want MaxWait (1s)", waited)
		}
		e := errors.From(err)
		if e.StatusCode() != 503 || e.RetryAfter() <= 0 {
			t.Errorf("ErrBusy renders as %d with Retry-After %v, want 503 with a Retry-After", e.StatusCode(), e.RetryAfter())
		}
		if _, err := h.Hash(ctx, "fourth"); !errors.Is(err, password.ErrBusy) {
			t.Errorf("Hash while full error = %v, want ErrBusy", err)
		}

		b.release <- struct{}{} // one slot frees up
		done := make(chan error, 1)
		go func() { done <- h.VerifyUnknown(ctx, "fifth") }()
		<-b.started
		b.release <- struct{}{}
		b.release <- struct{}{}
		if err := <-done; err != nil {
			t.Errorf("computation after a slot freed = %v, want nil", err)
		}
		wg.Wait()
	})
}

func TestWaitHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := password.MustNew(password.Options{Params: cheap, MaxConcurrent: 1, MaxWait: time.Hour})
		b := &blockingKDF{started: make(chan struct{}, 1), release: make(chan struct{})}
		password.SetKDF(h, b.kdf)
		go h.VerifyUnknown(context.Background(), "x")
		<-b.started

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if ok, err := h.Verify(ctx, "", "y"); ok || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Verify with a deadline = %v, %v, want false, DeadlineExceeded", ok, err)
		}
		canceled, cancel2 := context.WithCancel(context.Background())
		cancel2()
		if _, err := h.Hash(canceled, "z"); !errors.Is(err, context.Canceled) {
			t.Errorf("Hash with a canceled context = %v, want Canceled", err)
		}
		b.release <- struct{}{}
		synctest.Wait()
	})
}

func TestNewInvalid(t *testing.T) {
	tests := []struct {
		name string
		opts password.Options
		want string
	}{
		{"memory too high", password.Options{Params: password.Params{Memory: password.MaxMemory + 1}}, "Params"},
		{"memory below 8p", password.Options{Params: password.Params{Memory: 8, Threads: 2}}, "Params"},
		{"time too high", password.Options{Params: password.Params{Time: password.MaxTime + 1}}, "Params"},
		{"threads too high", password.Options{Params: password.Params{Threads: password.MaxThreads + 1}}, "Params"},
		{"negative concurrency", password.Options{MaxConcurrent: -1}, "MaxConcurrent"},
		{"negative wait", password.Options{MaxWait: -1}, "MaxWait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := password.New(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want one naming %s", err, tt.want)
			}
			defer func() {
				if r := recover(); r == nil {
					t.Error("MustNew did not panic")
				}
			}()
			password.MustNew(tt.opts)
		})
	}
}

func BenchmarkHashDefault(b *testing.B) {
	h := password.MustNew(password.Options{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
