//go:build race

package middleware_test

// rlFloodKeys is how many distinct keys the flood test drives through a
// memory store. The race detector makes each call about ten times slower,
// so under it the flood is smaller, still two hundred times the store's
// bound.
const rlFloodKeys = 200_000
