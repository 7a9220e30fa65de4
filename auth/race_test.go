//go:build race

package auth_test

// raceEnabled reports whether the race detector is on: it adds allocations
// of its own, so allocation counts mean nothing under it.
const raceEnabled = true
