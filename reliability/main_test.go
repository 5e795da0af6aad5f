package reliability

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/idempotency/pgstore"
	"github.com/switchboard-go/switchboard/idempotency/redisstore"
	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// leakOptions lists goroutines allowed to outlive a test. It is empty:
// every store (and so every pgx pool, go-redis pool and SQLite handle),
// server and transport is closed by the test that opened it, so any
// goroutine left over is a leak.
var leakOptions []goleak.Option

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, leakOptions...)
}

// stripeSecret signs every Stripe delivery in this package.
const stripeSecret = "whsec_reliability_3f9a1c5e7b2d4f6a8c0e"

// randomName returns a short random lower-case hex name.
func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// backend opens one idempotency store for a test, isolated from other
// tests (its own file, schema or key prefix) and closed at cleanup.
type backend struct {
	name string
	open func(t *testing.T) idempotency.Store
}

func backends() []backend {
	return []backend{
		{"memory", func(t *testing.T) idempotency.Store {
			return memStore(t)
		}},
		{"sqlite", func(t *testing.T) idempotency.Store {
			s, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "idem.db"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{"postgres", func(t *testing.T) idempotency.Store {
			return openPostgres(t, testenv.PostgresURL(t))
		}},
		{"redis", func(t *testing.T) idempotency.Store {
			return openRedis(t, testenv.RedisURL(t))
		}},
	}
}

// memStore opens a memory store closed at cleanup.
func memStore(t *testing.T, opts ...memstore.Option) *memstore.Store {
	t.Helper()
	s, err := memstore.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openPostgres opens a pgstore in a fresh schema, dropped at cleanup.
func openPostgres(t *testing.T, url string) *pgstore.Store {
	t.Helper()
	schema := "reliability_" + randomName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := pgstore.Open(ctx, url, pgstore.WithSchema(schema))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = s.Pool().Exec(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`)
		_ = s.Close()
	})
	return s
}

// openRedis opens a redisstore under a fresh key prefix, whose keys are
// deleted at cleanup.
func openRedis(t *testing.T, url string) *redisstore.Store {
	t.Helper()
	prefix := "reliability:" + randomName() + ":"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := redisstore.Open(ctx, url, redisstore.WithPrefix(prefix))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c := s.Client()
		iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		_ = s.Close()
	})
	return s
}

// logSink collects every log line and error string of a test at debug
// level, and fails the test when any of its registered secrets shows up.
type logSink struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	secrets []string
}

// newLogSink returns a sink checked at the end of t.
func newLogSink(t *testing.T) *logSink {
	s := &logSink{}
	t.Cleanup(func() { s.check(t) })
	return s
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// logger returns a debug-level logger writing into the sink.
func (s *logSink) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// secret registers values that must never appear in logs or errors.
func (s *logSink) secret(vs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vs {
		if v != "" {
			s.secrets = append(s.secrets, v)
		}
	}
}

// err records an error string for the secret check.
func (s *logSink) err(err error) {
	if err != nil {
		_, _ = fmt.Fprintf(s, "error: %s\n", err.Error())
	}
}

// text returns everything logged so far.
func (s *logSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// leaks returns the registered secrets that appear in the sink.
func (s *logSink) leaks() []string {
	text := s.text()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, sec := range s.secrets {
		if strings.Contains(text, sec) {
			out = append(out, sec)
		}
	}
	return out
}

func (s *logSink) check(t *testing.T) {
	t.Helper()
	for _, sec := range s.leaks() {
		t.Errorf("a secret or signature (%d bytes, starting %q) appears in the log or an error", len(sec), sec[:min(4, len(sec))])
	}
}

// stripeEvent returns a Stripe event body with the given id.
func stripeEvent(id string) []byte {
	return []byte(`{"id":"` + id + `","object":"event","api_version":"2023-10-16","created":1709251234,` +
		`"data":{"object":{"id":"in_1OqXYZ","object":"invoice","amount_paid":2000,"currency":"usd"}},` +
		`"livemode":false,"type":"invoice.paid"}`)
}

// signedStripe returns a signed POST of body to url and registers the
// signature with the sink.
func signedStripe(t *testing.T, sink *logSink, url string, body []byte) *http.Request {
	t.Helper()
	h := webhookstest.SignStripe(body, stripeSecret, time.Now())
	if sink != nil {
		sig := h.Get("Stripe-Signature")
		sink.secret(sig[strings.Index(sig, "v1=")+3:])
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = h
	return req
}

// stripeHandler returns a Handler for Stripe deliveries logging into sink.
func stripeHandler(t *testing.T, sink *logSink, opts ...webhooks.HandlerOption) *webhooks.Handler {
	t.Helper()
	v, err := webhooks.NewStripe(stripeSecret)
	require.NoError(t, err)
	sink.secret(stripeSecret)
	h, err := webhooks.NewHandler(v, append([]webhooks.HandlerOption{webhooks.WithLogger(sink.logger())}, opts...)...)
	require.NoError(t, err)
	return h
}

// serve starts an httptest server for h and a client for it, both closed
// at cleanup.
func serve(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return srv, &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// send performs req and returns its status, draining the body.
func send(c *http.Client, req *http.Request) (int, error) {
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode, nil
}

// counter counts calls per key.
type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func newCounter() *counter { return &counter{m: make(map[string]int)} }

func (c *counter) add(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k]++
	return c.m[k]
}

func (c *counter) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// size picks the workload size: full normally, short under -short.
func size(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}
