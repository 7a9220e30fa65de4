//go:build !unix

package bench_test

import "time"

// cpuTime reports that the process's CPU time cannot be read on this
// platform; the benchmarks then report wall time only.
func cpuTime() (time.Duration, bool) { return 0, false }
