package cachetest_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/keel-go/keel/cache"
	"github.com/keel-go/keel/cache/cachetest"
	"github.com/keel-go/keel/internal/testclock"
)

var errFlaw = errors.New("flawed backend")

func TestRunFakeClock(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	tests := []struct {
		name string
		new  func() cache.Cache[[]byte]
	}{
		{"map", func() cache.Cache[[]byte] {
			c := newMapcache(clock.Now)
			c.maxKey = 64
			return c
		}},
		{"map with Batcher", func() cache.Cache[[]byte] {
			c := newMapcache(clock.Now)
			c.maxKey = 64
			return batchMapcache{c}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cachetest.Run(t, func(*testing.T) cache.Cache[[]byte] { return tt.new() },
				cachetest.Options{Advance: clock.Advance, MaxKeyLen: 64})
		})
	}
}

func TestRunRealClock(t *testing.T) {
	t.Parallel()
	cachetest.Run(t, func(*testing.T) cache.Cache[[]byte] { return newMapcache(time.Now) }, cachetest.Options{})
}

// Typed with Raw over a backend that keeps the caller's slices is still
// a conforming byte cache: Raw copies both ways.
func TestRunTypedRaw(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	for _, batch := range []bool{false, true} {
		name := "plain"
		if batch {
			name = "with Batcher"
		}
		t.Run(name, func(t *testing.T) {
			cachetest.Run(t, func(*testing.T) cache.Cache[[]byte] {
				m := newMapcache(clock.Now)
				m.noCopy = true
				var c cache.Cache[[]byte] = m
				if batch {
					c = batchMapcache{m}
				}
				typed := cache.Typed[[]byte](c, cache.Raw{})
				if _, ok := typed.(cache.Batcher[[]byte]); ok != batch {
					t.Fatalf("Typed implements Batcher = %v, want %v", ok, batch)
				}
				return typed
			}, cachetest.Options{Advance: clock.Advance})
		})
	}
}

// flawEnv names the flaw TestFlawedBackend runs the suite with, in the
// child process TestRunDetectsFlaws starts.
const flawEnv = "KEEL_CACHETEST_FLAW"

// flawCases maps each deliberate contract violation to the subtest that
// must catch it.
var flawCases = []struct {
	flaw    string
	subtest string
	real    bool // run with a real clock instead of Advance
	set     func(*flaws)
}{
	// The control: without a flaw the same harness passes every subtest.
	{"none", "", false, func(*flaws) {}},
	{"none-real-clock", "", true, func(*flaws) {}},
	{"returns-expired", "TTLExpiry", false, func(f *flaws) { f.returnsExpired = true }},
	{"returns-expired-real-clock", "TTLExpiry", true, func(f *flaws) { f.returnsExpired = true }},
	{"ignores-ttl", "BatchTTL", false, func(f *flaws) { f.ignoresTTL = true }},
	{"keeps-negative-ttl", "NegativeTTLDeletes", false, func(f *flaws) { f.keepsNegativeTTL = true }},
	{"keeps-negative-ttl-batch", "Batch", false, func(f *flaws) { f.keepsNegativeTTL = true }},
	{"aliases-get", "GetResultNotAliased", false, func(f *flaws) { f.aliasesGet = true }},
	{"retains-set", "SetValueNotRetained", false, func(f *flaws) { f.retainsSet = true }},
	{"miss-is-error", "MissOnAbsentKey", false, func(f *flaws) { f.missIsError = true }},
	{"ignores-close", "Closed", false, func(f *flaws) { f.ignoresClose = true }},
	{"close-twice-errors", "Closed", false, func(f *flaws) { f.closeTwiceErrors = true }},
	{"accepts-empty-key", "InvalidKey", false, func(f *flaws) { f.acceptsEmptyKey = true }},
	{"ignores-max-key", "InvalidKey", false, func(f *flaws) { f.ignoresMaxKey = true }},
	{"keeps-ttl-on-overwrite", "OverwriteReplacesTTL", false, func(f *flaws) { f.keepsTTLOnOverwrite = true }},
	{"delete-absent-errors", "DeleteAbsent", false, func(f *flaws) { f.deleteAbsentErrors = true }},
	{"empty-is-miss", "EmptyValue", false, func(f *flaws) { f.emptyIsMiss = true }},
	{"errors-on-cancel", "CancelledContext", false, func(f *flaws) { f.errorsOnCancel = true }},
	{"batch-returns-misses", "Batch", false, func(f *flaws) { f.batchReturnsMisses = true }},
}

// TestFlawedBackend runs the suite against a backend with one flaw. It
// only runs in the child process of TestRunDetectsFlaws, where it must
// fail.
func TestFlawedBackend(t *testing.T) {
	name := os.Getenv(flawEnv)
	if name == "" {
		t.Skip("run by TestRunDetectsFlaws")
	}
	for _, fc := range flawCases {
		if fc.flaw != name {
			continue
		}
		clock := testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
		opts := cachetest.Options{Advance: clock.Advance, MaxKeyLen: 64}
		now := clock.Now
		if fc.real {
			opts.Advance, now = nil, time.Now
		}
		cachetest.Run(t, func(*testing.T) cache.Cache[[]byte] {
			c := newMapcache(now)
			c.maxKey = 64
			fc.set(&c.flaws)
			return batchMapcache{c}
		}, opts)
		return
	}
	t.Fatalf("unknown flaw %q", name)
}

// Each contract violation makes the subtest meant to catch it fail.
func TestRunDetectsFlaws(t *testing.T) {
	if os.Getenv(flawEnv) != "" {
		t.Skip("in the child process")
	}
	if testing.Short() {
		t.Skip("starts a process per flaw")
	}
	for _, fc := range flawCases {
		t.Run(fc.flaw, func(t *testing.T) {
			t.Parallel()
			run := "-test.run=^TestFlawedBackend$"
			if fc.subtest != "" {
				run += "/^" + fc.subtest + "$"
			}
			cmd := exec.CommandContext(t.Context(), os.Args[0], run, "-test.count=1", "-test.timeout=60s")
			cmd.Env = append(os.Environ(), flawEnv+"="+fc.flaw)
			out, err := cmd.CombinedOutput()
			if fc.subtest == "" {
				if err != nil {
					t.Fatalf("child process without a flaw = %v, want success; output:\n%s", err, out)
				}
				return
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("child process error = %v, want a failing exit status; output:\n%s", err, out)
			}
			if want := "--- FAIL: TestFlawedBackend/" + fc.subtest + " "; !strings.Contains(string(out), want) {
				t.Errorf("child output does not contain %q; output:\n%s", want, out)
			}
		})
	}
}
