//go:build race

package idempotency_test

// raceEnabled is true when the race detector is on; it makes copying large
// buffers many times slower, so the heaviest workloads shrink.
const raceEnabled = true
