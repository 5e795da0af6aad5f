//go:build race

package reliability

// raceEnabled is true when the race detector is on; it slows the HTTP
// stack about tenfold, so the heaviest workloads shrink.
const raceEnabled = true
