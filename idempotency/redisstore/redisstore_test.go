package redisstore_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/redisstore"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
	"github.com/switchboard-go/switchboard/idempotency/storetest"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

func client(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// isolatedPrefix returns a random key prefix whose keys are deleted at cleanup.
func isolatedPrefix(t *testing.T, c *redis.Client) string {
	prefix := "switchboard-test:" + storekit.NewToken()[:12] + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		require.NoError(t, iter.Err())
		if len(keys) > 0 {
			require.NoError(t, c.Del(ctx, keys...).Err())
		}
	})
	return prefix
}

// newStore returns a Store under a fresh prefix, on a client of its own
// (so that a check may close it).
func newStore(t *testing.T) *redisstore.Store {
	prefix := isolatedPrefix(t, client(t))
	s, err := redisstore.New(client(t), redisstore.WithPrefix(prefix))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) idempotency.Store { return newStore(t) },
		InjectError: func(t *testing.T, s idempotency.Store, kind error) bool {
			if kind != idempotency.ErrUnavailable {
				return false
			}
			// Redis goes away under the store.
			require.NoError(t, s.(*redisstore.Store).Client().Close())
			return true
		},
	})
}

func TestKeysLiveUnderPrefixWithExpiry(t *testing.T) {
	s := newStore(t)
	c := s.Client()
	ctx := context.Background()
	cl, err := s.Claim(ctx, "k", "fp", 30*time.Second)
	require.NoError(t, err)
	ttl, err := c.PTTL(ctx, s.Prefix()+"k").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 20*time.Second)
	require.LessOrEqual(t, ttl, 30*time.Second)

	require.NoError(t, s.Complete(ctx, "k", cl.Token, idempotency.Record{Status: 200}, time.Hour))
	ttl, err = c.PTTL(ctx, s.Prefix()+"k").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 50*time.Minute, "completion replaces the lease by the TTL")

	n, err := c.Exists(ctx, "k").Result()
	require.NoError(t, err)
	require.Zero(t, n, "nothing is written outside the prefix")
}

func TestSubMillisecondLease(t *testing.T) {
	s := newStore(t)
	c, err := s.Claim(context.Background(), "k", "fp", time.Microsecond)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, c.State, "a positive lease is rounded up to 1ms, never to 0")
}

func TestDownRedisErrors(t *testing.T) {
	const secret = "s3cret-Passw0rd"
	addr := storetest.ClosedPort(t)
	url := "redis://user:" + secret + "@" + addr + "/0?dial_timeout=1s&max_retries=-1"
	_, err := redisstore.Open(context.Background(), url)
	storetest.ErrorHidesSecret(t, err, secret)
	_, err = idempotency.Open(context.Background(), url)
	storetest.ErrorHidesSecret(t, err, secret)

	c := redis.NewClient(&redis.Options{Addr: addr, Password: secret, DialTimeout: time.Second, MaxRetries: -1})
	defer c.Close()
	s, err := redisstore.New(c)
	require.NoError(t, err)
	storetest.ErrorIsNotAcquired(t, s, secret)
}

func TestOpenErrorsHidePassword(t *testing.T) {
	addr := storetest.ClosedPort(t)
	const plain, escaping = "s3cret-Passw0rd", "p@ss w/rd&?+%"
	tests := []struct {
		name   string
		secret string
		url    string
	}{
		{"unreachable", plain, "redis://user:" + plain + "@" + addr + "/0?dial_timeout=1s&max_retries=-1"},
		{"unreachable, escaped password", escaping, "redis://user:" + url.PathEscape(escaping) + "@" + addr + "/0?dial_timeout=1s&max_retries=-1"},
		{"bad option", plain, "redis://user:" + plain + "@" + addr + "/0?dial_timeout=soon"},
		{"bad option, escaped password", escaping, "redis://user:" + url.PathEscape(escaping) + "@" + addr + "/0?dial_timeout=soon"},
		{"bad database", escaping, "redis://user:" + url.PathEscape(escaping) + "@" + addr + "/x" + url.PathEscape(escaping)},
		{"unknown scheme", escaping, "redis+bogus://user:" + url.PathEscape(escaping) + "@" + addr + "/0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := redisstore.Open(context.Background(), tc.url)
			storetest.ErrorHidesSecret(t, err, tc.secret)
		})
	}
}

