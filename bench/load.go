package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/idempotency/pgstore"
	"github.com/switchboard-go/switchboard/idempotency/redisstore"
	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/webhooks"
)

// delivery is one signed Stripe delivery, prepared before the clock starts.
type delivery struct {
	body []byte
	sig  string
}

// idPlaceholder is replaced by each event's id in the body template.
const idPlaceholder = "evt_PLACEHOLDER00000000"

// prepareDeliveries signs n distinct Stripe events of about 1 KiB whose ids
// start with prefix.
func prepareDeliveries(prefix string, n int) []delivery {
	tmpl := stripeBody(idPlaceholder, 1<<10)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	out := make([]delivery, n)
	mac := hmac.New(sha256.New, []byte(benchStripeSecret))
	for i := range out {
		id := fmt.Sprintf("evt_%s%08d", prefix, i)
		body := bytes.Replace(tmpl, []byte(idPlaceholder), []byte(id), 1)
		mac.Reset()
		mac.Write([]byte(ts))
		mac.Write([]byte("."))
		mac.Write(body)
		out[i] = delivery{body: body, sig: "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))}
	}
	return out
}

// loadResult is what one load run measured.
type loadResult struct {
	ok, failed int
	elapsed    time.Duration
	latencies  []time.Duration
}

func (r loadResult) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// describe formats throughput and latency for a table cell.
func (r loadResult) describe() string {
	lat := append([]time.Duration(nil), r.latencies...)
	s := fmt.Sprintf("%s, p50 %s, p99 %s", fmtRate(r.rps(), "req/s"), fmtDur(percentile(lat, 50)), fmtDur(percentile(lat, 99)))
	if r.failed > 0 {
		s += fmt.Sprintf(", %d non-200", r.failed)
	}
	return s
}

// generate sends the deliveries to url from conc goroutines until all are
// sent or d has passed, and records each request's latency.
func generate(client *http.Client, url string, ds []delivery, conc int, d time.Duration) loadResult {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		res      loadResult
		wg       sync.WaitGroup
		deadline = time.Now().Add(d)
	)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lats := make([]time.Duration, 0, len(ds)/conc+1)
			ok, failed := 0, 0
			for {
				i := int(next.Add(1) - 1)
				if i >= len(ds) || time.Now().After(deadline) {
					break
				}
				req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(ds[i].body))
				if err != nil {
					failed++
					continue
				}
				req.Header = http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {ds[i].sig}}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				lats = append(lats, time.Since(t0))
				if resp.StatusCode == http.StatusOK {
					ok++
				} else {
					failed++
				}
			}
			mu.Lock()
			res.ok += ok
			res.failed += failed
			res.latencies = append(res.latencies, lats...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// bareHandler is the baseline: it reads the body and checks the Stripe
// HMAC, nothing else.
func bareHandler(secret string) http.Handler {
	key := []byte(secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhooks.DefaultMaxBodyBytes))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		h := r.Header.Get("Stripe-Signature")
		ts, rest, _ := strings.Cut(strings.TrimPrefix(h, "t="), ",")
		sig := strings.TrimPrefix(rest, "v1=")
		if !bareHMAC(sha256.New, key, hexDecode, sig, []byte(ts), []byte("."), body) {
			http.Error(w, "invalid signature", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
	})
}

// loadRun serves h on loopback, warms it up, then measures it.
func loadRun(cfg config, h http.Handler, prefix string) loadResult {
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConns: cfg.conc * 2, MaxIdleConnsPerHost: cfg.conc * 2, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	generate(client, srv.URL, prepareDeliveries(prefix+"warm", cfg.conc*10), cfg.conc, cfg.loadTime)
	ds := prepareDeliveries(prefix, cfg.loadMax)
	runtime.GC()
	return generate(client, srv.URL, ds, cfg.conc, cfg.loadTime)
}

// switchboardHandler is a Stripe webhooks.Handler on store whose event
// function only counts.
func switchboardHandler(store idempotency.Store, processed *atomic.Int64) (*webhooks.Handler, error) {
	v, err := webhooks.NewStripe(benchStripeSecret)
	if err != nil {
		return nil, err
	}
	h, err := webhooks.NewHandler(v, webhooks.WithStore(store), webhooks.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return nil, err
	}
	h.On("invoice.paid", func(context.Context, *webhooks.Event) error {
		processed.Add(1)
		return nil
	})
	return h, nil
}

// storeBackend opens one store backend for a benchmark and cleans up after.
type storeBackend struct {
	name  string
	env   string // variable that must be set, or ""
	open  func(ctx context.Context, nonce string) (idempotency.Store, func(), error)
	bare  func(ctx context.Context, s idempotency.Store, nonce string) (bareStore, error)
	label string
}

func backends() []storeBackend {
	return []storeBackend{
		{name: "memory", open: func(context.Context, string) (idempotency.Store, func(), error) {
			s, err := memstore.New()
			if err != nil {
				return nil, nil, err
			}
			return s, func() { _ = s.Close() }, nil
		}, bare: bareMemory, label: "map + mutex"},
		{name: "SQLite", open: openSQLite, bare: bareSQLite, label: "database/sql, same statements"},
		{name: "PostgreSQL", env: testenv.EnvPostgres, open: openPostgres, bare: barePostgres, label: "pgx pool, same statements"},
		{name: "Redis", env: testenv.EnvRedis, open: openRedis, bare: bareRedis, label: "go-redis, same scripts"},
	}
}

