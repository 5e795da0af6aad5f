//go:build !race

package reliability

// raceEnabled is true when the race detector is on.
const raceEnabled = false