func TestOpenURL(t *testing.T) {
	base := testenv.RedisURL(t)
	ctx := context.Background()
	c := client(t)
	prefix := isolatedPrefix(t, c)
	s, err := idempotency.Open(ctx, base+"?prefix="+prefix)
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, prefix, s.(*redisstore.Store).Prefix())
	cl, err := s.Claim(ctx, "k", "fp", time.Minute)
	require.NoError(t, err)
	require.Equal(t, idempotency.Acquired, cl.State)
	n, err := c.Exists(ctx, prefix+"k").Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	s2, err := redisstore.Open(ctx, base)
	require.NoError(t, err)
	require.Equal(t, redisstore.DefaultPrefix, s2.Prefix())
	require.NoError(t, s2.Close())

	for raw, want := range map[string]string{
		"redis://u:hunter2@127.0.0.1:1/0?bogus_option=1":    "bogus_option",
		"redis://u:hunter2@127.0.0.1:1/0?prefix=a&prefix=b": `"prefix" is given 2 times`,
		"redis://u:hunter2@127.0.0.1:1/0?dial_timeout=soon": "dial_timeout",
	} {
		s, err := idempotency.Open(ctx, raw)
		require.ErrorIs(t, err, idempotency.ErrInvalidConfig, raw)
		require.ErrorContains(t, err, want)
		require.NotContains(t, err.Error(), "hunter2")
		require.True(t, s == nil)
	}
	require.Contains(t, idempotency.Schemes(), "redis")
	require.Contains(t, idempotency.Schemes(), "rediss")
}

func TestNilClient(t *testing.T) {
	_, err := redisstore.New(nil)
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
	_, err = redisstore.New((*redis.Client)(nil))
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
}

// go-redis logs a failed dial through its process-wide logger, to stderr
// by default. A program that builds a Store never sees those lines on
// stderr; they reach the logger given with WithLogger. The check runs in
// a child process, whose stderr it reads: go-redis's default logger holds
// the stderr of the process that loaded it.
func TestGoRedisLogsNeverReachStderr(t *testing.T) {
	if mode := os.Getenv("REDISSTORE_LOG_CHILD"); mode != "" {
		logChild(mode)
		return
	}
	run := func(mode string) (stdout, stderr string) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGoRedisLogsNeverReachStderr$", "-test.count=1")
		cmd.Env = append(os.Environ(), "REDISSTORE_LOG_CHILD="+mode)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		require.NoError(t, cmd.Run(), "child: %s %s", out.String(), errb.String())
		return out.String(), errb.String()
	}
	// Control: with go-redis's own logger back in place, the failed dial
	// does reach stderr, so the check below can see it.
	_, stderr := run("control")
	require.Contains(t, stderr, "failed to dial", "the control run must produce go-redis's line")

	stdout, stderr := run("silent")
	require.NotContains(t, stderr, "redis:", "no go-redis line on stderr without a logger")
	require.NotContains(t, stdout, "go-redis")

	stdout, stderr = run("logged")
	require.NotContains(t, stderr, "redis:", "no go-redis line on stderr with a logger")
	require.Contains(t, stdout, "msg=go-redis")
	require.Contains(t, stdout, "failed to dial")
	require.NotContains(t, stdout, "s3cret-Passw0rd", "the password is masked")
}

// logChild opens a store on a closed port, as the mode says, in the child
// process of TestGoRedisLogsNeverReachStderr.
func logChild(mode string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	raw := "redis://user:s3cret-Passw0rd@" + addr + "/0?dial_timeout=200ms&max_retries=-1"
	var opts []redisstore.Option
	if mode == "logged" {
		opts = append(opts, redisstore.WithLogger(slog.New(slog.NewTextHandler(os.Stdout, nil))))
	}
	if mode == "control" {
		// Build a store first, so the router is installed, then put
		// go-redis's own stderr logger back.
		c := redis.NewClient(&redis.Options{Addr: addr})
		s, err := redisstore.New(c)
		if err != nil {
			panic(err)
		}
		_ = s.Close()
		_ = c.Close()
		logging.Enable()
	}
	s, err := redisstore.Open(context.Background(), raw, opts...)
	if err == nil {
		_ = s.Close()
		panic("a closed port must fail")
	}
}

// A failed Open returns a nil Store interface, never one holding a nil
// pointer.
func TestOpenFailureReturnsNilStore(t *testing.T) {
	s, err := idempotency.Open(context.Background(), "redis://"+storetest.ClosedPort(t)+"/0?dial_timeout=1s&max_retries=-1")
	require.Error(t, err)
	require.True(t, s == nil, "Open must return a nil interface, got %#v", s)
}
