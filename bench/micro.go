package main

import (
	"fmt"
	"testing"
)

// micro is a pair of Go benchmarks over the same input.
type micro struct {
	subject, baseline func(b *testing.B)
}

// result is the best of several benchmark runs.
type result struct {
	nsPerOp     float64
	allocsPerOp int64
	bytesPerOp  int64
}

func fromBench(r testing.BenchmarkResult) result {
	if r.N == 0 {
		return result{}
	}
	return result{
		nsPerOp:     float64(r.T.Nanoseconds()) / float64(r.N),
		allocsPerOp: r.AllocsPerOp(),
		bytesPerOp:  r.AllocedBytesPerOp(),
	}
}

// run measures subject and baseline alternately, rounds times each, and
// keeps the fastest run of each, which filters out the noise of other
// processes on a shared machine.
func (m micro) run(rounds int) (s, b result) {
	for i := range rounds {
		rs := fromBench(testing.Benchmark(m.subject))
		rb := fromBench(testing.Benchmark(m.baseline))
		if i == 0 || rs.nsPerOp < s.nsPerOp {
			s = rs
		}
		if i == 0 || rb.nsPerOp < b.nsPerOp {
			b = rb
		}
	}
	return s, b
}

// describe formats a result for a table cell.
func (r result) describe() string {
	return fmt.Sprintf("%s, %d allocs/op", fmtNs(r.nsPerOp), r.allocsPerOp)
}

// timeRatio is how many times the baseline's time per operation the
// subject takes (below 1 means faster).
func timeRatio(s, b result) float64 {
	if b.nsPerOp == 0 {
		return 0
	}
	return s.nsPerOp / b.nsPerOp
}

// ratioText formats a time ratio, adding the speed-up when it is one.
func ratioText(r float64) string {
	if r > 0 && r < 1 {
		return fmt.Sprintf("%.2fx time (%.1fx faster)", r, 1/r)
	}
	return fmt.Sprintf("%.2fx time", r)
}

// guard fails a benchmark when cond is false, so that a broken setup is
// not reported as a fast one.
func guard(b *testing.B, ok bool, what string, err error) {
	if !ok {
		b.Fatalf("%s: %v", what, err)
	}
}
