//go:build !race

package middleware_test

// rlFloodKeys is how many distinct keys the flood test drives through a
// memory store.
const rlFloodKeys = 1_000_000