func openSQLite(ctx context.Context, nonce string) (idempotency.Store, func(), error) {
	dir, err := os.MkdirTemp("", "switchboard-bench-")
	if err != nil {
		return nil, nil, err
	}
	s, err := sqlitestore.Open(ctx, filepath.Join(dir, "idem.db"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	return s, func() { _ = s.Close(); _ = os.RemoveAll(dir) }, nil
}

func openPostgres(ctx context.Context, nonce string) (idempotency.Store, func(), error) {
	schema := pgSchema(nonce)
	s, err := pgstore.Open(ctx, os.Getenv(testenv.EnvPostgres), pgstore.WithSchema(schema))
	if err != nil {
		return nil, nil, err
	}
	return s, func() {
		_, _ = s.Pool().Exec(context.Background(), `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
		_ = s.Close()
	}, nil
}

func openRedis(ctx context.Context, nonce string) (idempotency.Store, func(), error) {
	prefix := "switchboard-bench:" + nonce + ":"
	s, err := redisstore.Open(ctx, os.Getenv(testenv.EnvRedis), redisstore.WithPrefix(prefix))
	if err != nil {
		return nil, nil, err
	}
	return s, func() {
		c := s.Client()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 1000 {
				c.Unlink(ctx, keys...)
				keys = keys[:0]
			}
		}
		if len(keys) > 0 {
			c.Unlink(ctx, keys...)
		}
		_ = s.Close()
	}, nil
}

// pgSchema is the PostgreSQL schema of one benchmark run.
func pgSchema(nonce string) string { return "bench_" + nonce }

// nonce is a short unique name part for schemas and prefixes.
func nonce() string {
	return strconv.FormatInt(time.Now().UnixNano()%1e12, 36)
}

// handlerRows measures the webhook handler under load against the bare
// handler, with each store backend. The bare handler and the handler with
// the memory store, whose ratio has a goal, run alternately (three times
// each, twice with -quick) and the best run of each counts, as for
// micro-benchmarks.
func handlerRows(cfg config) []Row {
	const memGoal = "≥0.85x bare req/s"
	pairs := 3
	if cfg.quick {
		pairs = 2
	}
	var bare loadResult
	var rows []Row
	for _, b := range backends() {
		name := fmt.Sprintf("Handler + %s store vs bare net/http (read body + HMAC), %d clients", b.name, cfg.conc)
		goal := "2 store round trips/event"
		if b.name == "memory" {
			goal = memGoal + "; " + goal
		}
		if !cfg.want(name) {
			continue
		}
		if b.env != "" && os.Getenv(b.env) == "" {
			rows = append(rows, skippedRow(name, goal, b.env))
			continue
		}
		runs := 1
		if b.name == "memory" {
			runs = pairs
		}
		var best handlerRun
		for i := range runs {
			if b.name == "memory" || bare.rps() == 0 {
				r := loadRun(cfg, bareHandler(benchStripeSecret), fmt.Sprintf("bare%d", i))
				if r.rps() > bare.rps() {
					bare = r
				}
			}
			run, err := measureHandler(cfg, b)
			if err != nil {
				best.err = err
				break
			}
			if i == 0 || run.res.rps() > best.res.rps() {
				best = run
			}
		}
		if best.err != nil {
			rows = append(rows, errorRow(name, goal, best.err))
			continue
		}
		rows = append(rows, handlerRow(b, name, goal, best, bare))
	}
	return rows
}

// handlerRun is one load run of the Handler on one store.
type handlerRun struct {
	res       loadResult
	perEvent  float64
	processed int64
	err       error
}

func measureHandler(cfg config, b storeBackend) (handlerRun, error) {
	ctx := context.Background()
	n := nonce()
	store, cleanup, err := b.open(ctx, n)
	if err != nil {
		return handlerRun{}, err
	}
	defer cleanup()
	cs := &countingStore{Store: store}
	var processed atomic.Int64
	h, err := switchboardHandler(cs, &processed)
	if err != nil {
		return handlerRun{}, err
	}
	res := loadRunCounted(cfg, h, "h"+n, cs, &processed)
	return handlerRun{res: res, perEvent: cs.perEvent(processed.Load()), processed: processed.Load()}, nil
}

func handlerRow(b storeBackend, name, goal string, run handlerRun, bare loadResult) Row {
	ratio := 0.0
	if bare.rps() > 0 {
		ratio = run.res.rps() / bare.rps()
	}
	row := Row{
		Name:     name,
		Subject:  fmt.Sprintf("%s, %.2f store calls/event", run.res.describe(), run.perEvent),
		Baseline: bare.describe(),
		Ratio:    fmt.Sprintf("%.2fx req/s", ratio),
		Goal:     goal,
	}
	ok := run.perEvent == 2 && run.res.failed == 0 && run.processed == int64(run.res.ok)
	if b.name == "memory" {
		ok = ok && ratio >= 0.85
	}
	row.Status = verdict(ok)
	if run.processed != int64(run.res.ok) {
		row.Note = fmt.Sprintf("%d events processed for %d answers 200", run.processed, run.res.ok)
	}
	return row
}

// loadRunCounted is loadRun with the counters reset between warm-up and
// measurement.
func loadRunCounted(cfg config, h http.Handler, prefix string, cs *countingStore, processed *atomic.Int64) loadResult {
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConns: cfg.conc * 2, MaxIdleConnsPerHost: cfg.conc * 2, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	generate(client, srv.URL, prepareDeliveries(prefix+"warm", cfg.conc*10), cfg.conc, cfg.loadTime)
	ds := prepareDeliveries(prefix, cfg.loadMax)
	cs.reset()
	processed.Store(0)
	runtime.GC()
	return generate(client, srv.URL, ds, cfg.conc, cfg.loadTime)
}
