package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriteTable(t *testing.T) {
	rows := []Row{
		{Name: "A vs B", Subject: "10 ns/op", Baseline: "20 ns/op", Ratio: "0.50x", Goal: "≤1.3x", Status: Met},
		{Name: "pipe | in name", Subject: "x", Baseline: "y", Ratio: "2.00x", Goal: "≤1.2x", Status: Missed, Note: "slow"},
		skippedRow("Redis row", "≤1.25x", "SWITCHBOARD_TEST_REDIS_URL"),
		errorRow("broken", "", errors.New("boom\nsecond line")),
		{Name: "plain", Subject: "1", Baseline: "2", Ratio: "r"},
	}
	var b strings.Builder
	require.NoError(t, writeTable(&b, rows))
	want := "| Benchmark | Switchboard | Baseline | Ratio | Goal | Result |\n" +
		"|---|---|---|---|---|---|\n" +
		"| A vs B | 10 ns/op | 20 ns/op | 0.50x | ≤1.3x | met |\n" +
		"| pipe \\| in name | x | y | 2.00x | ≤1.2x | **missed** (slow) |\n" +
		"| Redis row | – | – | – | ≤1.25x | skipped (skipped: set SWITCHBOARD_TEST_REDIS_URL) |\n" +
		"| broken | – | – | – | – | **error** (error: boom second line) |\n" +
		"| plain | 1 | 2 | r | – | info |\n"
	require.Equal(t, want, b.String())
}

func TestVerdict(t *testing.T) {
	require.Equal(t, Met, verdict(true))
	require.Equal(t, Missed, verdict(false))
	for s, want := range map[Status]string{Info: "info", Met: "met", Missed: "**missed**", Skipped: "skipped", Failed: "**error**"} {
		require.Equal(t, want, s.String())
	}
}

func TestMicroRow(t *testing.T) {
	fast := result{nsPerOp: 100, allocsPerOp: 1}
	slow := result{nsPerOp: 400, allocsPerOp: 9}
	r := microRow("x", fast, slow, "≥4x faster", func(ratio float64) bool { return 1/ratio >= 4 })
	require.Equal(t, Met, r.Status)
	require.Equal(t, "0.25x time (4.0x faster)", r.Ratio)
	r = microRow("x", slow, fast, "≤1.2x", func(ratio float64) bool { return ratio <= 1.2 })
	require.Equal(t, Missed, r.Status)
	require.Equal(t, Info, microRow("x", fast, slow, "", nil).Status)
	require.Equal(t, Failed, microRow("x", result{}, slow, "", nil).Status, "a failed benchmark is an error, not a fast result")
}

func TestConfigWant(t *testing.T) {
	require.True(t, config{}.want("anything"))
	require.True(t, config{only: "redis"}.want("Store Claim+Complete, Redis vs go-redis"))
	require.False(t, config{only: "redis"}.want("Stripe verify"))
}
