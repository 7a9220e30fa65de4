package dashboard_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keel-go/keel/queue"
	"github.com/keel-go/keel/queue/dashboard"
	"github.com/keel-go/keel/queue/memoryqueue"
)

// BenchmarkPages renders the overview of 10 queues with 20 failures each,
// and a job page, in process.
func BenchmarkPages(b *testing.B) {
	broker, err := memoryqueue.New(memoryqueue.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	for q := range 10 {
		for i := range 20 {
			settle(b, broker, &queue.Job{ID: fmt.Sprintf("q%d-%d", q, i), Type: "t", Queue: fmt.Sprintf("q%d", q),
				Payload: []byte(`{"user":42,"items":[1,2,3]}`)}, queue.Dead, "upstream timeout")
		}
	}
	h, err := dashboard.New(broker, dashboard.Options{Local: true})
	if err != nil {
		b.Fatal(err)
	}
	for name, path := range map[string]string{"overview": "/", "job": "/queues/q3/jobs/q3-7"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.RemoteAddr = "127.0.0.1:40000"
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d", path, rec.Code)
				}
			}
		})
	}
}
