//go:build !race

package idempotency_test

// raceEnabled is true when the race detector is on.
const raceEnabled = false
