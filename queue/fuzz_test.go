package queue_test

import (
	"testing"
	"time"

	"github.com/keel-go/keel/queue"
)

// FuzzCron checks that no expression makes the parser panic and that a
// parsed schedule always moves forward.
func FuzzCron(f *testing.F) {
	for _, s := range []string{"* * * * *", "*/5 * * * *", "0 3 * * 1-5", "@hourly", "CRON_TZ=Europe/Paris 0 9 * * *", "61 * * * *", "", "@every 1h"} {
		f.Add(s)
	}
	start := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := queue.Cron(expr)
		if err != nil {
			return
		}
		if n := s.Next(start); !n.IsZero() && !n.After(start) {
			t.Errorf("Cron(%q).Next(%v) = %v, not after", expr, start, n)
		}
	})
}
