//go:build !race

package rediscache_test

// raceEnabled reports whether the race detector is on: it adds
// allocations of its own, so allocation counts mean nothing.
const raceEnabled = false
