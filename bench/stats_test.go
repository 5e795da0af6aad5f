package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	seq := func(n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = time.Duration(n-i) * time.Millisecond // descending: percentile must sort
		}
		return out
	}
	tests := []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value", []time.Duration{7}, 99, 7},
		{"median of 100", seq(100), 50, 50 * time.Millisecond},
		{"p99 of 100", seq(100), 99, 99 * time.Millisecond},
		{"p100 is the max", seq(100), 100, 100 * time.Millisecond},
		{"p99 of 10 is the max", seq(10), 99, 10 * time.Millisecond},
		{"tiny p is the min", seq(10), 0.001, time.Millisecond},
		{"median of 2 is the lower", []time.Duration{2, 1}, 50, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, percentile(tt.in, tt.p))
		})
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{groupThousands(0), "0"},
		{groupThousands(999), "999"},
		{groupThousands(1000), "1,000"},
		{groupThousands(1234567), "1,234,567"},
		{groupThousands(-12345), "-12,345"},
		{fmtRate(21731.4, "req/s"), "21,731 req/s"},
		{fmtDur(933 * time.Microsecond), "933µs"},
		{fmtDur(9260 * time.Microsecond), "9.26ms"},
		{fmtDur(1500 * time.Millisecond), "1.5s"},
		{fmtDur(800), "800ns"},
		{fmtNs(2513), "2513 ns/op"},
		{fmtNs(31700), "31.7 µs/op"},
		{fmtNs(4.8e6), "4.8 ms/op"},
		{ratioText(0.25), "0.25x time (4.0x faster)"},
		{ratioText(1.37), "1.37x time"},
		{result{nsPerOp: 1707, allocsPerOp: 10}.describe(), "1707 ns/op, 10 allocs/op"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.got)
	}
}

func TestTimeRatio(t *testing.T) {
	require.InDelta(t, 0.5, timeRatio(result{nsPerOp: 50}, result{nsPerOp: 100}), 1e-9)
	require.Zero(t, timeRatio(result{nsPerOp: 50}, result{}), "no baseline, no ratio")
}

func TestParseCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n\nprocessor\t: 1\nmodel name\t: other\n"
	require.Equal(t, "Intel(R) Xeon(R) Processor", parseCPUModel(info))
	require.Equal(t, "CPU model unknown", parseCPUModel("processor : 0\n"))
}
