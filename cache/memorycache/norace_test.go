//go:build !race

package memorycache_test

// raceEnabled reports whether the race detector is on; it adds
// allocations, so allocation counts mean nothing under it.
const raceEnabled = false
