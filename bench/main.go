// Command bench measures Switchboard against its baselines in one run and
// prints one markdown table: each row is a ratio between Switchboard and a
// baseline doing the same work on the same input, with its goal.
//
//	go run ./bench [-quick] [-only NAME]
//
// Rows that need PostgreSQL, Redis or an SMTP server run only when
// SWITCHBOARD_TEST_POSTGRES_URL, SWITCHBOARD_TEST_REDIS_URL or
// SWITCHBOARD_TEST_MAILPIT_SMTP are set.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// config holds the command-line settings.
type config struct {
	quick     bool
	only      string
	rounds    int
	benchTime time.Duration
	loadTime  time.Duration
	loadMax   int
	conc      int
}

// want reports whether a row or group named name is selected by -only.
func (c config) want(name string) bool {
	return c.only == "" || strings.Contains(strings.ToLower(name), strings.ToLower(c.only))
}

func main() {
	testing.Init()
	quick := flag.Bool("quick", false, "shorter runs (about 30 s in all)")
	only := flag.String("only", "", "run only the groups or rows whose name contains this text (case-insensitive)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		stop, err := startProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
		defer stop()
	}

	cfg := config{quick: *quick, only: *only, rounds: 3, benchTime: 300 * time.Millisecond,
		loadTime: 2500 * time.Millisecond, loadMax: 40000, conc: 32}
	if cfg.quick {
		cfg.rounds, cfg.benchTime, cfg.loadTime, cfg.loadMax = 2, 80*time.Millisecond, 700*time.Millisecond, 10000
	}
	if err := flag.Set("test.benchtime", cfg.benchTime.String()); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	start := time.Now()
	rows := runAll(cfg)
	writeHeader(os.Stdout, cfg, time.Since(start))
	if err := writeTable(os.Stdout, rows); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// startProfile starts a CPU profile into path and returns what stops it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

// group is a set of rows measured together.
type group struct {
	name string
	run  func(config) []Row
}

func runAll(cfg config) []Row {
	groups := []group{
		{"Stripe", stripeRows},
		{"Verifiers", verifierRows},
		{"Handler", handlerRows},
		{"Queue", queueRows},
		{"Store", storeRows},
		{"httpclient", clientRows},
		{"SMTP", smtpRows},
		{"Media", mediaRows},
	}
	var rows []Row
	for _, g := range groups {
		gcfg := cfg
		if cfg.want(g.name) {
			gcfg.only = "" // the whole group is selected
		}
		t0 := time.Now()
		got := g.run(gcfg)
		for _, r := range got {
			if gcfg.want(r.Name) {
				rows = append(rows, r)
			}
		}
		fmt.Fprintf(os.Stderr, "bench: %s done in %v\n", g.name, time.Since(t0).Round(time.Millisecond))
	}
	return rows
}

// writeHeader prints the machine and settings the figures come from.
func writeHeader(w io.Writer, cfg config, took time.Duration) {
	mode := "full"
	if cfg.quick {
		mode = "quick"
	}
	fmt.Fprintf(w, "Switchboard benchmarks (%s run, %v)\n\n", mode, took.Round(time.Second))
	fmt.Fprintf(w, "- Go %s, %s/%s, %d CPUs (GOMAXPROCS %d), %s\n", strings.TrimPrefix(runtime.Version(), "go"),
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel())
	fmt.Fprintf(w, "- micro-benchmarks: testing.Benchmark, %v per run, best of %d alternating runs; ratio = Switchboard time / baseline time\n",
		cfg.benchTime, cfg.rounds)
	fmt.Fprintf(w, "- load rows: loopback HTTP/1.1, %d concurrent clients, at most %v or %d requests per row, ratio = Switchboard req/s / baseline req/s\n\n",
		cfg.conc, cfg.loadTime, cfg.loadMax)
}

// cpuModel reads the CPU model from /proc/cpuinfo when there is one.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "CPU model unknown"
	}
	return parseCPUModel(string(b))
}

// parseCPUModel returns the first "model name" of a /proc/cpuinfo text.
func parseCPUModel(s string) string {
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "CPU model unknown"
}
